//! How the case services fail; `crate::error` turns each into its HTTP answer.

use shared::FieldError;
use shared::application::CaseStatus;
use shared::workflow::CaseAction;

/// A case service's failure.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No such case, or none the caller may see (both answer alike).
    #[error("no such case")]
    NotFound,
    /// No such notice, or none the caller may see.
    #[error("no such notice")]
    NoticeNotFound,
    /// A stored file no longer matches the hash recorded with the case.
    #[error("file {0} does not match its recorded hash")]
    FileAltered(String),
    /// The caller has no role that works cases.
    #[error("not a role that works cases")]
    Forbidden,
    /// The caller's roles never take this action.
    #[error("{0:?} is not taken by this role")]
    NotYourRole(CaseAction),
    /// The action cannot be taken now.
    #[error("{action:?} cannot be taken while the case is {status:?}")]
    NotNow {
        /// What was asked.
        action: CaseAction,
        /// Where the case stands.
        status: CaseStatus,
        /// What the caller may do instead.
        allowed: Vec<CaseAction>,
    },
    /// Another change to the case committed first.
    #[error("the case changed meanwhile")]
    Changed,
    /// The request lacks what its action needs, or names what it cannot.
    #[error("invalid action request")]
    Invalid(Vec<FieldError>),
    /// The Idempotency-Key was used before with another body.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// Something else failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}
