//! 办结、出件 — what a concluded case causes, in the transaction that concludes it: the e-licence
//! an approval issues (a registration also makes the enterprise it registers), and the next
//! stage of a staged application opening, or stopping when this stage did not succeed.

use crate::store::notify::{CaseEventPayload, Outbound};
use chrono::{DateTime, Datelike as _, Utc};
use rand::Rng as _;
use shared::application::CaseStatus;
use shared::license::HolderKind;
use shared::workflow::{CaseState, is_concluded};
use shared::{Bilingual, FieldCode, FieldError, ResidentId};

use super::{CaseError, CaseService, Seen};
use crate::store::UnitOfWork;
use crate::store::applications::LicenseRow;
use crate::store::cases::NewCaseEvent;
use crate::store::identity::AuditEvent;

/// What an approval will issue, decided before its transaction begins.
pub(super) struct LicensePlan {
    /// The licence.
    license: LicenseRow,
    /// The enterprise a registration makes: credit code, name, legal representative.
    enterprise: Option<(String, String, String)>,
}

impl LicensePlan {
    /// The enterprise the approval makes, whose credit code the later stages receive.
    pub(super) fn uscc(&self) -> Option<&str> {
        self.enterprise.as_ref().map(|(uscc, _, _)| uscc.as_str())
    }
}

/// A new credit code in Dongguan (441900): `91` for a company, `92` for an individual business.
fn new_uscc(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let body: String = (0..8).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
    shared::identity::compose_uscc(prefix, "441900", &body)
}

impl CaseService<'_> {
    /// The licence the item produces, under its holder; for a registration, the enterprise it
    /// makes, whose legal representative must have an account (a department registers no
    /// company for someone who has not verified who they are). Reads only; nothing is written.
    pub(super) async fn plan_license(&self, seen: &Seen, at: DateTime<Utc>) -> Result<Option<LicensePlan>, CaseError> {
        let Some(kind) = &seen.item.produces else { return Ok(None) };
        let case = &seen.case;
        let answers = self.answers_of(&case.application_no).await?;
        let answer = |key: &str| answers.fields.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let today = at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let registers = match (kind.key.as_str(), case.item_code.as_str()) {
            ("business_license", "DG-GR-0001") => Some(("92", answer("business_name"), None)),
            ("business_license", _) => Some(("91", answer("enterprise_name"), answer("legal_rep_id_number"))),
            _ => None,
        };
        let (holder_kind, holder_key, number, enterprise) = match registers {
            Some((prefix, name, rep_id)) => {
                let rep = match rep_id {
                    None => case.applicant_person_id.clone(),
                    Some(raw) => self.registered_representative(&raw).await?,
                };
                let uscc = new_uscc(prefix);
                let name = name.unwrap_or_else(|| case.applicant_name.clone());
                (HolderKind::Enterprise, uscc.clone(), uscc.clone(), Some((uscc, name, rep)))
            }
            None => match &case.applicant_uscc {
                Some(uscc) => {
                    (HolderKind::Enterprise, uscc.clone(), format!("{}{}", today.year(), &case.case_no[10..]), None)
                }
                None => {
                    let hash = self
                        .store
                        .person_hash(&case.applicant_person_id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("case {} has no applicant", case.case_no))?;
                    (HolderKind::Person, hash, format!("粤{}{}", today.year(), &case.case_no[10..]), None)
                }
            },
        };
        let license = LicenseRow {
            id: uuid::Uuid::new_v4().to_string(),
            holder_kind,
            holder_key,
            license_type: kind.key.clone(),
            number,
            issuer: case.department_zh.clone(),
            valid_from: today,
            valid_until: (kind.key == "residence_permit").then(|| today + chrono::Duration::days(365)),
            revoked: false,
            data: serde_json::json!({ "case_no": case.case_no, "item_code": case.item_code }),
        };
        Ok(Some(LicensePlan { license, enterprise }))
    }

    /// The account of the legal representative a registration names.
    async fn registered_representative(&self, raw_id: &str) -> Result<String, CaseError> {
        let unregistered =
            || CaseError::Invalid(vec![FieldError::new("legal_rep_id_number", FieldCode::RepresentativeUnregistered)]);
        let id = ResidentId::parse(raw_id).map_err(|_| unregistered())?;
        let person = self.store.person_by_hash(&self.pii.lookup_hash(&id)).await?;
        person.filter(|p| !p.password_hash.is_empty()).map(|p| p.id).ok_or_else(unregistered)
    }

    /// Writes what `plan` issues, in the approval's unit of work.
    pub(super) async fn issue_license(
        &self,
        uow: &mut UnitOfWork,
        seen: &Seen,
        plan: &LicensePlan,
        at: DateTime<Utc>,
    ) -> Result<(), CaseError> {
        let case = &seen.case;
        if let Some((uscc, name, rep)) = &plan.enterprise {
            uow.insert_enterprise(uscc, name, rep, at).await?;
            // A founder who filed for others becomes the new business's agent, authorized by
            // the legal representative the registration names (whose power of attorney they
            // brought).
            if &case.applicant_person_id != rep {
                uow.grant_agent(uscc, &case.applicant_person_id, rep, at).await?;
                uow.record(&AuditEvent {
                    actor_id: None,
                    acting_uscc: Some(uscc),
                    on_behalf_of: None,
                    action: shared::audit::AuditAction::AgentGranted,
                    subject: uscc,
                    detail: &case.applicant_person_id,
                    role: None,
                    department: Some(&case.department_code),
                    files: &[],
                    at,
                })
                .await?;
            }
        }
        uow.issue_license(&plan.license).await?;
        uow.set_case_license(&case.case_no, &plan.license.id).await?;
        uow.attach_issued_license(&case.application_no, &plan.license.license_type, &plan.license.id).await?;
        uow.record(&AuditEvent {
            actor_id: None,
            acting_uscc: plan.uscc(),
            on_behalf_of: None,
            action: shared::audit::AuditAction::LicenseIssued,
            subject: &case.case_no,
            detail: &format!("{} {}", plan.license.license_type, plan.license.number),
            role: None,
            department: Some(&case.department_code),
            files: &[],
            at,
        })
        .await?;
        Ok(())
    }

    /// 并联审批 — once every case of this case's stage has concluded, opens the next stage
    /// (handing it the enterprise a registration made) if all were approved, or stops every
    /// later one if any was not.
    pub(super) async fn advance_stages(
        &self,
        uow: &mut UnitOfWork,
        seen: &Seen,
        to: &CaseState,
        produced: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), CaseError> {
        let case = &seen.case;
        // The caller holds the application's row: two cases of the stage concluding at once
        // cannot both miss the other.
        let statuses = uow.stage_statuses(&case.application_no, case.stage).await?;
        if !statuses.iter().all(|s| is_concluded(*s)) || to.status == CaseStatus::Waiting {
            return Ok(());
        }
        let approved = statuses.iter().all(|s| *s == CaseStatus::Approved);
        let uscc = produced.or(case.subject_uscc.as_deref());
        let (moved, action, note) = if approved {
            let opened = uow.open_stage(&case.application_no, case.stage + 1, uscc).await?;
            let note = Bilingual::new("前序事项已办结，开始办理", "The earlier step is approved: this one starts");
            (opened, shared::audit::AuditAction::StageOpened, note)
        } else {
            let stopped = uow.discontinue_after(&case.application_no, case.stage, at).await?;
            let note =
                Bilingual::new("前序事项未获准予，本事项终止办理", "The earlier step was not approved: this one stops");
            (stopped, shared::audit::AuditAction::CaseDiscontinued, note)
        };
        for (case_no, department) in &moved {
            let status = if approved { CaseStatus::Submitted } else { CaseStatus::Discontinued };
            uow.insert_case_event(&NewCaseEvent {
                case_no,
                at,
                status,
                actor_id: None,
                action: None,
                role: None,
                remark: None,
                note: &note,
            })
            .await?;
            let event = CaseEventPayload {
                case_no: case_no.clone(),
                application_no: case.application_no.clone(),
                department: department.clone(),
                action: None,
                status,
                at,
            };
            uow.enqueue(&Outbound::CaseEvent(event), at).await?;
            uow.record(&AuditEvent {
                actor_id: None,
                acting_uscc: uscc,
                on_behalf_of: None,
                action,
                subject: case_no,
                detail: &case.case_no,
                role: None,
                department: Some(department),
                files: &[],
                at,
            })
            .await?;
        }
        Ok(())
    }

    /// The application's answers, unsealed.
    pub(super) async fn answers_of(&self, application_no: &str) -> Result<shared::application::FormAnswers, CaseError> {
        let Some((sealed, _)) = self.store.application_answers(application_no).await? else {
            return Ok(shared::application::FormAnswers::default());
        };
        Ok(serde_json::from_str(&self.pii.open_text(&sealed)?).map_err(anyhow::Error::from)?)
    }
}
