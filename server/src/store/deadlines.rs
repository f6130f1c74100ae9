//! 时限与督办的存储 — the holiday notices, each case's clock (pauses and extension), the cards
//! raised against departments, and the periodic jobs' row locks.

use chrono::{DateTime, NaiveDate, Utc};
use shared::calendar::{Extension, Pause, PauseKind, YearNotice};
use shared::supervision::{CardCause, CardColor, CardStatus};

use super::{Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

/// A case whose clock runs or is paused: accepted, not concluded.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenClockRow {
    /// 办件编号
    pub case_no: String,
    /// Its department.
    pub department_code: String,
    /// Its item.
    pub item_code: String,
    /// The item's version.
    pub item_version: i64,
    /// Working days promised.
    pub promised_working_days: i64,
    /// When it was accepted.
    pub accepted_at: Timestamp,
    /// Working days of its extension (0: none).
    pub extension_days: i64,
    /// Why it was extended.
    pub extension_reason: Option<String>,
}

impl OpenClockRow {
    /// Its extension, if it has one.
    pub fn extension(&self) -> Result<Option<Extension>, sqlx::Error> {
        extension(&self.case_no, self.extension_days, self.extension_reason.as_deref())
    }
}

/// The extension stored with a case.
pub fn extension(case_no: &str, days: i64, reason: Option<&str>) -> Result<Option<Extension>, sqlx::Error> {
    match (days, reason) {
        (0, None) => Ok(None),
        (d, Some(reason)) if d > 0 => Ok(Some(Extension {
            working_days: u32::try_from(d).map_err(|_| corrupt(format!("case {case_no} extension {d}")))?,
            reason: reason.to_owned(),
        })),
        (d, _) => Err(corrupt(format!("case {case_no} has extension {d} with reason {reason:?}"))),
    }
}

/// A pause of a case's clock as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PauseRow {
    /// The case.
    pub case_no: String,
    /// Why (stored name).
    #[sqlx(try_from = "String")]
    pub kind: PauseKind,
    /// What the staff member wrote.
    pub reason: String,
    /// When it began.
    pub started_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}

impl PauseRow {
    /// The pause, its days reckoned in Asia/Shanghai.
    pub fn pause(&self) -> Pause {
        Pause {
            kind: self.kind,
            reason: self.reason.clone(),
            from: shanghai_day(self.started_at.into()),
            until: self.ended_at.map(|t| shanghai_day(t.into())),
        }
    }
}

/// The day of `at` in Asia/Shanghai, where every deadline is reckoned.
pub fn shanghai_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// A card as stored, with the names lists show.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CardRow {
    /// Its id.
    pub id: String,
    /// The case.
    pub case_no: String,
    /// The item's name.
    pub item_name_zh: String,
    /// … in English.
    pub item_name_en: String,
    /// The department.
    pub department_code: String,
    /// Its name.
    pub department_zh: String,
    /// … in English.
    pub department_en: String,
    /// Yellow or red.
    #[sqlx(try_from = "String")]
    pub color: CardColor,
    /// Why.
    #[sqlx(try_from = "String")]
    pub cause: CardCause,
    /// When.
    pub raised_at: Timestamp,
    /// The due date it was raised against.
    pub due_on: Option<NaiveDate>,
    /// Who handled the case last.
    pub handler_name: Option<String>,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: CardStatus,
    /// The department's answer.
    pub answer: Option<String>,
    /// When it answered.
    pub answered_at: Option<Timestamp>,
    /// The supervisor's word.
    pub resolution: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
}

const CARD_COLUMNS: &str = "k.id, k.case_no, c.item_name_zh, c.item_name_en, k.department_code,
    d.name_zh AS department_zh, d.name_en AS department_en, k.color, k.cause, k.raised_at, k.due_on,
    h.name AS handler_name, k.status, k.answer, k.answered_at, k.resolution, k.resolved_at";

const CARD_FROM: &str = "FROM supervision_cards k
    JOIN cases c ON c.case_no = k.case_no
    JOIN departments d ON d.code = k.department_code
    LEFT JOIN persons h ON h.id = k.handler_id";

/// Which cards a list shows.
#[derive(Clone, Debug, Default)]
pub struct CardFilter {
    /// Only this status; unresolved when absent.
    pub status: Option<CardStatus>,
    /// Only this department's.
    pub department: Option<String>,
    /// Only this case's.
    pub case_no: Option<String>,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

impl CardFilter {
    fn clause(&self) -> (String, Vec<String>) {
        let mut conditions = vec![match self.status {
            Some(_) => "k.status = $1".to_owned(),
            None => "k.status <> 'resolved' AND $1 = ''".to_owned(),
        }];
        let mut binds = vec![self.status.map(|s| s.as_str().to_owned()).unwrap_or_default()];
        for (column, value) in [("k.department_code", &self.department), ("k.case_no", &self.case_no)] {
            if let Some(v) = value {
                binds.push(v.clone());
                conditions.push(format!("{column} = ${}", binds.len()));
            }
        }
        (format!("WHERE {}", conditions.join(" AND ")), binds)
    }
}

/// A card to raise.
#[derive(Clone, Debug)]
pub struct NewCard<'a> {
    /// What makes it one of a kind: a second raise with the same key raises nothing.
    pub dedup_key: String,
    /// The case.
    pub case_no: &'a str,
    /// The department it is raised against.
    pub department_code: &'a str,
    /// Why.
    pub cause: CardCause,
    /// The due date it is raised against.
    pub due_on: Option<NaiveDate>,
    /// Who handled the case last.
    pub handler_id: Option<&'a str>,
    /// When.
    pub at: DateTime<Utc>,
}

fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

impl Store {
    /// The version of its item a case was filed under; a case naming one not stored is corrupt.
    pub async fn item_of_case(
        &self,
        case: &super::cases::CaseRecord,
    ) -> Result<std::sync::Arc<shared::catalogue::ServiceItem>, sqlx::Error> {
        self.item_version(&case.item_code, case.item_version).await?.ok_or_else(|| {
            corrupt(format!(
                "case {} names item {}@{} that is not stored",
                case.case_no, case.item_code, case.item_version
            ))
        })
    }

    /// The holiday notices entered, by year.
    pub async fn calendar_notices(&self) -> Result<Vec<YearNotice>, sqlx::Error> {
        let rows: Vec<(sqlx::types::Json<YearNotice>,)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT notice FROM calendar_notices ORDER BY year")
                .fetch_all(p)
                .await?);
        Ok(rows.into_iter().map(|(n,)| n.0).collect())
    }

    /// The cases whose clock runs or is paused, by the index of open clocks.
    pub async fn open_clocks(&self) -> Result<(Vec<OpenClockRow>, Vec<PauseRow>), sqlx::Error> {
        const OPEN: &str = "c.accepted_at IS NOT NULL AND c.concluded_at IS NULL";
        let cases_sql = format!(
            "SELECT c.case_no, c.department_code, c.item_code, c.item_version, c.promised_working_days,
                    c.accepted_at, c.extension_days, c.extension_reason
               FROM cases c WHERE {OPEN} ORDER BY c.accepted_at, c.case_no"
        );
        let pauses_sql = format!(
            "SELECT p.case_no, p.kind, p.reason, p.started_at, p.ended_at
               FROM case_pauses p JOIN cases c ON c.case_no = p.case_no WHERE {OPEN} ORDER BY p.case_no, p.seq"
        );
        Ok(on_pool!(&self.pool, |p| {
            let cases = sqlx::query_as(&cases_sql).fetch_all(p).await?;
            let pauses = sqlx::query_as(&pauses_sql).fetch_all(p).await?;
            (cases, pauses)
        }))
    }

    /// The pauses of one case, in order.
    pub async fn case_pauses(&self, case_no: &str) -> Result<Vec<PauseRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT case_no, kind, reason, started_at, ended_at FROM case_pauses WHERE case_no = $1 ORDER BY seq"
        )
        .bind(case_no)
        .fetch_all(p)
        .await)
    }

    /// One page of the cards a filter selects, newest first, and how many it selects.
    pub async fn cards(&self, f: &CardFilter) -> Result<(Vec<CardRow>, u64), sqlx::Error> {
        let (clause, binds) = f.clause();
        let n = binds.len();
        let page_sql = format!(
            "SELECT {CARD_COLUMNS} {CARD_FROM} {clause} ORDER BY k.raised_at DESC, k.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) {CARD_FROM} {clause}");
        let (rows, total): (Vec<CardRow>, i64) = on_pool!(&self.pool, |p| {
            let mut q = sqlx::query_as(&page_sql);
            let mut c = sqlx::query_scalar(&count_sql);
            for b in &binds {
                q = q.bind(b);
                c = c.bind(b);
            }
            (q.bind(f.limit).bind(f.offset).fetch_all(p).await?, c.fetch_one(p).await?)
        });
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }

    /// One card.
    pub async fn card(&self, id: &str) -> Result<Option<CardRow>, sqlx::Error> {
        let sql = format!("SELECT {CARD_COLUMNS} {CARD_FROM} WHERE k.id = $1");
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
    }

    /// The staff member who acted on a case last in a department role: its handler.
    pub async fn case_handler(&self, case_no: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(Option<String>,)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT actor_id FROM case_events
              WHERE case_no = $1 AND role IN ('undertaker', 'reviewer', 'approver')
              ORDER BY seq DESC LIMIT 1"
        )
        .bind(case_no)
        .fetch_optional(p)
        .await?);
        Ok(row.and_then(|(id,)| id))
    }
}

impl UnitOfWork {
    /// Enters a year's holiday notice, replacing the one entered before; `only_new` keeps an
    /// entered one (the platform's own notices at start). Returns whether it was written.
    pub async fn enter_calendar_notice(
        &mut self,
        notice: &YearNotice,
        by: Option<&str>,
        at: DateTime<Utc>,
        only_new: bool,
    ) -> Result<bool, sqlx::Error> {
        let conflict = if only_new {
            "DO NOTHING"
        } else {
            "DO UPDATE SET notice = excluded.notice, entered_at = excluded.entered_at, entered_by = excluded.entered_by"
        };
        let sql = format!(
            "INSERT INTO calendar_notices (year, notice, entered_at, entered_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (year) {conflict}"
        );
        let written = on_tx!(self.tx(), |c| sqlx::query(&sql)
            .bind(i64::from(notice.year))
            .bind(sqlx::types::Json(notice))
            .bind(Timestamp::from(at))
            .bind(by)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(written == 1)
    }

    /// Writes why a case's clock is stopped (none: it runs), after its state was updated.
    pub async fn set_pause(
        &mut self,
        case_no: &str,
        pause: Option<(PauseKind, &str)>,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let at = Timestamp::from(at);
        on_tx!(self.tx(), |c| {
            sqlx::query("UPDATE cases SET pause_kind = $2 WHERE case_no = $1")
                .bind(case_no)
                .bind(pause.map(|(k, _)| k.as_str()))
                .execute(&mut *c)
                .await?;
            match pause {
                Some((kind, reason)) => {
                    sqlx::query(
                        "INSERT INTO case_pauses (case_no, seq, kind, reason, started_at)
                     SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4 FROM case_pauses WHERE case_no = $1",
                    )
                    .bind(case_no)
                    .bind(kind.as_str())
                    .bind(reason)
                    .bind(at)
                    .execute(c)
                    .await?
                }
                None => {
                    sqlx::query("UPDATE case_pauses SET ended_at = $2 WHERE case_no = $1 AND ended_at IS NULL")
                        .bind(case_no)
                        .bind(at)
                        .execute(c)
                        .await?
                }
            };
            Ok::<_, sqlx::Error>(())
        })
    }

    /// Writes the extension an approver granted.
    pub async fn extend_case(&mut self, case_no: &str, extension: &Extension) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE cases SET extension_days = $2, extension_reason = $3 WHERE case_no = $1"
        )
        .bind(case_no)
        .bind(i64::from(extension.working_days))
        .bind(&extension.reason)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes a periodic job's row: another node's run of it waits until this change ends.
    pub async fn claim_job(&mut self, name: &str, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE periodic_jobs SET last_run_at = $2 WHERE name = $1")
            .bind(name)
            .bind(Timestamp::from(at))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Raises a card unless one with its key was raised before; returns the new card's id.
    pub async fn raise_card(&mut self, card: &NewCard<'_>) -> Result<Option<String>, sqlx::Error> {
        let id = uuid::Uuid::new_v4().to_string();
        let row: Option<(String,)> = on_tx!(self.tx(), |c| sqlx::query_as(
            "INSERT INTO supervision_cards
                    (id, dedup_key, case_no, department_code, color, cause, raised_at, due_on, handler_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
        )
        .bind(&id)
        .bind(&card.dedup_key)
        .bind(card.case_no)
        .bind(card.department_code)
        .bind(card.cause.color().as_str())
        .bind(card.cause.as_str())
        .bind(Timestamp::from(card.at))
        .bind(card.due_on)
        .bind(card.handler_id)
        .fetch_optional(c)
        .await?);
        Ok(row.map(|(id,)| id))
    }

    /// Moves a card from `from` to `to` with what was written; `false` when it is no longer in
    /// `from` (another act came first).
    pub async fn act_on_card(
        &mut self,
        id: &str,
        from: CardStatus,
        to: CardStatus,
        text: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        // A returned card keeps the answer it was returned with; its return is on the trail.
        let (set, when) = match to {
            CardStatus::Answered => ("answer = $4, answered_by = $5, answered_at = $6", true),
            CardStatus::Resolved => ("resolution = $4, resolved_by = $5, resolved_at = $6", true),
            CardStatus::Open => ("resolution = $4, resolved_by = $5, resolved_at = NULL", false),
        };
        let sql = format!("UPDATE supervision_cards SET status = $3, {set} WHERE id = $1 AND status = $2");
        let n = on_tx!(self.tx(), |c| {
            let q = sqlx::query(&sql).bind(id).bind(from.as_str()).bind(to.as_str()).bind(text).bind(by);
            let q = if when { q.bind(Timestamp::from(at)) } else { q };
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}

/// Open cases of one department, item or hall, with their unresolved cards.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenCountRow {
    /// The code.
    pub key: String,
    /// The name.
    pub name_zh: String,
    /// … in English.
    pub name_en: String,
    /// Open cases.
    pub open: i64,
    /// With an unresolved yellow card.
    pub yellow: i64,
    /// With an unresolved red card.
    pub red: i64,
}

/// What open cases are counted by.
#[derive(Clone, Copy, Debug)]
pub enum OpenBy {
    /// Their department.
    Department,
    /// Their item.
    Item,
    /// The hall their results are picked up at.
    Hall,
}

/// A department's conclusions in a window.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OnTimeRow {
    /// The department.
    pub department_code: String,
    /// Its name.
    pub name_zh: String,
    /// … in English.
    pub name_en: String,
    /// Cases concluded.
    pub concluded: i64,
    /// Of them, with no overdue card.
    pub on_time: i64,
}

/// A case concluded in a window, for processing times.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConcludedRow {
    /// 事项编码
    pub item_code: String,
    /// 事项名称
    pub item_name_zh: String,
    /// … in English.
    pub item_name_en: String,
    /// When it was accepted.
    pub accepted_at: Timestamp,
    /// When it concluded.
    pub concluded_at: Timestamp,
}

/// The most concluded cases the processing-time chart reads.
const MAX_CONCLUDED_ROWS: i64 = 20_000;

impl Store {
    /// Open cases (not concluded, not waiting for an earlier stage) counted by department, item
    /// or hall, with how many carry an unresolved yellow or red card.
    pub async fn open_counts(&self, by: OpenBy) -> Result<Vec<OpenCountRow>, sqlx::Error> {
        let (key, zh, en) = match by {
            OpenBy::Department => ("c.department_code", "d.name_zh", "d.name_en"),
            OpenBy::Item => ("c.item_code", "c.item_name_zh", "c.item_name_en"),
            OpenBy::Hall => {
                ("COALESCE(a.delivery_hall, '')", "COALESCE(h.name_zh, '网上办理')", "COALESCE(h.name_en, 'Online')")
            }
        };
        let sql = format!(
            "SELECT {key} AS key, {zh} AS name_zh, {en} AS name_en, COUNT(*) AS open,
                    SUM(CASE WHEN y.case_no IS NULL THEN 0 ELSE 1 END) AS yellow,
                    SUM(CASE WHEN r.case_no IS NULL THEN 0 ELSE 1 END) AS red
               FROM cases c
               JOIN applications a ON a.application_no = c.application_no
               JOIN departments d ON d.code = c.department_code
               LEFT JOIN halls h ON h.code = a.delivery_hall
               LEFT JOIN (SELECT DISTINCT case_no FROM supervision_cards WHERE status <> 'resolved' AND color = 'yellow') y
                      ON y.case_no = c.case_no
               LEFT JOIN (SELECT DISTINCT case_no FROM supervision_cards WHERE status <> 'resolved' AND color = 'red') r
                      ON r.case_no = c.case_no
              WHERE c.concluded_at IS NULL AND c.status <> 'waiting'
              GROUP BY {key}, {zh}, {en}
              ORDER BY open DESC, key"
        );
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).fetch_all(p).await)
    }

    /// Unresolved cards in all.
    pub async fn unresolved_cards(&self) -> Result<u64, sqlx::Error> {
        let n: i64 = on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM supervision_cards WHERE status <> 'resolved'"
        )
        .fetch_one(p)
        .await?);
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Each department's cases concluded (approved or denied) since `since`, and how many of
    /// them never had an overdue card.
    pub async fn on_time_since(&self, since: DateTime<Utc>) -> Result<Vec<OnTimeRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT c.department_code, d.name_zh, d.name_en, COUNT(*) AS concluded,
                    SUM(CASE WHEN r.case_no IS NULL THEN 1 ELSE 0 END) AS on_time
               FROM cases c
               JOIN departments d ON d.code = c.department_code
               LEFT JOIN (SELECT DISTINCT case_no FROM supervision_cards WHERE cause = 'overdue') r
                      ON r.case_no = c.case_no
              WHERE c.accepted_at IS NOT NULL AND c.concluded_at >= $1 AND c.status IN ('approved', 'denied')
              GROUP BY c.department_code, d.name_zh, d.name_en
              ORDER BY c.department_code"
        )
        .bind(Timestamp::from(since))
        .fetch_all(p)
        .await)
    }

    /// When each card raised since `since` was raised, and its color.
    pub async fn cards_raised_since(&self, since: DateTime<Utc>) -> Result<Vec<(Timestamp, String)>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT raised_at, color FROM supervision_cards WHERE raised_at >= $1 ORDER BY raised_at"
        )
        .bind(Timestamp::from(since))
        .fetch_all(p)
        .await)
    }

    /// Cases accepted and concluded (approved or denied) since `since`, most recent first.
    pub async fn concluded_since(&self, since: DateTime<Utc>) -> Result<Vec<ConcludedRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT item_code, item_name_zh, item_name_en, accepted_at, concluded_at FROM cases
              WHERE accepted_at IS NOT NULL AND concluded_at >= $1 AND status IN ('approved', 'denied')
              ORDER BY concluded_at DESC LIMIT $2"
        )
        .bind(Timestamp::from(since))
        .bind(MAX_CONCLUDED_ROWS)
        .fetch_all(p)
        .await)
    }
}
