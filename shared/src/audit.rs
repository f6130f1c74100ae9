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
}

stored_name!(AuditAction);

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
