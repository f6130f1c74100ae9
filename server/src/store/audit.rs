//! 全程留痕 — the audit trail as a hash chain.
//!
//! Each event stores the hash of the one before it (`prev_hash`) and its own (`hash`): an
//! HMAC-SHA-256, under a key derived from the server's master key, over the hash before it and
//! every field of the event in a fixed order; without the key, a changed event cannot be given
//! a hash that verifies. Writers
//! take their place in the chain by updating its one head row, which the database locks until
//! the transaction ends: events are chained in the order their changes commit. Changing or
//! removing a stored event breaks the chain at that event, which [`Store::verify_audit_chain`]
//! names; the database refuses both anyway (a trigger on each engine).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use sqlx::FromRow;

use super::rows::{Batch, Cell, Rows};
use super::{AuditEvent, Store, Timestamp, UnitOfWork};
use crate::pii::hex;
use crate::{on_pool, on_tx};

/// The hash before the first event.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Events read per query when the chain is checked or sealed.
const PAGE: i64 = 1_000;

/// What a check of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// How many events were checked.
    pub events: u64,
    /// The id of the first event whose stored hashes do not match what it holds, if any.
    pub first_bad: Option<String>,
}

/// The fields an event's hash covers, as stored.
#[derive(Debug, FromRow)]
struct ChainedRow {
    id: String,
    seq: i64,
    at: Timestamp,
    actor_id: Option<String>,
    acting_uscc: Option<String>,
    on_behalf_of: Option<String>,
    action: String,
    subject: String,
    detail: String,
    role: Option<String>,
    department_code: Option<String>,
    file_hashes: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl ChainedRow {
    /// HMAC-SHA-256 under `key` over the hash before and the event's fields as one JSON array,
    /// which keeps the fields apart whatever text they hold.
    fn chain_hash(&self, key: &[u8; 32], prev: &str) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.id,
            DateTime::<Utc>::from(self.at).timestamp(),
            self.actor_id,
            self.acting_uscc,
            self.on_behalf_of,
            self.action,
            self.subject,
            self.detail,
            self.role,
            self.department_code,
            self.file_hashes,
        ]);
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(prev.as_bytes());
        mac.update(b"\n");
        mac.update(fields.to_string().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

const CHAINED_COLUMNS: &str = "id, seq, at, actor_id, acting_uscc, on_behalf_of, action, subject, detail, role, \
                               department_code, file_hashes, prev_hash, hash";

impl UnitOfWork {
    /// Appends `e` to the chain in this transaction: its row and the chain's new head written
    /// together.
    pub(super) async fn append_event(&mut self, e: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        let chained = self.chain(std::slice::from_ref(e)).await?;
        let mut batch = Batch::default();
        chained.write_into(&mut batch);
        self.write_batch(&batch).await
    }

    /// Takes the places of `events` in the chain, in order, and hashes them: the head is
    /// taken once for all of them (a group of submissions records one event each). They are
    /// the change's to write ([`Chained::write_into`]).
    pub(super) async fn chain(&mut self, events: &[AuditEvent<'_>]) -> Result<Chained, sqlx::Error> {
        let Ok(count) = i64::try_from(events.len()) else {
            return Err(sqlx::Error::Protocol("too many events".into()));
        };
        if count == 0 {
            return Ok(Chained { rows: Vec::new(), head: None });
        }
        let key = self.chain_key();
        let (last, head): (i64, String) = on_tx!(self.tx(), |c| sqlx::query_as(
            "UPDATE audit_chain_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash"
        )
        .bind(count)
        .fetch_one(c)
        .await)?;
        let mut prev = if head.is_empty() { GENESIS.to_owned() } else { head };
        let mut rows = Vec::with_capacity(events.len());
        for (seq, e) in (last - count + 1..).zip(events) {
            let mut row = ChainedRow {
                id: super::log_row_id(),
                seq,
                at: Timestamp::from(e.at),
                actor_id: e.actor_id.map(str::to_owned),
                acting_uscc: e.acting_uscc.map(str::to_owned),
                on_behalf_of: e.on_behalf_of.map(str::to_owned),
                action: e.action.as_str().to_owned(),
                subject: e.subject.to_owned(),
                detail: e.detail.to_owned(),
                role: e.role.map(|r| r.as_str().to_owned()),
                department_code: e.department.map(str::to_owned),
                file_hashes: e.files.join(" "),
                prev_hash: None,
                hash: None,
            };
            let hash = row.chain_hash(&key, &prev);
            row.prev_hash = Some(std::mem::replace(&mut prev, hash.clone()));
            row.hash = Some(hash);
            rows.push(row);
        }
        Ok(Chained { rows, head: Some(prev) })
    }
}

/// Events placed in the chain, not yet written: their rows, and the chain's new head.
pub(super) struct Chained {
    rows: Vec<ChainedRow>,
    /// `None` when there are no events.
    head: Option<String>,
}

impl Chained {
    /// Adds the events' rows and the head's new hash to `batch`.
    pub(super) fn write_into<'a>(&'a self, batch: &mut Batch<'a>) {
        let Some(head) = &self.head else { return };
        let mut rows = Rows::new("audit_events", &CHAINED);
        for r in &self.rows {
            rows.push([
                Cell::Text(&r.id),
                Cell::Int(r.seq),
                Cell::At(r.at),
                Cell::MaybeText(r.actor_id.as_deref()),
                Cell::MaybeText(r.acting_uscc.as_deref()),
                Cell::MaybeText(r.on_behalf_of.as_deref()),
                Cell::Text(&r.action),
                Cell::Text(&r.subject),
                Cell::Text(&r.detail),
                Cell::MaybeText(r.role.as_deref()),
                Cell::MaybeText(r.department_code.as_deref()),
                Cell::Text(&r.file_hashes),
                Cell::MaybeText(r.prev_hash.as_deref()),
                Cell::MaybeText(r.hash.as_deref()),
            ]);
        }
        batch.rows(rows);
        batch.statement(
            "UPDATE audit_chain_head SET hash = $1 WHERE id = 1",
            "UPDATE audit_chain_head SET hash = ? WHERE id = 1",
            vec![Cell::Text(head)],
        );
    }
}

/// The columns of [`CHAINED_COLUMNS`], one by one.
const CHAINED: [&str; 14] = [
    "id",
    "seq",
    "at",
    "actor_id",
    "acting_uscc",
    "on_behalf_of",
    "action",
    "subject",
    "detail",
    "role",
    "department_code",
    "file_hashes",
    "prev_hash",
    "hash",
];

/// An event of a case's trail, with the actor's name.
#[derive(Debug, FromRow)]
pub struct TrailRow {
    /// When.
    #[sqlx(try_from = "Timestamp")]
    pub at: DateTime<Utc>,
    /// What happened.
    #[sqlx(try_from = "String")]
    pub action: shared::audit::AuditAction,
    /// The actor's name.
    pub actor: Option<String>,
    /// The role acted in (stored name).
    pub role: Option<String>,
    /// The department concerned.
    pub department_code: Option<String>,
    /// Reason or detail.
    pub detail: String,
    /// Space-separated SHA-256 hashes.
    pub file_hashes: String,
}

impl Store {
    /// The events recorded against any of `subjects` (a case and its application), in chain
    /// order.
    pub async fn trail_of(&self, case_no: &str, application_no: &str) -> Result<Vec<TrailRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT e.at, e.action, p.name AS actor, e.role, e.department_code, e.detail, e.file_hashes
               FROM audit_events e LEFT JOIN persons p ON p.id = e.actor_id
              WHERE e.subject = $1 OR e.subject = $2 ORDER BY e.seq"
        )
        .bind(case_no)
        .bind(application_no)
        .fetch_all(p)
        .await)
    }

    /// Hashes the events written before the chain existed, in the order they were written, and
    /// makes the last of them the head. Runs at start; finds nothing to do after the first time.
    pub async fn seal_audit_chain(&self) -> Result<u64, sqlx::Error> {
        let mut uow = self.begin().await?;
        let sealed = on_tx!(uow.tx(), |c| {
            // Taking the head first keeps every writer out until the old events are sealed.
            let (head_seq, head_hash): (i64, String) =
                sqlx::query_as("UPDATE audit_chain_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut *c)
                    .await?;
            if !head_hash.is_empty() || head_seq == 0 {
                0
            } else {
                let mut prev = GENESIS.to_owned();
                let mut sealed = 0u64;
                loop {
                    let rows: Vec<ChainedRow> = sqlx::query_as(&format!(
                        "SELECT {CHAINED_COLUMNS} FROM audit_events WHERE hash IS NULL ORDER BY seq LIMIT $1"
                    ))
                    .bind(PAGE)
                    .fetch_all(&mut *c)
                    .await?;
                    if rows.is_empty() {
                        break;
                    }
                    for row in rows {
                        let hash = row.chain_hash(&self.chain_key, &prev);
                        sqlx::query("UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1")
                            .bind(&row.id)
                            .bind(&prev)
                            .bind(&hash)
                            .execute(&mut *c)
                            .await?;
                        prev = hash;
                        sealed += 1;
                    }
                }
                sqlx::query("UPDATE audit_chain_head SET hash = $1 WHERE id = 1").bind(&prev).execute(&mut *c).await?;
                sealed
            }
        });
        uow.commit_recorded().await?;
        Ok(sealed)
    }

    /// Recomputes the chain from its first event and names the first that does not match: an
    /// event changed in place, one removed (the next one's `prev_hash` no longer matches), or
    /// the last ones removed (the head is ahead of the events). The head is read first, and
    /// the events up to it: events its writer committed with it are all there, and events
    /// committed during the check, after it, are left for the next one.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, sqlx::Error> {
        let (head_seq, head_hash): (i64, String) =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
                .fetch_one(p)
                .await?);
        let mut prev = GENESIS.to_owned();
        let mut after = 0i64;
        let mut events = 0u64;
        loop {
            let rows: Vec<ChainedRow> = on_pool!(&self.pool, |p| sqlx::query_as(&format!(
                "SELECT {CHAINED_COLUMNS} FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
            ))
            .bind(after)
            .bind(head_seq)
            .bind(PAGE)
            .fetch_all(p)
            .await?);
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                events += 1;
                let expected = row.chain_hash(&self.chain_key, &prev);
                if row.prev_hash.as_deref() != Some(prev.as_str()) || row.hash.as_deref() != Some(expected.as_str()) {
                    return Ok(ChainReport { events, first_bad: Some(row.id) });
                }
                prev = expected;
            }
        }
        let head_matches = head_seq == after && (head_hash == prev || (events == 0 && head_hash.is_empty()));
        Ok(ChainReport { events, first_bad: (!head_matches).then(|| format!("head@{head_seq}")) })
    }
}
