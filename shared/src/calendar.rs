//! 办事工作日制度 — the working-day calendar, and the deadlines of cases counted on it.
//!
//! A date is a working day when it is Monday to Friday and not within a public holiday, or
//! when the State Council's notice for its year names it a make-up working day (调休上班). The
//! notices are data ([`YearNotice`]): a catalogue administrator enters a new year's in the app.
//! A year without a notice is counted as Monday to Friday only, and every answer that relied
//! on such a year says so ([`Due::assumed`]).
//!
//! The counting rule: a limit of N working days runs from acceptance. The day of acceptance is
//! not counted; the first working day after it is day 1, and the limit ends at 24:00
//! (Asia/Shanghai) of working day N. A limit of 0 is concluded on the day of acceptance
//! (即办件). A pause (补正, 现场核查, 专家评审, 听证) stops the clock like a new acceptance starts
//! it: the working day it begins on is counted, the working days after it up to and including
//! the day it ends are not. An approved extension (延期) adds its working days to the limit.
//! Every due date comes with its explanation: each day skipped and why, each make-up day
//! counted, each pause and the extension.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::{Bilingual, FieldCode, FieldError};

/// The longest limit counted, in working days: longer than any statutory limit (the longest are
/// 60), short enough that counting it is instant.
pub const MAX_LIMIT_WORKING_DAYS: u32 = 365;

/// The years a notice may be entered for, and the calendar answers for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The most public holidays one notice names (the State Council names seven).
const MAX_HOLIDAYS: usize = 20;
/// The most make-up working days one notice names.
const MAX_MAKE_UP_DAYS: usize = 20;
/// The longest holiday, in calendar days.
const MAX_HOLIDAY_DAYS: u64 = 15;
/// The longest name of a holiday, in characters.
const MAX_NAME_CHARS: usize = 40;
/// The longest citation of a notice, in characters.
const MAX_SOURCE_CHARS: usize = 500;

/// 法定节假日 — a public holiday as a notice names it: every day from `start` to `end` is off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// 春节, 国庆节…
    pub name: Bilingual,
    /// The first day off.
    pub start: NaiveDate,
    /// The last day off.
    pub end: NaiveDate,
}

/// 调休上班日 — a Saturday or Sunday worked in exchange for a holiday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MakeUpDay {
    /// The day worked.
    pub date: NaiveDate,
    /// The holiday it makes up for.
    pub holiday: Bilingual,
}

/// 节假日安排 — the State Council's notice for one year: its public holidays and make-up
/// working days, with the notice it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct YearNotice {
    /// The year it arranges.
    pub year: i32,
    /// The notice: issuer, number and date.
    pub source: String,
    /// The public holidays.
    pub holidays: Vec<Holiday>,
    /// The make-up working days.
    pub make_up_days: Vec<MakeUpDay>,
}

impl YearNotice {
    /// What is wrong with a notice, field by field; empty when it can be entered. A holiday may
    /// begin in the last days of the year before (元旦 sometimes does) or end early in the next.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !YEARS.contains(&self.year) {
            errors.push(FieldError::new("year", FieldCode::OutOfRange));
            return errors;
        }
        let source = self.source.trim();
        if source.is_empty() {
            errors.push(FieldError::new("source", FieldCode::Empty));
        } else if source.chars().count() > MAX_SOURCE_CHARS {
            errors.push(FieldError::new("source", FieldCode::TooLong));
        }
        self.check_holidays(&mut errors);
        self.check_make_up_days(&mut errors);
        errors
    }

    /// The dates a notice for this year may name: from December of the year before to January
    /// of the year after.
    fn window(&self) -> (NaiveDate, NaiveDate) {
        let first = NaiveDate::from_ymd_opt(self.year - 1, 12, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(self.year + 1, 1, 31).unwrap_or(NaiveDate::MAX);
        (first, last)
    }

    fn outside(&self, field: String, date: NaiveDate) -> Option<FieldError> {
        let (first, last) = self.window();
        (date < first || date > last).then(|| {
            FieldError::with_message(
                field,
                FieldCode::OutOfRange,
                Bilingual::new(
                    format!("{date} 不在 {} 年的节假日安排之内", self.year),
                    format!("{date} is not within the arrangements for {}", self.year),
                ),
            )
        })
    }

    fn check_holidays(&self, errors: &mut Vec<FieldError>) {
        if self.holidays.len() > MAX_HOLIDAYS {
            errors.push(FieldError::new("holidays", FieldCode::TooManyItems));
            return;
        }
        for (i, h) in self.holidays.iter().enumerate() {
            check_name(&format!("holidays[{i}].name"), &h.name, errors);
            errors.extend(self.outside(format!("holidays[{i}].start"), h.start));
            errors.extend(self.outside(format!("holidays[{i}].end"), h.end));
            let days = (h.end - h.start).num_days();
            if days < 0 || days >= MAX_HOLIDAY_DAYS as i64 {
                errors.push(FieldError::with_message(
                    format!("holidays[{i}].end"),
                    FieldCode::Invalid,
                    Bilingual::new(
                        format!("假期须从开始日到结束日，且不超过 {MAX_HOLIDAY_DAYS} 天"),
                        format!("A holiday ends on or after its start, within {MAX_HOLIDAY_DAYS} days"),
                    ),
                ));
                continue;
            }
            if let Some(j) = self.holidays[..i].iter().position(|o| o.start <= h.end && h.start <= o.end) {
                errors.push(FieldError::with_message(
                    format!("holidays[{i}].start"),
                    FieldCode::Invalid,
                    Bilingual::new(format!("与第 {} 个假期重叠", j + 1), format!("Overlaps holiday {}", j + 1)),
                ));
            }
        }
    }

    fn check_make_up_days(&self, errors: &mut Vec<FieldError>) {
        if self.make_up_days.len() > MAX_MAKE_UP_DAYS {
            errors.push(FieldError::new("make_up_days", FieldCode::TooManyItems));
            return;
        }
        for (i, m) in self.make_up_days.iter().enumerate() {
            let field = format!("make_up_days[{i}].date");
            check_name(&format!("make_up_days[{i}].holiday"), &m.holiday, errors);
            if let Some(e) = self.outside(field.clone(), m.date) {
                errors.push(e);
                continue;
            }
            let problem = if !is_weekend(m.date) {
                Some(("调休上班日须是周六或周日", "A make-up working day is a Saturday or a Sunday"))
            } else if self.holidays.iter().any(|h| h.start <= m.date && m.date <= h.end) {
                Some(("调休上班日不能在假期之内", "A make-up working day cannot fall within a holiday"))
            } else if self.make_up_days[..i].iter().any(|o| o.date == m.date) {
                Some(("这一天已列出", "This day is listed already"))
            } else {
                None
            };
            if let Some((zh, en)) = problem {
                errors.push(FieldError::with_message(field, FieldCode::Invalid, Bilingual::new(zh, en)));
            }
        }
    }
}

fn check_name(field: &str, name: &Bilingual, errors: &mut Vec<FieldError>) {
    for (lang, text) in [("zh", &name.zh), ("en", &name.en)] {
        let text = text.trim();
        if text.is_empty() {
            errors.push(FieldError::new(format!("{field}.{lang}"), FieldCode::Empty));
        } else if text.chars().count() > MAX_NAME_CHARS || text.chars().any(crate::text::is_invisible) {
            errors.push(FieldError::new(format!("{field}.{lang}"), FieldCode::Invalid));
        }
    }
}

/// The State Council's notices for 2025 and 2026 (国办发明电〔2024〕12号; the notice of
/// 4 November 2025), as the platform ships them.
pub fn official_notices() -> Result<Vec<YearNotice>, serde_json::Error> {
    serde_json::from_str(include_str!("../data/holidays.json"))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What kind of day a date is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, no holiday.
    Working,
    /// A Saturday or Sunday worked for a holiday.
    MakeUp {
        /// The holiday it makes up for.
        holiday: Bilingual,
    },
    /// Saturday or Sunday.
    Weekend,
    /// Within a public holiday.
    Holiday {
        /// Which.
        name: Bilingual,
    },
}

impl DayKind {
    /// Whether the day counts toward a limit.
    pub fn is_working(&self) -> bool {
        matches!(self, Self::Working | Self::MakeUp { .. })
    }
}

/// One day of a year's calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// Whether it is worked, and why (not).
    #[serde(flatten)]
    pub kind: DayKind,
}

/// `GET /api/v1/calendar/{year}`: every day of a year, worked or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarYear {
    /// The year.
    pub year: i32,
    /// Whether a notice for it is entered; when not, its days are Monday to Friday only.
    pub assumed: bool,
    /// The notice it follows.
    pub notice: Option<YearNotice>,
    /// Working days in the year.
    pub working_days: u32,
    /// Every day of the year, in order.
    pub days: Vec<CalendarDay>,
}

/// 工作日历 — the working-day calendar: the notices entered, by year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    notices: BTreeMap<i32, YearNotice>,
}

impl WorkingCalendar {
    /// A calendar of these notices (a later notice for a year replaces an earlier one).
    pub fn new(notices: impl IntoIterator<Item = YearNotice>) -> Self {
        Self { notices: notices.into_iter().map(|n| (n.year, n)).collect() }
    }

    /// Whether a notice for `year` is entered.
    pub fn knows(&self, year: i32) -> bool {
        self.notices.contains_key(&year)
    }

    /// The notices entered, by year.
    pub fn notices(&self) -> impl Iterator<Item = &YearNotice> {
        self.notices.values()
    }

    /// What kind of day `date` is. A notice may name days of the neighbouring years, so those
    /// are looked up too.
    pub fn day(&self, date: NaiveDate) -> DayKind {
        let year = date.year();
        for notice in self.notices.range(year - 1..=year + 1).map(|(_, n)| n) {
            if let Some(h) = notice.holidays.iter().find(|h| h.start <= date && date <= h.end) {
                return DayKind::Holiday { name: h.name.clone() };
            }
            if let Some(m) = notice.make_up_days.iter().find(|m| m.date == date) {
                return DayKind::MakeUp { holiday: m.holiday.clone() };
            }
        }
        if is_weekend(date) { DayKind::Weekend } else { DayKind::Working }
    }

    /// Every day of `year`.
    pub fn year(&self, year: i32) -> CalendarYear {
        let mut days = Vec::with_capacity(366);
        let mut date = NaiveDate::from_ymd_opt(year, 1, 1);
        while let Some(d) = date.filter(|d| d.year() == year) {
            days.push(CalendarDay { date: d, kind: self.day(d) });
            date = d.succ_opt();
        }
        CalendarYear {
            year,
            assumed: !self.knows(year),
            notice: self.notices.get(&year).cloned(),
            working_days: days.iter().filter(|d| d.kind.is_working()).count() as u32,
            days,
        }
    }

    /// The due date of a limit of `working_days` counted from `from`, with nothing paused.
    pub fn due(&self, from: NaiveDate, working_days: u32) -> Due {
        CaseClock { accepted_on: from, working_days, pauses: Vec::new(), extension: None }.due(self, from)
    }
}

/// A date in plain words: 2026年3月16日（星期一）, Monday 16 March 2026.
pub fn plain_date(date: NaiveDate) -> Bilingual {
    const ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let weekday = date.weekday().num_days_from_monday() as usize;
    Bilingual::new(
        format!("{}年{}月{}日（星期{}）", date.year(), date.month(), date.day(), ZH[weekday]),
        date.format("%A %-d %B %Y").to_string(),
    )
}

/// 中止事由 — why a case's clock is stopped.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PauseKind {
    /// 补正 — waiting for the applicant to supplement materials.
    Supplement,
    /// 现场核查 — an on-site inspection.
    OnSiteInspection,
    /// 专家评审 — an expert review.
    ExpertReview,
    /// 听证 — a hearing.
    Hearing,
}

stored_name!(PauseKind);

impl PauseKind {
    /// The pause's name.
    pub fn name(self) -> Bilingual {
        let (zh, en) = match self {
            Self::Supplement => ("补正材料", "supplementing materials"),
            Self::OnSiteInspection => ("现场核查", "an on-site inspection"),
            Self::ExpertReview => ("专家评审", "an expert review"),
            Self::Hearing => ("听证", "a hearing"),
        };
        Bilingual::new(zh, en)
    }
}

/// A pause of a case's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    /// Why.
    pub kind: PauseKind,
    /// What the staff member wrote.
    pub reason: String,
    /// The day it began (Asia/Shanghai); that day is counted.
    pub from: NaiveDate,
    /// The day it ended, counted as paused; none while it lasts.
    pub until: Option<NaiveDate>,
}

impl Pause {
    /// Whether `date` is not counted because of this pause; a pause that lasts runs through
    /// `today`.
    fn covers(&self, date: NaiveDate, today: NaiveDate) -> bool {
        self.from < date && date <= self.until.unwrap_or(today)
    }
}

/// 延期 — working days added to a case's limit by an approver, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    /// Working days added.
    pub working_days: u32,
    /// Why.
    pub reason: String,
}

/// A case's clock: what its due date is counted from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseClock {
    /// The day of acceptance (Asia/Shanghai).
    pub accepted_on: NaiveDate,
    /// The limit, in working days.
    pub working_days: u32,
    /// Its pauses, in order.
    pub pauses: Vec<Pause>,
    /// The extension granted, if any.
    pub extension: Option<Extension>,
}

/// One line of a due date's explanation: what it states, and the statement in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueNote {
    /// What it states.
    pub fact: DueFact,
    /// The statement in Chinese and English.
    pub text: Bilingual,
}

/// What a line of a due date's explanation states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DueFact {
    /// Where counting starts.
    Start {
        /// The day of acceptance, not counted.
        accepted_on: NaiveDate,
        /// The limit.
        working_days: u32,
    },
    /// No notice for `year` is entered: its days were counted as Monday to Friday.
    Assumed {
        /// The year.
        year: i32,
    },
    /// Days not counted because they are not worked.
    Skipped {
        /// The first.
        from: NaiveDate,
        /// The last.
        to: NaiveDate,
        /// Weekend, or which holiday.
        reason: DayKind,
    },
    /// A Saturday or Sunday counted because it is a make-up working day.
    MadeUp {
        /// The day.
        date: NaiveDate,
        /// The holiday it makes up for.
        holiday: Bilingual,
    },
    /// A pause of the clock.
    Paused {
        /// The pause.
        pause: Pause,
        /// The working days it kept from being counted (up to the due date).
        working_days: u32,
    },
    /// The extension granted.
    Extended {
        /// The extension.
        extension: Extension,
    },
    /// The limit ends.
    End {
        /// At 24:00 of this day.
        due: NaiveDate,
    },
}

impl DueFact {
    /// The statement in words.
    pub fn text(&self) -> Bilingual {
        let span = |from: &NaiveDate, to: &NaiveDate, zh_sep: &str, en_sep: &str| {
            if from == to {
                (from.to_string(), from.to_string())
            } else {
                (format!("{from}{zh_sep}{to}"), format!("{from}{en_sep}{to}"))
            }
        };
        match self {
            Self::Start { accepted_on, working_days: 0 } => Bilingual::new(
                format!("即办件：{accepted_on} 受理，当日办结"),
                format!("Concluded on the spot: due on the day of acceptance, {accepted_on}"),
            ),
            Self::Start { accepted_on, working_days } => Bilingual::new(
                format!("{accepted_on} 受理，受理当日不计入；时限 {working_days} 个工作日自次一工作日起算"),
                format!(
                    "Accepted on {accepted_on}, which is not counted; the {working_days} working days start on the next working day"
                ),
            ),
            Self::Assumed { year } => Bilingual::new(
                format!("{year} 年的节假日安排尚未录入，该年按周一至周五计算"),
                format!("No holiday notice for {year} is entered: its days are counted as Monday to Friday"),
            ),
            Self::Skipped { from, to, reason } => {
                let (zh_span, en_span) = span(from, to, " 至 ", " to ");
                match reason {
                    DayKind::Holiday { name } => Bilingual::new(
                        format!("{zh_span} {}假期，不计入", name.zh),
                        format!("{en_span}: {} holiday, not counted", name.en),
                    ),
                    _ => Bilingual::new(format!("{zh_span} 周末，不计入"), format!("{en_span}: weekend, not counted")),
                }
            }
            Self::MadeUp { date, holiday } => Bilingual::new(
                format!("{date} 为{}调休上班日，计入", holiday.zh),
                format!("{date} is a make-up working day for {}: counted", holiday.en),
            ),
            Self::Paused { pause, working_days } => {
                let kind = pause.kind.name();
                let (zh_until, en_until) = match pause.until {
                    Some(until) => (format!("至 {until} 恢复"), format!("resumed on {until}")),
                    None => ("至今未恢复".to_owned(), "not resumed yet".to_owned()),
                };
                Bilingual::new(
                    format!(
                        "{} 起因{}中止计时（{}），{zh_until}；{working_days} 个工作日不计入",
                        pause.from, kind.zh, pause.reason
                    ),
                    format!(
                        "Paused on {} for {} ({}), {en_until}: {working_days} working days not counted",
                        pause.from, kind.en, pause.reason
                    ),
                )
            }
            Self::Extended { extension } => Bilingual::new(
                format!("经批准延期 {} 个工作日：{}", extension.working_days, extension.reason),
                format!("Extended by {} working days with approval: {}", extension.working_days, extension.reason),
            ),
            Self::End { due } => {
                Bilingual::new(format!("时限于 {due} 24:00 届满"), format!("The limit ends at 24:00 on {due}"))
            }
        }
    }
}

/// A due date and how it was counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Due {
    /// The limit ends at 24:00 (Asia/Shanghai) of this day.
    pub due: NaiveDate,
    /// Why it is this day, in order.
    pub explanation: Vec<DueNote>,
    /// Whether a year without an entered notice was counted as Monday to Friday.
    pub assumed: bool,
    /// The working days counted, in order (not sent).
    #[serde(skip)]
    counted: Vec<NaiveDate>,
}

impl Due {
    /// Working days counted that are still ahead: from `today` (if counted) to the due date.
    pub fn remaining(&self, today: NaiveDate) -> u32 {
        self.counted.iter().filter(|d| **d >= today).count() as u32
    }
}

/// What counting walks through, collected as it goes.
#[derive(Default)]
struct Walk {
    notes: Vec<DueFact>,
    unknown_years: BTreeSet<i32>,
    counted: Vec<NaiveDate>,
    paused: Vec<u32>,
}

impl Walk {
    fn skip(&mut self, date: NaiveDate, reason: DayKind) {
        if let Some(DueFact::Skipped { to, reason: last, .. }) = self.notes.last_mut()
            && *last == reason
            && to.succ_opt() == Some(date)
        {
            *to = date;
            return;
        }
        self.notes.push(DueFact::Skipped { from: date, to: date, reason });
    }
}

impl CaseClock {
    /// The limit with its extension.
    pub fn limit(&self) -> u32 {
        self.working_days + self.extension.as_ref().map_or(0, |e| e.working_days)
    }

    /// The due date, explained; a pause that lasts runs through `today`.
    pub fn due(&self, calendar: &WorkingCalendar, today: NaiveDate) -> Due {
        self.due_after(calendar, today, self.limit())
    }

    /// The day `working_days` of this clock ends (a stage's budget, counted from acceptance).
    pub fn due_after(&self, calendar: &WorkingCalendar, today: NaiveDate, working_days: u32) -> Due {
        let (walk, due) = self.walk(calendar, today, working_days);
        self.explain(walk, due, working_days)
    }

    /// The date [`Self::due_after`] gives, without its explanation: a stage's or the statutory
    /// limit's day, where only the date is shown, costs no texts.
    pub fn due_date_after(&self, calendar: &WorkingCalendar, today: NaiveDate, working_days: u32) -> NaiveDate {
        self.walk(calendar, today, working_days).1
    }

    /// Counts `working_days` from acceptance: what was skipped and paused on the way, and the
    /// day the count ends.
    fn walk(&self, calendar: &WorkingCalendar, today: NaiveDate, working_days: u32) -> (Walk, NaiveDate) {
        let limit = working_days.min(MAX_LIMIT_WORKING_DAYS + self.extension.as_ref().map_or(0, |e| e.working_days));
        let mut walk = Walk { paused: vec![0; self.pauses.len()], ..Walk::default() };
        let mut date = self.accepted_on;
        while (walk.counted.len() as u32) < limit {
            let Some(next) = date.checked_add_days(Days::new(1)) else { break };
            date = next;
            if !calendar.knows(date.year()) {
                walk.unknown_years.insert(date.year());
            }
            let kind = calendar.day(date);
            if !kind.is_working() {
                walk.skip(date, kind);
                continue;
            }
            if let Some(i) = self.pauses.iter().position(|p| p.covers(date, today)) {
                walk.paused[i] += 1;
                continue;
            }
            if let DayKind::MakeUp { holiday } = kind {
                walk.notes.push(DueFact::MadeUp { date, holiday });
            }
            walk.counted.push(date);
        }
        if limit == 0 && !calendar.knows(date.year()) {
            walk.unknown_years.insert(date.year());
        }
        (walk, date)
    }

    fn explain(&self, walk: Walk, due: NaiveDate, working_days: u32) -> Due {
        // The whole limit starts as promised, its extension told apart; a stage's share as itself.
        let start = if working_days >= self.limit() { self.working_days } else { working_days };
        let mut facts = vec![DueFact::Start { accepted_on: self.accepted_on, working_days: start }];
        facts.extend(walk.unknown_years.iter().map(|&year| DueFact::Assumed { year }));
        facts.extend(walk.notes);
        for (pause, &days) in self.pauses.iter().zip(&walk.paused) {
            facts.push(DueFact::Paused { pause: pause.clone(), working_days: days });
        }
        if let Some(extension) = &self.extension
            && working_days >= self.limit()
        {
            facts.push(DueFact::Extended { extension: extension.clone() });
        }
        facts.push(DueFact::End { due });
        Due {
            due,
            explanation: facts.into_iter().map(|fact| DueNote { text: fact.text(), fact }).collect(),
            assumed: !walk.unknown_years.is_empty(),
            counted: walk.counted,
        }
    }

    /// Where the case stands against its limit on `today`.
    pub fn read(&self, calendar: &WorkingCalendar, today: NaiveDate, warning: u32) -> Reading {
        let due = self.due(calendar, today);
        let remaining = due.remaining(today);
        let paused = self.pauses.iter().find(|p| p.until.is_none()).cloned();
        let alarm = if today > due.due {
            Alarm::Red
        } else if remaining <= warning && self.limit() > 0 {
            Alarm::Yellow
        } else {
            Alarm::OnTime
        };
        Reading { due, remaining, alarm, paused }
    }
}

/// The warning threshold of a limit, in working days: the item's own, or 1 working day, or 20%
/// of the limit if that is larger.
pub fn warning_threshold(limit: u32, item_threshold: Option<u32>) -> u32 {
    item_threshold.unwrap_or_else(|| limit.div_ceil(5).max(1))
}

/// 预警 — where a case stands against its limit.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Alarm {
    /// More working time remains than the warning threshold.
    OnTime,
    /// 黄牌 — within the warning threshold.
    Yellow,
    /// 红牌 — overdue.
    Red,
}

stored_name!(Alarm);

/// A case's clock read on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The due date, explained.
    pub due: Due,
    /// Working days left, today included when it is counted.
    pub remaining: u32,
    /// On time, yellow or red.
    pub alarm: Alarm,
    /// The pause under way, if the clock is stopped.
    pub paused: Option<Pause>,
}

/// `GET /api/v1/calendar/due`: a limit counted from a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// The day of acceptance, `YYYY-MM-DD`, 2000 to 2100.
    #[cfg_attr(feature = "openapi", param(format = Date, pattern = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"))]
    pub from: String,
    /// The limit in working days, 0 to 365, written without a sign or leading zeros.
    #[cfg_attr(feature = "openapi", param(pattern = r"^(0|[1-9][0-9]?|[12][0-9]{2}|3[0-5][0-9]|36[0-5])$"))]
    pub working_days: String,
}

impl DueQuery {
    /// The day and the limit, or what is wrong with each.
    pub fn check(&self) -> Result<(NaiveDate, u32), Vec<FieldError>> {
        let mut errors = Vec::new();
        let from = iso_date(&self.from);
        match from {
            None => errors.push(FieldError::new("from", FieldCode::NotDate)),
            Some(d) if !YEARS.contains(&d.year()) => errors.push(FieldError::new("from", FieldCode::OutOfRange)),
            Some(_) => {}
        }
        let raw = self.working_days.as_str();
        let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
        let plain = digits(raw) && (raw == "0" || !raw.starts_with('0'));
        let parsed = if plain {
            raw.parse::<i64>().ok()
        } else if raw.strip_prefix('-').is_some_and(digits) {
            Some(-1)
        } else {
            None
        };
        let days = match parsed {
            Some(n) if n < 0 => {
                errors.push(FieldError::new("working_days", FieldCode::Negative));
                None
            }
            Some(n) if n > i64::from(MAX_LIMIT_WORKING_DAYS) => {
                errors.push(FieldError::with_message(
                    "working_days",
                    FieldCode::OutOfRange,
                    Bilingual::new(
                        format!("时限最多 {MAX_LIMIT_WORKING_DAYS} 个工作日"),
                        format!("A limit is at most {MAX_LIMIT_WORKING_DAYS} working days"),
                    ),
                ));
                None
            }
            Some(n) => u32::try_from(n).ok(),
            None => {
                errors.push(FieldError::new("working_days", FieldCode::NotInteger));
                None
            }
        };
        match (from, days) {
            (Some(from), Some(days)) if errors.is_empty() => Ok((from, days)),
            _ => Err(errors),
        }
    }
}

/// A date written exactly `YYYY-MM-DD`.
fn iso_date(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    shaped.then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()).flatten()
}

#[cfg(test)]
mod tests;
