//! 通知书 — what each decision tells the applicant, fixed when it is taken, and the line each
//! act adds to the case's timeline.

use chrono::{DateTime, Utc};
use shared::Bilingual;
use shared::application::CaseStatus;
use shared::calendar::PauseKind;
use shared::case::{DemandedMaterial, Notice, NoticeKind};
use shared::workflow::{ActionRequest, CaseAction, CaseState, Transition};

use crate::store::cases::CaseRecord;

/// A notice of `kind` on `case`.
pub(super) fn issue(
    kind: NoticeKind,
    case: &CaseRecord,
    at: DateTime<Utc>,
    reason: Option<String>,
    materials: Vec<DemandedMaterial>,
) -> Notice {
    let item = Bilingual::new(&case.item_name_zh, &case.item_name_en);
    let body = match kind {
        NoticeKind::Acceptance => Bilingual::new(
            format!("您申请的“{}”材料齐全、符合法定形式，予以受理。", item.zh),
            format!("Your application for \"{}\" is complete and in due form: it is accepted.", item.en),
        ),
        NoticeKind::NotAccepted => Bilingual::new(
            format!("您申请的“{}”不予受理，理由见下。如不服，可依法申请行政复议或提起行政诉讼。", item.zh),
            format!(
                "Your application for \"{}\" is not accepted, for the reason below. You may apply for administrative \
                 reconsideration or bring an administrative lawsuit.",
                item.en
            ),
        ),
        NoticeKind::Supplement => Bilingual::new(
            format!("您申请的“{}”需补正以下材料（一次性告知），请补齐后提交。", item.zh),
            format!(
                "Your application for \"{}\" needs the materials below (listed once, all together): send them to continue.",
                item.en
            ),
        ),
        NoticeKind::Conclusion => conclusion_body(case, &item),
    };
    Notice {
        // Time-ordered, so that the notices of one second keep the order they were issued in.
        id: uuid::Uuid::now_v7().to_string(),
        kind,
        case_no: case.case_no.clone(),
        application_no: case.application_no.clone(),
        item_name: item,
        department: Bilingual::new(&case.department_zh, &case.department_en),
        applicant_name: case.applicant_name.clone(),
        at,
        body,
        reason,
        materials,
    }
}

fn conclusion_body(case: &CaseRecord, item: &Bilingual) -> Bilingual {
    if case.pledged {
        Bilingual::new(
            format!("您申请的“{}”已按告知承诺办结，准予许可。部门将对承诺内容进行核查。", item.zh),
            format!(
                "Your application for \"{}\" is approved on your pledge. The department will verify what you pledged.",
                item.en
            ),
        )
    } else {
        Bilingual::new(
            format!("您申请的“{}”已办结，结果见办件详情。", item.zh),
            format!("Your application for \"{}\" is concluded: see the case for the decision.", item.en),
        )
    }
}

/// The notices a transition issues (the supplement notice is built with its materials).
pub(super) fn for_transition(req: &ActionRequest, case: &CaseRecord, t: &Transition, at: DateTime<Utc>) -> Vec<Notice> {
    let mut out = Vec::new();
    match req.action {
        CaseAction::Accept => out.push(issue(NoticeKind::Acceptance, case, at, None, Vec::new())),
        CaseAction::NotAccept => out.push(issue(NoticeKind::NotAccepted, case, at, req.reason.clone(), Vec::new())),
        _ => {}
    }
    if t.concluded && matches!(t.to.status, CaseStatus::Approved | CaseStatus::Denied) {
        let reason = (t.to.status == CaseStatus::Denied).then(|| req.reason.clone()).flatten();
        out.push(issue(NoticeKind::Conclusion, case, at, reason, Vec::new()));
    }
    out
}

/// The timeline's line for an act, as the applicant reads it.
pub(super) fn event_note(req: &ActionRequest, to: &CaseState) -> Bilingual {
    match (req.action, req.pause) {
        (CaseAction::Pause, Some(PauseKind::Supplement)) => {
            return Bilingual::new(
                "审查中一次性告知需补正的材料，补正期间暂停计时",
                "Materials to supplement were listed during examination; the clock stops until they arrive",
            );
        }
        (CaseAction::Pause, Some(kind)) => {
            let kind = kind.name();
            return Bilingual::new(format!("因{}中止计时", kind.zh), format!("The clock stopped for {}", kind.en));
        }
        (CaseAction::Extend, _) => {
            let days = req.extension_days.unwrap_or_default();
            return Bilingual::new(
                format!("经批准延期 {days} 个工作日"),
                format!("The limit was extended by {days} working days with approval"),
            );
        }
        _ => {}
    }
    let (zh, en) = match req.action {
        CaseAction::Accept if to.status == CaseStatus::Approved => {
            ("已受理并当场办结", "Accepted and concluded on the spot")
        }
        CaseAction::Accept => ("综合窗口已受理", "Accepted at the front desk"),
        CaseAction::NotAccept => ("不予受理", "Not accepted"),
        CaseAction::RequestSupplement => ("已一次性告知需补正的材料", "Materials to supplement were listed"),
        CaseAction::Supplement => ("申请人已提交补正材料", "The applicant sent the materials asked for"),
        CaseAction::Undertake => ("承办完成", "Handling completed"),
        CaseAction::Review => ("审核通过", "Review completed"),
        CaseAction::Approve if to.status == CaseStatus::Approved => ("批准，已办结", "Approved and concluded"),
        CaseAction::Approve => ("批准（待下一级批准）", "Approved, awaiting the next approval"),
        CaseAction::Deny => ("不予许可，已办结", "Denied and concluded"),
        CaseAction::Withdraw => ("申请人已撤回申请", "Withdrawn by the applicant"),
        CaseAction::HandOver => ("办理结果已在窗口领取", "The result was picked up at a window"),
        CaseAction::Dispatch => ("办理结果已寄出", "The result was sent by post"),
        CaseAction::ConfirmPledge => ("告知承诺核查通过", "The pledge was verified"),
        CaseAction::RevokeResult => {
            ("核查发现承诺不实，已撤销办理结果", "The pledge proved untrue: the result is revoked")
        }
        CaseAction::Pause => ("中止计时", "The clock stopped"),
        CaseAction::Resume => ("恢复计时", "The clock runs again"),
        CaseAction::Extend => ("延期", "Extended"),
    };
    Bilingual::new(zh, en)
}
