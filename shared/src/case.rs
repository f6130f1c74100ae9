//! 办件 — what staff and applicants read of a case: inboxes, the case page, notices, the trail.
//! The rules of what may happen to a case are in [`crate::workflow`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Bilingual;
use crate::account::Role;
use crate::application::{CaseStatus, MaterialSource};
use crate::catalogue::Department;
use crate::workflow::{CaseAction, CaseState, DeliveryMethod, MaterialDemand, Workflow};

/// Cases on one page of a list.
pub const CASE_PAGE_SIZE: u32 = 20;

/// 待办队列 — the queues of the staff console, each for the role that works it.
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
pub enum Queue {
    /// 待受理 — submitted cases of every department, for the front desk.
    FrontDesk,
    /// 待承办
    Undertaking,
    /// 待审核
    Reviewing,
    /// 待批准
    Approving,
    /// 待出件 — approved results to hand over at a window or send by post.
    Delivery,
    /// 待核查 — pledged cases to verify.
    Verification,
    /// 全部 — every case the caller may see.
    All,
}

stored_name!(Queue);

impl Queue {
    /// The queue's name.
    pub fn name(self) -> Bilingual {
        let (zh, en) = match self {
            Self::FrontDesk => ("待受理", "To accept"),
            Self::Undertaking => ("待承办", "To handle"),
            Self::Reviewing => ("待审核", "To review"),
            Self::Approving => ("待批准", "To approve"),
            Self::Delivery => ("待出件", "Results to deliver"),
            Self::Verification => ("待核查", "Pledges to verify"),
            Self::All => ("全部办件", "All cases"),
        };
        Bilingual::new(zh, en)
    }

    /// The queues a member with these roles works, in the console's order.
    pub fn for_roles(roles: &[Role]) -> Vec<Self> {
        let mut queues = Vec::new();
        let has = |r| roles.contains(&r);
        if has(Role::WindowClerk) {
            queues.extend([Self::FrontDesk, Self::Delivery]);
        }
        if has(Role::Undertaker) {
            queues.extend([Self::Undertaking, Self::Verification]);
        }
        if has(Role::Reviewer) {
            queues.push(Self::Reviewing);
        }
        if has(Role::Approver) {
            queues.push(Self::Approving);
        }
        if !queues.is_empty() || has(Role::Supervisor) {
            queues.push(Self::All);
        }
        queues
    }
}

/// The order of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseOrder {
    /// Longest waiting first: the front desk's order.
    #[default]
    Oldest,
    /// Most recent first.
    Newest,
}

/// `GET /api/v1/cases`: the signed-in staff member's cases (front desk: every department;
/// department staff: their own), filtered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// A queue; `all` when absent.
    pub queue: Option<Queue>,
    /// Only cases in this status.
    pub status: Option<CaseStatus>,
    /// Only this department's cases.
    pub department: Option<String>,
    /// Only cases of this item (事项编码).
    pub item: Option<String>,
    /// Only cases whose results are picked up at this hall.
    pub hall: Option<String>,
    /// Only cases submitted at least this many days ago.
    pub older_than_days: Option<u32>,
    /// `oldest` (default) or `newest` first.
    pub order: Option<CaseOrder>,
    /// From 1.
    pub page: Option<u32>,
}

/// A case in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// 事项编码
    pub item_code: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// The department that handles it.
    pub department: Department,
    /// Where it stands.
    pub status: CaseStatus,
    /// The person's name or the enterprise's name.
    pub applicant_name: String,
    /// When the application was received.
    pub submitted_at: DateTime<Utc>,
    /// 承诺办结时限 in working days.
    pub promised_working_days: u32,
    /// Whether it goes by the applicant's pledge.
    pub pledged: bool,
    /// Its place in a staged application (0: the first).
    pub stage: u32,
}

/// One page of cases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePage {
    /// The cases of the page.
    pub cases: Vec<CaseSummary>,
    /// Cases matching, on every page.
    pub total: u64,
    /// This page, from 1.
    pub page: u32,
    /// Cases per page.
    pub page_size: u32,
}

/// How many cases wait in a queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCount {
    /// The queue.
    pub queue: Queue,
    /// Cases in it.
    pub count: u64,
}

/// 办理人员 — who acted, as the trail shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The status the case reached.
    pub status: CaseStatus,
    /// The act, when a person took one (none for the submission).
    pub action: Option<CaseAction>,
    /// What happened.
    pub note: Bilingual,
    /// The role the actor acted in (staff only).
    pub role: Option<Role>,
    /// The reason or comment they wrote.
    pub remark: Option<String>,
}

/// A material of a case as the case page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseMaterial {
    /// The material's code.
    pub key: String,
    /// Its name in the item's guide.
    pub name: Bilingual,
    /// Library, upload or pledge.
    pub source: MaterialSource,
    /// The uploaded file, with the hash recorded at submission.
    pub file: Option<CaseFile>,
    /// The e-licence used, by type and number.
    pub license: Option<String>,
}

/// An uploaded file of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFile {
    /// The upload; `GET /api/v1/cases/{case_no}/files/{upload_id}` serves it.
    pub upload_id: String,
    /// The name it was uploaded under.
    pub file_name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    pub media_type: String,
    /// The SHA-256 recorded with the case.
    pub sha256: String,
}

/// An answer of the form, with its question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormAnswer {
    /// The question's key.
    pub key: String,
    /// The question.
    pub label: Bilingual,
    /// The answer as text.
    pub value: String,
}

/// A material the item's published version lists: what a supplement notice may ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedMaterial {
    /// The material's code.
    pub key: String,
    /// Its name.
    pub name: Bilingual,
}

/// 办件详情 — everything the case page shows, for whoever may see the case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDetail {
    /// The case as lists show it.
    pub summary: CaseSummary,
    /// Where it stands.
    pub state: CaseState,
    /// The item's workflow (its flowchart).
    pub workflow: Workflow,
    /// What the caller may do now.
    pub allowed_actions: Vec<CaseAction>,
    /// The applicant's masked identity number or the enterprise's credit code.
    pub applicant_identifier: String,
    /// The enterprise this case is for once its application's registration produced one.
    pub subject_uscc: Option<String>,
    /// The answers of the form that concern this item.
    pub form: Vec<FormAnswer>,
    /// The materials received.
    pub materials: Vec<CaseMaterial>,
    /// The materials the item lists (what a supplement notice may ask for).
    pub listed_materials: Vec<ListedMaterial>,
    /// 告知承诺书, where the applicant signed one.
    pub pledge: Option<String>,
    /// The open supplement notice's demands.
    pub demanded: Vec<MaterialDemand>,
    /// 办理渠道 — where the application was filed.
    pub channel: crate::catalogue::Channel,
    /// How the result is delivered, and the hall for a window pickup.
    pub delivery: DeliveryMethod,
    /// The pickup hall's name.
    pub delivery_hall: Option<Bilingual>,
    /// The e-licence the approval issued.
    pub issued_license: Option<String>,
    /// The notices sent.
    pub notices: Vec<NoticeSummary>,
    /// 办理时限 — once accepted: the due date explained, where the case stands against it, and
    /// the pause under way.
    pub deadline: Option<crate::supervision::CaseDeadline>,
    /// Every step so far, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// 全程留痕 — for staff, every audit event of the case and its application (reads of its
    /// files included), oldest first; empty for the applicant.
    pub trail: Vec<TrailEntry>,
}

/// One event of the audit trail, as staff read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrailEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened.
    pub action: crate::audit::AuditAction,
    /// Who acted, by name; none for the system.
    pub actor: Option<String>,
    /// The role they acted in.
    pub role: Option<Role>,
    /// The department concerned.
    pub department: Option<String>,
    /// The reason or detail recorded.
    pub detail: String,
    /// The SHA-256 of the files involved.
    pub files: Vec<String>,
}

/// The answer to an action: the case's new state and what the caller may do next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionOutcome {
    /// 办件编号
    pub case_no: String,
    /// Where it stands now.
    pub state: CaseState,
    /// What the caller may do now.
    pub allowed_actions: Vec<CaseAction>,
}

/// 通知书 kinds.
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
pub enum NoticeKind {
    /// 受理通知书
    Acceptance,
    /// 不予受理通知书
    NotAccepted,
    /// 补正材料告知书
    Supplement,
    /// 办结通知
    Conclusion,
}

stored_name!(NoticeKind);

impl NoticeKind {
    /// The notice's title.
    pub fn title(self) -> Bilingual {
        let (zh, en) = match self {
            Self::Acceptance => ("受理通知书", "Notice of acceptance"),
            Self::NotAccepted => ("不予受理通知书", "Notice of refusal to accept"),
            Self::Supplement => ("补正材料告知书", "Notice to supplement materials"),
            Self::Conclusion => ("办结通知", "Notice of conclusion"),
        };
        Bilingual::new(zh, en)
    }
}

/// A notice in a case's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeSummary {
    /// The notice; `GET /api/v1/notices/{id}.pdf` prints it.
    pub id: String,
    /// Which notice.
    pub kind: NoticeKind,
    /// When it was issued.
    pub at: DateTime<Utc>,
}

/// A material named in a supplement notice, with its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemandedMaterial {
    /// The material's code.
    pub key: String,
    /// Its name.
    pub name: Bilingual,
    /// What is missing or wrong.
    pub reason: String,
}

/// 通知书 — a notice as issued: what it says is fixed when the decision is taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// The notice's id.
    pub id: String,
    /// Which notice.
    pub kind: NoticeKind,
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// The department deciding.
    pub department: Bilingual,
    /// The person's name or the enterprise's name.
    pub applicant_name: String,
    /// When it was issued.
    pub at: DateTime<Utc>,
    /// What it says.
    pub body: Bilingual,
    /// The reason given, for a refusal, a denial or a second supplement notice.
    pub reason: Option<String>,
    /// The materials to supplement.
    pub materials: Vec<DemandedMaterial>,
}

/// `GET /api/v1/audit/verify`: what recomputing the audit chain found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    /// Whether every event matches its hash and the one before it.
    pub ok: bool,
    /// Events checked.
    pub events: u64,
    /// The first event that does not match.
    pub first_bad: Option<String>,
}

/// 效能事件 — the front desk's conduct the supervisors watch, recorded against the case's
/// department (the deadlines' red cards build on them).
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
pub enum SupervisionKind {
    /// A supplement notice asked for a material the item's published version does not list.
    UnlistedMaterialDemanded,
    /// A second supplement notice was sent on the same case (一次性告知 was not once).
    RepeatedSupplement,
}

stored_name!(SupervisionKind);

/// 办事大厅 — a hall where results are picked up at a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hall {
    /// Stable code, e.g. `DG-CITY`.
    pub code: String,
    /// The hall's name.
    pub name: Bilingual,
    /// Where it is.
    pub address: String,
}
