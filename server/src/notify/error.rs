//! How the notification and docking services fail; `crate::error` turns each into its HTTP
//! answer.

use shared::FieldError;

/// A notification service's failure.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// What was sent is wrong, field by field.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// The caller may not do this (not the department's systems administrator).
    #[error("not a role that may do this")]
    Forbidden,
    /// No such endpoint of the caller's department.
    #[error("no such webhook endpoint")]
    EndpointNotFound,
    /// No such token of the caller's department.
    #[error("no such API token")]
    TokenNotFound,
    /// An API client's token is missing, unknown or revoked.
    #[error("invalid API token")]
    InvalidToken,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}
