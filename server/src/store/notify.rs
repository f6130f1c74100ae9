//! 消息与推送的存储 — the outbox's messages as typed values, how each person wants to be told,
//! the messages and deliveries the outbox is fanned out into, the department systems' webhook
//! endpoints and API tokens, and the department feed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::application::CaseStatus;
use shared::case::Notice;
use shared::notify::{Channel, DeliveryState, MessageKind};
use shared::supervision::{CardCause, CardColor};
use shared::text::Lang;
use shared::workflow::CaseAction;

use super::{Pool, Store, Timestamp, Tx, UnitOfWork};
use crate::{on_pool, on_tx};

/// What a change puts in the outbox, to leave once it commits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outbound {
    /// A notice to the applicant.
    Notice(Notice),
    /// An act on a case, or a case moved by its bundle's stages: for the department's systems.
    CaseEvent(CaseEventPayload),
    /// A card raised against a department: for its systems and the case's handler.
    Card(CardPayload),
}

/// The outbox's topics, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Topic {
    /// [`Outbound::Notice`]
    Notice,
    /// [`Outbound::CaseEvent`]
    CaseEvent,
    /// [`Outbound::Card`]
    Card,
}

/// An act on a case, or a case moved without one (`action` absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEventPayload {
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// The case's department.
    pub department: String,
    /// The act, if someone acted.
    pub action: Option<CaseAction>,
    /// The status it left.
    pub status: CaseStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// A card raised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPayload {
    /// The card's id.
    pub card: String,
    /// 办件编号
    pub case_no: String,
    /// The department it is raised against.
    pub department: String,
    /// Yellow or red.
    pub color: CardColor,
    /// Why.
    pub cause: CardCause,
    /// The due date it was raised against.
    pub due_on: Option<NaiveDate>,
    /// Who handled the case last.
    pub handler: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl Outbound {
    /// Its topic.
    pub fn topic(&self) -> Topic {
        match self {
            Self::Notice(_) => Topic::Notice,
            Self::CaseEvent(_) => Topic::CaseEvent,
            Self::Card(_) => Topic::Card,
        }
    }

    /// The case it concerns.
    pub fn case_no(&self) -> &str {
        match self {
            Self::Notice(n) => &n.case_no,
            Self::CaseEvent(e) => &e.case_no,
            Self::Card(c) => &c.case_no,
        }
    }

    /// The payload as stored.
    fn payload(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Self::Notice(n) => serde_json::to_value(n),
            Self::CaseEvent(e) => serde_json::to_value(e),
            Self::Card(c) => serde_json::to_value(c),
        }
    }

    /// Reads a stored message back; one that does not decode is corrupt, never a default.
    pub fn decode(seq: i64, topic: &str, payload: serde_json::Value) -> Result<Self, sqlx::Error> {
        let bad = |e: String| corrupt(format!("outbox message {seq} ({topic}): {e}"));
        let topic: Topic = topic.parse().map_err(|e: strum::ParseError| bad(e.to_string()))?;
        let decoded = match topic {
            Topic::Notice => serde_json::from_value(payload).map(Self::Notice),
            Topic::CaseEvent => serde_json::from_value(payload).map(Self::CaseEvent),
            Topic::Card => serde_json::from_value(payload).map(Self::Card),
        };
        decoded.map_err(|e| bad(e.to_string()))
    }

    /// The department whose systems receive it (a notice is the applicant's alone).
    pub fn department(&self) -> Option<&str> {
        match self {
            Self::Notice(_) => None,
            Self::CaseEvent(e) => Some(&e.department),
            Self::Card(c) => Some(&c.department),
        }
    }
}

fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

impl UnitOfWork {
    /// Puts a message in the outbox, to leave once this change commits.
    pub async fn enqueue(&mut self, message: &Outbound, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let payload = message.payload().map_err(|e| sqlx::Error::Encode(e.into()))?;
        let topic: &'static str = message.topic().into();
        on_tx!(self.tx(), |c| sqlx::query("INSERT INTO outbox (at, topic, subject, payload) VALUES ($1, $2, $3, $4)")
            .bind(Timestamp::from(at))
            .bind(topic)
            .bind(message.case_no())
            .bind(sqlx::types::Json(payload))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets how a person is told.
    pub async fn set_notification_settings(
        &mut self,
        person_id: &str,
        settings: &ContactRow,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE persons SET email = $2, notify_email = $3, notify_sms = $4, lang = $5 WHERE id = $1"
        )
        .bind(person_id)
        .bind(&settings.email)
        .bind(settings.notify_email)
        .bind(settings.notify_sms)
        .bind(&settings.lang)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Registers a webhook endpoint.
    pub async fn insert_endpoint(&mut self, e: &NewEndpoint<'_>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
            "INSERT INTO webhook_endpoints (id, department_code, url, description, secret_sealed, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(e.id)
        .bind(e.department_code)
        .bind(e.url)
        .bind(e.description)
        .bind(e.secret_sealed)
        .bind(e.created_by)
        .bind(Timestamp::from(e.at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Switches an endpoint of `department` off; `false` when it has none such, on.
    pub async fn disable_endpoint(
        &mut self,
        department: &str,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let n = on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $3
              WHERE id = $1 AND department_code = $2 AND disabled_at IS NULL"
        )
        .bind(id)
        .bind(department)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Issues an API token.
    pub async fn insert_token(&mut self, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO api_tokens (id, department_code, name, prefix, token_hash, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(t.id)
        .bind(t.department_code)
        .bind(t.name)
        .bind(t.prefix)
        .bind(t.token_hash)
        .bind(t.created_by)
        .bind(Timestamp::from(t.at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes a token of `department`; `false` when it has none such, unrevoked.
    pub async fn revoke_token(&mut self, department: &str, id: &str, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let n = on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND department_code = $2 AND revoked_at IS NULL"
        )
        .bind(id)
        .bind(department)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

/// How a person is told, as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRow {
    /// 电子邮箱
    pub email: Option<String>,
    /// By email.
    pub notify_email: bool,
    /// By SMS.
    pub notify_sms: bool,
    /// In this language (its BCP 47 tag).
    pub lang: String,
}

impl ContactRow {
    /// The language.
    pub fn lang(&self) -> Lang {
        Lang::from_tag(&self.lang)
    }
}

/// A person a message goes to, with where it may be sent.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recipient {
    /// The person.
    pub id: String,
    /// Their registered mobile number.
    pub mobile: String,
    /// How they are told.
    #[sqlx(flatten)]
    pub contact: ContactRow,
}

/// A webhook endpoint to register.
#[derive(Clone, Debug)]
pub struct NewEndpoint<'a> {
    /// Its id.
    pub id: &'a str,
    /// The department's code.
    pub department_code: &'a str,
    /// Where events go.
    pub url: &'a str,
    /// What receives them.
    pub description: &'a str,
    /// The signing secret, sealed with the server's key.
    pub secret_sealed: &'a str,
    /// Who made it.
    pub created_by: &'a str,
    /// When.
    pub at: DateTime<Utc>,
}

/// An API token to issue.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    /// Its id.
    pub id: &'a str,
    /// The department's code.
    pub department_code: &'a str,
    /// What system uses it.
    pub name: &'a str,
    /// The token's first characters.
    pub prefix: &'a str,
    /// The token's SHA-256.
    pub token_hash: &'a str,
    /// Who made it.
    pub created_by: &'a str,
    /// When.
    pub at: DateTime<Utc>,
}

/// An endpoint as lists show it, with its deliveries counted.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EndpointRow {
    /// Its id.
    pub id: String,
    /// Where events go.
    pub url: String,
    /// What receives them.
    pub description: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was switched off.
    pub disabled_at: Option<Timestamp>,
    /// Deliveries waiting or retried.
    pub pending: i64,
    /// Deliveries taken.
    pub delivered: i64,
    /// Deliveries given up.
    pub gave_up: i64,
}

/// A token as lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    /// Its id.
    pub id: String,
    /// What system uses it.
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

/// An outbox message not fanned out yet.
#[derive(Clone, Debug)]
pub struct OutboxMessage {
    /// Its place in the outbox.
    pub seq: i64,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// What it says.
    pub message: Outbound,
}

/// An event of a department's feed as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedRow {
    /// Its place in the outbox.
    pub seq: i64,
    /// The event's id.
    pub event_id: String,
    /// Its place in the feed (the cursor).
    pub event_no: i64,
    /// When.
    pub at: Timestamp,
    /// The department's code.
    pub department_code: String,
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// The outbox topic (stored name).
    pub topic: String,
    /// The outbox payload.
    pub payload: serde_json::Value,
}

/// A message as its person's list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    /// Its id.
    pub id: String,
    /// What about.
    #[sqlx(try_from = "String")]
    pub kind: MessageKind,
    /// 办件编号
    pub case_no: String,
    /// When.
    pub at: Timestamp,
    /// Its subject line.
    pub subject: String,
    /// What it says.
    pub body: String,
}

/// A delivery as lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    /// Its id.
    pub id: String,
    /// The outbox message it came from.
    pub outbox_seq: i64,
    /// How it leaves.
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    /// The message it delivers, by email or SMS.
    pub message_id: Option<String>,
    /// The email address or mobile number.
    pub address: Option<String>,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due.
    pub next_at: Timestamp,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
}

/// One attempt as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttemptRow {
    /// The delivery.
    pub delivery_id: String,
    /// Which attempt (from 1).
    pub attempt: i64,
    /// When.
    pub at: Timestamp,
    /// The HTTP status answered.
    pub status: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub took_ms: i64,
}

/// Where a dispatcher claims work: one channel to people, or one endpoint. Each lane has its
/// own limit of deliveries in flight, so that an endpoint that hangs holds only its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Email or SMS.
    Channel(Channel),
    /// One webhook endpoint.
    Endpoint(String),
}

/// A delivery a dispatcher claimed, with what it sends.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    /// Its id.
    pub id: String,
    /// Attempts made, this one included.
    pub attempt: i64,
    /// When it was made (retries end a while after).
    pub created_at: DateTime<Utc>,
    /// What to send.
    pub content: DeliveryContent,
}

/// What a claimed delivery sends, and where.
#[derive(Clone, Debug)]
pub enum DeliveryContent {
    /// An email or an SMS.
    Message {
        /// Email or SMS.
        channel: Channel,
        /// The email address or mobile number.
        address: String,
        /// The email's subject.
        subject: String,
        /// The email's body, or the text message.
        body: String,
    },
    /// An event to an endpoint (switched off since: it is given up).
    Webhook {
        /// Where to POST.
        url: String,
        /// The signing secret, sealed.
        secret_sealed: String,
        /// Whether the endpoint was switched off since.
        disabled: bool,
        /// The event.
        event: Box<FeedRow>,
    },
}

/// The fan-out of outbox messages: one transaction that turns a batch of them into messages,
/// deliveries and feed entries, and marks them sent. It writes no audit event: each message
/// was written with its change's; the deliveries keep their own log.
#[derive(Debug)]
pub struct Fanout {
    tx: Tx,
    /// Its turn to write on SQLite ([`super::write_gate`]), after the transaction.
    _turn: super::write_gate::Turn,
}

/// A PostgreSQL advisory lock's key: one fan-out at a time gives out the feed's numbers.
const FANOUT_LOCK: i64 = 0x5957_4f55_5442_4f58; // "YWOUTBOX"

impl Store {
    /// Begins a fan-out and claims up to `limit` outbox messages in order.
    pub async fn begin_fanout(&self, limit: i64) -> Result<(Fanout, Vec<OutboxMessage>), sqlx::Error> {
        let turn = self.write_turn().await;
        let (mut tx, lock) = match &self.pool {
            // SQLite has one writer: BEGIN IMMEDIATE would be the same, the first write takes it.
            Pool::Sqlite(p) => (Tx::Sqlite(p.begin().await?), ""),
            Pool::Postgres(p) => (Tx::Postgres(p.begin().await?), " FOR UPDATE SKIP LOCKED"),
        };
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FANOUT_LOCK).execute(&mut **t).await?;
        } else {
            // Takes SQLite's write lock now, so that the numbers read below stay the largest.
            on_tx!(&mut tx, |c| sqlx::query("UPDATE outbox SET seq = seq WHERE 0")
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let sql =
            format!("SELECT seq, at, topic, payload FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1{lock}");
        let rows: Vec<(i64, Timestamp, String, serde_json::Value)> =
            on_tx!(&mut tx, |c| sqlx::query_as(&sql).bind(limit).fetch_all(c).await)?;
        let messages = rows
            .into_iter()
            .map(|(seq, at, topic, payload)| {
                Ok(OutboxMessage { seq, at: at.into(), message: Outbound::decode(seq, &topic, payload)? })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((Fanout { tx, _turn: turn }, messages))
    }

    /// How a person is told.
    pub async fn contact_of(&self, person_id: &str) -> Result<Option<(ContactRow, String)>, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            contact: ContactRow,
            mobile: String,
        }
        let row: Option<Row> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT email, notify_email, notify_sms, lang, mobile FROM persons WHERE id = $1"
        )
        .bind(person_id)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|r| (r.contact, r.mobile)))
    }

    /// A person's newest messages.
    pub async fn messages_of(&self, person_id: &str, limit: i64) -> Result<Vec<MessageRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, kind, case_no, at, subject, body FROM messages
              WHERE person_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
        )
        .bind(person_id)
        .bind(limit)
        .fetch_all(p)
        .await)
    }

    /// The email and SMS deliveries of some messages.
    pub async fn deliveries_of_messages(&self, ids: &[String]) -> Result<Vec<DeliveryRow>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, outbox_seq, channel, message_id, address, state, attempts, next_at, created_at, delivered_at
               FROM deliveries WHERE message_id IN ({}) ORDER BY channel",
            placeholders(1, ids.len())
        );
        on_pool!(&self.pool, |p| {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(p).await
        })
    }

    /// A department's endpoints, newest first, with their deliveries counted.
    pub async fn endpoints_of(&self, department: &str) -> Result<Vec<EndpointRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT e.id, e.url, e.description, e.created_at, e.disabled_at,
                    COUNT(CASE WHEN d.state = 'pending' THEN 1 END) AS pending,
                    COUNT(CASE WHEN d.state = 'delivered' THEN 1 END) AS delivered,
                    COUNT(CASE WHEN d.state = 'gave_up' THEN 1 END) AS gave_up
               FROM webhook_endpoints e LEFT JOIN deliveries d ON d.endpoint_id = e.id
              WHERE e.department_code = $1
              GROUP BY e.id, e.url, e.description, e.created_at, e.disabled_at
              ORDER BY e.created_at DESC, e.id"
        )
        .bind(department)
        .fetch_all(p)
        .await)
    }

    /// An endpoint's newest deliveries and their attempts.
    pub async fn endpoint_log(
        &self,
        endpoint: &str,
        limit: i64,
    ) -> Result<(Vec<(DeliveryRow, FeedRow)>, Vec<AttemptRow>), sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            delivery: DeliveryRow,
            #[sqlx(flatten)]
            event: FeedRow,
        }
        let rows: Vec<Row> = on_pool!(&self.pool, |p| sqlx::query_as(&format!(
            "SELECT d.id, d.outbox_seq, d.channel, d.message_id, d.address, d.state, d.attempts, d.next_at,
                    d.created_at, d.delivered_at, {FEED_COLUMNS}
               FROM deliveries d JOIN outbox o ON o.seq = d.outbox_seq JOIN cases c ON c.case_no = o.subject
              WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, o.event_no DESC LIMIT $2"
        ))
        .bind(endpoint)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        let ids: Vec<String> = rows.iter().map(|r| r.delivery.id.clone()).collect();
        let attempts = if ids.is_empty() {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT delivery_id, attempt, at, status, error, took_ms FROM delivery_attempts
                  WHERE delivery_id IN ({}) ORDER BY attempt DESC",
                placeholders(1, ids.len())
            );
            on_pool!(&self.pool, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in &ids {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?
        };
        Ok((rows.into_iter().map(|r| (r.delivery, r.event)).collect(), attempts))
    }

    /// Whether `endpoint` is one of `department`'s.
    pub async fn endpoint_department(&self, endpoint: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT department_code FROM webhook_endpoints WHERE id = $1")
                .bind(endpoint)
                .fetch_optional(p)
                .await)?;
        Ok(row.map(|(d,)| d))
    }

    /// A department's tokens, newest first.
    pub async fn tokens_of(&self, department: &str) -> Result<Vec<TokenRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens
              WHERE department_code = $1 ORDER BY created_at DESC, id"
        )
        .bind(department)
        .fetch_all(p)
        .await)
    }

    /// The department of an unrevoked token, by the token's hash; notes its use (to the minute,
    /// so that a busy client does not write on every call).
    pub async fn use_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String, String, Option<Timestamp>)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, department_code, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        let Some((id, department, last)) = row else { return Ok(None) };
        if last.is_none_or(|l| at.timestamp() - l.unix() >= 60) {
            let _turn = self.write_turn().await;
            on_pool!(&self.pool, |p| sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(&id)
                .bind(Timestamp::from(at))
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(Some(department))
    }

    /// The feed of `department` after `cursor`, oldest first.
    pub async fn feed(&self, department: &str, cursor: i64, limit: i64) -> Result<Vec<FeedRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(&format!(
            "SELECT {FEED_COLUMNS} FROM outbox o JOIN cases c ON c.case_no = o.subject
              WHERE o.department_code = $1 AND o.event_no > $2 ORDER BY o.event_no LIMIT $3"
        ))
        .bind(department)
        .bind(cursor)
        .bind(limit)
        .fetch_all(p)
        .await)
    }

    /// The lanes with deliveries due at `now` and not claimed by anyone.
    pub async fn due_lanes(&self, now: DateTime<Utc>) -> Result<Vec<Lane>, sqlx::Error> {
        let rows: Vec<(String, Option<String>)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT DISTINCT channel, endpoint_id FROM deliveries
              WHERE state = 'pending' AND next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)"
        )
        .bind(Timestamp::from(now))
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(channel, endpoint)| match (channel.parse::<Channel>(), endpoint) {
                (Ok(Channel::Webhook), Some(id)) => Ok(Lane::Endpoint(id)),
                (Ok(c @ (Channel::Email | Channel::Sms)), None) => Ok(Lane::Channel(c)),
                (c, e) => Err(corrupt(format!("a delivery of channel {c:?} has endpoint {e:?}"))),
            })
            .collect()
    }

    /// Claims up to `limit` due deliveries of a lane until `lease_until`: each is then attempted
    /// by this dispatcher alone (another claims it only once the lease has run out). On
    /// PostgreSQL rows another dispatcher is claiming are skipped, not waited for.
    pub async fn claim_deliveries(
        &self,
        lane: &Lane,
        limit: i64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<String>, sqlx::Error> {
        let skip_locked = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let (filter, key) = match lane {
            Lane::Channel(c) => ("channel = $4 AND endpoint_id IS NULL", c.as_str().to_owned()),
            Lane::Endpoint(id) => ("endpoint_id = $4", id.clone()),
        };
        let sql = format!(
            "UPDATE deliveries SET lease_until = $2, attempts = attempts + 1
              WHERE id IN (SELECT id FROM deliveries
                            WHERE state = 'pending' AND next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
                              AND {filter}
                            ORDER BY next_at, id LIMIT $3{skip_locked})
          RETURNING id"
        );
        let rows: Vec<(String,)> = on_pool!(&self.pool, |p| sqlx::query_as(&sql)
            .bind(Timestamp::from(now))
            .bind(Timestamp::from(lease_until))
            .bind(limit)
            .bind(&key)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// What a claimed delivery sends.
    pub async fn claimed(&self, id: &str) -> Result<ClaimedDelivery, sqlx::Error> {
        let d: DeliveryRow = on_pool!(&self.pool, |p| {
            sqlx::query_as(
            "SELECT id, outbox_seq, channel, message_id, address, state, attempts, next_at, created_at, delivered_at
               FROM deliveries WHERE id = $1"
        )
        .bind(id)
        .fetch_one(p)
        .await
        })?;
        let content = match (d.channel, &d.message_id, &d.address) {
            (Channel::Webhook, _, _) => {
                #[derive(sqlx::FromRow)]
                struct Row {
                    url: String,
                    secret_sealed: String,
                    disabled_at: Option<Timestamp>,
                    #[sqlx(flatten)]
                    event: FeedRow,
                }
                let r: Row = on_pool!(&self.pool, |p| sqlx::query_as(&format!(
                    "SELECT e.url, e.secret_sealed, e.disabled_at, {FEED_COLUMNS}
                       FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                       JOIN outbox o ON o.seq = d.outbox_seq JOIN cases c ON c.case_no = o.subject
                      WHERE d.id = $1"
                ))
                .bind(id)
                .fetch_one(p)
                .await)?;
                DeliveryContent::Webhook {
                    url: r.url,
                    secret_sealed: r.secret_sealed,
                    disabled: r.disabled_at.is_some(),
                    event: Box::new(r.event),
                }
            }
            (channel, Some(message), Some(address)) => {
                let (subject, body, sms): (String, String, String) =
                    on_pool!(&self.pool, |p| sqlx::query_as("SELECT subject, body, sms FROM messages WHERE id = $1")
                        .bind(message)
                        .fetch_one(p)
                        .await)?;
                let body = if channel == Channel::Sms { sms } else { body };
                DeliveryContent::Message { channel, address: address.clone(), subject, body }
            }
            (channel, message, address) => {
                return Err(corrupt(format!("delivery {id} by {channel:?} to {message:?} at {address:?}")));
            }
        };
        Ok(ClaimedDelivery { id: d.id, attempt: d.attempts, created_at: d.created_at.into(), content })
    }

    /// Records an attempt and what follows it: delivered, retried at `next`, or given up.
    pub async fn record_attempt(&self, done: &AttemptDone<'_>) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        let mut tx = match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, at, status, error, took_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (delivery_id, attempt) DO NOTHING"
        )
        .bind(done.id)
        .bind(done.attempt)
        .bind(Timestamp::from(done.at))
        .bind(done.status.map(i64::from))
        .bind(done.error)
        .bind(done.took_ms)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let (state, next, delivered) = match done.outcome {
            AttemptOutcome::Delivered => (DeliveryState::Delivered, done.at, Some(done.at)),
            AttemptOutcome::Retry(next) => (DeliveryState::Pending, next, None),
            AttemptOutcome::GiveUp => (DeliveryState::GaveUp, done.at, None),
        };
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE deliveries SET state = $2, next_at = $3, delivered_at = $4, lease_until = NULL
              WHERE id = $1 AND state = 'pending'"
        )
        .bind(done.id)
        .bind(state.as_str())
        .bind(Timestamp::from(next))
        .bind(delivered.map(Timestamp::from))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        match tx {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    /// Deliveries not yet delivered nor given up (for tests and the benchmark).
    pub async fn pending_deliveries(&self) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
                .fetch_one(p)
                .await)?;
        Ok(n)
    }

    /// Whether any outbox message waits to be fanned out (a read, so that an idle dispatcher
    /// never takes SQLite's write lock).
    pub async fn has_unsent(&self) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT seq FROM outbox WHERE sent_at IS NULL LIMIT 1")
                .fetch_optional(p)
                .await)?;
        Ok(row.is_some())
    }

    /// Outbox messages not yet fanned out.
    pub async fn unsent_outbox(&self) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
                .fetch_one(p)
                .await)?;
        Ok(n)
    }
}

const FEED_COLUMNS: &str = "o.seq, o.event_id, o.event_no, o.at, o.department_code, o.subject AS case_no,
    c.application_no, o.topic, o.payload";

/// `$start, $start+1, …` for `n` values.
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver took it.
    Delivered,
    /// Try again then.
    Retry(DateTime<Utc>),
    /// Stop trying.
    GiveUp,
}

/// An attempt made.
#[derive(Clone, Debug)]
pub struct AttemptDone<'a> {
    /// Its id.
    pub id: &'a str,
    /// Which attempt (from 1).
    pub attempt: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The HTTP status answered.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: Option<&'a str>,
    /// How long it took, in milliseconds.
    pub took_ms: i64,
    /// What follows.
    pub outcome: AttemptOutcome,
}

/// A message to write to a person.
#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    /// Its id.
    pub id: &'a str,
    /// Who it is for.
    pub person_id: &'a str,
    /// What about.
    pub kind: MessageKind,
    /// 办件编号
    pub case_no: &'a str,
    /// Its subject line.
    pub subject: &'a str,
    /// What it says.
    pub body: &'a str,
    /// Its text message.
    pub sms: &'a str,
}

impl Fanout {
    /// The people who hear of an application's case: who applies, who filed it for them, and
    /// the relative who applied under a proxy.
    pub async fn applicants_of(&mut self, case_no: &str) -> Result<Vec<Recipient>, sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query_as(
            "SELECT p.id, p.mobile, p.email, p.notify_email, p.notify_sms, p.lang
               FROM cases k JOIN applications a ON a.application_no = k.application_no
               JOIN persons p ON p.id IN (a.applicant_person_id, a.filed_by, a.proxy_id)
              WHERE k.case_no = $1 ORDER BY p.id"
        )
        .bind(case_no)
        .fetch_all(c)
        .await)
    }

    /// The staff a card goes to: the case's handler, or without one the department's approvers.
    pub async fn card_recipients(
        &mut self,
        handler: Option<&str>,
        department: &str,
    ) -> Result<Vec<Recipient>, sqlx::Error> {
        on_tx!(&mut self.tx, |c| {
            sqlx::query_as(
            "SELECT p.id, p.mobile, p.email, p.notify_email, p.notify_sms, p.lang FROM persons p
              WHERE p.id = $1
                 OR ($1 IS NULL AND p.id IN (SELECT s.person_id FROM staff s JOIN staff_roles r ON r.person_id = s.person_id
                                              WHERE s.department_code = $2 AND r.role = 'approver'))
              ORDER BY p.id"
        )
        .bind(handler)
        .bind(department)
        .fetch_all(c)
        .await
        })
    }

    /// A case's item name, and where its result waits when it waits at a hall's window.
    pub async fn case_facts(&mut self, case_no: &str) -> Result<CaseFacts, sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query_as(
            "SELECT k.item_name_zh, k.item_name_en, k.status, a.delivery, h.name_zh AS hall_zh, h.name_en AS hall_en,
                    h.address AS hall_address
               FROM cases k JOIN applications a ON a.application_no = k.application_no
               LEFT JOIN halls h ON h.code = a.delivery_hall
              WHERE k.case_no = $1"
        )
        .bind(case_no)
        .fetch_one(c)
        .await)
    }

    /// The department's endpoints that are switched on.
    pub async fn live_endpoints(&mut self, department: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String,)> = on_tx!(&mut self.tx, |c| sqlx::query_as(
            "SELECT id FROM webhook_endpoints WHERE department_code = $1 AND disabled_at IS NULL ORDER BY id"
        )
        .bind(department)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Writes a message to a person.
    pub async fn insert_message(&mut self, seq: i64, m: &NewMessage<'_>, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_tx!(&mut self.tx, |c| sqlx::query(
            "INSERT INTO messages (id, person_id, outbox_seq, kind, case_no, at, subject, body, sms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(m.id)
        .bind(m.person_id)
        .bind(seq)
        .bind(m.kind.as_str())
        .bind(m.case_no)
        .bind(Timestamp::from(at))
        .bind(m.subject)
        .bind(m.body)
        .bind(m.sms)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Adds a delivery: of a message (by email or SMS, to `address`) or to an endpoint.
    pub async fn insert_delivery(
        &mut self,
        seq: i64,
        channel: Channel,
        to: DeliveryTarget<'_>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let (message, address, endpoint) = match to {
            DeliveryTarget::Person { message_id, address } => (Some(message_id), Some(address), None),
            DeliveryTarget::Endpoint(id) => (None, None, Some(id)),
        };
        on_tx!(&mut self.tx, |c| {
            sqlx::query(
            "INSERT INTO deliveries (id, outbox_seq, channel, message_id, endpoint_id, address, state, next_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)"
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(seq)
        .bind(channel.as_str())
        .bind(message)
        .bind(endpoint)
        .bind(address)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Marks a message fanned out; a department's event takes the next number of the feed.
    pub async fn mark_sent(
        &mut self,
        seq: i64,
        department: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let event_id = department.map(|_| uuid::Uuid::now_v7().to_string());
        on_tx!(&mut self.tx, |c| sqlx::query(
            "UPDATE outbox SET sent_at = $2, department_code = $3, event_id = $4,
                    event_no = CASE WHEN $3 IS NULL THEN NULL
                                    ELSE (SELECT COALESCE(MAX(event_no), 0) + 1 FROM outbox) END
              WHERE seq = $1"
        )
        .bind(seq)
        .bind(Timestamp::from(at))
        .bind(department)
        .bind(event_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Commits the fan-out.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.tx {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Where a delivery goes.
#[derive(Clone, Copy, Debug)]
pub enum DeliveryTarget<'a> {
    /// A person's message, to this address.
    Person {
        /// The message.
        message_id: &'a str,
        /// The email address or mobile number.
        address: &'a str,
    },
    /// A webhook endpoint.
    Endpoint(&'a str),
}

/// What a message about a case says of it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseFacts {
    /// The item's name.
    pub item_name_zh: String,
    /// … in English.
    pub item_name_en: String,
    /// Where the case stands now.
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    /// How the result is delivered (`electronic`, `window`, `mail`).
    pub delivery: String,
    /// The hall results wait at.
    pub hall_zh: Option<String>,
    /// … in English.
    pub hall_en: Option<String>,
    /// Its address.
    pub hall_address: Option<String>,
}
