//! 动态验证码 — time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps),
//! the second factor staff sign in with (等保三级 asks for two factors for administrators).

use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per step.
pub const STEP: u64 = 30;
/// Steps of clock drift accepted either way.
const SKEW: i64 = 1;

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// `n` random bytes in base32 (RFC 4648, no padding): easy to read out and type.
pub fn random_base32(n: usize) -> String {
    use rand::RngCore as _;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes).to_encoded().to_string().trim_end_matches('=').to_owned()
}

fn totp(secret_b32: &str, account: &str) -> anyhow::Result<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned()).to_bytes().map_err(|e| anyhow::anyhow!("TOTP secret: {e:?}"))?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes, Some("Yiwang".to_owned()), account.replace(':', " "))
        .map_err(|e| anyhow::anyhow!("TOTP: {e}"))
}

/// The code for the step holding `unix`; the demo banner and tests use it.
pub fn code_at(secret_b32: &str, unix: i64) -> anyhow::Result<String> {
    Ok(totp(secret_b32, "code")?.generate(unix.max(0) as u64))
}

/// The step a code belongs to, if it is valid within the accepted drift of `now`.
pub fn matching_step(secret_b32: &str, code: &str, now: i64) -> anyhow::Result<Option<i64>> {
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret_b32, "check")?;
    let step = now / STEP as i64;
    Ok((-SKEW..=SKEW).map(|d| step + d).find(|s| *s >= 0 && totp.generate((*s as u64) * STEP) == code))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret_b32: &str, account: &str) -> anyhow::Result<String> {
    Ok(totp(secret_b32, account)?.get_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to 6 digits: secret "12345678901234567890".
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        for (time, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            assert_eq!(code_at(&secret, time).expect("code"), code, "t={time}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_no_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now - 30).expect("code");
        assert_eq!(matching_step(&secret, &code, now).expect("checks"), Some(now / 30 - 1));
        let old = code_at(&secret, now - 90).expect("code");
        assert_eq!(matching_step(&secret, &old, now).expect("checks"), None);
        assert_eq!(matching_step(&secret, "12a456", now).expect("checks"), None);
    }
}
