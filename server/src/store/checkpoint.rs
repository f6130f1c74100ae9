//! 检查点 — copying SQLite's write-ahead log into the database file, on a task of its own.
//!
//! In WAL mode a commit appends its pages to the log; a checkpoint later copies them into the
//! database file and fsyncs it. SQLite's default is that the commit which takes the log past
//! 1,000 pages runs the checkpoint itself, so every few dozen groups the group-commit writer
//! (one at a time, every applicant of the group waiting for it) would copy 4 MB before it
//! answered. Here no connection checkpoints at its commit (`wal_autocheckpoint = 0`, set on
//! every connection where it is opened); this task does it, between commits and on another
//! connection's thread, a `PASSIVE` checkpoint that never waits for a reader or a writer.
//! Taking this work out of the writer's path raised the submissions a node takes at its peak,
//! together with ids that begin with their time ([`super::log_row_id`]; BENCHMARKS.md).
//!
//! Durability does not depend on it: a commit is durable once its pages are in the log, which
//! is fsynced after each group commit before its applicants are answered ([`super::WalSync`]).

use std::time::Duration;

use sqlx::SqlitePool;

/// How long the task waits after a checkpoint that copied pages: under load the log holds at
/// most this long's commits (a tenth of a second of submissions at the peak is about 10 MB).
const BUSY_PAUSE: Duration = Duration::from_millis(100);
/// How long it waits after one that found nothing to copy.
const IDLE_PAUSE: Duration = Duration::from_secs(1);

/// Starts the task on `pool`; it ends when the pool is closed.
pub(super) fn start(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut copied_before = 0;
        loop {
            let pause = match checkpoint(&pool).await {
                Ok(Outcome { log, copied }) => {
                    metrics::gauge!("yiwang_sqlite_wal_pages").set(log as f64);
                    // The log starts again from its beginning after a complete checkpoint, so
                    // a count that did not move means nothing was committed since the last one.
                    let idle = copied == log && copied == copied_before;
                    copied_before = copied;
                    if idle { IDLE_PAUSE } else { BUSY_PAUSE }
                }
                Err(sqlx::Error::PoolClosed) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "the WAL checkpoint failed; trying again");
                    IDLE_PAUSE
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}

/// What one checkpoint found.
struct Outcome {
    /// Pages in the log.
    log: i64,
    /// Pages of it now in the database file.
    copied: i64,
}

async fn checkpoint(pool: &SqlitePool) -> Result<Outcome, sqlx::Error> {
    let started = std::time::Instant::now();
    // `busy` is 1 only when a RESTART or FULL checkpoint could not finish; a PASSIVE one
    // copies what it can and reports it in the other two.
    let (_busy, log, copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    metrics::histogram!("yiwang_sqlite_checkpoint_seconds").record(started.elapsed().as_secs_f64());
    Ok(Outcome { log, copied })
}
