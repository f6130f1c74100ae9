//! 会话 — server-side sessions in the database, so several nodes share them. The browser holds
//! only a random 256-bit token in a `__Host-` cookie (Secure, HttpOnly, SameSite=Strict); the
//! database holds only the token's SHA-256.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::pii::hex;

/// The session cookie. `__Host-` makes the browser refuse it unless Secure, Path=/ and without
/// Domain, so no other host or path can set or shadow it.
pub const COOKIE_NAME: &str = "__Host-yiwang_session";
/// OWASP ASVS 3.3.2 (level 2): re-authenticate after 30 minutes idle.
pub const IDLE_TIMEOUT_SECS: i64 = 30 * 60;
/// ASVS 3.3.2: and after 12 hours whatever the activity.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;
/// Activity is written back at most this often, to spare the database a write per request.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// A new random token (32 bytes, base64url) and its hash as stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The session token a request carries, if any.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The `Set-Cookie` value that stores a token.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE_NAME}={token}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in base64url");
        assert_eq!(ha, token_hash(&a));
        assert!(!ha.contains(&a));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, format!("a=1; {COOKIE_NAME}=tok; b=2").parse().expect("header"));
        assert_eq!(token_from(&headers).as_deref(), Some("tok"));
        assert!(set_cookie("t").contains("Secure; HttpOnly; SameSite=Strict"));
    }
}
