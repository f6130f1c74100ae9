//! 存储 — the database behind the server: embedded SQLite (WAL) by default, PostgreSQL when
//! `DATABASE_URL` names one.
//!
//! Queries are written once in the SQL both engines speak (`$1` parameters, `ON CONFLICT`,
//! partial indexes) and run through sqlx's `Any` driver; each engine has its own migrations
//! folder, because their DDL differs.

pub mod applications;
mod catalogue;
pub mod identity;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};

use crate::config::{Config, redact_url};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The production backend.
    Postgres,
}

impl Backend {
    /// The engine's name, as `/health` reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The database: a connection pool and the engine it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    /// Shared by every request on this node.
    pool: AnyPool,
    /// The engine behind the pool.
    backend: Backend,
}

impl Store {
    /// Opens the configured database and applies its migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        install_default_drivers();
        let (url, backend) = match &config.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                (url.clone(), Backend::Postgres)
            }
            Some(url) if url.starts_with("sqlite:") => (url.clone(), Backend::Sqlite),
            Some(url) => anyhow::bail!("unsupported database URL {} (use postgres:// or sqlite:)", redact_url(url)),
            None => (sqlite_url(&config.data_dir)?, Backend::Sqlite),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(config.db_max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Referential integrity is off by default in SQLite; a writer waits for
                        // another instead of failing at once.
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
        let store = Self { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // WAL lets readers go on while one writer commits; the mode is kept in the file.
                self.pool.execute("PRAGMA journal_mode = WAL").await?;
                SQLITE_MIGRATIONS.run(&self.pool).await?;
            }
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The connection pool, for tests and tools that look behind the services.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    /// Closes every connection; called on shutdown so SQLite checkpoints its WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The SQLite journal mode (`wal`), for checks; `None` on PostgreSQL.
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&self.pool).await?;
        Ok(Some(mode))
    }
}

fn sqlite_url(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let dir = data_dir.canonicalize()?;
    Ok(format!("sqlite://{}?mode=rwc", dir.join("yiwang.db").display()))
}
