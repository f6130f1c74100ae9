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
//! request's own thread, as do the other reads on a busy request's path ([`HotReads::on_sqlite`]:
//! the session of every signed-in request, and what a submission reads before the write). sqlx
//! runs each SQLite connection on a thread of its own and hands every statement to it and every
//! row back, each a wake-up of another thread; for such a query (a few rows, all in SQLite's page
//! cache, tens of microseconds) the hand-offs cost more than the query (BENCHMARKS.md). A WAL
//! reader does not wait for the writer, so such a read holds a request thread no longer than the
//! query itself; a lock it meets (the WAL recovered or restarted) is waited for at most
//! [`SQLITE_BUSY_WAIT`].
use std::time::Duration;

use deadpool::managed::{self, Metrics, PoolError, RecycleResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

use super::PING_AFTER_IDLE;

/// How many connections the look-ups share. Measured on two cores, four serve the peak as well
/// as sixteen (BENCHMARKS.md). On SQLite the other reads share them too, each holding one only
/// for the tens of microseconds it runs on a request's thread.
const HOT_CONNECTIONS: usize = 4;

/// How long a look-up waits for one of them, as long as for a connection of the main pool.
const WAIT: Duration = Duration::from_secs(10);

/// How long a SQLite read on a request's thread waits on a lock before it fails: it holds the
/// thread while it waits. Readers of a WAL database meet one only while the log is recovered
/// (after a crash) or restarted, or while another process holds the database exclusively.
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

    /// Runs `read` on one of the SQLite connections, on this thread. Only a store on SQLite
    /// calls it; its connections are SQLite's.
    pub async fn on_sqlite<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, sqlx::Error> {
        let connection = self.take().await?;
        let result = match &*connection {
            HotConnection::Sqlite(c) => read(c).map_err(sqlite_error),
            HotConnection::Postgres(_) => Err(sqlx::Error::Configuration("a SQLite read on PostgreSQL".into())),
        };
        Self::give_back(connection, &result);
        result
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

/// The rows of a query on SQLite, its statement kept prepared on the connection ([`prepared`]),
/// each read by `read` column by column.
pub fn sqlite_rows<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    mut read: impl FnMut(&mut Columns<'_, '_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut statement = prepared(connection, sql)?;
    let rows = statement.query_map(params, |row| read(&mut Columns { row, next: 0 }))?;
    rows.collect()
}

/// The first row of a query on SQLite, if any ([`sqlite_rows`]).
pub fn sqlite_row<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl FnOnce(&mut Columns<'_, '_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let mut statement = prepared(connection, sql)?;
    let mut rows = statement.query(params)?;
    rows.next()?.map(|row| read(&mut Columns { row, next: 0 })).transpose()
}

/// A statement kept prepared on the connection. rusqlite binds by position, which SQLite gives
/// `$1`, `$2`, ... in the order they first appear in the text: debug builds check that they do.
fn prepared<'c>(connection: &'c rusqlite::Connection, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let statement = connection.prepare_cached(sql)?;
    debug_assert!(
        (1..=statement.parameter_count()).all(|i| statement.parameter_name(i) == Some(format!("${i}").as_str())),
        "parameters out of order in {sql}"
    );
    Ok(statement)
}

/// A SQLite row read column by column in the order of its query. Reading by index saves looking
/// each name up among the row's columns; debug builds (every test) check that each column read
/// is the one named.
pub struct Columns<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    next: usize,
}

impl Columns<'_, '_> {
    /// The next column, which is `name`.
    pub fn get<T: rusqlite::types::FromSql>(&mut self, name: &str) -> rusqlite::Result<T> {
        let index = self.next;
        self.next += 1;
        debug_assert_eq!(self.row.as_ref().column_name(index).ok(), Some(name), "column {index}");
        self.row.get(index)
    }

    /// The next column, `name`, holding the stored name of a `T`; any other text is corrupt data.
    pub fn parse<T: TryFrom<String, Error: std::fmt::Display>>(&mut self, name: &str) -> rusqlite::Result<T> {
        let index = self.next;
        let text: String = self.get(name)?;
        T::try_from(text).map_err(|e| corrupt(index, format!("{name}: {e}")))
    }

    /// The next column, `name`, a date as sqlx stores one on SQLite (`2026-12-06`).
    pub fn date(&mut self, name: &str) -> rusqlite::Result<chrono::NaiveDate> {
        self.text_as(name, |t| chrono::NaiveDate::parse_from_str(t, "%F"))
    }

    /// The next column, `name`, a date or null.
    pub fn optional_date(&mut self, name: &str) -> rusqlite::Result<Option<chrono::NaiveDate>> {
        self.optional_text_as(name, |t| chrono::NaiveDate::parse_from_str(t, "%F"))
    }

    /// The next column, `name`, JSON text of a `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> rusqlite::Result<T> {
        self.text_as(name, |t| serde_json::from_str(t))
    }

    /// The next column, `name`, JSON text of a `T` or null.
    pub fn optional_json<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> rusqlite::Result<Option<T>> {
        self.optional_text_as(name, |t| serde_json::from_str(t))
    }

    /// The next column, `name`, text that `read` makes a `T` of; text it refuses is corrupt data.
    fn text_as<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str) -> Result<T, E>,
    ) -> rusqlite::Result<T> {
        let index = self.next;
        let text: String = self.get(name)?;
        read(&text).map_err(|e| corrupt(index, format!("{name}: {e}")))
    }

    /// The same of a column that may be null.
    fn optional_text_as<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        read: impl FnOnce(&str) -> Result<T, E>,
    ) -> rusqlite::Result<Option<T>> {
        let index = self.next;
        let text: Option<String> = self.get(name)?;
        text.map(|t| read(&t).map_err(|e| corrupt(index, format!("{name}: {e}")))).transpose()
    }
}

/// A column's value that does not fit what it holds: corrupt data.
fn corrupt(index: usize, reason: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, reason.into())
}
