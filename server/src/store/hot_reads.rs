//! 热读连接 — the connections of the busiest read, the public progress look-up (进度查询).
//!
//! sqlx's pool pings every connection as it goes back to the pool (`PoolConnection::
//! return_to_pool` in sqlx 0.8, always): for SQLite a hand-off to the connection's thread and
//! back, for PostgreSQL a round trip, each as dear as the look-up's one query. These connections
//! are kept in a pool of their own (`deadpool`) that takes them back as they are. A connection is
//! checked when it is taken, by the same rule as the main pool's: a PostgreSQL connection idle
//! for [`PING_AFTER_IDLE`] or more is pinged first (a restart of the database may have cut it)
//! and replaced if the ping fails; one that fails in use is dropped, not put back. Measured: a
//! tenth more look-ups a second on both engines (BENCHMARKS.md, "Progress look-ups").
//!
//! On SQLite they are not sqlx's connections but `rusqlite`'s, and the look-up runs on the
//! request's own thread. sqlx runs each SQLite connection on a thread of its own and hands every
//! statement to it and every row back, each a wake-up of another thread; for this query (a few
//! rows, all in SQLite's page cache, tens of microseconds) the hand-offs cost more than the
//! query (BENCHMARKS.md). A WAL reader does not wait for the writer, so such a read holds a
//! request thread no longer than the query itself; a lock it meets (a checkpoint restarting the
//! WAL) is waited for at most [`SQLITE_BUSY_WAIT`].
use std::time::Duration;

use deadpool::managed::{self, Metrics, PoolError, RecycleResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

use super::PING_AFTER_IDLE;

/// How many connections the look-ups share. Measured on two cores, four serve the peak as well
/// as sixteen (BENCHMARKS.md).
const HOT_CONNECTIONS: usize = 4;

/// How long a look-up waits for one of them, as long as for a connection of the main pool.
const WAIT: Duration = Duration::from_secs(10);

/// How long a SQLite look-up waits on a lock before it fails: it holds a request thread while
/// it waits. Readers of a WAL database meet one only while a checkpoint restarts the log.
const SQLITE_BUSY_WAIT: Duration = Duration::from_millis(200);

/// A connection to either engine.
#[derive(Debug)]
pub enum HotConnection {
    /// The embedded default, read on the caller's thread.
    Sqlite(rusqlite::Connection),
    /// The production backend.
    Postgres(PgConnection),
}

/// How to open a connection: the main pool's options.
#[derive(Clone, Debug)]
pub enum HotOptions {
    /// The embedded default.
    Sqlite(SqliteConnectOptions),
    /// The production backend.
    Postgres(PgConnectOptions),
}

/// Opens the connections and checks them when they are taken.
#[derive(Debug)]
pub struct Connector(HotOptions);

impl managed::Manager for Connector {
    type Type = HotConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<HotConnection, sqlx::Error> {
        Ok(match &self.0 {
            HotOptions::Sqlite(options) => HotConnection::Sqlite(open_sqlite(options)?),
            HotOptions::Postgres(options) => HotConnection::Postgres(options.connect().await?),
        })
    }

    async fn recycle(&self, connection: &mut HotConnection, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        // A SQLite connection is in this process and cannot have gone away.
        if let HotConnection::Postgres(connection) = connection
            && metrics.last_used() >= PING_AFTER_IDLE
        {
            connection.ping().await?;
        }
        Ok(())
    }
}

/// A connection to the main pool's SQLite file that only reads.
fn open_sqlite(options: &SqliteConnectOptions) -> Result<rusqlite::Connection, sqlx::Error> {
    let open = || {
        let connection = rusqlite::Connection::open(options.get_filename())?;
        connection.busy_timeout(SQLITE_BUSY_WAIT)?;
        connection.pragma_update(None, "query_only", true)?;
        Ok(connection)
    };
    open().map_err(sqlite_error)
}

/// A `rusqlite` error as the store reports errors: a value that does not fit its column is
/// corrupt data; anything else a failure of the connection, which is then replaced.
pub fn sqlite_error(error: rusqlite::Error) -> sqlx::Error {
    match error {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..) => sqlx::Error::Decode(Box::new(error)),
        other => sqlx::Error::Protocol(format!("SQLite look-up: {other}")),
    }
}

/// The look-ups' connections.
#[derive(Clone, Debug)]
pub struct HotReads(managed::Pool<Connector>);

/// One connection, taken for one query.
pub type HotObject = managed::Object<Connector>;

impl HotReads {
    /// A pool that opens its connections as they are first needed.
    pub fn new(options: HotOptions) -> anyhow::Result<Self> {
        let pool = managed::Pool::builder(Connector(options))
            .max_size(HOT_CONNECTIONS)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()?;
        Ok(Self(pool))
    }

    /// Takes a connection, waiting while all are in use.
    pub async fn take(&self) -> Result<HotObject, sqlx::Error> {
        self.0.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            PoolError::Closed | PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => sqlx::Error::PoolClosed,
        })
    }

    /// Gives a connection back after its query: as it is, unless the query failed in a way that
    /// says the connection itself may be broken (cut, or its thread gone), when it is dropped
    /// and a new one opened for the next look-up.
    pub fn give_back<T>(connection: HotObject, outcome: &Result<T, sqlx::Error>) {
        if let Err(sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed) =
            outcome
        {
            drop(HotObject::take(connection));
        }
    }

    /// Closes every idle connection and refuses new ones; called on shutdown, so that SQLite
    /// can checkpoint its WAL when the last connection closes.
    pub async fn close(&self) {
        self.0.close();
        for connection in self.0.retain(|_, _| false).removed {
            match connection {
                HotConnection::Sqlite(c) => drop(c.close()),
                HotConnection::Postgres(c) => drop(c.close().await),
            }
        }
    }
}
