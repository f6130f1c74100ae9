//! 效能监察 — what supervisors watch: each case's deadline, the yellow and red cards raised
//! against departments, and how a card is resolved (督办).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Alarm, Due, Extension, Pause};
use crate::catalogue::Department;
use crate::workflow::StepKind;
use crate::{Bilingual, FieldError};

/// Cards on one page of a list.
pub const CARD_PAGE_SIZE: u32 = 50;

/// 办理时限 — a case's deadline as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDeadline {
    /// 承诺时限 in working days, before any extension.
    pub promised_working_days: u32,
    /// 法定时限 in working days.
    pub statutory_working_days: u32,
    /// When the promised limit (with its extension) ends, and why then.
    pub due: Due,
    /// When the statutory limit ends.
    pub statutory_due: NaiveDate,
    /// Each step's share of the limit, counted from acceptance: when it ends.
    pub steps: Vec<StepDue>,
    /// Working days left, today included (0 once concluded or overdue).
    pub remaining: u32,
    /// On time, yellow or red: today, or on the day it concluded.
    pub alarm: Alarm,
    /// The pause under way, while the clock is stopped.
    pub paused: Option<Pause>,
    /// The extension granted.
    pub extension: Option<Extension>,
    /// The day it concluded, if it has.
    pub concluded_on: Option<NaiveDate>,
}

/// When a step's share of the limit ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepDue {
    /// The step.
    pub kind: StepKind,
    /// Its working days.
    pub working_days: u32,
    /// The day its share ends (counted from acceptance, with the steps before it).
    pub due: NaiveDate,
}

/// 牌 — a card's color.
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
pub enum CardColor {
    /// 黄牌 — a warning.
    Yellow,
    /// 红牌 — supervision (督办).
    Red,
}

stored_name!(CardColor);

impl CardColor {
    /// The color's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Yellow => Bilingual::new("黄牌", "Yellow card"),
            Self::Red => Bilingual::new("红牌", "Red card"),
        }
    }
}

/// Why a card was raised.
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
pub enum CardCause {
    /// The remaining working time is within the item's warning threshold.
    NearLimit,
    /// The limit has passed.
    Overdue,
    /// A supplement notice asked for a material the item does not list.
    UnlistedMaterialDemanded,
    /// A second supplement notice on one case.
    RepeatedSupplement,
}

stored_name!(CardCause);

impl CardCause {
    /// The card it raises.
    pub fn color(self) -> CardColor {
        match self {
            Self::NearLimit => CardColor::Yellow,
            Self::Overdue | Self::UnlistedMaterialDemanded | Self::RepeatedSupplement => CardColor::Red,
        }
    }

    /// The cause as a card states it.
    pub fn name(self) -> Bilingual {
        let (zh, en) = match self {
            Self::NearLimit => ("临近办结时限", "Near its limit"),
            Self::Overdue => ("超过办结时限", "Past its limit"),
            Self::UnlistedMaterialDemanded => ("要求提供目录外材料", "Demanded a material the item does not list"),
            Self::RepeatedSupplement => ("多次要求补正", "Asked for supplements more than once"),
        };
        Bilingual::new(zh, en)
    }
}

impl From<crate::case::SupervisionKind> for CardCause {
    fn from(kind: crate::case::SupervisionKind) -> Self {
        match kind {
            crate::case::SupervisionKind::UnlistedMaterialDemanded => Self::UnlistedMaterialDemanded,
            crate::case::SupervisionKind::RepeatedSupplement => Self::RepeatedSupplement,
        }
    }
}

/// Where a card stands.
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
pub enum CardStatus {
    /// Raised, waiting for the department's answer (or returned to it).
    Open,
    /// Answered, waiting for a supervisor.
    Answered,
    /// The supervisor accepted the answer.
    Resolved,
}

stored_name!(CardStatus);

impl CardStatus {
    /// The status's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Open => Bilingual::new("待答复", "Awaiting answer"),
            Self::Answered => Bilingual::new("待确认", "Answer to confirm"),
            Self::Resolved => Bilingual::new("已办结", "Resolved"),
        }
    }
}

/// 督办卡 — a yellow or red card raised against a department for one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// The card's id.
    pub id: String,
    /// 办件编号
    pub case_no: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// The department it is raised against.
    pub department: Department,
    /// Yellow or red.
    pub color: CardColor,
    /// Why.
    pub cause: CardCause,
    /// When.
    pub raised_at: DateTime<Utc>,
    /// The due date it was raised against (deadline cards).
    pub due_on: Option<NaiveDate>,
    /// Who handled the case last, by name.
    pub handler: Option<String>,
    /// Where it stands.
    pub status: CardStatus,
    /// The department's answer.
    pub answer: Option<String>,
    /// When it answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// What the supervisor wrote, accepting or returning the answer.
    pub resolution: Option<String>,
    /// When the card was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/cards`: cards the caller may see (supervisors: every department's; department
/// staff: their own), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CardQuery {
    /// Only cards in this status; unresolved (open and answered) when absent.
    pub status: Option<CardStatus>,
    /// Only this department's.
    pub department: Option<String>,
    /// Only cards of this case.
    pub case_no: Option<String>,
    /// From 1.
    pub page: Option<u32>,
}

/// One page of cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardPage {
    /// The cards of the page.
    pub cards: Vec<Card>,
    /// Cards matching, on every page.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Cards per page.
    pub page_size: u32,
}

/// What is done to a card.
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
pub enum CardAct {
    /// 督办答复 — the department's staff explain and say what they did.
    Answer,
    /// A supervisor accepts the answer: the card is resolved.
    Resolve,
    /// A supervisor returns the answer: the card is open again.
    Return,
}

stored_name!(CardAct);

impl CardAct {
    /// The act's name, as a button says it.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Answer => Bilingual::new("督办答复", "Answer"),
            Self::Resolve => Bilingual::new("确认办结", "Accept and resolve"),
            Self::Return => Bilingual::new("退回重答", "Return"),
        }
    }
}

/// `POST /api/v1/cards/{id}/acts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardActRequest {
    /// What to do.
    pub act: CardAct,
    /// The answer, or the supervisor's reason.
    pub text: String,
}

impl CardActRequest {
    /// What is wrong with the text (a reason of 2 to 500 characters).
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        crate::workflow::check_text(&mut errors, "text", Some(&self.text), true);
        errors
    }
}

/// How many days of cards the dashboard charts, and how far back it reads conclusions.
pub const CHART_DAYS: u32 = 30;
/// How far back the on-time rates and processing times reach, in days.
pub const CONCLUDED_WINDOW_DAYS: u32 = 90;

/// The ranges of working days a processing-time distribution counts cases in: 0 (the same day),
/// 1, 2, 3–5, 6–10, 11–20, more than 20.
pub const DURATION_BUCKETS: [(u32, Option<u32>); 7] =
    [(0, Some(0)), (1, Some(1)), (2, Some(2)), (3, Some(5)), (6, Some(10)), (11, Some(20)), (21, None)];

/// The bucket of [`DURATION_BUCKETS`] a processing time falls in.
pub fn duration_bucket(working_days: u32) -> usize {
    DURATION_BUCKETS.iter().position(|(_, to)| to.is_none_or(|to| working_days <= to)).unwrap_or(6)
}

/// A bucket's label: `0`, `3–5`, `>20`.
pub fn bucket_label(i: usize) -> String {
    match DURATION_BUCKETS.get(i) {
        Some((from, Some(to))) if from == to => from.to_string(),
        Some((from, Some(to))) => format!("{from}–{to}"),
        Some((from, None)) => format!(">{}", from - 1),
        None => String::new(),
    }
}

/// `GET /api/v1/supervision/overview` and each event of `/supervision/stream`: what the
/// supervision dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisionOverview {
    /// When it was counted.
    pub at: DateTime<Utc>,
    /// Open cases (submitted, in progress or paused; not concluded) by department.
    pub by_department: Vec<OpenCount>,
    /// … by item.
    pub by_item: Vec<OpenCount>,
    /// … by the hall their results are picked up at (`""`: delivered electronically or by post).
    pub by_hall: Vec<OpenCount>,
    /// The latest unresolved cards, newest first (at most 20).
    pub cards: Vec<Card>,
    /// Unresolved cards in all.
    pub unresolved_cards: u64,
    /// Cases concluded in the last [`CONCLUDED_WINDOW_DAYS`] days, and how many without an
    /// overdue card, by department.
    pub on_time: Vec<OnTimeRate>,
    /// Cards raised on each of the last [`CHART_DAYS`] days (Asia/Shanghai), oldest first.
    pub cards_by_day: Vec<CardsOnDay>,
    /// How many working days the cases of each item concluded in the last
    /// [`CONCLUDED_WINDOW_DAYS`] days took from acceptance, counted in [`DURATION_BUCKETS`].
    pub durations: Vec<ItemDurations>,
}

/// Open cases of a department, an item or a hall, with their unresolved cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenCount {
    /// The department's, item's or hall's code.
    pub key: String,
    /// Its name.
    pub name: Bilingual,
    /// Open cases.
    pub open: u64,
    /// Of them, with an unresolved yellow card.
    pub yellow: u64,
    /// … with an unresolved red card.
    pub red: u64,
}

/// A department's conclusions, and how many came in time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnTimeRate {
    /// The department.
    pub department: Department,
    /// Cases concluded.
    pub concluded: u64,
    /// Of them, with no overdue card.
    pub on_time: u64,
}

/// The cards raised on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardsOnDay {
    /// The day (Asia/Shanghai).
    pub day: NaiveDate,
    /// Yellow cards.
    pub yellow: u64,
    /// Red cards.
    pub red: u64,
}

/// An item's processing times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemDurations {
    /// 事项编码
    pub item_code: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// Cases in each of [`DURATION_BUCKETS`].
    pub counts: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processing_times_fall_in_their_buckets() {
        let buckets: Vec<usize> = [0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 400].into_iter().map(duration_bucket).collect();
        assert_eq!(buckets, [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
        let labels: Vec<String> = (0..DURATION_BUCKETS.len()).map(bucket_label).collect();
        assert_eq!(labels, ["0", "1", "2", "3–5", "6–10", "11–20", ">20"]);
    }

    #[test]
    fn front_desk_conduct_raises_red_cards() {
        use crate::case::SupervisionKind as K;
        assert_eq!(CardCause::from(K::UnlistedMaterialDemanded).color(), CardColor::Red);
        assert_eq!(CardCause::from(K::RepeatedSupplement).color(), CardColor::Red);
        assert_eq!(CardCause::NearLimit.color(), CardColor::Yellow);
    }
}
