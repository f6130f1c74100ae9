//! 存储 — the database behind the server: embedded SQLite (WAL) by default, PostgreSQL when
//! `DATABASE_URL` names one.
//!
//! Each engine has its own migrations, written for it: PostgreSQL keeps times as `timestamptz`,
//! JSON as `jsonb` (an application's form and receipt, read whole, as `json`), flags as
//! `boolean` and dates as `date`; SQLite keeps times as Unix seconds
//! and JSON as text. The queries themselves are written once, in the SQL both engines speak
//! (`$1` parameters, `ON CONFLICT`, partial indexes), and [`on_pool!`] compiles each of them
//! for both drivers. Values cross the boundary as the types of `shared` and a few store types
//! ([`Timestamp`]); a value that does not decode is an error, never a default.
//!
//! Every query is run on both engines by the server's tests (`both!`), which is what checks
//! them: sqlx's compile-time checking takes one engine per query text.
//!
//! All SQL of the server lives in this module. A change of state goes through a
//! [`UnitOfWork`], which commits only together with the change's audit events.

pub mod applications;
pub mod audit;
pub mod cases;
mod catalogue;
mod checkpoint;
pub use catalogue::PublishedCatalogue;
pub mod deadlines;
mod group_commit;
pub(crate) mod hot_reads;
pub mod identity;
pub mod memory;
pub mod notify;
pub mod proxies;
pub mod registration;
mod rows;
pub mod submissions;
mod types;
mod unit_of_work;
mod wal_sync;
mod write_gate;

use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

pub use types::Timestamp;
pub use unit_of_work::{AuditEvent, Tx, UnitOfWork};
pub use wal_sync::WalSync;

use crate::config::{Config, redact_url};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Runs `$body` with `$p` bound to the pool of whichever engine `$pool` is: the body is
/// compiled once per driver, so one query text serves both.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The production backend.
    Postgres,
}

impl Backend {
    /// The engine's name, as `/health` reports it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A connection pool of one engine or the other.
#[derive(Clone, Debug)]
pub enum Pool {
    /// The embedded default.
    Sqlite(SqlitePool),
    /// The production backend.
    Postgres(PgPool),
}

/// The database: a connection pool and the engine it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    /// Shared by every request on this node.
    pool: Pool,
    /// Where the group-commit writer's commits run: on SQLite one connection of its own, whose
    /// commits [`WalSync`] makes durable; on PostgreSQL the same pool.
    durable: Pool,
    /// On SQLite, the write-ahead log to fsync before a group's applicants are answered.
    wal_sync: Option<Arc<WalSync>>,
    /// The key of the audit chain's HMAC ([`audit`]).
    chain_key: [u8; 32],
    /// The published catalogue as of its revision ([`catalogue::PublishedCopy`]).
    published: Arc<catalogue::PublishedCopy>,
    /// The item versions cases were filed under, once read ([`catalogue::ItemVersions`]).
    item_versions: Arc<catalogue::ItemVersions>,
    /// The progress look-up's connections, outside the pool ([`hot_reads`]).
    hot: hot_reads::HotReads,
    /// On SQLite, the changes' turns to write ([`write_gate`]).
    gate: write_gate::WriteGate,
}

/// How long a PostgreSQL connection may sit idle in the pool before it is pinged on its next use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);
/// How long a change waits for another's lock before it fails: SQLite's busy timeout,
/// PostgreSQL's `lock_timeout`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens the configured database, applies its migrations and seals the audit events written
    /// before the chain with `chain_key` (see [`audit`]).
    pub async fn open(config: &Config, chain_key: [u8; 32]) -> anyhow::Result<Self> {
        let (pool, durable, hot, wal_sync) = match &config.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let lock_timeout = format!("{}ms", BUSY_TIMEOUT.as_millis());
                // A change waits for another's lock as long as on SQLite, then fails, and is
                // answered 503 (`ApiError`) rather than held until the client gives up.
                let connect = PgConnectOptions::from_str(url)
                    .with_context(|| format!("cannot read the database URL {}", redact_url(url)))?
                    .options([("lock_timeout", lock_timeout.as_str())]);
                // A connection idle for a while is pinged before it is used again (a restart of
                // the database or a proxy may have cut it); one in steady use is not, since each
                // ping is a round trip to the database: under load it cost a third of the
                // submissions and a fifth of the look-ups (BENCHMARKS.md, "Progress look-ups").
                // A connection that fails in use is closed when it goes back to the pool.
                let pool = PoolOptions::new()
                    .max_connections(config.db_max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= PING_AFTER_IDLE {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(connect.clone())
                    .await
                    .with_context(|| format!("cannot open the database {}", redact_url(url)))?;
                (Pool::Postgres(pool.clone()), Pool::Postgres(pool), hot_reads::HotOptions::Postgres(connect), None)
            }
            Some(url) if url.starts_with("sqlite:") => open_sqlite(url, config).await?,
            Some(url) => anyhow::bail!("unsupported database URL {} (use postgres:// or sqlite:)", redact_url(url)),
            None => open_sqlite(&sqlite_url(&config.data_dir)?, config).await?,
        };
        let hot = hot_reads::HotReads::new(hot)?;
        let gate = match pool {
            Pool::Sqlite(_) => write_gate::WriteGate::sqlite(),
            Pool::Postgres(_) => write_gate::WriteGate::none(),
        };
        let store = Self {
            pool,
            durable,
            wal_sync,
            chain_key,
            published: Arc::default(),
            item_versions: Arc::default(),
            hot,
            gate,
        };
        if let Pool::Sqlite(pool) = &store.pool {
            checkpoint::start(pool.clone(), store.gate.clone());
        }
        store.migrate().await?;
        store.seal_audit_chain().await.context("cannot seal the audit events written before the chain")?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        // The durable pool opens its connection lazily, after the schema is in place.
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The PostgreSQL migrations, for tests that build a database as an earlier release left it.
    pub fn postgres_migrations() -> &'static Migrator {
        &POSTGRES_MIGRATIONS
    }

    /// The connection pool, for tests and tools that look behind the services.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The pool's open connections and, of those, the idle ones.
    pub fn pool_usage(&self) -> (u32, u32) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), u32::try_from(p.num_idle()).unwrap_or(u32::MAX)),
            Pool::Postgres(p) => (p.size(), u32::try_from(p.num_idle()).unwrap_or(u32::MAX)),
        }
    }

    /// On SQLite, what makes the group-commit writer's commits durable; `None` where each
    /// commit is durable when it returns (PostgreSQL, `synchronous_commit = on`).
    pub fn wal_sync(&self) -> Option<Arc<WalSync>> {
        self.wal_sync.clone()
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Closes every connection; called on shutdown so SQLite checkpoints its WAL.
    pub async fn close(&self) {
        self.hot.close().await;
        on_pool!(&self.durable, |p| p.close().await);
        on_pool!(&self.pool, |p| p.close().await);
    }

    /// The SQLite journal mode (`wal`), for checks; `None` on PostgreSQL.
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>, sqlx::Error> {
        let Pool::Sqlite(pool) = &self.pool else { return Ok(None) };
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(pool).await?;
        Ok(Some(mode))
    }
}

/// The id of a row appended to a log — a case's steps, the audit trail, the library's reads,
/// supervision's events: a UUID of version 7, which begins with the time it was made, so that
/// each new row goes at the end of its table's primary-key index. A random id lands on a random
/// leaf of that index, and each leaf a group commit touches is written whole to the WAL and
/// again at the checkpoint: random ids cost a submission about 36 kB of writing more (136 kB
/// written per submission against 100 kB, BENCHMARKS.md). Ids that others must not guess
/// (uploads, drafts, accounts) stay random.
pub(crate) fn log_row_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The SQLite pools: one for everything, and one connection for the group-commit writer; how
/// the progress look-up's connections are opened; and the log the writer's commits are made
/// durable in.
async fn open_sqlite(
    url: &str,
    config: &Config,
) -> anyhow::Result<(Pool, Pool, hot_reads::HotOptions, Option<Arc<WalSync>>)> {
    // The server's connections each open the file (the look-up's through rusqlite, which reads
    // the file name only), and what it acknowledged must outlive a restart.
    if url.contains(":memory:") || url.contains("mode=memory") {
        anyhow::bail!(
            "the database URL {} names an in-memory SQLite database, which would lose every application \
             at a restart; name a file (sqlite:///path/yiwang.db) or leave the URL out to use the data directory",
            redact_url(url)
        );
    }
    let connect = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("cannot read the database URL {}", redact_url(url)))?
        .create_if_missing(true)
        // WAL lets readers go on while one writer commits; the mode is kept in the file.
        .journal_mode(SqliteJournalMode::Wal)
        // Referential integrity is off by default in SQLite.
        .foreign_keys(true)
        // A writer waits for another instead of failing at once.
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Normal)
        // No commit copies the WAL into the file; the checkpoint task does ([`checkpoint`]).
        .pragma("wal_autocheckpoint", "0");
    // No ping before each use: a connection to SQLite is in this process and cannot have gone
    // away, and each ping is a hand-off to the connection's thread and back, as dear as the
    // query it precedes (BENCHMARKS.md, "Progress look-ups").
    let pool = PoolOptions::new()
        .max_connections(config.db_max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .connect_with(connect.clone())
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(url)))?;
    // One group commit at a time writes submissions; the log is fsynced after each commit, off
    // the writer's path, before the applicants hear of it ([`wal_sync`]).
    // Its statements' own journals — a multi-row insert that fails half-way is undone from
    // one — are kept in memory: written to a file, each group made and deleted a file in
    // /var/tmp and wrote a third as many pages to it as to the log (BENCHMARKS.md). They hold
    // the pages one group's statements change before they change them, a few MB at most.
    let durable = PoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .connect_lazy_with(connect.clone().pragma("temp_store", "memory"));
    let wal_sync = Arc::new(WalSync::of(connect.get_filename()));
    Ok((Pool::Sqlite(pool), Pool::Sqlite(durable), hot_reads::HotOptions::Sqlite(connect), Some(wal_sync)))
}

fn sqlite_url(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let dir = data_dir.canonicalize()?;
    Ok(format!("sqlite://{}", dir.join("yiwang.db").display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for url in ["sqlite::memory:", "sqlite://yiwang.db?mode=memory"] {
            let config = Config { database_url: Some(url.to_owned()), ..Config::for_data_dir(dir.path().to_owned()) };
            let refused = Store::open(&config, [7; 32]).await.expect_err("refused");
            assert!(refused.to_string().contains("in-memory SQLite database"), "{url}: {refused}");
        }
    }

    #[test]
    fn a_log_rows_ids_begin_with_their_time_and_sort_in_the_order_they_were_made() {
        let ids: Vec<String> = (0..10_000).map(|_| log_row_id()).collect();
        for id in &ids {
            assert_eq!(uuid::Uuid::parse_str(id).expect("a UUID").get_version_num(), 7, "{id}");
        }
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "made in one millisecond or across many, each sorts after the one before"
        );
    }
}
