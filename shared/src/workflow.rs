//! 办件流程 — the case workflow: 受理 → 承办 → 审核 → 批准 → 办结, as data per item.
//!
//! An item's [`Workflow`] lists the steps its department takes after the front desk accepts a
//! case (undertake, review, approve; an item may leave out review or ask for two approvals),
//! each with a working-day budget, in the manner of eGov DIGIT's business services. Acceptance
//! always comes first and is the front desk's; the last step is always an approval, so that
//! every workflow can be completed and nothing precedes acceptance: a workflow that breaks this
//! does not deserialize. Instant items (即办件) have no steps: acceptance concludes them.
//!
//! [`decide`] is the whole state machine: given a case's [`CaseState`], who asks and what, it
//! answers with the next state or why not. The server stores what it answers; the app asks
//! [`allowed_actions`] which buttons to show. Nothing here reads a clock or a database.

use serde::{Deserialize, Serialize};

use crate::account::Role;
use crate::application::CaseStatus;
use crate::calendar::PauseKind;
use crate::{Bilingual, FieldCode, FieldError};

/// The most steps a workflow may have.
pub const MAX_STEPS: usize = 6;
/// Longest reason or comment, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// Shortest reason or comment where one is needed ("同意" is a comment).
pub const MIN_REASON_CHARS: usize = 2;
/// The most materials one supplement notice may list.
pub const MAX_DEMANDS: usize = 50;
/// The most working days an extension adds. The Administrative License Law (art. 42) allows an
/// authority's head 10 more working days, and other laws longer (a hearing's or an expert
/// review's time is a pause, not an extension): 30 covers those the catalogue names.
pub const MAX_EXTENSION_WORKING_DAYS: u32 = 30;

/// 环节 — a kind of step a department takes on a case.
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
pub enum StepKind {
    /// 承办 — examines the materials and proposes a decision.
    Undertake,
    /// 审核 — checks the proposal.
    Review,
    /// 批准 — approves or denies.
    Approve,
}

stored_name!(StepKind);

impl StepKind {
    /// The role that takes the step.
    pub fn role(self) -> Role {
        match self {
            Self::Undertake => Role::Undertaker,
            Self::Review => Role::Reviewer,
            Self::Approve => Role::Approver,
        }
    }

    /// The status of a case waiting at this step.
    pub fn status(self) -> CaseStatus {
        match self {
            Self::Undertake => CaseStatus::Undertaking,
            Self::Review => CaseStatus::Reviewing,
            Self::Approve => CaseStatus::Approving,
        }
    }

    /// The action that completes the step.
    pub fn action(self) -> CaseAction {
        match self {
            Self::Undertake => CaseAction::Undertake,
            Self::Review => CaseAction::Review,
            Self::Approve => CaseAction::Approve,
        }
    }

    /// The step's name, as the flowchart labels it.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Undertake => Bilingual::new("承办", "Handling"),
            Self::Review => Bilingual::new("审核", "Review"),
            Self::Approve => Bilingual::new("批准", "Approval"),
        }
    }
}

/// One step of a workflow and its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkflowStep {
    /// What the step is.
    pub kind: StepKind,
    /// 环节时限 — working days the step may take (0: the same day as the step before).
    pub working_days: u32,
}

/// Why a workflow cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// More steps than [`MAX_STEPS`].
    #[error("a workflow has at most {MAX_STEPS} steps")]
    TooManySteps,
    /// The last step is not an approval, so no case could conclude.
    #[error("the last step of a workflow must be an approval")]
    NoConcludingStep,
    /// An instant item with steps, or a promised item without any.
    #[error("an instant item has no steps after acceptance, and any other item has at least one")]
    InstantMismatch,
    /// The steps' budgets add up to more than the promised limit.
    #[error("the steps' working days add up to more than the item's promised limit")]
    OverBudget,
}

/// 审批流程 — the steps of an item's cases after acceptance. Built only from steps that can be
/// completed: see the module's documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "WorkflowSteps", into = "WorkflowSteps")]
pub struct Workflow {
    steps: Vec<WorkflowStep>,
}

/// The wire and stored shape of a [`Workflow`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkflowSteps {
    /// The steps in order; none for an instant item.
    pub steps: Vec<WorkflowStep>,
}

impl TryFrom<WorkflowSteps> for Workflow {
    type Error = WorkflowError;
    fn try_from(raw: WorkflowSteps) -> Result<Self, WorkflowError> {
        Self::new(raw.steps)
    }
}

impl From<Workflow> for WorkflowSteps {
    fn from(w: Workflow) -> Self {
        Self { steps: w.steps }
    }
}

impl Workflow {
    /// A workflow of these steps: none (an instant item), or up to [`MAX_STEPS`] ending in an
    /// approval.
    pub fn new(steps: Vec<WorkflowStep>) -> Result<Self, WorkflowError> {
        if steps.len() > MAX_STEPS {
            return Err(WorkflowError::TooManySteps);
        }
        if steps.last().is_some_and(|s| s.kind != StepKind::Approve) {
            return Err(WorkflowError::NoConcludingStep);
        }
        Ok(Self { steps })
    }

    /// 即办件: concluded at acceptance.
    pub fn instant() -> Self {
        Self { steps: Vec::new() }
    }

    /// The default: 承办 → 审核 → 批准 within `promised_working_days`, the last working day for
    /// approval and the one before it for review where the limit allows, the rest to handling.
    pub fn standard(promised_working_days: u32) -> Self {
        let approve = u32::from(promised_working_days >= 3);
        let review = u32::from(promised_working_days >= 2);
        let undertake = promised_working_days - approve - review;
        let step = |kind, working_days| WorkflowStep { kind, working_days };
        Self {
            steps: vec![
                step(StepKind::Undertake, undertake),
                step(StepKind::Review, review),
                step(StepKind::Approve, approve),
            ],
        }
    }

    /// The steps in order.
    pub fn steps(&self) -> &[WorkflowStep] {
        &self.steps
    }

    /// Whether acceptance concludes a case.
    pub fn is_instant(&self) -> bool {
        self.steps.is_empty()
    }

    /// Checks the workflow against the item's limits: instant items have no steps, promised
    /// ones some, and the steps fit in the promised limit.
    pub fn check(&self, instant: bool, promised_working_days: u32) -> Result<(), WorkflowError> {
        if instant != self.is_instant() {
            return Err(WorkflowError::InstantMismatch);
        }
        if self.steps.iter().map(|s| s.working_days).sum::<u32>() > promised_working_days {
            return Err(WorkflowError::OverBudget);
        }
        Ok(())
    }
}

/// 办件动作 — what a person can do to a case. The wire name is the snake_case of the variant.
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
pub enum CaseAction {
    /// 受理 — the front desk accepts the case (and concludes an instant or pledged one).
    Accept,
    /// 不予受理 — the front desk refuses it, with a written reason.
    NotAccept,
    /// 一次性告知 — the front desk lists every missing or defective material at once.
    RequestSupplement,
    /// 补正 — the applicant provides what the notice asked for.
    Supplement,
    /// 承办 — the undertaker completes handling, with a comment.
    Undertake,
    /// 审核 — the reviewer completes review, with a comment.
    Review,
    /// 批准 — an approver approves, with a comment.
    Approve,
    /// 不予许可 — the approver denies, with reasons.
    Deny,
    /// 撤回 — the applicant withdraws before conclusion.
    Withdraw,
    /// 出件 — a clerk at any hall hands a window result to its checked recipient.
    HandOver,
    /// 寄递 — a clerk records the mail tracking number of a result sent by post.
    Dispatch,
    /// 核查通过 — the department found a pledged case's statements true.
    ConfirmPledge,
    /// 核查撤销 — … or not: the result (and its licence) is revoked, with a reason.
    RevokeResult,
    /// 中止计时 — the undertaker stops the clock of a case in progress, with the kind of pause
    /// and its reason; a pause for supplement issues a supplement notice the applicant answers.
    Pause,
    /// 恢复计时 — the undertaker restarts it after an inspection, review or hearing.
    Resume,
    /// 延期 — an approver extends the limit once, by some working days, with a reason.
    Extend,
}

stored_name!(CaseAction);

impl CaseAction {
    /// The action's name, as a button says it.
    pub fn name(self) -> Bilingual {
        let (zh, en) = match self {
            Self::Accept => ("受理", "Accept"),
            Self::NotAccept => ("不予受理", "Refuse"),
            Self::RequestSupplement => ("一次性告知补正", "Request supplement"),
            Self::Supplement => ("提交补正材料", "Send supplement"),
            Self::Undertake => ("承办完成", "Complete handling"),
            Self::Review => ("审核通过", "Complete review"),
            Self::Approve => ("批准", "Approve"),
            Self::Deny => ("不予许可", "Deny"),
            Self::Withdraw => ("撤回申请", "Withdraw"),
            Self::HandOver => ("窗口出件", "Hand over"),
            Self::Dispatch => ("登记寄递", "Record dispatch"),
            Self::ConfirmPledge => ("核查通过", "Confirm pledge"),
            Self::RevokeResult => ("核查不符，撤销", "Revoke result"),
            Self::Pause => ("中止计时", "Pause the clock"),
            Self::Resume => ("恢复计时", "Resume the clock"),
            Self::Extend => ("延期", "Extend the limit"),
        };
        Bilingual::new(zh, en)
    }

    /// Who may ever take the action: a role, or the applicant.
    pub fn taken_by(self) -> Taker {
        match self {
            Self::Accept | Self::NotAccept | Self::RequestSupplement | Self::HandOver | Self::Dispatch => {
                Taker::Staff(Role::WindowClerk)
            }
            Self::Undertake | Self::ConfirmPledge | Self::RevokeResult | Self::Pause | Self::Resume => {
                Taker::Staff(Role::Undertaker)
            }
            Self::Review => Taker::Staff(Role::Reviewer),
            Self::Approve | Self::Deny | Self::Extend => Taker::Staff(Role::Approver),
            Self::Supplement | Self::Withdraw => Taker::Applicant,
        }
    }

    /// The audit trail's name for the action.
    pub fn audit_action(self) -> crate::audit::AuditAction {
        use crate::audit::AuditAction as Audit;
        match self {
            Self::Accept => Audit::CaseAccepted,
            Self::NotAccept => Audit::CaseNotAccepted,
            Self::RequestSupplement => Audit::SupplementRequested,
            Self::Supplement => Audit::SupplementProvided,
            Self::Undertake => Audit::CaseUndertaken,
            Self::Review => Audit::CaseReviewed,
            Self::Approve => Audit::CaseApproved,
            Self::Deny => Audit::CaseDenied,
            Self::Withdraw => Audit::CaseWithdrawn,
            Self::HandOver => Audit::ResultHandedOver,
            Self::Dispatch => Audit::ResultDispatched,
            Self::ConfirmPledge => Audit::PledgeConfirmed,
            Self::RevokeResult => Audit::ResultRevoked,
            Self::Pause => Audit::CasePaused,
            Self::Resume => Audit::CaseResumed,
            Self::Extend => Audit::CaseExtended,
        }
    }

    /// Whether the action moves a case along its workflow (rather than delivering or checking a
    /// concluded case's result).
    pub fn is_transition(self) -> bool {
        !matches!(self, Self::HandOver | Self::Dispatch | Self::ConfirmPledge | Self::RevokeResult)
    }
}

/// Who takes an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taker {
    /// A staff member with this role (department staff only in their own department).
    Staff(Role),
    /// The applicant (or the enterprise's agent, or a clerk serving them at the window).
    Applicant,
}

/// Who is asking: the roles in which a staff member may act on the case (department roles only
/// in its own department), and whether they ask as its applicant (or for the applicant, at a
/// window).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    /// The roles that apply to this case.
    pub roles: Vec<Role>,
    /// Whether the caller is the applicant or acts for them.
    pub applicant: bool,
}

impl Actor {
    /// A staff member acting in these roles.
    pub fn staff(roles: Vec<Role>) -> Self {
        Self { roles, applicant: false }
    }

    /// The applicant.
    pub fn applicant() -> Self {
        Self { roles: Vec::new(), applicant: true }
    }

    fn may(&self, taker: Taker) -> bool {
        match taker {
            Taker::Staff(role) => self.roles.contains(&role),
            Taker::Applicant => self.applicant,
        }
    }
}

/// 送达方式 — how the applicant receives the result.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum DeliveryMethod {
    /// 电子送达 — in the applicant's account (and the e-licence library).
    #[default]
    Electronic,
    /// 窗口领取 — picked up at a named hall.
    Window,
    /// 邮寄 — sent by post.
    Mail,
}

stored_name!(DeliveryMethod);

/// 核查 — the post-verification of a case concluded on the applicant's pledge.
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
pub enum Verification {
    /// 待核查
    Open,
    /// 核查通过
    Confirmed,
    /// 核查不符，已撤销
    Revoked,
}

stored_name!(Verification);

/// Where a case stands: its status and everything the next action depends on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseState {
    /// The status.
    pub status: CaseStatus,
    /// The workflow step a case in progress waits at (0 otherwise).
    pub step: u32,
    /// Supplement notices sent so far.
    pub supplement_rounds: u32,
    /// Whether the applicant chose the pledge route (告知承诺).
    pub pledged: bool,
    /// How the result is delivered.
    pub delivery: DeliveryMethod,
    /// Whether the result has left: handed over, dispatched, or (electronic) issued.
    pub delivered: bool,
    /// The post-verification of a pledged case, once it concluded.
    pub verification: Option<Verification>,
    /// Why the clock of a case in progress is stopped, while it is.
    pub paused: Option<PauseKind>,
    /// Whether its limit was extended (once at most).
    pub extended: bool,
}

impl CaseState {
    /// A case as submitted; `waiting` when it belongs to a later stage of its application.
    pub fn submitted(pledged: bool, delivery: DeliveryMethod, waiting: bool) -> Self {
        Self {
            status: if waiting { CaseStatus::Waiting } else { CaseStatus::Submitted },
            step: 0,
            supplement_rounds: 0,
            pledged,
            delivery,
            delivered: false,
            verification: None,
            paused: None,
            extended: false,
        }
    }

    /// The earlier stage of the application concluded approved: the case goes to the front desk.
    pub fn opened(&self) -> Option<Self> {
        (self.status == CaseStatus::Waiting).then(|| Self { status: CaseStatus::Submitted, ..self.clone() })
    }

    /// The earlier stage did not conclude approved: the case cannot go on.
    pub fn discontinued(&self) -> Option<Self> {
        (self.status == CaseStatus::Waiting).then(|| Self { status: CaseStatus::Discontinued, ..self.clone() })
    }

    fn concluded(&self, status: CaseStatus) -> Self {
        Self {
            status,
            step: 0,
            paused: None,
            delivered: status == CaseStatus::Approved && self.delivery == DeliveryMethod::Electronic,
            verification: (status == CaseStatus::Approved && self.pledged).then_some(Verification::Open),
            ..self.clone()
        }
    }

    fn at_step(&self, step: usize, workflow: &Workflow) -> Self {
        match workflow.steps.get(step) {
            Some(s) => Self { status: s.kind.status(), step: step as u32, ..self.clone() },
            None => self.concluded(CaseStatus::Approved),
        }
    }
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The caller's roles never take this action (403).
    #[error("{action:?} is not taken by this role")]
    NotYourRole {
        /// What was asked.
        action: CaseAction,
    },
    /// The action cannot be taken in the case's present state (409).
    #[error("{action:?} cannot be taken while the case is {status:?}")]
    NotNow {
        /// What was asked.
        action: CaseAction,
        /// Where the case stands.
        status: CaseStatus,
        /// What the caller may do now instead.
        allowed: Vec<CaseAction>,
    },
}

/// What an accepted action does to the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state after it.
    pub to: CaseState,
    /// Whether it concluded the case (办结 or 不予受理).
    pub concluded: bool,
}

/// The state machine: what `action` by `actor` does to a case of `workflow` in `state`. Checks
/// role and state only; the server has already checked that the actor may see the case, and
/// [`ActionRequest::check`] what the action needs.
pub fn decide(
    workflow: &Workflow,
    state: &CaseState,
    actor: &Actor,
    action: CaseAction,
) -> Result<Transition, Refusal> {
    decide_request(workflow, state, actor, &ActionRequest::new(action))
}

/// [`decide`] for a request: a pause takes its kind from it ([`ActionRequest::check`] refuses a
/// pause that names none).
pub fn decide_request(
    workflow: &Workflow,
    state: &CaseState,
    actor: &Actor,
    req: &ActionRequest,
) -> Result<Transition, Refusal> {
    let action = req.action;
    if !actor.may(action.taken_by()) {
        return Err(Refusal::NotYourRole { action });
    }
    let to = next(workflow, state, action, req.pause).ok_or_else(|| Refusal::NotNow {
        action,
        status: state.status,
        allowed: allowed_actions(workflow, state, actor),
    })?;
    let concluded = !is_concluded(state.status) && is_concluded(to.status);
    Ok(Transition { to, concluded })
}

/// The actions `actor` may take on the case now, in a stable order.
pub fn allowed_actions(workflow: &Workflow, state: &CaseState, actor: &Actor) -> Vec<CaseAction> {
    use strum::VariantArray as _;
    CaseAction::VARIANTS
        .iter()
        .copied()
        .filter(|a| actor.may(a.taken_by()) && next(workflow, state, *a, None).is_some())
        .collect()
}

/// Whether a status is final for the workflow (the result may still be delivered or verified).
pub fn is_concluded(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Approved
            | CaseStatus::Denied
            | CaseStatus::NotAccepted
            | CaseStatus::Withdrawn
            | CaseStatus::Discontinued
    )
}

/// The table of the machine: the state after `action` (a pause of kind `pause`), or `None`
/// where it does not apply.
fn next(workflow: &Workflow, state: &CaseState, action: CaseAction, pause: Option<PauseKind>) -> Option<CaseState> {
    use CaseAction as A;
    use CaseStatus as S;
    let at_step = workflow.steps.get(state.step as usize).map(|s| s.kind);
    let in_progress = matches!(state.status, S::Undertaking | S::Reviewing | S::Approving);
    let running = in_progress && state.paused.is_none();
    let with = |status| Some(CaseState { status, ..state.clone() });
    match (state.status, action) {
        (S::Submitted, A::Accept) if workflow.is_instant() || state.pledged => Some(state.concluded(S::Approved)),
        (S::Submitted, A::Accept) => Some(state.at_step(0, workflow)),
        (S::Submitted, A::NotAccept) => Some(state.concluded(S::NotAccepted)),
        (S::Submitted, A::RequestSupplement) => Some(CaseState {
            status: S::AwaitingSupplement,
            supplement_rounds: state.supplement_rounds + 1,
            ..state.clone()
        }),
        (S::AwaitingSupplement, A::Supplement) => with(S::Submitted),
        (_, A::Supplement) if in_progress && state.paused == Some(PauseKind::Supplement) => {
            Some(CaseState { paused: None, ..state.clone() })
        }
        (_, A::Pause) if running => Some(CaseState {
            paused: pause,
            supplement_rounds: state.supplement_rounds + u32::from(pause == Some(PauseKind::Supplement)),
            ..state.clone()
        }),
        (_, A::Resume) if in_progress && state.paused.is_some_and(|p| p != PauseKind::Supplement) => {
            Some(CaseState { paused: None, ..state.clone() })
        }
        (_, A::Extend) if in_progress && !state.extended => Some(CaseState { extended: true, ..state.clone() }),
        (_, A::Undertake | A::Review | A::Approve) if running && at_step.map(StepKind::action) == Some(action) => {
            Some(state.at_step(state.step as usize + 1, workflow))
        }
        (S::Approving, A::Deny) if running && at_step == Some(StepKind::Approve) => Some(state.concluded(S::Denied)),
        (
            S::Waiting | S::Submitted | S::AwaitingSupplement | S::Undertaking | S::Reviewing | S::Approving,
            A::Withdraw,
        ) => Some(state.concluded(S::Withdrawn)),
        (S::Approved, A::HandOver) if state.delivery == DeliveryMethod::Window && !state.delivered => {
            Some(CaseState { delivered: true, ..state.clone() })
        }
        (S::Approved, A::Dispatch) if state.delivery == DeliveryMethod::Mail && !state.delivered => {
            Some(CaseState { delivered: true, ..state.clone() })
        }
        (S::Approved, A::ConfirmPledge) if state.verification == Some(Verification::Open) => {
            Some(CaseState { verification: Some(Verification::Confirmed), ..state.clone() })
        }
        (S::Approved, A::RevokeResult) if state.verification == Some(Verification::Open) => {
            Some(CaseState { verification: Some(Verification::Revoked), ..state.clone() })
        }
        _ => None,
    }
}

/// One material a supplement notice asks for, and what is wrong with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialDemand {
    /// The material's code in the item's published version.
    pub key: String,
    /// 补正原因 — missing, unreadable, expired…
    pub reason: String,
}

/// A file sent in answer to a supplement notice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplementFile {
    /// The material the notice asked for.
    pub key: String,
    /// The upload (`POST /api/v1/uploads`).
    pub upload_id: String,
}

/// The person a window result is handed to: checked against the applicant, their enterprise's
/// legal representative and agents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recipient {
    /// 领取人身份证号码
    pub id_number: String,
    /// 领取人姓名
    pub name: String,
}

/// `POST /api/v1/cases/{case_no}/actions`. Send an `Idempotency-Key` header so that a retried
/// action is taken once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionRequest {
    /// What to do.
    pub action: CaseAction,
    /// Why: needed to refuse, deny, revoke, and for a second supplement notice.
    #[serde(default)]
    pub reason: Option<String>,
    /// 办理意见 — needed to undertake, review and approve.
    #[serde(default)]
    pub comment: Option<String>,
    /// For `request_supplement`: every material missing or defective, each with its reason.
    #[serde(default)]
    pub materials: Vec<MaterialDemand>,
    /// For `supplement`: one file per material asked for.
    #[serde(default)]
    pub files: Vec<SupplementFile>,
    /// For `hand_over`: who receives the result.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// For `dispatch`: the mail's tracking number.
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// For `pause`: why the clock stops (with the materials to supplement, for `supplement`).
    #[serde(default)]
    pub pause: Option<PauseKind>,
    /// For `extend`: the working days added, 1 to [`MAX_EXTENSION_WORKING_DAYS`].
    #[serde(default, deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub extension_days: Option<u32>,
}

impl ActionRequest {
    /// A request for `action` with nothing else.
    pub fn new(action: CaseAction) -> Self {
        Self {
            action,
            reason: None,
            comment: None,
            materials: Vec::new(),
            files: Vec::new(),
            recipient: None,
            tracking_no: None,
            pause: None,
            extension_days: None,
        }
    }

    /// What the request lacks for its action in `state`, one error per field (empty when
    /// complete). Which materials may be demanded is the server's check against the item.
    pub fn check(&self, state: &CaseState) -> Vec<FieldError> {
        use CaseAction as A;
        let mut errors = Vec::new();
        let needs_reason = match self.action {
            A::NotAccept | A::Deny | A::RevokeResult | A::Pause | A::Extend => true,
            A::RequestSupplement => state.supplement_rounds > 0,
            _ => false,
        };
        check_text(&mut errors, "reason", self.reason.as_deref(), needs_reason);
        let needs_comment = matches!(self.action, A::Undertake | A::Review | A::Approve);
        check_text(&mut errors, "comment", self.comment.as_deref(), needs_comment);
        let needs_tracking = self.action == A::Dispatch;
        check_text(&mut errors, "tracking_no", self.tracking_no.as_deref(), needs_tracking);
        match self.action {
            A::RequestSupplement => self.check_demands(&mut errors),
            A::Pause => match self.pause {
                None => errors.push(FieldError::new("pause", FieldCode::Required)),
                Some(PauseKind::Supplement) => self.check_demands(&mut errors),
                Some(_) => {}
            },
            A::Extend => match self.extension_days {
                None => errors.push(FieldError::new("extension_days", FieldCode::Required)),
                Some(n) if n == 0 || n > MAX_EXTENSION_WORKING_DAYS => {
                    errors.push(FieldError::with_message(
                        "extension_days",
                        FieldCode::OutOfRange,
                        Bilingual::new(
                            format!("延期为 1 至 {MAX_EXTENSION_WORKING_DAYS} 个工作日"),
                            format!("An extension is 1 to {MAX_EXTENSION_WORKING_DAYS} working days"),
                        ),
                    ));
                }
                Some(_) => {}
            },
            A::Supplement if self.files.is_empty() => {
                errors.push(FieldError::new("files", FieldCode::MaterialMissing));
            }
            A::HandOver => match &self.recipient {
                None => errors.push(FieldError::new("recipient", FieldCode::Required)),
                Some(r) => {
                    if let Err(e) = crate::ResidentId::parse(&r.id_number) {
                        errors.push(FieldError::with_message("recipient.id_number", e.code(), e.message()));
                    }
                    if let Err(e) = crate::account::check_name("recipient.name", &r.name) {
                        errors.push(e);
                    }
                }
            },
            _ => {}
        }
        errors
    }

    fn check_demands(&self, errors: &mut Vec<FieldError>) {
        if self.materials.is_empty() {
            errors.push(FieldError::new("materials", FieldCode::Required));
        }
        if self.materials.len() > MAX_DEMANDS {
            errors.push(FieldError::new("materials", FieldCode::TooManyItems));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, d) in self.materials.iter().enumerate() {
            if !seen.insert(d.key.as_str()) {
                errors.push(FieldError::new(format!("materials[{i}].key"), FieldCode::DuplicateItem));
            }
            check_text(errors, &format!("materials[{i}].reason"), Some(&d.reason), true);
        }
    }
}

/// A whole number however JSON writes it (`5` or `5.0`: both are the integer 5 to JSON Schema);
/// a fraction or a number past `u32` is refused.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else { return Ok(None) };
    let whole = n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64));
    whole
        .and_then(|w| u32::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number of working days")))
}

/// A reason, comment or tracking number: at least [`MIN_REASON_CHARS`] characters where
/// required, at most [`MAX_REASON_CHARS`], no control characters but line breaks.
pub(crate) fn check_text(errors: &mut Vec<FieldError>, field: &str, text: Option<&str>, required: bool) {
    let text = text.map(str::trim).unwrap_or_default();
    let chars = text.chars().count();
    if required && chars < MIN_REASON_CHARS {
        errors.push(FieldError::new(field, FieldCode::ReasonRequired));
    } else if chars > MAX_REASON_CHARS {
        errors.push(FieldError::new(field, FieldCode::TooLong));
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(field, FieldCode::ControlCharacter));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseAction as A;
    use CaseStatus as S;

    fn staff(role: Role) -> Actor {
        Actor::staff(vec![role])
    }

    fn step(kind: StepKind) -> WorkflowStep {
        WorkflowStep { kind, working_days: 1 }
    }

    fn take(w: &Workflow, s: &CaseState, actor: &Actor, action: CaseAction) -> CaseState {
        decide(w, s, actor, action).unwrap_or_else(|e| panic!("{action:?} at {:?}: {e}", s.status)).to
    }

    #[test]
    fn an_extension_is_a_whole_number_however_json_writes_it() {
        let read = |days: &str| {
            serde_json::from_str::<ActionRequest>(&format!(r#"{{"action":"extend","extension_days":{days}}}"#))
        };
        assert_eq!(read("5").map(|r| r.extension_days).ok(), Some(Some(5)));
        assert_eq!(read("5.0").map(|r| r.extension_days).ok(), Some(Some(5)));
        assert_eq!(read("null").map(|r| r.extension_days).ok(), Some(None));
        for bad in ["5.5", "-1", "1e30", "\"5\""] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_standard_case_goes_through_the_five_stages() {
        let w = Workflow::standard(10);
        let mut s = CaseState::submitted(false, DeliveryMethod::Window, false);
        s = take(&w, &s, &staff(Role::WindowClerk), A::Accept);
        assert_eq!(s.status, S::Undertaking);
        s = take(&w, &s, &staff(Role::Undertaker), A::Undertake);
        assert_eq!(s.status, S::Reviewing);
        s = take(&w, &s, &staff(Role::Reviewer), A::Review);
        assert_eq!(s.status, S::Approving);
        let t = decide(&w, &s, &staff(Role::Approver), A::Approve).expect("approves");
        assert!(t.concluded);
        assert_eq!((t.to.status, t.to.delivered, t.to.verification), (S::Approved, false, None));
        let handed = take(&w, &t.to, &staff(Role::WindowClerk), A::HandOver);
        assert!(handed.delivered);
        assert!(allowed_actions(&w, &handed, &staff(Role::WindowClerk)).is_empty(), "handed over once");
    }

    #[test]
    fn the_standard_budget_fits_the_promised_limit() {
        let days = |w: Workflow| w.steps().iter().map(|s| s.working_days).collect::<Vec<_>>();
        assert_eq!(days(Workflow::standard(10)), [8, 1, 1]);
        assert_eq!(days(Workflow::standard(2)), [1, 1, 0]);
        assert_eq!(days(Workflow::standard(1)), [1, 0, 0]);
        for limit in 1..30 {
            assert_eq!(Workflow::standard(limit).check(false, limit), Ok(()));
        }
        assert_eq!(Workflow::standard(5).check(false, 4), Err(WorkflowError::OverBudget));
        assert_eq!(Workflow::standard(5).check(true, 5), Err(WorkflowError::InstantMismatch));
        assert_eq!(Workflow::instant().check(false, 5), Err(WorkflowError::InstantMismatch));
    }

    #[test]
    fn a_workflow_that_cannot_conclude_is_refused_when_read() {
        let read = |json: &str| serde_json::from_str::<Workflow>(json).map_err(|e| e.to_string());
        let err = read(r#"{"steps":[{"kind":"approve","working_days":1},{"kind":"review","working_days":1}]}"#);
        assert!(err.expect_err("ends in review").contains("last step"));
        let six = r#"{"kind":"approve","working_days":0}"#;
        let seven = format!(r#"{{"steps":[{}]}}"#, [six; 7].join(","));
        assert!(read(&seven).expect_err("seven steps").contains("at most"));
        let w = read(r#"{"steps":[{"kind":"undertake","working_days":2},{"kind":"approve","working_days":1}]}"#);
        assert_eq!(w.map(|w| w.steps().len()), Ok(2));
        let round = serde_json::to_string(&Workflow::standard(3)).expect("serializes");
        assert_eq!(read(&round), Ok(Workflow::standard(3)));
    }

    #[test]
    fn two_approvals_are_two_steps_and_review_may_be_left_out() {
        let w = Workflow::new(vec![step(StepKind::Undertake), step(StepKind::Approve), step(StepKind::Approve)])
            .expect("valid");
        let approver = staff(Role::Approver);
        let mut s = take(
            &w,
            &CaseState::submitted(false, DeliveryMethod::Electronic, false),
            &staff(Role::WindowClerk),
            A::Accept,
        );
        s = take(&w, &s, &staff(Role::Undertaker), A::Undertake);
        assert_eq!((s.status, s.step), (S::Approving, 1));
        let no_review = decide(&w, &s, &staff(Role::Reviewer), A::Review);
        assert_eq!(no_review, Err(Refusal::NotNow { action: A::Review, status: S::Approving, allowed: vec![] }));
        s = take(&w, &s, &approver, A::Approve);
        assert_eq!((s.status, s.step), (S::Approving, 2), "the second approval is still to come");
        s = take(&w, &s, &approver, A::Approve);
        assert_eq!((s.status, s.delivered), (S::Approved, true), "an electronic result is delivered at once");
    }

    #[test]
    fn instant_and_pledged_cases_conclude_at_acceptance() {
        let clerk = staff(Role::WindowClerk);
        let instant =
            take(&Workflow::instant(), &CaseState::submitted(false, DeliveryMethod::Window, false), &clerk, A::Accept);
        assert_eq!((instant.status, instant.verification), (S::Approved, None));
        let w = Workflow::standard(5);
        let pledged = take(&w, &CaseState::submitted(true, DeliveryMethod::Electronic, false), &clerk, A::Accept);
        assert_eq!((pledged.status, pledged.verification), (S::Approved, Some(Verification::Open)));
        let undertaker = staff(Role::Undertaker);
        assert_eq!(allowed_actions(&w, &pledged, &undertaker), [A::ConfirmPledge, A::RevokeResult]);
        let revoked = take(&w, &pledged, &undertaker, A::RevokeResult);
        assert_eq!((revoked.status, revoked.verification), (S::Approved, Some(Verification::Revoked)));
        assert!(allowed_actions(&w, &revoked, &undertaker).is_empty());
    }

    #[test]
    fn a_refusal_names_the_state_and_what_is_allowed() {
        let w = Workflow::standard(5);
        let s = CaseState::submitted(false, DeliveryMethod::Window, false);
        assert_eq!(
            decide(&w, &s, &staff(Role::Undertaker), A::Accept),
            Err(Refusal::NotYourRole { action: A::Accept })
        );
        let accepted = take(&w, &s, &staff(Role::WindowClerk), A::Accept);
        let again = decide(&w, &accepted, &staff(Role::WindowClerk), A::Accept);
        assert_eq!(again, Err(Refusal::NotNow { action: A::Accept, status: S::Undertaking, allowed: vec![] }));
        let applicant = decide(&w, &accepted, &Actor::applicant(), A::Supplement);
        assert_eq!(
            applicant,
            Err(Refusal::NotNow { action: A::Supplement, status: S::Undertaking, allowed: vec![A::Withdraw] })
        );
    }

    #[test]
    fn supplement_rounds_are_counted_and_a_second_needs_a_reason() {
        let w = Workflow::standard(5);
        let clerk = staff(Role::WindowClerk);
        let mut s = CaseState::submitted(false, DeliveryMethod::Window, false);
        let mut ask = ActionRequest::new(A::RequestSupplement);
        ask.materials = vec![MaterialDemand { key: "M1".into(), reason: "复印件不清晰".into() }];
        assert_eq!(ask.check(&s), vec![]);
        s = take(&w, &s, &clerk, A::RequestSupplement);
        assert_eq!((s.status, s.supplement_rounds), (S::AwaitingSupplement, 1));
        s = take(&w, &s, &Actor::applicant(), A::Supplement);
        assert_eq!(s.status, S::Submitted);
        let codes =
            |r: &ActionRequest, s: &CaseState| r.check(s).into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>();
        assert_eq!(codes(&ask, &s), [("reason".to_owned(), FieldCode::ReasonRequired)]);
        ask.reason = Some("营业执照复印件仍不清晰".into());
        assert_eq!(codes(&ask, &s), []);
        ask.materials.push(MaterialDemand { key: "M1".into(), reason: "重复".into() });
        ask.materials.push(MaterialDemand { key: "M2".into(), reason: String::new() });
        assert_eq!(
            codes(&ask, &s),
            [
                ("materials[1].key".to_owned(), FieldCode::DuplicateItem),
                ("materials[2].reason".to_owned(), FieldCode::ReasonRequired)
            ]
        );
    }

    #[test]
    fn what_each_action_needs_is_checked() {
        let s = CaseState::submitted(false, DeliveryMethod::Window, false);
        let fields = |r: ActionRequest| r.check(&s).into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(ActionRequest::new(A::NotAccept)), ["reason"]);
        assert_eq!(fields(ActionRequest::new(A::Deny)), ["reason"]);
        assert_eq!(fields(ActionRequest::new(A::Undertake)), ["comment"]);
        assert_eq!(fields(ActionRequest::new(A::Accept)), Vec::<String>::new());
        assert_eq!(fields(ActionRequest::new(A::Dispatch)), ["tracking_no"]);
        assert_eq!(fields(ActionRequest::new(A::Supplement)), ["files"]);
        assert_eq!(fields(ActionRequest::new(A::HandOver)), ["recipient"]);
        let mut hand = ActionRequest::new(A::HandOver);
        hand.recipient = Some(Recipient { id_number: "441900196805221311".into(), name: "张三".into() });
        assert_eq!(fields(hand), ["recipient.id_number"]);
        let mut long = ActionRequest::new(A::Accept);
        long.comment = Some("很".repeat(MAX_REASON_CHARS + 1));
        assert_eq!(long.check(&s)[0].code, FieldCode::TooLong);
        let mut control = ActionRequest::new(A::NotAccept);
        control.reason = Some("材料\u{7}不全".into());
        assert_eq!(control.check(&s)[0].code, FieldCode::ControlCharacter);
    }

    #[test]
    fn a_waiting_case_opens_or_stops_with_its_earlier_stage() {
        let s = CaseState::submitted(false, DeliveryMethod::Electronic, true);
        assert_eq!(s.status, S::Waiting);
        assert!(allowed_actions(&Workflow::instant(), &s, &staff(Role::WindowClerk)).is_empty());
        assert_eq!(s.opened().map(|o| o.status), Some(S::Submitted));
        assert_eq!(s.discontinued().map(|o| o.status), Some(S::Discontinued));
        assert_eq!(s.opened().and_then(|o| o.opened()), None, "only a waiting case opens");
    }
}

/// Property tests: random workflows, random people pressing random buttons.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;
    use strum::VariantArray as _;

    use super::*;

    fn workflows() -> impl Strategy<Value = Workflow> {
        let kinds = prop::sample::select(StepKind::VARIANTS.to_vec());
        prop::collection::vec((kinds, 0u32..4), 0..MAX_STEPS).prop_map(|mut raw| {
            if let Some(last) = raw.last_mut() {
                last.0 = StepKind::Approve;
            }
            let steps = raw.into_iter().map(|(kind, working_days)| WorkflowStep { kind, working_days }).collect();
            Workflow::new(steps).expect("ends in an approval")
        })
    }

    fn actors() -> impl Strategy<Value = Actor> {
        prop_oneof![
            Just(Actor::applicant()),
            prop::collection::vec(prop::sample::select(Role::VARIANTS.to_vec()), 1..3).prop_map(Actor::staff),
        ]
    }

    fn starts() -> impl Strategy<Value = CaseState> {
        (any::<bool>(), prop::sample::select(DeliveryMethod::VARIANTS.to_vec()), any::<bool>())
            .prop_map(|(pledged, delivery, waiting)| CaseState::submitted(pledged, delivery, waiting))
    }

    fn in_progress(s: CaseStatus) -> bool {
        matches!(s, CaseStatus::Undertaking | CaseStatus::Reviewing | CaseStatus::Approving)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn no_sequence_of_actions_reaches_an_undefined_state(
            workflow in workflows(),
            start in starts(),
            presses in prop::collection::vec((actors(), prop::sample::select(CaseAction::VARIANTS.to_vec()), any::<u8>()), 0..40),
        ) {
            let mut state = start;
            let mut accepted = false;
            for (actor, action, system) in presses {
                // Now and then the application's earlier stage concludes.
                if system % 16 == 0 {
                    state = if system % 32 == 0 { state.opened() } else { state.discontinued() }.unwrap_or(state);
                }
                let allowed = allowed_actions(&workflow, &state, &actor);
                let before = state.clone();
                match decide(&workflow, &state, &actor, action) {
                    Ok(t) => {
                        prop_assert!(allowed.contains(&action), "{action:?} taken but not offered");
                        prop_assert!(!is_concluded(before.status) || !action.is_transition(), "a concluded case moved");
                        prop_assert!(!is_concluded(before.status) || t.to.status == before.status);
                        accepted |= action == CaseAction::Accept;
                        state = t.to;
                    }
                    Err(Refusal::NotYourRole { .. }) => prop_assert!(!allowed.contains(&action)),
                    Err(Refusal::NotNow { allowed: offered, status, .. }) => {
                        prop_assert_eq!(status, state.status);
                        prop_assert_eq!(offered, allowed.clone());
                        prop_assert!(!allowed.contains(&action));
                    }
                }
                // The state is always one the workflow defines.
                if in_progress(state.status) {
                    let step = workflow.steps().get(state.step as usize);
                    prop_assert_eq!(step.map(|s| s.kind.status()), Some(state.status));
                }
                if matches!(state.status, CaseStatus::Approved | CaseStatus::Denied) || in_progress(state.status) {
                    prop_assert!(accepted, "reached {:?} without acceptance", state.status);
                }
                prop_assert!(!state.delivered || state.status == CaseStatus::Approved);
                prop_assert!(state.verification.is_none() || (state.pledged && state.status == CaseStatus::Approved));
                if matches!(state.status, CaseStatus::Withdrawn | CaseStatus::Denied | CaseStatus::NotAccepted | CaseStatus::Discontinued) {
                    let everyone = Actor { roles: Role::VARIANTS.to_vec(), applicant: true };
                    prop_assert!(allowed_actions(&workflow, &state, &everyone).is_empty());
                    prop_assert!(allowed_actions(&workflow, &state, &Actor::applicant()).is_empty());
                }
            }
        }
    }
}
