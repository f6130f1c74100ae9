//! 口令 — argon2id hashing at OWASP's parameters, on a bounded pool of blocking threads so a
//! flood of sign-ins waits its turn instead of starving every other request.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use super::error::IdentityError;

/// OWASP Password Storage Cheat Sheet: argon2id with m = 7 MiB, t = 5, p = 1, one of the five
/// settings it lists as equally strong (m = 19 MiB, t = 2 is another; each trades memory for
/// passes). The least memory of them: a hash's memory is freed to the allocator, which keeps it
/// for reuse, so an idle server holds what its last hashes took (BENCHMARKS.md, "Where the time
/// goes"). A stored hash names its own parameters and verifies with them, so hashes made with
/// other settings still verify.
const MEMORY_KIB: u32 = 7 * 1024;
const ITERATIONS: u32 = 5;
const PARALLELISM: u32 = 1;
/// A request that cannot start hashing within this time gets a 503 rather than waiting on.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// Hashes and verifies passwords, at most `permits` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when an account does not exist, so the answer takes as long either way.
    dummy: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously; for start-up work such as the demo accounts.
pub fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).expect("argon2 hashing of a bounded password").to_string()
}

impl PasswordHasher {
    /// A hasher that runs at most `permits` hashes at once (one per core is right: each is CPU-bound).
    pub fn new(permits: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(permits.max(1))), dummy: Arc::new(hash_now("not a real password")) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, IdentityError> {
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| IdentityError::HashingUnavailable)?
            .map_err(|e| IdentityError::Internal(e.into()))?;
        let out = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| IdentityError::Internal(e.into()))?;
        Ok(out)
    }

    /// The PHC string of a new password.
    pub async fn hash(&self, password: String) -> Result<String, IdentityError> {
        self.run(move || hash_now(&password)).await
    }

    /// Whether `password` matches `hash`; with no hash (no such account) it checks a dummy and
    /// answers `false`, taking as long as a real check.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, IdentityError> {
        let dummy = self.dummy.clone();
        self.run(move || {
            let stored = hash.as_deref().unwrap_or(dummy.as_str());
            let ok = PasswordHash::new(stored)
                .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false);
            ok && hash.is_some()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash("correct horse".into()).await.expect("hashes");
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse".into(), Some(hash.clone())).await.expect("verifies"));
        assert!(!hasher.verify("wrong horse".into(), Some(hash)).await.expect("verifies"));
        assert!(!hasher.verify("anything".into(), None).await.expect("verifies"));
    }
}
