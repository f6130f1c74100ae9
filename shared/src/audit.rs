//! 留痕 — the acts the audit trail records, each with one stored name.

use serde::{Deserialize, Serialize};

/// 留痕动作 — what an audit event records. The stored and wire name is the snake_case of the
/// variant (`AgentGranted` is `agent_granted`), derived, so that no table can disagree with it.
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
pub enum AuditAction {
    /// 注册 — an account was made.
    Registered,
    /// 登录
    Login,
    /// 退出
    Logout,
    /// The person chose whom they act for (an enterprise, or themselves).
    ActingFor,
    /// A legal representative authorized an agent.
    AgentGranted,
    /// A legal representative withdrew an agent's authorization.
    AgentRevoked,
    /// A window clerk began serving an applicant who is present.
    WindowServiceStarted,
    /// … and stopped.
    WindowServiceEnded,
    /// A staff member saw a full identity number, for a stated reason.
    IdNumberUnmasked,
    /// A staff member passed the second factor in a session.
    SecondFactorPassed,
    /// A staff member asked for a new authenticator secret.
    TotpEnrolmentStarted,
    /// An authenticator was bound for the first time.
    TotpEnrolled,
    /// The authenticator was replaced by another.
    TotpReplaced,
    /// A security administrator removed a member's authenticator.
    TotpReset,
    /// A security administrator issued a member an enrolment token.
    EnrolmentTokenIssued,
    /// 申请提交 — an application was received (online, or filed at a window).
    ApplicationSubmitted,
    /// 事项发布 — a version of a service item became the one applicants see.
    ItemPublished,
    /// 受理
    CaseAccepted,
    /// 不予受理
    CaseNotAccepted,
    /// 一次性告知补正
    SupplementRequested,
    /// The applicant sent what a supplement notice asked for.
    SupplementProvided,
    /// 承办
    CaseUndertaken,
    /// 审核
    CaseReviewed,
    /// 批准
    CaseApproved,
    /// 不予许可
    CaseDenied,
    /// 撤回
    CaseWithdrawn,
    /// 窗口出件
    ResultHandedOver,
    /// 寄递
    ResultDispatched,
    /// 核查通过
    PledgeConfirmed,
    /// 核查不符，撤销
    ResultRevoked,
    /// A supplement notice asked for a material the item does not list; it was refused.
    UnlistedMaterialDemanded,
    /// A staff member opened a file of a case.
    CaseFileRead,
    /// A later stage of an application opened because the earlier one concluded approved.
    StageOpened,
    /// A later stage stopped because the earlier one did not conclude approved.
    CaseDiscontinued,
    /// An approval issued an e-licence into the library.
    LicenseIssued,
    /// A window clerk made an account-less record for an applicant present with no account.
    WalkInRecorded,
    /// An applicant registered and so claimed the record made for them at a window.
    AccountClaimed,
    /// A person let the platform keep their answers as suggestions.
    AnswerMemoryOn,
    /// A person withdrew that consent; what was kept is deleted.
    AnswerMemoryOff,
    /// A person deleted one kept answer.
    AnswerForgotten,
    /// 委托代办 — a person authorized another to apply for them.
    ProxyGranted,
    /// A person revoked such an authorization.
    ProxyRevoked,
    /// 中止计时 — a case's clock stopped, for a stated kind of pause.
    CasePaused,
    /// 恢复计时
    CaseResumed,
    /// 延期 — an approver extended a case's limit.
    CaseExtended,
    /// 亮牌 — a yellow or red card was raised against a department.
    CardRaised,
    /// 督办答复 — the department answered a card.
    CardAnswered,
    /// A supervisor accepted the answer: the card is resolved.
    CardResolved,
    /// A supervisor returned the answer: the card stays open.
    CardReturned,
    /// A catalogue administrator entered a year's holiday notice.
    CalendarNoticeEntered,
    /// 预警扫描 — the deadline scan raised cards (each is an event of its own).
    DeadlineScanned,
    /// 通知设置 — a person chose how they are told.
    NotificationSettingsChanged,
    /// 登记推送地址 — a department registered a webhook endpoint.
    WebhookRegistered,
    /// 停用推送地址 — … and switched one off.
    WebhookDisabled,
    /// 签发接口令牌 — a department issued an API token.
    ApiTokenIssued,
    /// 吊销接口令牌 — … and revoked one.
    ApiTokenRevoked,
    /// 设置同义词 — a catalogue administrator added or changed a search synonym.
    SynonymSet,
    /// 删除同义词 — … or removed one.
    SynonymRemoved,
    /// 撤回身份证号码处理授权 — a person withdrew their consent to processing their identity
    /// number: the account closed.
    AccountClosed,
}

stored_name!(AuditAction);

impl AuditAction {
    /// The act as the trail shows it.
    pub fn name(self) -> crate::Bilingual {
        let (zh, en) = match self {
            Self::Registered => ("注册账号", "Registered"),
            Self::Login => ("登录", "Signed in"),
            Self::Logout => ("退出", "Signed out"),
            Self::ActingFor => ("切换办事身份", "Chose whom to act for"),
            Self::AgentGranted => ("授权经办人", "Authorized an agent"),
            Self::AgentRevoked => ("撤销经办人", "Revoked an agent"),
            Self::WindowServiceStarted => ("开始窗口代办", "Began serving at a window"),
            Self::WindowServiceEnded => ("结束窗口代办", "Stopped serving at a window"),
            Self::IdNumberUnmasked => ("查看完整身份证号码", "Saw a full identity number"),
            Self::SecondFactorPassed => ("通过动态验证码", "Passed the second factor"),
            Self::TotpEnrolmentStarted => ("开始绑定身份验证器", "Began binding an authenticator"),
            Self::TotpEnrolled => ("绑定身份验证器", "Bound an authenticator"),
            Self::TotpReplaced => ("更换身份验证器", "Replaced the authenticator"),
            Self::TotpReset => ("解除身份验证器", "Removed an authenticator"),
            Self::EnrolmentTokenIssued => ("签发绑定码", "Issued an enrolment token"),
            Self::ApplicationSubmitted => ("提交申请", "Application submitted"),
            Self::ItemPublished => ("发布事项", "Published an item"),
            Self::CaseAccepted => ("受理", "Accepted"),
            Self::CaseNotAccepted => ("不予受理", "Not accepted"),
            Self::SupplementRequested => ("一次性告知补正", "Supplement requested"),
            Self::SupplementProvided => ("提交补正材料", "Supplement provided"),
            Self::CaseUndertaken => ("承办", "Handled"),
            Self::CaseReviewed => ("审核", "Reviewed"),
            Self::CaseApproved => ("批准", "Approved"),
            Self::CaseDenied => ("不予许可", "Denied"),
            Self::CaseWithdrawn => ("撤回", "Withdrawn"),
            Self::ResultHandedOver => ("窗口出件", "Result handed over"),
            Self::ResultDispatched => ("寄递", "Result sent by post"),
            Self::PledgeConfirmed => ("核查通过", "Pledge verified"),
            Self::ResultRevoked => ("撤销办理结果", "Result revoked"),
            Self::UnlistedMaterialDemanded => {
                ("要求提供目录外材料（已拒绝）", "Demanded an unlisted material (refused)")
            }
            Self::CaseFileRead => ("查阅材料", "Read a file"),
            Self::StageOpened => ("前序办结，开始办理", "Opened by the earlier step"),
            Self::CaseDiscontinued => ("前序未获准予，终止", "Stopped by the earlier step"),
            Self::LicenseIssued => ("签发电子证照", "E-licence issued"),
            Self::WalkInRecorded => ("为无账号申请人建档", "Recorded a walk-in applicant"),
            Self::AccountClaimed => ("认领窗口建档账号", "Claimed a walk-in record"),
            Self::AnswerMemoryOn => ("同意保存填写记录", "Consented to keeping answers"),
            Self::AnswerMemoryOff => ("撤回保存填写记录的同意", "Withdrew consent to keeping answers"),
            Self::AnswerForgotten => ("删除一条填写记录", "Deleted a kept answer"),
            Self::ProxyGranted => ("委托他人代办", "Authorized a proxy"),
            Self::ProxyRevoked => ("撤销委托代办", "Revoked a proxy's authorization"),
            Self::CasePaused => ("中止计时", "Paused the clock"),
            Self::CaseResumed => ("恢复计时", "Resumed the clock"),
            Self::CaseExtended => ("延期", "Extended the limit"),
            Self::CardRaised => ("亮牌", "Card raised"),
            Self::CardAnswered => ("督办答复", "Card answered"),
            Self::CardResolved => ("督办办结", "Card resolved"),
            Self::CardReturned => ("督办答复退回", "Card answer returned"),
            Self::CalendarNoticeEntered => ("录入节假日安排", "Entered a holiday notice"),
            Self::DeadlineScanned => ("时限预警扫描", "Deadline scan"),
            Self::NotificationSettingsChanged => ("修改通知设置", "Changed how they are notified"),
            Self::WebhookRegistered => ("登记推送地址", "Registered a webhook endpoint"),
            Self::WebhookDisabled => ("停用推送地址", "Switched off a webhook endpoint"),
            Self::ApiTokenIssued => ("签发接口令牌", "Issued an API token"),
            Self::SynonymSet => ("设置检索同义词", "Set a search synonym"),
            Self::SynonymRemoved => ("删除检索同义词", "Removed a search synonym"),
            Self::ApiTokenRevoked => ("吊销接口令牌", "Revoked an API token"),
            Self::AccountClosed => ("撤回授权并注销账户", "Withdrew consent; account closed"),
        };
        crate::Bilingual::new(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use strum::VariantArray as _;

    use super::*;

    #[test]
    fn every_action_round_trips_through_its_stored_name() {
        for action in AuditAction::VARIANTS {
            assert_eq!(AuditAction::try_from(action.as_str().to_owned()).ok(), Some(*action));
            assert_eq!(serde_json::to_value(action).expect("serializes"), action.as_str());
        }
        assert_eq!(AuditAction::AgentGranted.as_str(), "agent_granted");
        assert_eq!(AuditAction::try_from("agent_granted ".to_owned()).ok(), None, "a stored name is exact");
    }
}
