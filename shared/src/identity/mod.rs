//! 统一身份认证的标识 — the identifiers Yiwang knows people and enterprises by.
//!
//! A person is known by the 18-digit resident identity number (公民身份号码, GB 11643-1999);
//! an enterprise by its unified social credit code (统一社会信用代码, GB 32100-2015). Both are
//! parsed once into a newtype, and the parse error says exactly what is wrong in both languages.

mod resident_id;
mod uscc;

pub use resident_id::{ResidentId, ResidentIdError, Sex, compose as compose_resident_id, mask};
pub use uscc::{Uscc, UsccError, compose as compose_uscc};

/// Trims surrounding whitespace and upper-cases, as both standards' check characters are
/// capitals (a typed lowercase `x` means `X`).
fn normalize(input: &str) -> String {
    input.trim().to_uppercase()
}

/// 1-based position and character of the first character of `s` that `ok` refuses.
fn first_bad(s: &str, ok: impl Fn(usize, char) -> bool) -> Option<(usize, char)> {
    s.chars().enumerate().find(|&(i, c)| !ok(i, c)).map(|(i, c)| (i + 1, c))
}
