//! 后台审批 — the services behind the staff console: inboxes, the case page, and the actions
//! that move a case through its item's workflow ([`shared::workflow`]), each written with its
//! timeline step, its notice, its outbox message and its audit event in one transaction.
//!
//! Who sees a case: the front desk (window clerks) and supervisors see every case; undertakers,
//! reviewers and approvers their own department's; the applicant (or the enterprise's legal
//! representative and agents, or a clerk serving the applicant at a window) their own. Anyone
//! else is told there is no such case.

pub mod error;
mod notices;
mod results;

use crate::store::notify::{CaseEventPayload, Outbound};
use shared::account::Role;
use shared::calendar::{Extension, PauseKind};
use shared::case::{
    AuditVerification, CASE_PAGE_SIZE, CaseDetail, CaseFile, CaseMaterial, CasePage, CaseQuery, CaseSummary,
    DemandedMaterial, FormAnswer, ListedMaterial, NoticeKind, NoticeSummary, Queue, QueueCount, SupervisionKind,
    TimelineEntry,
};
use shared::catalogue::{Department, ServiceItem};
use shared::ids::CaseNo;
use shared::workflow::{
    ActionRequest, Actor, CaseAction, CaseState, MaterialDemand, Refusal, Taker, Transition, Workflow, allowed_actions,
    decide_request,
};
use shared::{Bilingual, FieldCode, FieldError, ResidentId};

use crate::auth::service::Session;
use crate::clock::Clock;
use crate::pii::PiiKeys;
use crate::store::Store;
use crate::store::cases::{CaseChange, CaseFilter, CaseRecord, NewCaseEvent};
use crate::store::identity::AuditEvent;
use crate::store::submissions::Idempotency;

pub use error::CaseError;

/// 办件服务 — inboxes, case pages and actions, on the parts of the server they need.
#[derive(Clone, Copy)]
pub struct CaseService<'a> {
    /// The database.
    pub store: &'a Store,
    /// The current time.
    pub clock: &'a Clock,
    /// The keys that protect identity numbers and answers.
    pub pii: &'a PiiKeys,
    /// Where stored files live.
    pub config: &'a crate::config::Config,
    /// Deadlines and cards.
    pub deadlines: crate::deadlines::DeadlineService<'a>,
}

/// Which departments' cases a staff member's lists show.
enum Scope {
    /// Every department's: the front desk and supervisors.
    All,
    /// One department's.
    Department(String),
}

/// A case the caller may see, with what deciding on it needs.
struct Seen {
    case: CaseRecord,
    actor: Actor,
    item: std::sync::Arc<ServiceItem>,
    workflow: Workflow,
    state: CaseState,
}

/// What an action answered: a new answer, or the stored one of a retried key.
pub enum Acted {
    /// 200 with this body.
    Done(String),
    /// The first answer, byte for byte.
    Replayed(u16, String),
}

/// An action's `Idempotency-Key`, with the hash of its body.
pub struct ActionKey {
    /// The key.
    pub key: String,
    /// SHA-256 of the body (hex).
    pub body_sha256: String,
}

/// What an action writes besides the case's state, decided before its transaction begins.
struct Effects {
    notices: Vec<shared::case::Notice>,
    files: Vec<(String, String, String)>,
    supervision: Option<(SupervisionKind, String)>,
    license: Option<results::LicensePlan>,
    /// What the timeline and the trail record beyond the request's reason or comment.
    remark: Option<String>,
}

const DEPARTMENT_ROLES: [Role; 3] = [Role::Undertaker, Role::Reviewer, Role::Approver];

impl CaseService<'_> {
    fn scope(s: &Session) -> Result<Scope, CaseError> {
        let staff = s.staff.as_ref().ok_or(CaseError::Forbidden)?;
        if staff.roles.iter().any(|r| matches!(r, Role::WindowClerk | Role::Supervisor)) {
            Ok(Scope::All)
        } else if staff.roles.iter().any(|r| DEPARTMENT_ROLES.contains(r)) {
            Ok(Scope::Department(staff.department_code.clone()))
        } else {
            Err(CaseError::Forbidden)
        }
    }

    /// How the caller stands to a case: `None` if they may not see it.
    async fn actor_for(&self, s: &Session, case: &CaseRecord) -> Result<Option<Actor>, CaseError> {
        let mut roles = Vec::new();
        let mut sees = false;
        if let Some(staff) = &s.staff {
            for role in &staff.roles {
                match role {
                    Role::WindowClerk => {
                        roles.push(*role);
                        sees = true;
                    }
                    Role::Supervisor => sees = true,
                    r if DEPARTMENT_ROLES.contains(r) && staff.department_code == case.department_code => {
                        roles.push(*r);
                        sees = true;
                    }
                    _ => {}
                }
            }
        }
        let applicant = self.is_applicant(s, case).await?;
        Ok((sees || applicant).then_some(Actor { roles, applicant }))
    }

    /// Whether the caller is the case's applicant, one of its enterprise's people, or a clerk
    /// serving the applicant at a window.
    async fn is_applicant(&self, s: &Session, case: &CaseRecord) -> Result<bool, CaseError> {
        if s.staff.is_some() {
            return Ok(s.row.on_behalf_of.as_deref() == Some(case.applicant_person_id.as_str()));
        }
        if s.row.person_id == case.applicant_person_id {
            return Ok(true);
        }
        let Some(uscc) = &case.applicant_uscc else { return Ok(false) };
        Ok(self.store.enterprise_links(&s.row.person_id).await?.iter().any(|l| &l.uscc == uscc))
    }

    async fn open(&self, s: &Session, case_no: &CaseNo) -> Result<Seen, CaseError> {
        let case = self.store.case_record(case_no.as_str()).await?.ok_or(CaseError::NotFound)?;
        let actor = self.actor_for(s, &case).await?.ok_or(CaseError::NotFound)?;
        let item = self.store.item_of_case(&case).await?;

        let workflow = item.workflow();
        let state = case.state()?;
        Ok(Seen { case, actor, item, workflow, state })
    }

    /// The queues of the caller's roles with how many cases wait in each.
    pub async fn queues(&self, s: &Session) -> Result<Vec<QueueCount>, CaseError> {
        let department = match Self::scope(s)? {
            Scope::All => None,
            Scope::Department(d) => Some(d),
        };
        let mut counts = Vec::new();
        for queue in Queue::for_roles(&s.roles()) {
            // A clerk's own department does not limit the front desk; department queues do.
            let within = match queue {
                Queue::FrontDesk | Queue::Delivery | Queue::All => department.as_deref(),
                _ => s.staff.as_ref().map(|st| st.department_code.as_str()),
            };
            counts.push(QueueCount { queue, count: self.store.queue_count(queue, within).await? });
        }
        Ok(counts)
    }

    /// One page of the caller's cases.
    pub async fn list(&self, s: &Session, q: CaseQuery) -> Result<CasePage, CaseError> {
        let page = q.page.unwrap_or(1).max(1);
        let page_size = CASE_PAGE_SIZE;
        let queue = q.queue.unwrap_or(Queue::All);
        let department = match Self::scope(s)? {
            Scope::Department(own) => Some(own),
            Scope::All
                if matches!(queue, Queue::Undertaking | Queue::Reviewing | Queue::Approving | Queue::Verification)
                    && !s.roles().contains(&Role::Supervisor) =>
            {
                s.staff.as_ref().map(|st| st.department_code.clone())
            }
            Scope::All => q.department.clone(),
        };
        if let (Some(asked), Some(own)) = (&q.department, &department)
            && asked != own
        {
            return Ok(CasePage { cases: Vec::new(), total: 0, page, page_size });
        }
        let filter = CaseFilter {
            queue: Some(queue),
            department,
            status: q.status,
            item: q.item.clone(),
            hall: q.hall.clone(),
            // Older than a century is older than any case; the cap keeps the date representable.
            submitted_before: q
                .older_than_days
                .map(|d| self.clock.now() - chrono::Duration::days(i64::from(d.min(36_500)))),
            order: q.order.unwrap_or_default(),
            offset: i64::from(page - 1) * i64::from(page_size),
            limit: i64::from(page_size),
        };
        let (rows, total) = self.store.list_cases(&filter).await?;
        Ok(CasePage { cases: rows.iter().map(summary).collect::<Result<_, _>>()?, total, page, page_size })
    }

    /// 办件详情 — the case page.
    pub async fn detail(&self, s: &Session, case_no: &CaseNo) -> Result<CaseDetail, CaseError> {
        let seen = self.open(s, case_no).await?;
        let case = &seen.case;
        let notices = self.store.notices_of(&case.case_no).await?;
        let awaiting = seen.state.status == shared::application::CaseStatus::AwaitingSupplement
            || seen.state.paused == Some(PauseKind::Supplement);
        let demanded = match notices.iter().rev().find(|n| n.kind == NoticeKind::Supplement) {
            Some(n) if awaiting => {
                n.materials.iter().map(|m| MaterialDemand { key: m.key.clone(), reason: m.reason.clone() }).collect()
            }
            _ => Vec::new(),
        };
        let timeline = self
            .store
            .case_timeline(&case.case_no)
            .await?
            .into_iter()
            .map(|t| {
                Ok(TimelineEntry {
                    at: t.at,
                    status: t.status,
                    action: t.action.map(CaseAction::try_from).transpose().map_err(decode_error)?,
                    note: Bilingual::new(t.note_zh, t.note_en),
                    role: t.role.map(Role::try_from).transpose().map_err(decode_error)?,
                    remark: t.remark,
                })
            })
            .collect::<Result<Vec<_>, CaseError>>()?;
        let (form, pledge) = self.form_of(&seen).await?;
        let delivery_hall = match &case.delivery_hall {
            Some(code) => self.store.halls().await?.into_iter().find(|h| &h.code == code).map(|h| h.name),
            None => None,
        };
        Ok(CaseDetail {
            summary: summary(case)?,
            allowed_actions: allowed_actions(&seen.workflow, &seen.state, &seen.actor),
            state: seen.state.clone(),
            workflow: seen.workflow.clone(),
            applicant_identifier: self.applicant_identifier(case).await?,
            subject_uscc: case.subject_uscc.clone(),
            form,
            materials: self.materials_of(s, &seen).await?,
            listed_materials: seen
                .item
                .materials
                .iter()
                .map(|m| ListedMaterial { key: m.code.clone(), name: m.name.clone() })
                .collect(),
            pledge,
            demanded,
            channel: case.channel,
            delivery: case.delivery,
            delivery_hall,
            issued_license: case.license_id.clone(),
            notices: notices.iter().map(|n| NoticeSummary { id: n.id.clone(), kind: n.kind, at: n.at }).collect(),
            deadline: self.deadlines.case_deadline(case, &seen.item).await.map_err(deadline_error)?,
            timeline,
            trail: if s.staff.is_some() { self.trail(case).await? } else { Vec::new() },
        })
    }

    /// 全程留痕 — the audit events of the case and its application, for staff.
    async fn trail(&self, case: &CaseRecord) -> Result<Vec<shared::case::TrailEntry>, CaseError> {
        self.store
            .trail_of(&case.case_no, &case.application_no)
            .await?
            .into_iter()
            .map(|r| {
                Ok(shared::case::TrailEntry {
                    at: r.at,
                    action: r.action,
                    actor: r.actor,
                    role: r.role.map(Role::try_from).transpose().map_err(decode_error)?,
                    department: r.department_code,
                    detail: r.detail,
                    files: r.file_hashes.split_whitespace().map(str::to_owned).collect(),
                })
            })
            .collect()
    }

    async fn applicant_identifier(&self, case: &CaseRecord) -> Result<String, CaseError> {
        if let Some(uscc) = &case.applicant_uscc {
            return Ok(uscc.clone());
        }
        let person = self.store.person(&case.applicant_person_id).await?;
        Ok(person.map(|p| p.id_number_masked).unwrap_or_default())
    }

    /// The answers of the form that concern this item, and the pledge if the case took it.
    async fn form_of(&self, seen: &Seen) -> Result<(Vec<FormAnswer>, Option<String>), CaseError> {
        let Some((sealed, pledge)) = self.store.application_answers(&seen.case.application_no).await? else {
            return Ok((Vec::new(), None));
        };
        let answers: shared::application::FormAnswers =
            serde_json::from_str(&self.pii.open_text(&sealed)?).map_err(anyhow::Error::from)?;
        let form = seen
            .item
            .fields
            .iter()
            .filter_map(|f| {
                let value = answers.fields.get(&f.key)?;
                let text = match value {
                    // Identity numbers are shown masked, as everywhere else.
                    serde_json::Value::String(s) if f.field_type == shared::catalogue::FieldType::ResidentId => {
                        shared::identity::mask(s)
                    }
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some(FormAnswer { key: f.key.clone(), label: f.label.clone(), value: text })
            })
            .collect();
        Ok((form, pledge.filter(|_| seen.case.pledged)))
    }

    /// The materials received, reading each licence on the record (用证留痕).
    async fn materials_of(&self, s: &Session, seen: &Seen) -> Result<Vec<CaseMaterial>, CaseError> {
        let rows = self.store.case_materials_of(&seen.case.case_no).await?;
        let names = self.store.license_types().await?;
        let mut access = Vec::new();
        let mut out = Vec::with_capacity(rows.len());
        for m in rows {
            // One form names a material the library supplies by its licence type (it stands for
            // that material in every item), any other by its code in the item.
            let name = seen
                .item
                .materials
                .iter()
                .find(|x| x.code == m.material_key || x.e_license.as_ref().is_some_and(|l| l.key == m.material_key))
                .map(|x| x.name.clone())
                .unwrap_or_else(|| Bilingual::new(m.material_key.clone(), m.material_key.clone()));
            let license = match (&m.license_id, &m.license_type, &m.license_number) {
                (Some(id), Some(kind), Some(number)) => {
                    if let Some(holder) = &m.holder_key {
                        access.push(crate::store::applications::AccessEntry {
                            at: self.clock.now(),
                            license_id: id.clone(),
                            holder_key: holder.clone(),
                            actor_id: s.row.person_id.clone(),
                            acting_uscc: s.row.acting_uscc.clone(),
                            on_behalf_of: s.row.on_behalf_of.clone(),
                            purpose: shared::license::AccessPurpose::Application,
                            application_no: Some(seen.case.application_no.clone()),
                        });
                    }
                    let kind_name = names.get(kind).map(|n| n.zh.clone()).unwrap_or_else(|| kind.clone());
                    Some(format!("{kind_name} {number}"))
                }
                _ => None,
            };
            let file = match (m.upload_id, m.sha256, m.file_name, m.media_type) {
                (Some(upload_id), Some(sha256), Some(file_name), Some(media_type)) => {
                    Some(CaseFile { upload_id, file_name, media_type, sha256 })
                }
                _ => None,
            };
            out.push(CaseMaterial { key: m.material_key, name, source: m.source, file, license });
        }
        if !access.is_empty() {
            self.store.log_license_access(&access).await?;
        }
        Ok(out)
    }

    /// Takes an action on a case: checks who asks and what the workflow allows, then writes
    /// the case, its timeline step, its notices, outbox messages and audit event at once.
    pub async fn act(
        &self,
        s: &Session,
        case_no: &CaseNo,
        req: &ActionRequest,
        key: Option<ActionKey>,
    ) -> Result<Acted, CaseError> {
        let seen = self.open(s, case_no).await?;
        // Keys are the person's, like a submission's; the prefix keeps the two kinds apart.
        let idempotency = key.map(|k| Idempotency {
            scope: s.row.person_id.clone(),
            key: format!("case-action:{}:{}", seen.case.case_no, k.key),
            body_sha256: k.body_sha256,
            response: String::new(),
            application_no: None,
        });
        if let Some(idem) = &idempotency
            && let Some(stored) = self.store.idempotent(&idem.scope, &idem.key).await?
        {
            return replay(&stored, &idem.body_sha256);
        }
        let transition = decide_request(&seen.workflow, &seen.state, &seen.actor, req).map_err(|r| match r {
            Refusal::NotYourRole { action } => CaseError::NotYourRole(action),
            Refusal::NotNow { action, status, allowed } => CaseError::NotNow { action, status, allowed },
        })?;
        let errors = req.check(&seen.state);
        if !errors.is_empty() {
            return Err(CaseError::Invalid(errors));
        }
        let effects = self.prepare(s, &seen, req, &transition).await?;
        let outcome = shared::case::ActionOutcome {
            case_no: seen.case.case_no.clone(),
            state: transition.to.clone(),
            allowed_actions: allowed_actions(&seen.workflow, &transition.to, &seen.actor),
        };
        let body = serde_json::to_string(&outcome).map_err(anyhow::Error::from)?;
        let idempotency = idempotency.map(|i| Idempotency { response: body.clone(), ..i });
        self.write(s, &seen, req, &transition, effects, idempotency.as_ref()).await?;
        self.deadlines.changed();
        Ok(Acted::Done(body))
    }

    /// Checks what the action names against the case, and builds the notices it issues.
    async fn prepare(
        &self,
        s: &Session,
        seen: &Seen,
        req: &ActionRequest,
        t: &Transition,
    ) -> Result<Effects, CaseError> {
        let now = self.clock.now();
        let mut effects =
            Effects { notices: Vec::new(), files: Vec::new(), supervision: None, license: None, remark: None };
        if t.concluded && t.to.status == shared::application::CaseStatus::Approved {
            effects.license = self.plan_license(seen, now).await?;
        }
        let supplement = match (req.action, req.pause) {
            (CaseAction::RequestSupplement, _) => Some(Role::WindowClerk),
            (CaseAction::Pause, Some(PauseKind::Supplement)) => Some(Role::Undertaker),
            _ => None,
        };
        if let Some(role) = supplement {
            let demanded = self.check_demands(s, seen, req, role).await?;
            if seen.state.supplement_rounds > 0 {
                let reason = req.reason.clone().unwrap_or_default();
                effects.supervision = Some((SupervisionKind::RepeatedSupplement, reason));
            }
            effects.notices.push(notices::issue(NoticeKind::Supplement, &seen.case, now, req.reason.clone(), demanded));
        }
        match req.action {
            CaseAction::RequestSupplement | CaseAction::Pause => {}
            CaseAction::Supplement => effects.files = self.check_supplement(s, seen, req).await?,
            CaseAction::HandOver => effects.remark = Some(self.check_recipient(seen, req).await?),
            _ => {}
        }
        Ok(effects)
    }

    /// Every material a supplement notice names must be one the item's published version lists;
    /// a demand for any other is refused, and recorded against the department.
    async fn check_demands(
        &self,
        s: &Session,
        seen: &Seen,
        req: &ActionRequest,
        role: Role,
    ) -> Result<Vec<DemandedMaterial>, CaseError> {
        let mut demanded = Vec::new();
        let mut unlisted = Vec::new();
        for (i, d) in req.materials.iter().enumerate() {
            match seen.item.materials.iter().find(|m| m.code == d.key) {
                Some(m) => demanded.push(DemandedMaterial {
                    key: d.key.clone(),
                    name: m.name.clone(),
                    reason: d.reason.clone(),
                }),
                None => unlisted.push((i, d.key.clone())),
            }
        }
        if unlisted.is_empty() {
            return Ok(demanded);
        }
        let keys: Vec<&str> = unlisted.iter().map(|(_, k)| k.as_str()).collect();
        let detail = format!("demanded unlisted materials: {}", keys.join(", "));
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        self.raise_event_card(&mut uow, SupervisionKind::UnlistedMaterialDemanded, &seen.case, s, &detail, now).await?;
        uow.commit(&AuditEvent {
            actor_id: Some(&s.row.person_id),
            acting_uscc: None,
            on_behalf_of: None,
            action: shared::audit::AuditAction::UnlistedMaterialDemanded,
            subject: &seen.case.case_no,
            detail: &detail,
            role: Some(role),
            department: Some(&seen.case.department_code),
            files: &[],
            at: now,
        })
        .await?;
        Err(CaseError::Invalid(
            unlisted
                .into_iter()
                .map(|(i, _)| FieldError::new(format!("materials[{i}].key"), FieldCode::MaterialNotListed))
                .collect(),
        ))
    }

    /// The applicant answers a supplement notice with files for exactly what it asked.
    async fn check_supplement(
        &self,
        s: &Session,
        seen: &Seen,
        req: &ActionRequest,
    ) -> Result<Vec<(String, String, String)>, CaseError> {
        let notices = self.store.notices_of(&seen.case.case_no).await?;
        let asked: Vec<String> = notices
            .iter()
            .rev()
            .find(|n| n.kind == NoticeKind::Supplement)
            .map(|n| n.materials.iter().map(|m| m.key.clone()).collect())
            .unwrap_or_default();
        let mut errors = Vec::new();
        let mut files = Vec::new();
        for (i, f) in req.files.iter().enumerate() {
            if !asked.contains(&f.key) {
                errors.push(FieldError::new(format!("files[{i}].key"), FieldCode::MaterialNotDemanded));
                continue;
            }
            match self.store.upload(&f.upload_id).await? {
                Some(u) if u.owner_id == s.row.person_id => files.push((f.key.clone(), u.id, u.sha256)),
                _ => errors.push(FieldError::new(format!("files[{i}].upload_id"), FieldCode::UploadNotFound)),
            }
        }
        for key in &asked {
            if !req.files.iter().any(|f| &f.key == key) {
                errors.push(FieldError::with_message(
                    "files",
                    FieldCode::MaterialMissing,
                    Bilingual::new(format!("请提供补正材料：{key}"), format!("Provide the material asked for: {key}")),
                ));
            }
        }
        if errors.is_empty() { Ok(files) } else { Err(CaseError::Invalid(errors)) }
    }

    /// A window result goes only to the applicant, or the enterprise's legal representative
    /// or an agent, whose identity number and name match an account; returns who received it
    /// (name and masked number), for the record.
    async fn check_recipient(&self, seen: &Seen, req: &ActionRequest) -> Result<String, CaseError> {
        let refused = || CaseError::Invalid(vec![FieldError::new("recipient.id_number", FieldCode::NotRecipient)]);
        let Some(r) = &req.recipient else { return Err(refused()) };
        let id = ResidentId::parse(&r.id_number).map_err(|_| refused())?;
        let person = self.store.person_by_hash(&self.pii.lookup_hash(&id)).await?.ok_or_else(refused)?;
        if person.name != r.name.trim() {
            return Err(refused());
        }
        let received = format!("领取人 {} {}", person.name, person.id_number_masked);
        if person.id == seen.case.applicant_person_id {
            return Ok(received);
        }
        for uscc in [&seen.case.applicant_uscc, &seen.case.subject_uscc].into_iter().flatten() {
            let rep = self.store.enterprise(uscc).await?.map(|e| e.legal_rep_id);
            let agents = self.store.agents(uscc).await?;
            if rep.as_deref() == Some(person.id.as_str()) || agents.iter().any(|a| a.person_id == person.id) {
                return Ok(received);
            }
        }
        Err(refused())
    }

    /// Writes an action and everything it causes in one transaction.
    async fn write(
        &self,
        s: &Session,
        seen: &Seen,
        req: &ActionRequest,
        t: &Transition,
        mut effects: Effects,
        idempotency: Option<&Idempotency>,
    ) -> Result<(), CaseError> {
        let now = self.clock.now();
        let case = &seen.case;
        let role = match req.action.taken_by() {
            Taker::Staff(role) => Some(role),
            Taker::Applicant => s.staff.as_ref().map(|_| Role::WindowClerk),
        };
        let accepted = req.action == CaseAction::Accept;
        effects.notices.extend(notices::for_transition(req, case, t, now));
        let remark = effects
            .remark
            .as_deref()
            .or(req.reason.as_deref())
            .or(req.comment.as_deref())
            .or(req.tracking_no.as_deref());
        // The first statement writes, so that SQLite takes its write lock before anything is read.
        // Locks are taken in one order by every change: the case, its application, the audit
        // chain's head (by the first audit event); so two changes never wait on each other.
        let mut uow = self.store.begin().await?;
        let change = CaseChange { accepted, concluded: t.concluded };
        if !uow.update_case(&case.case_no, case.revision, &t.to, &change, now).await? {
            return Err(CaseError::Changed);
        }
        if let Some(idem) = idempotency
            && uow.claim_action_key(idem, now).await?.is_some()
        {
            // A retry raced this one and won: its answer stands.
            return Err(CaseError::Changed);
        }
        if t.concluded {
            uow.lock_application(&case.application_no).await?;
            if let Some(plan) = &effects.license {
                self.issue_license(&mut uow, seen, plan, now).await?;
            }
            let produced = effects.license.as_ref().and_then(|p| p.uscc());
            self.advance_stages(&mut uow, seen, &t.to, produced, now).await?;
        }
        if req.action == CaseAction::RevokeResult
            && let Some(license) = &case.license_id
        {
            uow.revoke_license(license).await?;
        }
        let note = notices::event_note(req, &t.to);
        uow.insert_case_event(&NewCaseEvent {
            case_no: &case.case_no,
            at: now,
            status: t.to.status,
            actor_id: Some(&s.row.person_id),
            action: Some(req.action),
            role,
            remark,
            note: &note,
        })
        .await?;
        for (key, upload_id, sha256) in &effects.files {
            uow.add_case_upload(&case.case_no, key, upload_id, sha256).await?;
        }
        for n in &effects.notices {
            uow.insert_notice(n).await?;
            uow.enqueue(&Outbound::Notice(n.clone()), now).await?;
        }
        let event = CaseEventPayload {
            case_no: case.case_no.clone(),
            application_no: case.application_no.clone(),
            department: case.department_code.clone(),
            action: Some(req.action),
            status: t.to.status,
            at: now,
        };
        uow.enqueue(&Outbound::CaseEvent(event), now).await?;
        self.write_clock(&mut uow, seen, req, &t.to, now).await?;
        if let Some((kind, detail)) = &effects.supervision {
            self.raise_event_card(&mut uow, *kind, case, s, detail, now).await?;
        }
        let files: Vec<String> = effects.files.iter().map(|(_, _, sha)| sha.clone()).collect();
        uow.commit(&AuditEvent {
            actor_id: Some(&s.row.person_id),
            acting_uscc: s.row.acting_uscc.as_deref(),
            on_behalf_of: s.row.on_behalf_of.as_deref(),
            action: req.action.audit_action(),
            subject: &case.case_no,
            detail: remark.unwrap_or_default(),
            role,
            department: Some(&case.department_code),
            files: &files,
            at: now,
        })
        .await?;
        Ok(())
    }

    /// Writes what an action does to the case's clock: a pause begun or ended, an extension.
    async fn write_clock(
        &self,
        uow: &mut crate::store::UnitOfWork,
        seen: &Seen,
        req: &ActionRequest,
        to: &CaseState,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CaseError> {
        let case_no = &seen.case.case_no;
        match (seen.state.paused, to.paused) {
            (None, Some(kind)) => {
                uow.set_pause(case_no, Some((kind, req.reason.as_deref().unwrap_or_default().trim())), now).await?
            }
            (Some(_), None) => uow.set_pause(case_no, None, now).await?,
            _ => {}
        }
        if to.extended && !seen.state.extended {
            let extension = Extension {
                working_days: req.extension_days.unwrap_or_default(),
                reason: req.reason.as_deref().unwrap_or_default().trim().to_owned(),
            };
            uow.extend_case(case_no, &extension).await?;
        }
        Ok(())
    }

    /// Records the front desk's or a department's conduct against the case's department, with
    /// the red card it raises at once.
    async fn raise_event_card(
        &self,
        uow: &mut crate::store::UnitOfWork,
        kind: SupervisionKind,
        case: &CaseRecord,
        s: &Session,
        detail: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CaseError> {
        let event = uow
            .insert_supervision_event(kind, &case.department_code, &case.case_no, &s.row.person_id, detail, now)
            .await?;
        let card = crate::store::deadlines::NewCard {
            dedup_key: format!("event:{event}"),
            case_no: &case.case_no,
            department_code: &case.department_code,
            cause: kind.into(),
            due_on: None,
            handler_id: Some(&s.row.person_id),
            at: now,
        };
        if let Some(id) = uow.raise_card(&card).await? {
            crate::deadlines::record_card_raised(uow, &id, &card).await?;
        }
        Ok(())
    }

    /// A file of a case, for whoever may see the case, after checking it still has the SHA-256
    /// recorded when it was received; a staff member's read is on the record.
    pub async fn case_file(
        &self,
        s: &Session,
        case_no: &CaseNo,
        upload_id: &str,
    ) -> Result<(CaseFile, Vec<u8>), CaseError> {
        let seen = self.open(s, case_no).await?;
        let rows = self.store.case_materials_of(&seen.case.case_no).await?;
        let row = rows.into_iter().find(|m| m.upload_id.as_deref() == Some(upload_id)).ok_or(CaseError::NotFound)?;
        let (Some(sha256), Some(file_name), Some(media_type)) = (row.sha256, row.file_name, row.media_type) else {
            return Err(CaseError::NotFound);
        };
        let path = crate::applying::uploads::path_of(&self.config.data_dir, &sha256);
        let bytes = tokio::fs::read(&path).await.map_err(|_| CaseError::FileAltered(sha256.clone()))?;
        use sha2::Digest as _;
        if crate::pii::hex(&sha2::Sha256::digest(&bytes)) != sha256 {
            return Err(CaseError::FileAltered(sha256));
        }
        if let Some(staff) = &s.staff {
            let role = staff.roles.first().copied();
            self.store
                .record_act(&AuditEvent {
                    actor_id: Some(&s.row.person_id),
                    acting_uscc: None,
                    on_behalf_of: s.row.on_behalf_of.as_deref(),
                    action: shared::audit::AuditAction::CaseFileRead,
                    subject: &seen.case.case_no,
                    detail: &file_name,
                    role,
                    department: Some(&seen.case.department_code),
                    files: std::slice::from_ref(&sha256),
                    at: self.clock.now(),
                })
                .await?;
        }
        Ok((CaseFile { upload_id: upload_id.to_owned(), file_name, media_type, sha256 }, bytes))
    }

    /// 全程留痕 — recomputes the audit chain (supervisors).
    pub async fn verify_audit(&self, s: &Session) -> Result<AuditVerification, CaseError> {
        if !s.roles().contains(&Role::Supervisor) {
            return Err(CaseError::Forbidden);
        }
        let report = self.store.verify_audit_chain().await?;
        Ok(AuditVerification { ok: report.first_bad.is_none(), events: report.events, first_bad: report.first_bad })
    }

    /// A notice, for whoever may see its case.
    pub async fn notice(&self, s: &Session, id: &str) -> Result<shared::case::Notice, CaseError> {
        let notice = self.store.notice(id).await?.ok_or(CaseError::NoticeNotFound)?;
        let case_no = CaseNo::parse(&notice.case_no).map_err(|_| anyhow::anyhow!("notice {id} names a bad case"))?;
        match self.open(s, &case_no).await {
            Ok(_) => Ok(notice),
            Err(CaseError::NotFound) => Err(CaseError::NoticeNotFound),
            Err(e) => Err(e),
        }
    }
}

fn replay(stored: &crate::store::applications::IdempotentRow, body_sha256: &str) -> Result<Acted, CaseError> {
    if stored.body_sha256 != body_sha256 {
        return Err(CaseError::IdempotencyKeyReused);
    }
    Ok(Acted::Replayed(u16::try_from(stored.status).unwrap_or(200), stored.response.clone()))
}

fn deadline_error(e: crate::deadlines::DeadlineError) -> CaseError {
    use crate::deadlines::DeadlineError as E;
    match e {
        E::Store(e) => CaseError::Store(e),
        other => CaseError::Internal(anyhow::anyhow!(other)),
    }
}

fn decode_error(e: strum::ParseError) -> CaseError {
    CaseError::Store(sqlx::Error::Decode(Box::new(e)))
}

/// A case as lists show it.
fn summary(c: &CaseRecord) -> Result<CaseSummary, CaseError> {
    let number = |v: i64| u32::try_from(v).map_err(|_| anyhow::anyhow!("case {} holds {v}", c.case_no));
    Ok(CaseSummary {
        case_no: c.case_no.clone(),
        application_no: c.application_no.clone(),
        item_code: c.item_code.clone(),
        item_name: Bilingual::new(&c.item_name_zh, &c.item_name_en),
        department: Department {
            code: c.department_code.clone(),
            name: Bilingual::new(&c.department_zh, &c.department_en),
        },
        status: c.status,
        applicant_name: c.applicant_name.clone(),
        submitted_at: c.submitted_at,
        promised_working_days: number(c.promised_working_days)?,
        pledged: c.pledged,
        stage: number(c.stage)?,
    })
}
