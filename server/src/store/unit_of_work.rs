//! 事务 — one unit of work: a change and the audit events that record it, committed in one
//! transaction or not at all. A unit of work cannot commit without an event, so no change is
//! ever written without its record.

use chrono::{DateTime, Utc};
use shared::account::Role;
use shared::audit::AuditAction;
use sqlx::{Postgres, Sqlite, Transaction};

use super::write_gate::{Turn, WriteGate};
use super::{Pool, Store};

/// An open transaction of one engine or the other.
#[derive(Debug)]
pub enum Tx {
    /// On the embedded default.
    Sqlite(Transaction<'static, Sqlite>),
    /// On the production backend.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the connection of the transaction `$tx` (a `&mut Tx`), once
/// per driver, like [`on_pool!`](crate::on_pool).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// One audit event to append.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    /// Who acted, if anyone was signed in.
    pub actor_id: Option<&'a str>,
    /// The enterprise they acted for, if any.
    pub acting_uscc: Option<&'a str>,
    /// The applicant present at the window, when a clerk acted for them.
    pub on_behalf_of: Option<&'a str>,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to (a person id, a credit code, an application number, …).
    pub subject: &'a str,
    /// Why, or further detail (never a full identity number).
    pub detail: &'a str,
    /// The role the actor acted in, for staff.
    pub role: Option<Role>,
    /// The department the act concerns (a case's), where one does.
    pub department: Option<&'a str>,
    /// The SHA-256 of each file the act involved (read, sent, issued).
    pub files: &'a [String],
    /// When.
    pub at: DateTime<Utc>,
}

/// 事务 — a change in progress. The store's write methods take one; [`UnitOfWork::commit`]
/// writes the change's audit event in the same transaction. Dropped without a commit, the
/// transaction rolls back.
#[derive(Debug)]
pub struct UnitOfWork {
    tx: Tx,
    /// The key its audit events are chained with.
    chain_key: [u8; 32],
    /// Its turn to write on SQLite, given up when it commits or is dropped. Declared after the
    /// transaction, so that a dropped change's rollback is on its way before the next change
    /// may write.
    _turn: Turn,
}

impl Store {
    /// Begins a change.
    pub async fn begin(&self) -> Result<UnitOfWork, sqlx::Error> {
        Self::begin_on(&self.pool, &self.gate, self.chain_key, "BEGIN").await
    }

    /// Begins the group-commit writer's change. On SQLite it runs on the store's one
    /// connection kept for that, and its commit is durable only once [`Store::wal_sync`] has
    /// run after it; on PostgreSQL it is durable when it returns.
    pub async fn begin_group(&self) -> Result<UnitOfWork, sqlx::Error> {
        // The group-commit writer reads (keys, consents) before it writes: on SQLite it takes
        // the write lock when it begins, waiting its turn (the busy timeout), rather than
        // failing with "database is locked" when another connection commits between its reads
        // and its first write (measured under a sign-in flood, BENCHMARKS.md).
        Self::begin_on(&self.durable, &self.gate, self.chain_key, "BEGIN IMMEDIATE").await
    }

    /// Records an act that changes nothing stored but must be on the record (a full identity
    /// number was shown to a staff member).
    pub async fn record_act(&self, event: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        self.begin().await?.commit(event).await
    }

    /// Takes a turn to write, for a change on SQLite made outside a unit of work ([`super::write_gate`]).
    pub(super) async fn write_turn(&self) -> Turn {
        self.gate.turn().await
    }

    async fn begin_on(
        pool: &Pool,
        gate: &WriteGate,
        chain_key: [u8; 32],
        sqlite_begin: &'static str,
    ) -> Result<UnitOfWork, sqlx::Error> {
        // The turn first, then a connection: a change waiting for its turn holds none.
        let turn = gate.turn().await;
        let tx = match pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with(sqlite_begin).await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        Ok(UnitOfWork { tx, chain_key, _turn: turn })
    }
}

impl UnitOfWork {
    /// The transaction, for the store's write methods.
    pub(super) fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// The key its audit events are chained with.
    pub(super) fn chain_key(&self) -> [u8; 32] {
        self.chain_key
    }

    /// Appends an audit event to the change, for a change that several events record. The
    /// event takes its place in the hash chain (see [`super::audit`]).
    pub async fn record(&mut self, e: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        self.append_event(e).await
    }

    /// Writes the event that records the change, and commits both.
    pub async fn commit(mut self, event: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        self.record(event).await?;
        self.commit_recorded().await
    }

    /// Commits a change whose events were all written through [`UnitOfWork::record`] or by the
    /// store's own write methods (a submission records itself). Only the store may: everywhere
    /// else a commit names its event.
    pub(super) async fn commit_recorded(self) -> Result<(), sqlx::Error> {
        match self.tx {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    /// Marks a point the change can roll back to without abandoning the rest (one submission
    /// of a group).
    pub(super) async fn savepoint(&mut self) -> Result<(), sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query("SAVEPOINT one_change").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps what was written since the savepoint.
    pub(super) async fn release_savepoint(&mut self) -> Result<(), sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query("RELEASE SAVEPOINT one_change")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Undoes what was written since the savepoint.
    pub(super) async fn rollback_to_savepoint(&mut self) -> Result<(), sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query("ROLLBACK TO SAVEPOINT one_change")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        self.release_savepoint().await
    }
}
