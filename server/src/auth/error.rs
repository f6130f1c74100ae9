//! 身份的错误 — everything the identity service can fail with. It says what went wrong in
//! the service's terms; [`crate::error`] alone turns it into an HTTP answer.

use shared::FieldError;

/// Whom a look-up by name and identity number was for: the answer names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whom {
    /// An agent a legal representative authorizes.
    Agent,
    /// An applicant a window clerk serves.
    Applicant,
    /// A person a citizen authorizes to apply for them.
    Proxy,
}

/// What an identity service call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Fields of the request are wrong; each says how.
    #[error("invalid fields: {0:?}")]
    Invalid(Vec<FieldError>),
    /// No session, or it has ended.
    #[error("not signed in")]
    Unauthenticated,
    /// The identity number, password or authenticator code is wrong (never which).
    #[error("wrong credentials")]
    InvalidCredentials,
    /// The account signs in with an authenticator code too.
    #[error("authenticator code required")]
    TotpRequired,
    /// Too many failed sign-ins from this address: wait this long.
    #[error("sign-in locked for {wait_secs} s")]
    LoginLocked {
        /// Seconds to wait.
        wait_secs: i64,
    },
    /// Too many look-ups of persons by this person.
    #[error("rate limited")]
    RateLimited,
    /// The person may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The identity number has an account already.
    #[error("already registered")]
    AlreadyRegistered,
    /// Not an enterprise of the person's.
    #[error("enterprise not found")]
    EnterpriseNotFound,
    /// No such person (an agent to revoke, a staff member).
    #[error("person not found")]
    PersonNotFound,
    /// No registered person has this name and identity number.
    #[error("no registered {0:?} of this name and number")]
    Unregistered(Whom),
    /// No authorization with this id that the person gave, or it is already revoked.
    #[error("no such authorization")]
    ProxyNotFound,
    /// A one-time code went to this number less than a minute ago, or the day's are used up.
    #[error("next code in {wait_secs} s")]
    CodeTooSoon {
        /// Seconds to wait.
        wait_secs: i64,
    },
    /// No SMS gateway took the one-time code.
    #[error("SMS unavailable")]
    SmsUnavailable,
    /// No consent of this purpose holds for the person.
    #[error("no such consent")]
    ConsentNotFound,
    /// Password hashing is shutting down.
    #[error("password hashing unavailable")]
    HashingUnavailable,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// Anything else; logged with its cause.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<FieldError> for IdentityError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}
