//! 错误 — the server's one error type, mapped to an RFC 9457 problem response in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{Bilingual, FieldError, Problem, ProblemCode};

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem the client can act on (4xx), said as it will be sent.
    #[error("{}", .0.detail)]
    Client(Box<Problem>),
    /// The database is unreachable or overloaded (503).
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// Anything else (500): logged with its cause, shown without it.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A client problem of this code with its general message.
    pub fn code(code: ProblemCode) -> Self {
        Self::Client(Box::new(Problem::new(code)))
    }

    /// A client problem of this code explained by `message`.
    pub fn with_message(code: ProblemCode, message: Bilingual) -> Self {
        Self::Client(Box::new(Problem::with_message(code, message)))
    }

    /// A 422 listing what is wrong with each field.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        Self::Client(Box::new(Problem::validation(errors)))
    }

    /// The problem document sent for this error.
    pub fn to_problem(&self) -> Problem {
        match self {
            Self::Client(p) => (**p).clone(),
            Self::Unavailable(_) => Problem::new(ProblemCode::ServiceUnavailable),
            Self::Internal(_) => Problem::new(ProblemCode::Internal),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Self::Unavailable(e),
            other => Self::Internal(other.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Client(_) => {}
            Self::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            Self::Internal(e) => tracing::error!(error = ?e, "request failed"),
        }
        problem_response(&self.to_problem())
    }
}

/// The media type of RFC 9457 problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Serializes a problem with its status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}
