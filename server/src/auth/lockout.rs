//! 登录失败锁定 — how long a sign-in must wait after failures.
//!
//! Failures count per account *and* client address: a stranger guessing from elsewhere slows
//! only their own attempts, never the owner's. Five failures from one address are free (typing
//! mistakes); each one after makes that address wait twice as long as the last, from 30 seconds
//! up to 15 minutes (OWASP ASVS 2.2.1 asks for throttling that does not let an attacker lock
//! the owner out). Guessing spread over many addresses is slowed for the account as a whole,
//! but only by seconds, so that it cannot become a lockout either.

/// The window failures are counted in.
pub const WINDOW_SECS: i64 = 60 * 60;
/// Failures from one address before any wait.
pub const FREE_PER_ADDRESS: i64 = 5;
/// The first wait after them …
const FIRST_WAIT_SECS: i64 = 30;
/// … doubled with each failure, up to this.
const MAX_WAIT_SECS: i64 = 15 * 60;
/// Failures of an account from all addresses before it is slowed as a whole …
pub const FREE_PER_ACCOUNT: i64 = 50;
/// … by a wait that doubles from one second up to this.
const MAX_ACCOUNT_WAIT_SECS: i64 = 60;

/// The failed sign-ins of an account within [`WINDOW_SECS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    /// From this client address.
    pub from_address: i64,
    /// When the last of those was (Unix seconds).
    pub last_from_address: i64,
    /// From every address.
    pub total: i64,
    /// When the last of those was.
    pub last: i64,
}

fn doubling(excess: i64, first: i64, max: i64) -> i64 {
    let shift = u32::try_from(excess.clamp(0, 20)).unwrap_or(20);
    first.saturating_mul(1 << shift).min(max)
}

/// Seconds to wait before another attempt may be checked; 0 means go ahead.
pub fn wait_secs(f: &Failures, now: i64) -> i64 {
    let per_address = if f.from_address >= FREE_PER_ADDRESS {
        f.last_from_address + doubling(f.from_address - FREE_PER_ADDRESS, FIRST_WAIT_SECS, MAX_WAIT_SECS) - now
    } else {
        0
    };
    let per_account = if f.total >= FREE_PER_ACCOUNT {
        f.last + doubling(f.total - FREE_PER_ACCOUNT, 1, MAX_ACCOUNT_WAIT_SECS) - now
    } else {
        0
    };
    per_address.max(per_account).max(0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn from_one_address(n: i64, last: i64) -> Failures {
        Failures { from_address: n, last_from_address: last, total: n, last }
    }

    #[test]
    fn five_failures_are_free_and_the_wait_doubles_after_them() {
        assert_eq!(wait_secs(&from_one_address(4, 1000), 1000), 0);
        assert_eq!(wait_secs(&from_one_address(5, 1000), 1000), 30);
        assert_eq!(wait_secs(&from_one_address(6, 1000), 1000), 60);
        assert_eq!(wait_secs(&from_one_address(7, 1000), 1010), 110);
        assert_eq!(wait_secs(&from_one_address(40, 1000), 1000), 15 * 60);
        assert_eq!(wait_secs(&from_one_address(5, 1000), 1030), 0);
    }

    #[test]
    fn failures_elsewhere_slow_an_account_by_seconds_only() {
        let spread = Failures { from_address: 0, last_from_address: 0, total: 49, last: 1000 };
        assert_eq!(wait_secs(&spread, 1000), 0);
        let spread = Failures { total: 50, ..spread };
        assert_eq!(wait_secs(&spread, 1000), 1);
        let spread = Failures { total: 10_000, ..spread };
        assert_eq!(wait_secs(&spread, 1000), 60);
    }

    proptest! {
        #[test]
        fn no_wait_is_longer_than_fifteen_minutes(n in 0i64..1_000_000, m in 0i64..1_000_000, last in 0i64..2_000_000_000) {
            let f = Failures { from_address: n, last_from_address: last, total: n.max(m), last };
            let wait = wait_secs(&f, last);
            prop_assert!((0..=MAX_WAIT_SECS).contains(&wait));
            // The owner, at another address, waits a minute at most.
            let owner = Failures { from_address: 0, last_from_address: 0, ..f };
            prop_assert!(wait_secs(&owner, last) <= MAX_ACCOUNT_WAIT_SECS);
        }
    }
}
