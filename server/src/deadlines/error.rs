//! How the calendar, deadline and card services fail; `crate::error` turns each into its HTTP
//! answer.

use shared::FieldError;
use shared::supervision::{CardAct, CardStatus};

/// A deadline service's failure.
#[derive(Debug, thiserror::Error)]
pub enum DeadlineError {
    /// A query, a notice or an act's text is wrong, field by field.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// The caller has no role that may do this.
    #[error("not a role that may do this")]
    Forbidden,
    /// No such card, or none the caller may see.
    #[error("no such card")]
    CardNotFound,
    /// The caller's roles never take this act on a card.
    #[error("{0:?} is not taken by this role")]
    RoleMayNot(CardAct),
    /// The card is not where the act applies.
    #[error("{act:?} cannot be taken while the card is {status:?}")]
    NotNow {
        /// What was asked.
        act: CardAct,
        /// Where the card stood.
        status: CardStatus,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// Something else failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}
