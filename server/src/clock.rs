//! 时钟 — the server's one source of the current time, so tests can move it forward
//! (session timeouts, lockout windows) without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};

/// The wall clock, plus an offset that only tests change.
#[derive(Debug, Default)]
pub struct Clock {
    /// Seconds added to the system time.
    offset_secs: AtomicI64,
}

impl Clock {
    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Now, in Unix seconds, as the database stores times.
    pub fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// Today's date in Asia/Shanghai, where every deadline and birth date is reckoned.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
    }

    /// Moves the clock forward; for tests of timeouts.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_secs.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}
