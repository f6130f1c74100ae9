//! 办件 — cases as staff work them: inboxes, one case with its application, and the changes an
//! action writes (the case, its timeline, its notice, the outbox, the front desk's conduct).
//! A change applies only to the revision of the case it was decided on.

use chrono::{DateTime, Utc};
use shared::account::Role;
use shared::application::CaseStatus;
use shared::case::{CaseOrder, Notice, Queue, SupervisionKind};
use shared::workflow::{CaseAction, CaseState, DeliveryMethod, Verification};
use sqlx::FromRow;

use std::sync::LazyLock;

use super::applications::{EventRow, LookupHolder};
use super::hot_reads::{Columns, HotConnection, HotReads, sqlite_error, sqlite_rows};
use super::{Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

/// A case with what its workflow and its page need of its application.
#[derive(Clone, Debug, FromRow)]
pub struct CaseRecord {
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// 事项编码
    pub item_code: String,
    /// The version of the item it was filed under.
    pub item_version: i64,
    /// 事项名称
    pub item_name_zh: String,
    /// Item name in English.
    pub item_name_en: String,
    /// Handling department.
    pub department_code: String,
    /// Department name.
    pub department_zh: String,
    /// Department name in English.
    pub department_en: String,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    /// Whether the applicant took the pledge route.
    pub pledged: bool,
    /// Working days promised.
    pub promised_working_days: i64,
    /// Changes so far.
    pub revision: i64,
    /// The workflow step it waits at.
    pub step: i64,
    /// Its place in a staged application.
    pub stage: i64,
    /// Supplement notices sent.
    pub supplement_rounds: i64,
    /// Whether its result has left.
    pub delivered: bool,
    /// The post-check of a pledged case (stored name).
    pub verification: Option<String>,
    /// The enterprise it is for once known.
    pub subject_uscc: Option<String>,
    /// The e-licence its approval issued.
    pub license_id: Option<String>,
    /// The person who applied (or filed for the enterprise).
    pub applicant_person_id: String,
    /// The enterprise that applied.
    pub applicant_uscc: Option<String>,
    /// The clerk who filed at a window.
    pub filed_by: Option<String>,
    /// When the application was received.
    #[sqlx(try_from = "Timestamp")]
    pub submitted_at: DateTime<Utc>,
    /// How results are delivered.
    #[sqlx(try_from = "String")]
    pub delivery: DeliveryMethod,
    /// The pickup hall.
    pub delivery_hall: Option<String>,
    /// 办理渠道 — where the application was filed.
    #[sqlx(try_from = "String")]
    pub channel: shared::catalogue::Channel,
    /// The enterprise's or the person's name.
    pub applicant_name: String,
    /// Why its clock is stopped (stored name), while it is.
    pub pause_kind: Option<String>,
    /// Working days its limit was extended by.
    pub extension_days: i64,
    /// Why it was extended.
    pub extension_reason: Option<String>,
    /// When it was accepted: its clock starts the next working day.
    pub accepted_at: Option<Timestamp>,
    /// When it concluded: its clock stopped.
    pub concluded_at: Option<Timestamp>,
    /// Whether its clock was ever paused: a deadline reads the pauses only then, as most cases
    /// never are.
    pub ever_paused: bool,
}

impl CaseRecord {
    /// The workflow state stored for the case; a value no version wrote is an error.
    pub fn state(&self) -> Result<CaseState, sqlx::Error> {
        let number =
            |name: &str, v: i64| u32::try_from(v).map_err(|_| corrupt(format!("case {} has {name} {v}", self.case_no)));
        let verification = self
            .verification
            .clone()
            .map(Verification::try_from)
            .transpose()
            .map_err(|e| corrupt(format!("case {} verification: {e}", self.case_no)))?;
        let paused = self
            .pause_kind
            .clone()
            .map(shared::calendar::PauseKind::try_from)
            .transpose()
            .map_err(|e| corrupt(format!("case {} pause: {e}", self.case_no)))?;
        Ok(CaseState {
            status: self.status,
            step: number("step", self.step)?,
            supplement_rounds: number("supplement_rounds", self.supplement_rounds)?,
            pledged: self.pledged,
            delivery: self.delivery,
            delivered: self.delivered,
            verification,
            paused,
            extended: self.extension_days > 0,
        })
    }
}

fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

/// A case joined with one step of its timeline, as a progress look-up reads it; the step's
/// columns are empty when the case has no step yet.
#[derive(FromRow)]
struct LookupRow {
    #[sqlx(flatten)]
    record: CaseRecord,
    event_at: Option<Timestamp>,
    event_status: Option<String>,
    event_note_zh: Option<String>,
    event_note_en: Option<String>,
}

/// The progress look-up: a case, if the identity number's holder (`$2`, hashed) or the enterprise
/// (`$3`) may see it, with one row for each step of its timeline, in order.
static LOOKUP_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RECORD_COLUMNS}, ev.at AS event_at, ev.status AS event_status,
                ev.note_zh AS event_note_zh, ev.note_en AS event_note_en
         {RECORD_FROM}
         LEFT JOIN case_events ev ON ev.case_no = c.case_no
          WHERE c.case_no = $1
            AND (($2 <> '' AND EXISTS (SELECT 1 FROM persons h
                         WHERE h.id_number_hash = $2
                           AND (h.id = a.applicant_person_id
                                OR h.id = (SELECT r.legal_rep_id FROM enterprises r WHERE r.uscc = a.applicant_uscc))))
              OR ($3 <> '' AND (a.applicant_uscc = $3 OR c.subject_uscc = $3)))
          ORDER BY COALESCE(ev.seq, 0), ev.at, ev.id"
    )
});

impl LookupRow {
    /// The look-up's rows from SQLite, read on this thread ([`super::hot_reads`]).
    fn read_sqlite(connection: &rusqlite::Connection, params: (&str, &str, &str)) -> Result<Vec<Self>, sqlx::Error> {
        sqlite_rows(connection, LOOKUP_SQL.as_str(), params, Self::from_sqlite).map_err(sqlite_error)
    }

    /// One row, its columns read in the order `LOOKUP_SQL` selects them.
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        let record = CaseRecord {
            case_no: c.get("case_no")?,
            application_no: c.get("application_no")?,
            item_code: c.get("item_code")?,
            item_version: c.get("item_version")?,
            item_name_zh: c.get("item_name_zh")?,
            item_name_en: c.get("item_name_en")?,
            department_code: c.get("department_code")?,
            department_zh: c.get("department_zh")?,
            department_en: c.get("department_en")?,
            status: c.parse("status")?,
            pledged: c.get("pledged")?,
            promised_working_days: c.get("promised_working_days")?,
            revision: c.get("revision")?,
            step: c.get("step")?,
            stage: c.get("stage")?,
            supplement_rounds: c.get("supplement_rounds")?,
            delivered: c.get("delivered")?,
            verification: c.get("verification")?,
            subject_uscc: c.get("subject_uscc")?,
            license_id: c.get("license_id")?,
            applicant_person_id: c.get("applicant_person_id")?,
            applicant_uscc: c.get("applicant_uscc")?,
            filed_by: c.get("filed_by")?,
            submitted_at: c.get::<Timestamp>("submitted_at")?.into(),
            delivery: c.parse("delivery")?,
            delivery_hall: c.get("delivery_hall")?,
            channel: c.parse("channel")?,
            applicant_name: c.get("applicant_name")?,
            pause_kind: c.get("pause_kind")?,
            extension_days: c.get("extension_days")?,
            extension_reason: c.get("extension_reason")?,
            accepted_at: c.get("accepted_at")?,
            concluded_at: c.get("concluded_at")?,
            ever_paused: c.get("ever_paused")?,
        };
        Ok(Self {
            record,
            event_at: c.get("event_at")?,
            event_status: c.get("event_status")?,
            event_note_zh: c.get("event_note_zh")?,
            event_note_en: c.get("event_note_en")?,
        })
    }

    /// The step, if the row has one; a step whose status is not one the workflow knows, or with
    /// a column missing, is corrupt data and an error, never a default.
    fn into_event(self) -> Option<Result<EventRow, sqlx::Error>> {
        let at = self.event_at?;
        let step = (|| {
            let status = self.event_status.ok_or("a step without a status")?;
            let status =
                status.parse::<CaseStatus>().map_err(|_| format!("a step with the unknown status {status:?}"))?;
            let note_zh = self.event_note_zh.ok_or("a step without its Chinese note")?;
            let note_en = self.event_note_en.ok_or("a step without its English note")?;
            Ok::<_, String>(EventRow { at: at.into(), status, note_zh, note_en })
        })();
        Some(step.map_err(|e| corrupt(format!("case {}: {e}", self.record.case_no))))
    }
}

const RECORD_COLUMNS: &str = "c.case_no, c.application_no, c.item_code, c.item_version, c.item_name_zh, c.item_name_en,
    c.department_code, d.name_zh AS department_zh, d.name_en AS department_en, c.status, c.pledged,
    c.promised_working_days, c.revision, c.step, c.stage, c.supplement_rounds, c.delivered, c.verification,
    c.subject_uscc, c.license_id, a.applicant_person_id, a.applicant_uscc, a.filed_by, a.submitted_at, a.delivery,
    a.delivery_hall, a.channel, COALESCE(e.name, p.name) AS applicant_name, c.pause_kind, c.extension_days,
    c.extension_reason, c.accepted_at, c.concluded_at,
    EXISTS (SELECT 1 FROM case_pauses cp WHERE cp.case_no = c.case_no) AS ever_paused";

const RECORD_FROM: &str = "FROM cases c
    JOIN applications a ON a.application_no = c.application_no
    JOIN departments d ON d.code = c.department_code
    JOIN persons p ON p.id = a.applicant_person_id
    LEFT JOIN enterprises e ON e.uscc = a.applicant_uscc";

/// Which cases a list shows.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// The queue.
    pub queue: Option<Queue>,
    /// Only this department's (forced for department staff).
    pub department: Option<String>,
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// Only this item.
    pub item: Option<String>,
    /// Only results picked up at this hall.
    pub hall: Option<String>,
    /// Only applications received before this.
    pub submitted_before: Option<DateTime<Utc>>,
    /// Oldest or newest first.
    pub order: CaseOrder,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

/// A value bound to a filter's placeholder.
enum Bind {
    Text(String),
    Time(Timestamp),
}

impl CaseFilter {
    /// The WHERE clause and its values, numbered from `$1`.
    fn clause(&self) -> (String, Vec<Bind>) {
        let mut conditions: Vec<String> = Vec::new();
        let mut binds = Vec::new();
        let mut bind = |conditions: &mut Vec<String>, sql: &str, value: Bind| {
            binds.push(value);
            conditions.push(sql.replace('?', &format!("${}", binds.len())));
        };
        if let Some(sql) = self.queue.and_then(queue_condition) {
            conditions.push(sql.to_owned());
        }
        if let Some(d) = &self.department {
            bind(&mut conditions, "c.department_code = ?", Bind::Text(d.clone()));
        }
        if let Some(s) = self.status {
            bind(&mut conditions, "c.status = ?", Bind::Text(s.as_str().to_owned()));
        }
        if let Some(i) = &self.item {
            bind(&mut conditions, "c.item_code = ?", Bind::Text(i.clone()));
        }
        if let Some(h) = &self.hall {
            bind(&mut conditions, "a.delivery_hall = ?", Bind::Text(h.clone()));
        }
        if let Some(t) = self.submitted_before {
            bind(&mut conditions, "a.submitted_at < ?", Bind::Time(Timestamp::from(t)));
        }
        let clause = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        (clause, binds)
    }
}

/// The condition of a queue.
fn queue_condition(queue: Queue) -> Option<&'static str> {
    Some(match queue {
        Queue::FrontDesk => "c.status = 'submitted'",
        Queue::Undertaking => "c.status = 'undertaking'",
        Queue::Reviewing => "c.status = 'reviewing'",
        Queue::Approving => "c.status = 'approving'",
        Queue::Delivery => "c.status = 'approved' AND c.delivered = false AND a.delivery IN ('window', 'mail')",
        Queue::Verification => "c.verification = 'open'",
        Queue::All => return None,
    })
}

/// Binds a filter's values to a query, in order.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

impl Store {
    /// One case with its application, whoever asks (the service decides who may see it).
    pub async fn case_record(&self, case_no: &str) -> Result<Option<CaseRecord>, sqlx::Error> {
        let sql = format!("SELECT {RECORD_COLUMNS} {RECORD_FROM} WHERE c.case_no = $1");
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(case_no).fetch_optional(p).await)
    }

    /// A case and its timeline (oldest first), only if `holder` names its applicant: the
    /// identity-number hash of the person who applied or of the legal representative of the
    /// enterprise that did, or the credit code of that enterprise (or of the one a registration
    /// made for a later stage). One query, the same whether the case is unknown or the pair does
    /// not match, so neither answer is slower: each row is the case with one step of its
    /// timeline, which costs a progress look-up one round trip to the database instead of two.
    /// The record it reads is the one the deadline is worked out from.
    pub async fn case_for_lookup(
        &self,
        case_no: &str,
        holder: LookupHolder<'_>,
    ) -> Result<Option<(CaseRecord, Vec<EventRow>)>, sqlx::Error> {
        let (hash, uscc) = match holder {
            LookupHolder::Person(hash) => (hash, ""),
            LookupHolder::Enterprise(uscc) => ("", uscc),
        };
        // The busiest read runs on a connection of its own ([`super::hot_reads`]).
        let mut connection = self.hot.take().await?;
        let rows = match &mut *connection {
            HotConnection::Sqlite(c) => LookupRow::read_sqlite(c, (case_no, hash, uscc)),
            HotConnection::Postgres(c) => {
                sqlx::query_as(LOOKUP_SQL.as_str()).bind(case_no).bind(hash).bind(uscc).fetch_all(c).await
            }
        };
        HotReads::give_back(connection, &rows);
        let mut rows = rows?.into_iter();
        let Some(first) = rows.next() else { return Ok(None) };
        let record = first.record.clone();
        let timeline =
            std::iter::once(first).chain(rows).filter_map(LookupRow::into_event).collect::<Result<_, _>>()?;
        Ok(Some((record, timeline)))
    }

    /// The cases of an application, first stage first.
    pub async fn case_records_of(&self, application_no: &str) -> Result<Vec<CaseRecord>, sqlx::Error> {
        let sql =
            format!("SELECT {RECORD_COLUMNS} {RECORD_FROM} WHERE c.application_no = $1 ORDER BY c.stage, c.case_no");
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(application_no).fetch_all(p).await)
    }

    /// One page of the cases a filter selects, and how many it selects in all.
    pub async fn list_cases(&self, f: &CaseFilter) -> Result<(Vec<CaseRecord>, u64), sqlx::Error> {
        let (clause, binds) = f.clause();
        let order = match f.order {
            CaseOrder::Oldest => "a.submitted_at ASC, c.case_no ASC",
            CaseOrder::Newest => "a.submitted_at DESC, c.case_no DESC",
        };
        let n = binds.len();
        let page_sql = format!(
            "SELECT {RECORD_COLUMNS} {RECORD_FROM} {clause} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) {RECORD_FROM} {clause}");
        let (rows, total): (Vec<CaseRecord>, i64) = on_pool!(&self.pool, |p| {
            let rows = bind_all!(sqlx::query_as(&page_sql), &binds).bind(f.limit).bind(f.offset).fetch_all(p).await?;
            let total = bind_all!(sqlx::query_scalar(&count_sql), &binds).fetch_one(p).await?;
            (rows, total)
        });
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }

    /// How many cases wait in a queue, within one department or all.
    pub async fn queue_count(&self, queue: Queue, department: Option<&str>) -> Result<u64, sqlx::Error> {
        let f = CaseFilter { queue: Some(queue), department: department.map(str::to_owned), ..CaseFilter::default() };
        let (clause, binds) = f.clause();
        let sql = format!("SELECT COUNT(*) {RECORD_FROM} {clause}");
        let total: i64 = on_pool!(&self.pool, |p| bind_all!(sqlx::query_scalar(&sql), &binds).fetch_one(p).await?);
        Ok(u64::try_from(total).unwrap_or_default())
    }

    /// The notices of a case, oldest first.
    pub async fn notices_of(&self, case_no: &str) -> Result<Vec<Notice>, sqlx::Error> {
        let rows: Vec<(sqlx::types::Json<Notice>,)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT content FROM notices WHERE case_no = $1 ORDER BY id")
                .bind(case_no)
                .fetch_all(p)
                .await?);
        Ok(rows.into_iter().map(|(n,)| n.0).collect())
    }

    /// One notice.
    pub async fn notice(&self, id: &str) -> Result<Option<Notice>, sqlx::Error> {
        let row: Option<(sqlx::types::Json<Notice>,)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT content FROM notices WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?);
        Ok(row.map(|(n,)| n.0))
    }

    /// A case's timeline with the acts behind it, oldest first.
    pub async fn case_timeline(&self, case_no: &str) -> Result<Vec<TimelineRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT at, status, action, role, remark, note_zh, note_en FROM case_events
              WHERE case_no = $1 ORDER BY COALESCE(seq, 0), at, id"
        )
        .bind(case_no)
        .fetch_all(p)
        .await)
    }

    /// The sealed answers and the signed pledge of an application.
    pub async fn application_answers(
        &self,
        application_no: &str,
    ) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT answers, pledge_text FROM applications WHERE application_no = $1"
        )
        .bind(application_no)
        .fetch_optional(p)
        .await)
    }

    /// The materials of a case with their files and licences, in the order received.
    pub async fn case_materials_of(&self, case_no: &str) -> Result<Vec<CaseMaterialRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT m.material_key, m.source, m.upload_id, m.sha256, u.file_name, u.media_type,
                    l.id AS license_id, l.license_type, l.number AS license_number, l.holder_key
               FROM case_materials m
               LEFT JOIN uploads u ON u.id = m.upload_id
               LEFT JOIN e_licenses l ON l.id = m.license_id
              WHERE m.case_no = $1"
        )
        .bind(case_no)
        .fetch_all(p)
        .await)
    }

    /// The supervision events of a department, newest first (at most `limit`).
    pub async fn supervision_events(&self, department: &str, limit: i64) -> Result<Vec<SupervisionRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT at, kind, case_no, detail FROM supervision_events
              WHERE department_code = $1 ORDER BY at DESC, id LIMIT $2"
        )
        .bind(department)
        .bind(limit)
        .fetch_all(p)
        .await)
    }

    /// The outbox's entries for a subject, in order (for tests and the notifications to come).
    pub async fn outbox_of(&self, subject: &str) -> Result<Vec<(String, serde_json::Value)>, sqlx::Error> {
        let rows: Vec<(String, sqlx::types::Json<serde_json::Value>)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT topic, payload FROM outbox WHERE subject = $1 ORDER BY seq"
        )
        .bind(subject)
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().map(|(t, v)| (t, v.0)).collect())
    }
}

/// A step of a timeline as stored.
#[derive(Clone, Debug, FromRow)]
pub struct TimelineRow {
    /// When.
    #[sqlx(try_from = "Timestamp")]
    pub at: DateTime<Utc>,
    /// Status reached.
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    /// The act (stored name), none for the submission.
    pub action: Option<String>,
    /// The actor's role (stored name).
    pub role: Option<String>,
    /// Reason or comment.
    pub remark: Option<String>,
    /// Note in Chinese.
    pub note_zh: String,
    /// Note in English.
    pub note_en: String,
}

/// A material of a case as stored, with its file or licence.
#[derive(Clone, Debug, FromRow)]
pub struct CaseMaterialRow {
    /// The material's code.
    pub material_key: String,
    /// Library, upload or pledge.
    #[sqlx(try_from = "String")]
    pub source: shared::application::MaterialSource,
    /// The upload.
    pub upload_id: Option<String>,
    /// The hash recorded with the case.
    pub sha256: Option<String>,
    /// The upload's name.
    pub file_name: Option<String>,
    /// The upload's media type.
    pub media_type: Option<String>,
    /// The licence used.
    pub license_id: Option<String>,
    /// Its type.
    pub license_type: Option<String>,
    /// Its number.
    pub license_number: Option<String>,
    /// Its holder (for the access log).
    pub holder_key: Option<String>,
}

/// A supervision event as stored.
#[derive(Clone, Debug, FromRow)]
pub struct SupervisionRow {
    /// When.
    #[sqlx(try_from = "Timestamp")]
    pub at: DateTime<Utc>,
    /// What happened.
    #[sqlx(try_from = "String")]
    pub kind: SupervisionKind,
    /// The case.
    pub case_no: String,
    /// What was demanded, or why a second notice.
    pub detail: String,
}

/// A step to add to a case's timeline.
#[derive(Clone, Debug)]
pub struct NewCaseEvent<'a> {
    /// The case.
    pub case_no: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// The status reached.
    pub status: CaseStatus,
    /// Who acted.
    pub actor_id: Option<&'a str>,
    /// The act.
    pub action: Option<CaseAction>,
    /// The role acted in.
    pub role: Option<Role>,
    /// Reason or comment.
    pub remark: Option<&'a str>,
    /// What happened, as the applicant reads it.
    pub note: &'a shared::Bilingual,
}

/// What a change does to a case's row besides its state.
#[derive(Clone, Debug, Default)]
pub struct CaseChange {
    /// Accepted now.
    pub accepted: bool,
    /// Concluded now.
    pub concluded: bool,
}

impl UnitOfWork {
    /// Writes a case's new state, if the case is still at `revision`; `false` when another
    /// change came first.
    pub async fn update_case(
        &mut self,
        case_no: &str,
        revision: i64,
        to: &CaseState,
        change: &CaseChange,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let at = Timestamp::from(at);
        let updated = on_tx!(self.tx(), |c| {
            sqlx::query(
            "UPDATE cases SET revision = revision + 1, status = $3, step = $4, supplement_rounds = $5, delivered = $6,
                    verification = $7,
                    accepted_at = CASE WHEN $8 THEN $10 ELSE accepted_at END,
                    concluded_at = CASE WHEN $9 THEN $10 ELSE concluded_at END
              WHERE case_no = $1 AND revision = $2"
        )
        .bind(case_no)
        .bind(revision)
        .bind(to.status.as_str())
        .bind(i64::from(to.step))
        .bind(i64::from(to.supplement_rounds))
        .bind(to.delivered)
        .bind(to.verification.map(Verification::as_str))
        .bind(change.accepted)
        .bind(change.concluded)
        .bind(at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(updated == 1)
    }

    /// Adds a step to a case's timeline, after its others.
    pub async fn insert_case_event(&mut self, e: &NewCaseEvent<'_>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO case_events (id, case_no, seq, at, status, actor_id, action, role, remark, note_zh, note_en)
             SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10
               FROM case_events WHERE case_no = $2"
        )
        .bind(super::log_row_id())
        .bind(e.case_no)
        .bind(Timestamp::from(e.at))
        .bind(e.status.as_str())
        .bind(e.actor_id)
        .bind(e.action.map(CaseAction::as_str))
        .bind(e.role.map(Role::as_str))
        .bind(e.remark)
        .bind(&e.note.zh)
        .bind(&e.note.en)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps a notice as issued.
    pub async fn insert_notice(&mut self, n: &Notice) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO notices (id, case_no, kind, at, content) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&n.id)
        .bind(&n.case_no)
        .bind(n.kind.as_str())
        .bind(Timestamp::from(n.at))
        .bind(sqlx::types::Json(n))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records the front desk's conduct against a department.
    pub async fn insert_supervision_event(
        &mut self,
        kind: SupervisionKind,
        department: &str,
        case_no: &str,
        actor_id: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<String, sqlx::Error> {
        let id = super::log_row_id();
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO supervision_events (id, at, kind, department_code, case_no, actor_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&id)
        .bind(Timestamp::from(at))
        .bind(kind.as_str())
        .bind(department)
        .bind(case_no)
        .bind(actor_id)
        .bind(detail)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// Adds a file the applicant sent in answer to a supplement notice to the case's materials.
    pub async fn add_case_upload(
        &mut self,
        case_no: &str,
        material_key: &str,
        upload_id: &str,
        sha256: &str,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
            "INSERT INTO case_materials (case_no, material_key, source, upload_id, sha256) VALUES ($1, $2, 'upload', $3, $4)"
        )
        .bind(case_no)
        .bind(material_key)
        .bind(upload_id)
        .bind(sha256)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Takes the application's row for the rest of the transaction, so that the cases of one
    /// stage concluding at once see each other.
    pub async fn lock_application(&mut self, application_no: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE applications SET application_no = application_no WHERE application_no = $1"
        )
        .bind(application_no)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The statuses of the cases of one stage of an application, as this transaction sees them.
    pub async fn stage_statuses(&mut self, application_no: &str, stage: i64) -> Result<Vec<CaseStatus>, sqlx::Error> {
        let rows: Vec<(String,)> =
            on_tx!(self.tx(), |c| sqlx::query_as("SELECT status FROM cases WHERE application_no = $1 AND stage = $2")
                .bind(application_no)
                .bind(stage)
                .fetch_all(c)
                .await?);
        rows.into_iter().map(|(s,)| CaseStatus::try_from(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))).collect()
    }

    /// Sends the waiting cases of `stage` to the front desk, for the enterprise `uscc` where one
    /// is known; returns them with their departments.
    pub async fn open_stage(
        &mut self,
        application_no: &str,
        stage: i64,
        uscc: Option<&str>,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query_as(
            "UPDATE cases SET status = 'submitted', revision = revision + 1, subject_uscc = COALESCE($3, subject_uscc)
              WHERE application_no = $1 AND stage = $2 AND status = 'waiting'
              RETURNING case_no, department_code"
        )
        .bind(application_no)
        .bind(stage)
        .bind(uscc)
        .fetch_all(c)
        .await)
    }

    /// Stops every waiting case after `stage`; returns them with their departments.
    pub async fn discontinue_after(
        &mut self,
        application_no: &str,
        stage: i64,
        at: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query_as(
            "UPDATE cases SET status = 'discontinued', revision = revision + 1, concluded_at = $3
              WHERE application_no = $1 AND stage > $2 AND status = 'waiting'
              RETURNING case_no, department_code"
        )
        .bind(application_no)
        .bind(stage)
        .bind(Timestamp::from(at))
        .fetch_all(c)
        .await)
    }

    /// Registers an enterprise an approval made.
    pub async fn insert_enterprise(
        &mut self,
        uscc: &str,
        name: &str,
        legal_rep_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO enterprises (uscc, name, legal_rep_id, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(uscc)
        .bind(name)
        .bind(legal_rep_id)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Puts a licence into the library (one an approval issued, or the demo's: a licence
    /// already there is left as it is).
    pub async fn issue_license(&mut self, l: &super::applications::LicenseRow) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
            "INSERT INTO e_licenses (id, holder_kind, holder_key, license_type, number, issuer, valid_from, valid_until, revoked, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"
        )
        .bind(&l.id)
        .bind(l.holder_kind.as_str())
        .bind(&l.holder_key)
        .bind(&l.license_type)
        .bind(&l.number)
        .bind(&l.issuer)
        .bind(l.valid_from)
        .bind(l.valid_until)
        .bind(l.revoked)
        .bind(sqlx::types::Json(&l.data))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Records the licence a case's approval issued.
    pub async fn set_case_license(&mut self, case_no: &str, license_id: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE cases SET license_id = $2 WHERE case_no = $1")
            .bind(case_no)
            .bind(license_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Attaches a licence a registration issued to the materials of its application's other
    /// cases that were waiting for it (登记核发).
    pub async fn attach_issued_license(
        &mut self,
        application_no: &str,
        license_type: &str,
        license_id: &str,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE case_materials SET license_id = $3
              WHERE source = 'issued' AND material_key = $2
                AND case_no IN (SELECT case_no FROM cases WHERE application_no = $1)"
        )
        .bind(application_no)
        .bind(license_type)
        .bind(license_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes a licence whose case's result was revoked.
    pub async fn revoke_license(&mut self, id: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE e_licenses SET revoked = true WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores an action's `Idempotency-Key` with its answer; the stored answer when the key was
    /// used before.
    pub async fn claim_action_key(
        &mut self,
        idem: &super::submissions::Idempotency,
        at: DateTime<Utc>,
    ) -> Result<Option<super::applications::IdempotentRow>, sqlx::Error> {
        self.claim_key(idem, 200, at).await
    }
}
