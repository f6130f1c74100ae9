//! 个人信息保护 — identity numbers are sensitive personal information (PIPL art. 28). They are
//! stored encrypted (AES-256-GCM) and found again through a keyed hash (HMAC-SHA-256), so the
//! database alone reveals neither the numbers nor whether a given number is registered.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use shared::ResidentId;

/// Name of the generated key file in the data directory, for the embedded default.
pub const KEY_FILE: &str = "pii.key";

/// The keys that protect identity numbers, derived from one 32-byte master key, and the key of
/// the audit trail's hash chain derived from the same master.
#[derive(Clone)]
pub struct PiiKeys {
    cipher: Aes256Gcm,
    lookup: [u8; 32],
    audit: [u8; 32],
}

impl std::fmt::Debug for PiiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKeys(<redacted>)")
    }
}

impl PiiKeys {
    /// Derives the encryption and lookup keys from a master key with HKDF-SHA-256.
    pub fn from_master(master: &[u8; 32]) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"yiwang pii v1"), master);
        let mut enc = [0u8; 32];
        let mut lookup = [0u8; 32];
        hk.expand(b"aes-256-gcm identity numbers", &mut enc).expect("32 bytes is a valid HKDF length");
        hk.expand(b"hmac-sha-256 identity lookup", &mut lookup).expect("32 bytes is a valid HKDF length");
        let mut audit = [0u8; 32];
        hk.expand(b"hmac-sha-256 audit chain", &mut audit).expect("32 bytes is a valid HKDF length");
        Self { cipher: Aes256Gcm::new(&enc.into()), lookup, audit }
    }

    /// The key of the audit chain's HMAC: someone who can write to the database but does not
    /// hold the master key cannot recompute the chain after changing an event.
    pub fn audit_chain_key(&self) -> [u8; 32] {
        self.audit
    }

    /// The configured key (base64 of 32 bytes), or the key file in `data_dir`, made on first start.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let encoded = match configured {
            Some(key) => key.trim().to_owned(),
            None => {
                std::fs::create_dir_all(data_dir)?;
                let path = data_dir.join(KEY_FILE);
                if !path.exists() {
                    let mut key = [0u8; 32];
                    rand::rngs::OsRng.fill_bytes(&mut key);
                    write_private(&path, &B64.encode(key))?;
                    tracing::info!(path = %path.display(), "generated the personal-information key");
                }
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?
                    .trim()
                    .to_owned()
            }
        };
        let bytes = B64.decode(encoded.as_bytes()).context("the personal-information key is not base64")?;
        let master: [u8; 32] =
            bytes.try_into().map_err(|_| anyhow::anyhow!("the personal-information key must be 32 bytes"))?;
        Ok(Self::from_master(&master))
    }

    /// The keyed hash an identity number is looked up by (hex).
    pub fn lookup_hash(&self, id: &ResidentId) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup).expect("HMAC takes any key length");
        mac.update(id.as_str().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The keyed hash a one-time mobile code is kept as (hex), bound to its number: someone who
    /// reads the database cannot try the million codes without the key.
    pub fn mobile_code_hash(&self, mobile: &str, code: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup).expect("HMAC takes any key length");
        mac.update(b"mobile code\0");
        mac.update(mobile.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Encrypts an identity number: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, id: &ResidentId) -> String {
        self.seal_text(id.as_str())
    }

    /// Encrypts any short secret (an authenticator secret) the same way.
    pub fn seal_text(&self, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self.cipher.encrypt(&nonce, plain.as_bytes()).expect("AES-GCM encryption of a short text");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        B64.encode(out)
    }

    /// Decrypts what [`PiiKeys::seal`] made.
    pub fn open(&self, sealed: &str) -> anyhow::Result<ResidentId> {
        let plain = self.open_text(sealed)?;
        ResidentId::parse(&plain).map_err(|e| anyhow::anyhow!("stored identity number: {e}"))
    }

    /// Decrypts what [`PiiKeys::seal_text`] made.
    pub fn open_text(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = B64.decode(sealed).context("sealed identity number is not base64")?;
        anyhow::ensure!(bytes.len() > 12, "sealed identity number is too short");
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("sealed value does not decrypt with this key"))?;
        Ok(String::from_utf8(plain)?)
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        f.write_all(content.as_bytes())?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, content)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ResidentId {
        ResidentId::parse("44190019910704818X").expect("valid")
    }

    #[test]
    fn sealing_round_trips_and_never_repeats_a_ciphertext() {
        let keys = PiiKeys::from_master(&[7; 32]);
        let (a, b) = (keys.seal(&id()), keys.seal(&id()));
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("818X"));
        assert_eq!(keys.open(&a).expect("opens"), id());
    }

    #[test]
    fn another_key_neither_opens_nor_finds_the_number() {
        let (one, two) = (PiiKeys::from_master(&[1; 32]), PiiKeys::from_master(&[2; 32]));
        assert!(two.open(&one.seal(&id())).is_err());
        assert_ne!(one.lookup_hash(&id()), two.lookup_hash(&id()));
        assert_eq!(one.lookup_hash(&id()), one.lookup_hash(&id()));
    }

    #[test]
    fn the_key_file_is_made_once_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = PiiKeys::load(None, dir.path()).expect("made");
        let second = PiiKeys::load(None, dir.path()).expect("read");
        assert_eq!(first.lookup_hash(&id()), second.lookup_hash(&id()));
        assert!(PiiKeys::load(Some("not base64!"), dir.path()).is_err());
    }
}
