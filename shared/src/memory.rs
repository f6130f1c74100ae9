//! 历史办事数据 — answers from a person's earlier applications, kept only with their consent and
//! offered on later forms as suggestions, never filled in silently. Only answers about the
//! applicant themselves are kept (addresses, phone numbers, longer descriptions such as a
//! business scope); identity numbers, other people's names and what the platform already knows
//! are not.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::{FieldType, FormField};

/// Whether an answer to `field` may be kept as a suggestion.
pub fn is_kept(field: &FormField) -> bool {
    field.known.is_none() && matches!(field.field_type, FieldType::Address | FieldType::Phone | FieldType::Text)
}

/// One kept answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// The field's key.
    pub key: String,
    /// The answer last given.
    pub value: String,
    /// When it was last given (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/v1/suggestions`: whether the person lets answers be kept, and what is kept for
/// whom they act now (themselves, or the enterprise they act for).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// The person's consent.
    pub consent: bool,
    /// What is kept, by field key.
    pub entries: Vec<Suggestion>,
}

/// `PUT /api/v1/suggestions/consent`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryConsent {
    /// `true` to keep answers from now on; `false` to stop and delete everything kept.
    pub remember: bool,
}

/// The longest key of a form field.
pub const MAX_FIELD_KEY_LEN: usize = 64;

/// The key of a form field, as a path names a kept answer: lower-case letters, digits and `_`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldKey(String);

impl FieldKey {
    /// Parses a field key.
    pub fn parse(raw: &str) -> Result<Self, crate::FieldCode> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_FIELD_KEY_LEN
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid { Ok(Self(raw.to_owned())) } else { Err(crate::FieldCode::InvalidValue) }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
