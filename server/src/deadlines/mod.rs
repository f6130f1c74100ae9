//! 办事工作日制度与效能监察 — the working-day calendar as the platform holds it, each case's
//! deadline with its explanation, the scan that raises yellow and red cards as cases cross
//! their thresholds, and the 督办 that resolves a card.
//!
//! The calendar is the notices entered in the database ([`shared::calendar`] counts on it); every
//! node keeps a copy that it refreshes at each scan and when a notice is entered through it.
//!
//! The scan runs every `--deadline-scan-secs` on every node, but one at a time: it first updates its
//! row of `periodic_jobs`, which holds off another node's scan until it commits. It reads the
//! open cases alone, by their index, so its cost does not grow with the cases concluded. A card
//! is raised once: its key (`deadline:{case}:{color}`) is unique, so a second scan, a restart
//! or a clock jump raises nothing twice, and a crossing missed while no node ran is raised by
//! the next scan.

pub mod error;

use crate::store::notify::{CardPayload, Outbound};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use shared::account::Role;
use shared::audit::AuditAction;
use shared::calendar::{
    Alarm, CalendarYear, CaseClock, Due, DueQuery, Pause, WorkingCalendar, YEARS, YearNotice, warning_threshold,
};
use shared::catalogue::{Department, ServiceItem};
use shared::supervision::{
    CARD_PAGE_SIZE, CHART_DAYS, CONCLUDED_WINDOW_DAYS, Card, CardAct, CardActRequest, CardCause, CardColor, CardPage,
    CardQuery, CardStatus, CardsOnDay, CaseDeadline, DURATION_BUCKETS, ItemDurations, OnTimeRate, OpenCount, StepDue,
    SupervisionOverview, duration_bucket,
};
use shared::{Bilingual, FieldCode, FieldError};

use crate::auth::service::{Session, audit};
use crate::clock::Clock;
use crate::store::cases::CaseRecord;
use crate::store::deadlines::{
    CardFilter, CardRow, NewCard, OpenBy, OpenClockRow, OpenCountRow, PauseRow, shanghai_day,
};
use crate::store::{AuditEvent, Store, UnitOfWork};
use chrono::{DateTime, NaiveDate, Utc};

pub use error::DeadlineError;

/// The name of the scan's row in `periodic_jobs`.
const SCAN_JOB: &str = "deadline_scan";

/// This node's copy of the working-day calendar.
#[derive(Debug, Default)]
pub struct CalendarCache(RwLock<Arc<WorkingCalendar>>);

impl CalendarCache {
    /// The calendar as last loaded.
    pub fn get(&self) -> Arc<WorkingCalendar> {
        self.0.read().map(|c| Arc::clone(&c)).unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    fn set(&self, calendar: WorkingCalendar) {
        let calendar = Arc::new(calendar);
        match self.0.write() {
            Ok(mut c) => *c = calendar,
            Err(poisoned) => *poisoned.into_inner() = calendar,
        }
    }
}

/// 时限与督办 — the calendar, deadlines, the scan and cards, on the parts of the server they need.
#[derive(Clone, Copy)]
pub struct DeadlineService<'a> {
    /// The database.
    pub store: &'a Store,
    /// The current time.
    pub clock: &'a Clock,
    /// This node's calendar.
    pub calendar: &'a CalendarCache,
    /// Told of every card raised or acted on, for the live dashboards.
    pub changes: &'a tokio::sync::watch::Sender<u64>,
}

impl DeadlineService<'_> {
    /// Enters the platform's own notices for the years none is entered for, and loads the
    /// calendar: at start.
    pub async fn load(&self) -> anyhow::Result<()> {
        let now = self.clock.now();
        for notice in shared::calendar::official_notices()? {
            let mut uow = self.store.begin().await?;
            if uow.enter_calendar_notice(&notice, None, now, true).await? {
                let detail = format!("{} ({})", notice.year, notice.source);
                uow.commit(&audit(None, AuditAction::CalendarNoticeEntered, "calendar", &detail, now)).await?;
            }
        }
        self.reload().await?;
        Ok(())
    }

    /// Reads the notices entered (by any node) again.
    pub async fn reload(&self) -> Result<(), sqlx::Error> {
        self.calendar.set(WorkingCalendar::new(self.store.calendar_notices().await?));
        Ok(())
    }

    /// `GET /calendar/due`.
    pub fn due(&self, q: &DueQuery) -> Result<Due, DeadlineError> {
        let (from, working_days) = q.check().map_err(DeadlineError::Invalid)?;
        Ok(self.calendar.get().due(from, working_days))
    }

    /// `GET /calendar/{year}`.
    pub fn year(&self, year: i32) -> Result<CalendarYear, DeadlineError> {
        if !YEARS.contains(&year) {
            return Err(DeadlineError::Invalid(vec![FieldError::new("year", FieldCode::OutOfRange)]));
        }
        Ok(self.calendar.get().year(year))
    }

    /// 录入节假日安排 — a catalogue administrator enters (or corrects) a year's notice. It counts
    /// from the next scan or answer on: due dates already explained are counted anew.
    pub async fn enter_notice(
        &self,
        s: &Session,
        year: i32,
        notice: &YearNotice,
    ) -> Result<CalendarYear, DeadlineError> {
        if !s.roles().contains(&Role::CatalogueAdmin) {
            return Err(DeadlineError::Forbidden);
        }
        let mut errors = notice.check();
        if notice.year != year {
            errors.insert(0, FieldError::new("year", FieldCode::Invalid));
        }
        if !errors.is_empty() {
            return Err(DeadlineError::Invalid(errors));
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.enter_calendar_notice(notice, Some(&s.row.person_id), now, false).await?;
        let detail = format!(
            "{}: {} holidays, {} make-up days ({})",
            year,
            notice.holidays.len(),
            notice.make_up_days.len(),
            notice.source
        );
        uow.commit(&AuditEvent {
            role: Some(Role::CatalogueAdmin),
            ..audit(Some(&s.row), AuditAction::CalendarNoticeEntered, "calendar", &detail, now)
        })
        .await?;
        self.reload().await?;
        Ok(self.calendar.get().year(year))
    }

    /// [`Self::case_deadline`] of a case a progress lookup found (and checked who asks); none
    /// before it is accepted, without reading its item.
    pub async fn deadline_of(&self, case: &CaseRecord) -> Result<Option<CaseDeadline>, DeadlineError> {
        if case.accepted_at.is_none() {
            return Ok(None);
        }
        let item = self.store.item_of_case(case).await?;
        self.case_deadline(case, &item).await
    }

    /// A case's deadline, once it is accepted: its due date explained, its steps' shares, and
    /// where it stands today (or stood when it concluded).
    pub async fn case_deadline(
        &self,
        case: &CaseRecord,
        item: &ServiceItem,
    ) -> Result<Option<CaseDeadline>, DeadlineError> {
        let Some(accepted_at) = case.accepted_at else { return Ok(None) };
        let pauses = if case.ever_paused { self.store.case_pauses(&case.case_no).await? } else { Vec::new() };
        let extension =
            crate::store::deadlines::extension(&case.case_no, case.extension_days, case.extension_reason.as_deref())?;
        let promised = days(&case.case_no, case.promised_working_days)?;
        let clock = CaseClock {
            accepted_on: shanghai_day(accepted_at.into()),
            working_days: promised,
            pauses: pauses.iter().map(PauseRow::pause).collect(),
            extension: extension.clone(),
        };
        let calendar = self.calendar.get();
        let concluded_on = case.concluded_at.map(|t| shanghai_day(t.into()));
        let day = concluded_on.unwrap_or_else(|| self.clock.today());
        let reading =
            clock.read(&calendar, day, warning_threshold(clock.limit(), item.time_limits.warning_working_days));
        let statutory = item.time_limits.statutory_working_days.max(promised);
        let mut share = 0;
        let steps = item
            .workflow()
            .steps()
            .iter()
            .map(|s| {
                share += s.working_days;
                StepDue { kind: s.kind, working_days: s.working_days, due: clock.due_date_after(&calendar, day, share) }
            })
            .collect();
        let alarm = match concluded_on {
            Some(on) if on > reading.due.due => Alarm::Red,
            Some(_) => Alarm::OnTime,
            None => reading.alarm,
        };
        Ok(Some(CaseDeadline {
            promised_working_days: promised,
            statutory_working_days: statutory,
            // The statutory limit, extended as the promised one is.
            statutory_due: clock.due_date_after(&calendar, day, statutory + (clock.limit() - promised)),
            steps,
            remaining: if concluded_on.is_some() { 0 } else { reading.remaining },
            alarm,
            paused: if concluded_on.is_some() { None } else { reading.paused },
            extension,
            concluded_on,
            due: reading.due,
        }))
    }

    /// 预警扫描 — raises the cards of every open case that crossed a threshold; returns the ids
    /// of the cards raised. Waits while another node scans.
    pub async fn scan(&self) -> Result<Vec<String>, DeadlineError> {
        self.reload().await?;
        let now = self.clock.now();
        let today = shanghai_day(now);
        let calendar = self.calendar.get();
        // The first statement writes: it takes SQLite's write lock, and PostgreSQL's row lock
        // on the job, before anything is read.
        let mut uow = self.store.begin().await?;
        uow.claim_job(SCAN_JOB, now).await?;
        let (cases, pauses) = self.store.open_clocks().await?;
        let mut pauses_of: HashMap<&str, Vec<Pause>> = HashMap::new();
        for p in &pauses {
            pauses_of.entry(p.case_no.as_str()).or_default().push(p.pause());
        }
        let mut items: HashMap<(String, i64), Option<u32>> = HashMap::new();
        let mut raised = Vec::new();
        for case in &cases {
            let warning = self.warning_of(&mut items, case).await?;
            let clock = CaseClock {
                accepted_on: shanghai_day(case.accepted_at.into()),
                working_days: days(&case.case_no, case.promised_working_days)?,
                pauses: pauses_of.remove(case.case_no.as_str()).unwrap_or_default(),
                extension: case.extension()?,
            };
            let reading = clock.read(&calendar, today, warning_threshold(clock.limit(), warning));
            let causes: &[CardCause] = match reading.alarm {
                Alarm::OnTime => &[],
                Alarm::Yellow => &[CardCause::NearLimit],
                Alarm::Red => &[CardCause::NearLimit, CardCause::Overdue],
            };
            for &cause in causes {
                let handler = self.store.case_handler(&case.case_no).await?;
                let card = NewCard {
                    dedup_key: format!("deadline:{}:{}", case.case_no, cause.color().as_str()),
                    case_no: &case.case_no,
                    department_code: &case.department_code,
                    cause,
                    due_on: Some(reading.due.due),
                    handler_id: handler.as_deref(),
                    at: now,
                };
                if let Some(id) = uow.raise_card(&card).await? {
                    record_card_raised(&mut uow, &id, &card).await?;
                    raised.push(id);
                }
            }
        }
        if raised.is_empty() {
            // Nothing to write: the transaction ends without a trace.
            return Ok(raised);
        }
        let detail = format!("{} cards raised", raised.len());
        uow.commit(&audit(None, AuditAction::DeadlineScanned, SCAN_JOB, &detail, now)).await?;
        self.changed();
        Ok(raised)
    }

    async fn warning_of(
        &self,
        items: &mut HashMap<(String, i64), Option<u32>>,
        case: &OpenClockRow,
    ) -> Result<Option<u32>, DeadlineError> {
        let key = (case.item_code.clone(), case.item_version);
        if let Some(w) = items.get(&key) {
            return Ok(*w);
        }
        let item = self.store.item_version(&case.item_code, case.item_version).await?.ok_or_else(|| {
            anyhow::anyhow!("case {} names item {}@{} that is not stored", case.case_no, key.0, key.1)
        })?;
        let warning = item.time_limits.warning_working_days;
        items.insert(key, warning);
        Ok(warning)
    }

    /// Tells the live dashboards that cards or cases changed.
    pub fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// 督办卡 — the cards the caller may see: supervisors every department's, department staff
    /// their own; unresolved ones unless a status is asked for.
    pub async fn cards(&self, s: &Session, q: &CardQuery) -> Result<CardPage, DeadlineError> {
        let page = q.page.unwrap_or(1).max(1);
        let department = match card_scope(s)? {
            Some(own) if q.department.as_ref().is_some_and(|d| d != &own) => {
                return Ok(CardPage { cards: Vec::new(), total: 0, page, page_size: CARD_PAGE_SIZE });
            }
            Some(own) => Some(own),
            None => q.department.clone(),
        };
        let filter = CardFilter {
            status: q.status,
            department,
            case_no: q.case_no.clone(),
            offset: i64::from(page - 1) * i64::from(CARD_PAGE_SIZE),
            limit: i64::from(CARD_PAGE_SIZE),
        };
        let (rows, total) = self.store.cards(&filter).await?;
        Ok(CardPage { cards: rows.into_iter().map(card).collect(), total, page, page_size: CARD_PAGE_SIZE })
    }

    /// 督办 — the department answers a card, and a supervisor accepts the answer (resolving it)
    /// or returns it; each on the audit trail.
    pub async fn act_on_card(&self, s: &Session, id: &str, req: &CardActRequest) -> Result<Card, DeadlineError> {
        let row = self.store.card(id).await?.ok_or(DeadlineError::CardNotFound)?;
        let scope = card_scope(s)?;
        if scope.as_ref().is_some_and(|own| own != &row.department_code) {
            return Err(DeadlineError::CardNotFound);
        }
        let (role, from, to, action) = match req.act {
            CardAct::Answer => (
                s.roles().into_iter().find(|r| matches!(r, Role::Undertaker | Role::Reviewer | Role::Approver)),
                CardStatus::Open,
                CardStatus::Answered,
                AuditAction::CardAnswered,
            ),
            CardAct::Resolve | CardAct::Return => (
                s.roles().into_iter().find(|r| *r == Role::Supervisor),
                CardStatus::Answered,
                if req.act == CardAct::Resolve { CardStatus::Resolved } else { CardStatus::Open },
                if req.act == CardAct::Resolve { AuditAction::CardResolved } else { AuditAction::CardReturned },
            ),
        };
        let Some(role) = role else { return Err(DeadlineError::RoleMayNot(req.act)) };
        if row.status != from {
            return Err(DeadlineError::NotNow { act: req.act, status: row.status });
        }
        let errors = req.check();
        if !errors.is_empty() {
            return Err(DeadlineError::Invalid(errors));
        }
        let now = self.clock.now();
        let text = req.text.trim();
        let mut uow = self.store.begin().await?;
        if !uow.act_on_card(id, from, to, text, &s.row.person_id, now).await? {
            return Err(DeadlineError::NotNow { act: req.act, status: row.status });
        }
        uow.commit(&AuditEvent {
            actor_id: Some(&s.row.person_id),
            acting_uscc: None,
            on_behalf_of: None,
            action,
            subject: id,
            detail: text,
            role: Some(role),
            department: Some(&row.department_code),
            files: &[],
            at: now,
        })
        .await?;
        self.changed();
        let row = self.store.card(id).await?.ok_or(DeadlineError::CardNotFound)?;
        Ok(card(row))
    }
}

impl DeadlineService<'_> {
    /// 效能监察看板 — open cases by department, item and hall with their cards, the latest
    /// unresolved cards, on-time rates, cards per day and processing times (supervisors).
    pub async fn overview(&self, s: &Session) -> Result<SupervisionOverview, DeadlineError> {
        if !s.roles().contains(&Role::Supervisor) {
            return Err(DeadlineError::Forbidden);
        }
        let now = self.clock.now();
        let today = shanghai_day(now);
        let window = now - chrono::Duration::days(i64::from(CONCLUDED_WINDOW_DAYS));
        let mut by = Vec::new();
        for kind in [OpenBy::Department, OpenBy::Item, OpenBy::Hall] {
            by.push(self.store.open_counts(kind).await?.into_iter().map(open_count).collect::<Vec<_>>());
        }
        let (latest, _) = self.store.cards(&CardFilter { limit: 20, ..CardFilter::default() }).await?;
        let on_time = self
            .store
            .on_time_since(window)
            .await?
            .into_iter()
            .map(|r| OnTimeRate {
                department: Department { code: r.department_code, name: Bilingual::new(r.name_zh, r.name_en) },
                concluded: count(r.concluded),
                on_time: count(r.on_time),
            })
            .collect();
        let by_hall = by.pop().unwrap_or_default();
        let by_item = by.pop().unwrap_or_default();
        let by_department = by.pop().unwrap_or_default();
        Ok(SupervisionOverview {
            at: now,
            by_department,
            by_item,
            by_hall,
            cards: latest.into_iter().map(card).collect(),
            unresolved_cards: self.store.unresolved_cards().await?,
            on_time,
            cards_by_day: self.cards_by_day(now, today).await?,
            durations: self.durations(window).await?,
        })
    }

    async fn cards_by_day(&self, now: DateTime<Utc>, today: NaiveDate) -> Result<Vec<CardsOnDay>, DeadlineError> {
        let first = today - chrono::Days::new(u64::from(CHART_DAYS - 1));
        let mut days: Vec<CardsOnDay> =
            first.iter_days().take(CHART_DAYS as usize).map(|day| CardsOnDay { day, yellow: 0, red: 0 }).collect();
        let since = now - chrono::Duration::days(i64::from(CHART_DAYS));
        for (at, color) in self.store.cards_raised_since(since).await? {
            let day = shanghai_day(at.into());
            if let Some(d) = days.iter_mut().find(|d| d.day == day) {
                match CardColor::try_from(color).map_err(|e| anyhow::anyhow!("a card's color: {e}"))? {
                    CardColor::Yellow => d.yellow += 1,
                    CardColor::Red => d.red += 1,
                }
            }
        }
        Ok(days)
    }

    /// Working days from acceptance to conclusion of the cases concluded since `since`, by item.
    async fn durations(&self, since: DateTime<Utc>) -> Result<Vec<ItemDurations>, DeadlineError> {
        let calendar = self.calendar.get();
        let mut items: Vec<ItemDurations> = Vec::new();
        for row in self.store.concluded_since(since).await? {
            let (from, to) = (shanghai_day(row.accepted_at.into()), shanghai_day(row.concluded_at.into()));
            let took =
                from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| calendar.day(*d).is_working()).count();
            let i = match items.iter().position(|x| x.item_code == row.item_code) {
                Some(i) => i,
                None => {
                    items.push(ItemDurations {
                        item_code: row.item_code.clone(),
                        item_name: Bilingual::new(row.item_name_zh, row.item_name_en),
                        counts: vec![0; DURATION_BUCKETS.len()],
                    });
                    items.len() - 1
                }
            };
            items[i].counts[duration_bucket(u32::try_from(took).unwrap_or(u32::MAX))] += 1;
        }
        items.sort_by(|a, b| a.item_code.cmp(&b.item_code));
        Ok(items)
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn open_count(r: OpenCountRow) -> OpenCount {
    OpenCount {
        key: r.key,
        name: Bilingual::new(r.name_zh, r.name_en),
        open: count(r.open),
        yellow: count(r.yellow),
        red: count(r.red),
    }
}

/// Writes what raising a card records: its audit event and its message to the department and
/// the handler.
pub async fn record_card_raised(uow: &mut UnitOfWork, id: &str, card: &NewCard<'_>) -> Result<(), sqlx::Error> {
    let detail = format!(
        "{} {} {}",
        card.cause.color().as_str(),
        card.cause.as_str(),
        card.due_on.map(|d| d.to_string()).unwrap_or_default()
    );
    uow.record(&AuditEvent {
        department: Some(card.department_code),
        ..audit(None, AuditAction::CardRaised, card.case_no, detail.trim_end(), card.at)
    })
    .await?;
    let payload = CardPayload {
        card: id.to_owned(),
        case_no: card.case_no.to_owned(),
        department: card.department_code.to_owned(),
        color: card.cause.color(),
        cause: card.cause,
        due_on: card.due_on,
        handler: card.handler_id.map(str::to_owned),
        at: card.at,
    };
    uow.enqueue(&Outbound::Card(payload), card.at).await
}

/// Which department's cards the caller sees: `None` for every department's (supervisors).
fn card_scope(s: &Session) -> Result<Option<String>, DeadlineError> {
    let staff = s.staff.as_ref().ok_or(DeadlineError::Forbidden)?;
    if staff.roles.contains(&Role::Supervisor) {
        Ok(None)
    } else if staff.roles.iter().any(|r| matches!(r, Role::Undertaker | Role::Reviewer | Role::Approver)) {
        Ok(Some(staff.department_code.clone()))
    } else {
        Err(DeadlineError::Forbidden)
    }
}

fn days(case_no: &str, v: i64) -> Result<u32, DeadlineError> {
    u32::try_from(v).map_err(|_| DeadlineError::Internal(anyhow::anyhow!("case {case_no} promises {v} days")))
}

/// A card as lists show it.
fn card(r: CardRow) -> Card {
    Card {
        id: r.id,
        case_no: r.case_no,
        item_name: Bilingual::new(r.item_name_zh, r.item_name_en),
        department: Department { code: r.department_code, name: Bilingual::new(r.department_zh, r.department_en) },
        color: r.color,
        cause: r.cause,
        raised_at: r.raised_at.into(),
        due_on: r.due_on,
        handler: r.handler_name,
        status: r.status,
        answer: r.answer,
        answered_at: r.answered_at.map(Into::into),
        resolution: r.resolution,
        resolved_at: r.resolved_at.map(Into::into),
    }
}

/// Runs the deadline scan every `every` until the server stops; `None` when `every` is zero.
pub fn spawn_scan(state: crate::state::AppState, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if every.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match state.deadlines().scan().await {
                Ok(raised) if !raised.is_empty() => tracing::info!(cards = raised.len(), "deadline scan raised cards"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "deadline scan failed; the next one retries"),
            }
        }
    }))
}
