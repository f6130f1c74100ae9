//! 申办的错误 — everything the applying service can fail with, in its own terms;
//! [`crate::error`] alone turns it into an HTTP answer.

use shared::FieldError;

/// What an applying service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApplyingError {
    /// Fields of the request are wrong; each says how.
    #[error("invalid fields: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The session's person is gone.
    #[error("not signed in")]
    Unauthenticated,
    /// The person may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The authorization the proxy applies under was revoked or has ended.
    #[error("the authorization lapsed")]
    ProxyLapsed,
    /// A staff member applies only for an applicant present at their window.
    #[error("staff apply only for an applicant present")]
    NoApplicantPresent,
    /// The enterprise applying is unknown.
    #[error("enterprise not found")]
    EnterpriseNotFound,
    /// The person applying is unknown.
    #[error("person not found")]
    PersonNotFound,
    /// No such application or case of the person's (or the number does not match).
    #[error("case not found")]
    CaseNotFound,
    /// No such draft of the person's.
    #[error("draft not found")]
    DraftNotFound,
    /// The person keeps as many drafts as one may.
    #[error("draft limit reached")]
    DraftLimitReached,
    /// The Idempotency-Key is malformed.
    #[error("invalid idempotency key")]
    InvalidIdempotencyKey,
    /// The Idempotency-Key was used for another body.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// No such upload the person may read.
    #[error("upload not found")]
    UploadNotFound,
    /// The upload is empty.
    #[error("empty file")]
    EmptyFile,
    /// The upload is not a PDF, JPEG or PNG by content (or does not decode as one).
    #[error("unsupported file type")]
    UnsupportedFileType,
    /// The upload's content is not what its kind of file must be.
    #[error("upload refused by its content: {0}")]
    BadContent(crate::applying::content::ContentError),
    /// The upload is larger than `limit` bytes.
    #[error("file larger than {limit} bytes")]
    FileTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The person uploaded their files for today.
    #[error("daily upload limit")]
    DailyUploadLimit,
    /// The upload would take the person past their stored-bytes quota.
    #[error("storage quota of {quota} bytes full")]
    QuotaFull {
        /// The quota, in bytes.
        quota: u64,
    },
    /// The upload's body broke off.
    #[error("upload interrupted")]
    UploadInterrupted,
    /// The receipt font is not installed.
    #[error("receipt font unavailable")]
    ReceiptUnavailable,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// Anything else; logged with its cause.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<FieldError> for ApplyingError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}
