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
//! The log starts again from its beginning only when a change begins with the whole log copied
//! and no reader in it. A writer that always has the next change waiting never finds it so: the
//! passive checkpoint copies what was committed when it began, and by its end the writer has
//! committed more. The log then grew for as long as submissions came (3 GB in forty seconds at
//! the peak), and every page appended past its end cost the kernel the zeroing of a new block
//! (a fifth of the server's time). So after the passive copy, while the log is longer than
//! [`RESTART_AFTER_PAGES`], the task takes the store's write turn ([`super::write_gate`]), which
//! no change then holds, and runs a `RESTART` checkpoint: it copies the few pages committed
//! since, waits for the readers still in the log (at most [`RESTART_PATIENCE`]), and the next
//! change writes the log from its beginning again, over blocks already on disk. It does so at
//! most once every [`RESTART_EVERY`], since every change waits while it runs.
//!
//! Durability does not depend on it: a commit is durable once its pages are in the log, which
//! is fsynced after each group commit before its applicants are answered ([`super::WalSync`]).

use std::time::Duration;

use sqlx::{SqliteConnection, SqlitePool};

use super::write_gate::WriteGate;

/// How long the task waits between checkpoints: under load the log holds at most this long's
/// commits (a tenth of a second of submissions at the peak is about 10 MB), and its file keeps
/// the largest size it reached. A checkpoint of a log with nothing new is a few microseconds.
const PAUSE: Duration = Duration::from_millis(100);
/// A log longer than this (4 MB, SQLite's own point for a checkpoint) is started again from its
/// beginning after it is copied.
const RESTART_AFTER_PAGES: i64 = 1_000;
/// The least time between two restarts of the log. A restart holds the write turn for 15–25 ms
/// at the peak (it fsyncs the log and the database file, and waits for readers), every change
/// waiting meanwhile; made whenever the log passed [`RESTART_AFTER_PAGES`], about every ninth
/// group of submissions waited for one, a sixth of the writer's time (BENCHMARKS.md). Once a
/// second, the log's file grows to a second's commits or a few (120 MB after a benchmark's run at
/// and past the peak) and keeps that size, its blocks written over rather than new ones zeroed.
const RESTART_EVERY: Duration = Duration::from_secs(1);
/// How long a restart waits for the readers still in the log, the writers waiting meanwhile: a
/// reader here reads for a millisecond or two. One that reads longer makes this restart give up,
/// and the next one tries again.
const RESTART_PATIENCE: Duration = Duration::from_millis(50);

/// Starts the task on `pool`; it ends when the pool is closed. `gate` is the store's write
/// gate, whose turn a restart of the log takes.
pub(super) fn start(pool: SqlitePool, gate: WriteGate) {
    tokio::spawn(async move {
        let mut last_restart: Option<tokio::time::Instant> = None;
        loop {
            match checkpoint(&pool).await {
                Ok(log) => {
                    metrics::gauge!("yiwang_sqlite_wal_pages").set(log as f64);
                    let due = last_restart.is_none_or(|at| at.elapsed() >= RESTART_EVERY);
                    if log > RESTART_AFTER_PAGES && due {
                        last_restart = Some(tokio::time::Instant::now());
                        if let Err(e) = restart(&pool, &gate).await {
                            tracing::warn!(error = %e, "the WAL could not be started again; trying at the next checkpoint");
                        }
                    }
                }
                Err(sqlx::Error::PoolClosed) => break,
                Err(e) => tracing::warn!(error = %e, "the WAL checkpoint failed; trying again"),
            }
            tokio::time::sleep(PAUSE).await;
        }
    });
}

/// Copies what was committed since the last checkpoint, with no change writing, and lets the
/// next change write the log from its beginning. A `RESTART` checkpoint waits in the busy
/// handler for the readers still in the log; here for [`RESTART_PATIENCE`], not the connection's
/// five seconds, since every change waits for the turn this holds. The connection goes back to
/// the pool with the busy timeout every connection has, or is closed.
async fn restart(pool: &SqlitePool, gate: &WriteGate) -> Result<(), sqlx::Error> {
    let mut connection = pool.acquire().await?;
    let restarted = restart_on(&mut connection, gate).await;
    if restarted.is_err() {
        // Its busy timeout may be the short one still.
        connection.close_on_drop();
    }
    restarted
}

async fn restart_on(connection: &mut SqliteConnection, gate: &WriteGate) -> Result<(), sqlx::Error> {
    let patience = format!("PRAGMA busy_timeout = {}", RESTART_PATIENCE.as_millis());
    sqlx::query(&patience).execute(&mut *connection).await?;
    let restarted = {
        let _turn = gate.turn().await;
        let held = std::time::Instant::now();
        let restarted =
            sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)").fetch_one(&mut *connection).await;
        metrics::histogram!("yiwang_sqlite_wal_restart_seconds").record(held.elapsed().as_secs_f64());
        restarted
    };
    let usual = format!("PRAGMA busy_timeout = {}", super::BUSY_TIMEOUT.as_millis());
    sqlx::query(&usual).execute(&mut *connection).await?;
    // `busy` is 1 when a reader stayed in the log: the next checkpoint tries again.
    let (busy, _, _) = restarted?;
    if busy != 0 {
        tracing::debug!("a reader stayed in the WAL; it starts again after the next checkpoint");
    }
    Ok(())
}

/// Copies what it can of the log into the database file, waiting for nobody; the pages in the
/// log.
async fn checkpoint(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    let started = std::time::Instant::now();
    // `busy` is 1 only when a RESTART or FULL checkpoint could not finish; a PASSIVE one
    // copies what it can and reports it in the other two.
    let (_busy, log, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    metrics::histogram!("yiwang_sqlite_checkpoint_seconds").record(started.elapsed().as_secs_f64());
    Ok(log)
}
