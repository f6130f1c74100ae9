//! 申办 — the services behind applying: the one form with the e-license library's materials,
//! idempotent submission through the group-commit writer, "my applications", progress lookup,
//! drafts, and the library's access log.

pub mod content;
pub mod error;
mod memory;
pub mod plan;
pub mod receipt_pdf;
pub mod uploads;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng as _;
use serde_json::value::RawValue;
use shared::application::{
    ApplicantFacts, ApplicantIdentifier, ApplicationBrief, ApplicationProgressLookup, ApplicationReceipt, CaseBrief,
    CaseProgress, CombineError, FormAnswers, FormRequest, FormResponse, OneForm, ProgressLookup, ProgressStep,
    SubmitRequest, compile, pledge_text,
};
use shared::catalogue::{Channel, ELicenseType, ItemCode, KnownFact, ServiceItem};
use shared::ids::{ApplicationNo, CaseNo, RecordId};
use shared::license::{AccessPurpose, License, LicenseAccess, LicenseStatus};
use shared::{Bilingual, FieldError};

use crate::applying::writer::SubmissionWriter;
use crate::auth::service::Session;
use crate::clock::Clock;
use crate::config::Config;
use crate::pii::PiiKeys;
use crate::store::PublishedCatalogue;
use crate::store::Store;
use crate::store::applications::{AccessEntry, DraftRow, LicenseRow, LookupHolder, UploadRow};
use crate::store::cases::CaseRecord;
use crate::store::identity::{EnterpriseRow, PersonRow};
use crate::store::submissions::{Idempotency, NewApplication, Outcome, Submission};

pub use error::ApplyingError;

/// 申办服务 — the one form, submissions, applications and their progress, drafts, uploads and
/// the e-license library, on the parts of the server they need.
#[derive(Clone, Copy)]
pub struct ApplyingService<'a> {
    /// The database.
    pub store: &'a Store,
    /// The current time.
    pub clock: &'a Clock,
    /// The keys that protect identity numbers (answers are sealed with them).
    pub pii: &'a PiiKeys,
    /// The group-commit writer of submissions.
    pub writer: &'a SubmissionWriter,
    /// How the server was started (upload limits, the data directory).
    pub config: &'a Config,
    /// Uploaded files being checked by content at once.
    pub content_checks: &'a tokio::sync::Semaphore,
}

/// Drafts one person keeps at most.
pub const MAX_DRAFTS: i64 = 50;

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;
/// Applications listed at most in "my applications".
const MY_APPLICATIONS_LIMIT: i64 = 100;
/// Access log entries shown at most.
const ACCESS_LOG_LIMIT: i64 = 200;

/// Who is applying, as a session shows it.
#[derive(Clone, Debug)]
pub struct ApplicantContext {
    /// The person applying, or filing for the enterprise.
    pub person_id: String,
    /// The enterprise applying.
    pub uscc: Option<String>,
    /// The window clerk filing for the person present.
    pub filed_by: Option<String>,
    /// 委托代办 — the proxy filing for the person, under an authorization that holds today.
    pub proxy: Option<ProxyAct>,
}

/// A proxy applying for a person.
#[derive(Clone, Debug)]
pub struct ProxyAct {
    /// The proxy's account id.
    pub proxy_id: String,
    /// The authorization.
    pub grant_id: String,
    /// The items it covers.
    pub items: Vec<ItemCode>,
}

/// A case a progress lookup found: what its applicant is shown, and the record its deadline is
/// worked out from.
pub struct FoundCase {
    /// The progress, without its deadline.
    pub progress: CaseProgress,
    /// The case as stored.
    pub record: CaseRecord,
}

/// The one form prepared for an applicant: the form, the catalogue it was compiled from, the
/// licenses that supply its library materials, and what the platform knows of the applicant.
struct Prepared {
    form: OneForm,
    /// The catalogue the form was compiled from: its halls and bundles check the rest.
    catalogue: Arc<PublishedCatalogue>,
    usable: BTreeMap<String, LicenseRow>,
    facts: ApplicantFacts,
    names: Names,
}

/// Names read with the facts, for the receipt.
struct Names {
    /// The applicant: the enterprise's name, or the person's.
    applicant: String,
    /// The enterprise's credit code, or the person's identity number masked.
    identifier: String,
    /// The person signed in (for an enterprise, its agent).
    person: String,
}

/// The records of whoever applies, read once per form.
struct Parties {
    /// The person applying (for an enterprise, its agent or legal representative).
    person: PersonRow,
    /// The enterprise applied for, if any.
    enterprise: Option<EnterpriseParty>,
}

/// An enterprise applied for, and its legal representative.
struct EnterpriseParty {
    uscc: String,
    row: EnterpriseRow,
    rep: PersonRow,
}

/// The result of a submission: a new or replayed answer.
pub enum Submitted {
    /// 201 with this body.
    Created(String),
    /// The stored first answer, byte for byte.
    Replayed(u16, String),
}

/// The random part of an application number ([`ApplicationNo`]).
/// 申办编号 — the number of an application given at `now` ([`shared::ids::ApplicationNo`]): `YW`,
/// the Shanghai date, the time of day in tenths of a second, and ten random characters.
fn application_no(now: DateTime<Utc>) -> String {
    use chrono::Timelike as _;
    use shared::ids::{NUMBER_ALPHABET, NUMBER_RANDOM_LEN, NUMBER_TIME_LEN};
    let local = now.with_timezone(&chrono_tz::Asia::Shanghai);
    // A leap second's nanoseconds run past a second: it counts as the day's last tenth.
    let mut tenths = (local.num_seconds_from_midnight() * 10 + local.nanosecond() / 100_000_000).min(863_999) as usize;
    let mut time = [0_u8; NUMBER_TIME_LEN];
    for c in time.iter_mut().rev() {
        *c = NUMBER_ALPHABET[tenths % NUMBER_ALPHABET.len()];
        tenths /= NUMBER_ALPHABET.len();
    }
    let mut rng = rand::thread_rng();
    let random = (0..NUMBER_RANDOM_LEN).map(|_| NUMBER_ALPHABET[rng.gen_range(0..NUMBER_ALPHABET.len())]);
    let suffix: String = time.into_iter().chain(random).map(char::from).collect();
    format!("YW{}{suffix}", local.format("%Y%m%d"))
}

/// Checks an `Idempotency-Key` header value: 1 to 128 visible ASCII characters.
pub fn check_idempotency_key(raw: &str) -> Result<String, ApplyingError> {
    if raw.is_empty() || raw.len() > MAX_IDEMPOTENCY_KEY || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApplyingError::InvalidIdempotencyKey);
    }
    Ok(raw.to_owned())
}

/// Parses the item codes of a request, naming each bad one.
fn parse_items(raw: &[String]) -> Result<Vec<ItemCode>, ApplyingError> {
    let mut codes = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (i, code) in raw.iter().enumerate() {
        match ItemCode::parse(code) {
            Ok(c) => codes.push(c),
            Err(e) => errors.push(FieldError { field: format!("items[{i}]"), code: e.code(), message: e.message() }),
        }
    }
    if !errors.is_empty() {
        return Err(ApplyingError::Invalid(errors));
    }
    Ok(codes)
}

fn combine_error(e: &CombineError) -> ApplyingError {
    ApplyingError::Invalid(vec![e.field_error()])
}

/// A kind of certificate with its name; a key the catalogue does not name is shown as it is.
fn license_type(names: &BTreeMap<String, Bilingual>, key: String) -> ELicenseType {
    let name = names.get(&key).cloned().unwrap_or_else(|| Bilingual::new(key.clone(), key.clone()));
    ELicenseType { key, name }
}

fn status_of(row: &LicenseRow, today: NaiveDate) -> LicenseStatus {
    LicenseStatus::on(row.revoked, row.valid_until, today)
}

impl ApplyingService<'_> {
    /// Who applies when this session submits. Citizens apply for themselves or the enterprise
    /// they act for; a window clerk for the applicant present; other staff do not apply.
    pub async fn applicant(&self, s: &Session) -> Result<ApplicantContext, ApplyingError> {
        if s.staff.is_some() {
            let present = s.row.on_behalf_of.clone().ok_or(ApplyingError::NoApplicantPresent)?;
            // The enterprise the person present represents, checked when the service began.
            let uscc = s.row.acting_uscc.clone();
            return Ok(ApplicantContext {
                person_id: present,
                uscc,
                filed_by: Some(s.row.person_id.clone()),
                proxy: None,
            });
        }
        if let Some(id) = s.row.acting_proxy.as_deref() {
            let grant = self.store.proxy(id).await?.filter(|g| {
                g.proxy_id == s.row.person_id && g.revoked_at.is_none() && self.clock.today() <= g.valid_until
            });
            let grant = grant.ok_or(ApplyingError::ProxyLapsed)?;
            return Ok(ApplicantContext {
                person_id: grant.principal_id,
                uscc: None,
                filed_by: None,
                proxy: Some(ProxyAct {
                    proxy_id: s.row.person_id.clone(),
                    grant_id: grant.id,
                    items: grant.items.into_iter().map(|i| i.code).collect(),
                }),
            });
        }
        let uscc = match s.row.acting_uscc.as_deref() {
            None => None,
            Some(uscc) => {
                let links = self.store.enterprise_links(&s.row.person_id).await?;
                if !links.iter().any(|l| l.uscc == uscc) {
                    return Err(ApplyingError::Forbidden);
                }
                Some(uscc.to_owned())
            }
        };
        Ok(ApplicantContext { person_id: s.row.person_id.clone(), uscc, filed_by: None, proxy: None })
    }

    /// The applicant's records, read once for the licenses and the known facts: the person,
    /// and for an enterprise the enterprise and its legal representative.
    async fn parties(&self, ctx: &ApplicantContext) -> Result<Parties, ApplyingError> {
        let person = self.store.person(&ctx.person_id).await?;
        let person = match (person, &ctx.uscc) {
            (Some(p), _) => p,
            (None, None) => return Err(ApplyingError::Unauthenticated),
            (None, Some(_)) => return Err(ApplyingError::PersonNotFound),
        };
        let Some(uscc) = &ctx.uscc else { return Ok(Parties { person, enterprise: None }) };
        let row = self.store.enterprise(uscc).await?.ok_or(ApplyingError::EnterpriseNotFound)?;
        let rep = if row.legal_rep_id == person.id {
            person.clone()
        } else {
            self.store.person(&row.legal_rep_id).await?.ok_or(ApplyingError::PersonNotFound)?
        };
        Ok(Parties { person, enterprise: Some(EnterpriseParty { uscc: uscc.clone(), row, rep }) })
    }

    /// The valid licenses an applicant may use, one per type: the person's own, or the
    /// enterprise's with its legal representative's ID card.
    async fn usable_licenses(&self, parties: &Parties) -> Result<BTreeMap<String, LicenseRow>, ApplyingError> {
        let today = self.clock.today();
        let (holder, rep) = match &parties.enterprise {
            Some(e) => (e.uscc.as_str(), Some(e.rep.id_number_hash.as_str())),
            None => (parties.person.id_number_hash.as_str(), None),
        };
        let rows = self.store.licenses_of_either(holder, rep.unwrap_or(holder)).await?;
        let mut usable = BTreeMap::new();
        // The holder's own first; of the representative's, only the ID card.
        let (own, reps): (Vec<_>, Vec<_>) = rows.into_iter().partition(|row| row.holder_key == holder);
        let reps = reps.into_iter().filter(|row| row.license_type == "resident_id_card");
        for row in own.into_iter().chain(reps) {
            if status_of(&row, today) == LicenseStatus::Valid {
                usable.entry(row.license_type.clone()).or_insert(row);
            }
        }
        Ok(usable)
    }

    fn access_entries(
        s: &Session,
        form: &OneForm,
        usable: &BTreeMap<String, LicenseRow>,
        purpose: AccessPurpose,
        application_no: Option<&str>,
        at: DateTime<Utc>,
    ) -> Vec<AccessEntry> {
        form.materials
            .iter()
            .filter(|m| m.in_library)
            .filter_map(|m| m.e_license.as_ref().and_then(|l| usable.get(&l.key)))
            .map(|row| AccessEntry {
                license_id: row.id.clone(),
                holder_key: row.holder_key.clone(),
                actor_id: s.row.person_id.clone(),
                acting_uscc: s.row.acting_uscc.clone(),
                on_behalf_of: s.row.on_behalf_of.clone(),
                purpose,
                application_no: application_no.map(str::to_owned),
                at,
            })
            .collect()
    }

    /// The one form of the items named in a request, for this applicant: the fields the
    /// platform knows filled, and the licenses that supply its library materials.
    async fn form_for(&self, ctx: &ApplicantContext, raw_items: &[String]) -> Result<Prepared, ApplyingError> {
        let codes = parse_items(raw_items)?;
        if let Some(proxy) = &ctx.proxy {
            let outside: Vec<FieldError> = codes
                .iter()
                .enumerate()
                .filter(|(_, code)| !proxy.items.contains(code))
                .map(|(i, _)| FieldError::new(format!("items[{i}]"), shared::FieldCode::NotInProxyScope))
                .collect();
            if !outside.is_empty() {
                return Err(ApplyingError::Invalid(outside));
            }
        }
        let catalogue = self.store.catalogue().await?;
        let items = published_items(&catalogue, &codes)?;
        let parties = self.parties(ctx).await?;
        let usable = self.usable_licenses(&parties).await?;
        let held: BTreeSet<String> = usable.keys().cloned().collect();
        let form = compile(&items, &held).map_err(|e| combine_error(&e))?;
        form.check_applicant(ctx.uscc.is_some()).map_err(|e| combine_error(&e))?;
        check_founding(&catalogue, &form)?;
        let (facts, names) = self.applicant_facts(ctx, parties, &usable)?;
        Ok(Prepared { form: form.for_applicant(&facts), catalogue, usable, facts, names })
    }

    /// 一号申办 — what unified identity, the enterprise record and the library hold about the
    /// applicant: the person's name and identity number; the enterprise's name, credit code and
    /// legal representative; the numbers of their licenses; and whether an agent files.
    fn applicant_facts(
        &self,
        ctx: &ApplicantContext,
        parties: Parties,
        usable: &BTreeMap<String, LicenseRow>,
    ) -> Result<(ApplicantFacts, Names), ApplyingError> {
        let mut facts = BTreeMap::new();
        let Parties { person, enterprise } = parties;
        let mut names =
            Names { applicant: person.name.clone(), identifier: person.id_number_masked, person: person.name.clone() };
        facts.insert(KnownFact::PersonIdNumber, self.pii.open(&person.id_number_sealed)?.as_str().to_owned());
        facts.insert(KnownFact::PersonName, person.name);
        // A proxy applies under an authorization the platform records.
        let mut authorized_agent = ctx.proxy.is_some();
        if let Some(EnterpriseParty { uscc, row: enterprise, rep }) = enterprise {
            names.applicant = enterprise.name.clone();
            names.identifier = uscc.clone();
            facts.insert(KnownFact::EnterpriseName, enterprise.name);
            facts.insert(KnownFact::EnterpriseUscc, uscc);
            facts.insert(KnownFact::LegalRepIdNumber, self.pii.open(&rep.id_number_sealed)?.as_str().to_owned());
            facts.insert(KnownFact::LegalRepName, rep.name);
            // Whoever acts for an enterprise and is not its legal representative holds an
            // authorization the platform records (checked when the session chose it).
            authorized_agent = enterprise.legal_rep_id != ctx.person_id;
        }
        for fact in <KnownFact as strum::VariantArray>::VARIANTS {
            if let Some(row) = fact.license_type().and_then(|t| usable.get(t)) {
                facts.insert(*fact, row.number.clone());
            }
        }
        Ok((ApplicantFacts { facts, authorized_agent }, names))
    }

    /// 一表 — the one form of the chosen items for this applicant; the library reads it makes
    /// are recorded.
    pub async fn one_form(&self, s: &Session, req: FormRequest) -> Result<FormResponse, ApplyingError> {
        let ctx = self.applicant(s).await?;
        let Prepared { form, usable, .. } = self.form_for(&ctx, &req.items).await?;
        let access = Self::access_entries(s, &form, &usable, AccessPurpose::Form, None, self.clock.now());
        self.store.log_license_access(&access).await?;
        Ok(FormResponse { form, pledge_text: pledge_text() })
    }

    /// 提交申请 — fills what the platform knows (refusing answers that contradict it), checks
    /// the application with the shared compiler, plans its cases and materials
    /// ([`plan::plan`]), and writes it through the group-commit writer. With an idempotency key,
    /// a retry with the same body gets the first answer byte for byte; another body is refused.
    /// `device` is the channel the request came from (a window clerk's is the window).
    pub async fn submit(
        &self,
        s: &Session,
        key: Option<String>,
        body_sha256: String,
        req: SubmitRequest,
        device: Channel,
    ) -> Result<Submitted, ApplyingError> {
        let scope = s.row.person_id.clone();
        if let Some(key) = &key
            && let Some(stored) = self.store.idempotent(&scope, key).await?
        {
            return replay(&stored.body_sha256, &body_sha256, stored.status, stored.response);
        }
        let ctx = self.applicant(s).await?;
        let Prepared { form, catalogue, usable, facts, names } = self.form_for(&ctx, &req.items).await?;
        let mut answers = req.answers.clone();
        let known_errors = form.fill_known(&mut answers, &facts);
        let uploads = self.check_answers(s, &ctx, &form, &answers, known_errors).await?;
        let delivery = req.delivery.clone().unwrap_or_default();
        let halls: Vec<String> = catalogue.halls.iter().map(|h| h.code.clone()).collect();
        let errors = delivery.check(&halls);
        if !errors.is_empty() {
            return Err(ApplyingError::Invalid(errors));
        }
        let stages = stages_of(&catalogue, &form);

        let now = self.clock.now();
        let application_no = application_no(now);
        let licenses = usable.iter().map(|(key, row)| (key.clone(), row.id.clone())).collect();
        let uploads = uploads.into_iter().map(|(id, u)| (id, u.sha256)).collect();
        let plan = plan::plan(plan::PlanInput {
            application_no: &application_no,
            form: &form,
            answers: &answers,
            licenses: &licenses,
            uploads: &uploads,
            stages: &stages,
        });
        // The clerk who filed at the window, the proxy, or the agent who filed for the enterprise
        // (the person whose facts were read).
        let filed_by = match ctx.filed_by.as_deref().or(ctx.proxy.as_ref().map(|p| p.proxy_id.as_str())) {
            Some(id) => self.store.person(id).await?.map(|p| p.name),
            None => ctx.uscc.as_ref().map(|_| names.person.clone()),
        };
        let receipt = ApplicationReceipt {
            application_no: application_no.clone(),
            submitted_at: crate::store::Timestamp::from(now).into(),
            applicant_name: names.applicant,
            applicant_identifier: names.identifier,
            filed_by,
            cases: plan.case_receipts,
            materials: plan.received,
        };
        let receipt_json = serde_json::to_string(&receipt).map_err(anyhow::Error::from)?;
        let receipt = RawValue::from_string(receipt_json.clone()).map_err(anyhow::Error::from)?;
        let form_json = serde_json::value::to_raw_value(&form).map_err(anyhow::Error::from)?;
        let answers = &answers;
        let application = NewApplication {
            application_no: application_no.clone(),
            applicant_person_id: ctx.person_id.clone(),
            applicant_uscc: ctx.uscc.clone(),
            filed_by: ctx.filed_by.clone(),
            submitted_at: now,
            answers: self.pii.seal_text(&serde_json::to_string(answers).map_err(anyhow::Error::from)?),
            pledge_text: (!answers.pledged_items.is_empty()).then(|| pledge_text().zh),
            receipt,
            channel: if ctx.filed_by.is_some() { Channel::Window } else { device },
            keep: if ctx.filed_by.is_some() || ctx.proxy.is_some() {
                Vec::new()
            } else {
                self.answers_to_keep(&form, answers)
            },
            proxy: ctx.proxy.as_ref().map(|p| (p.proxy_id.clone(), p.grant_id.clone())),
            delivery: delivery.method,
            delivery_hall: delivery.hall.filter(|_| delivery.method == shared::workflow::DeliveryMethod::Window),
            delivery_address: delivery.address.filter(|_| delivery.method == shared::workflow::DeliveryMethod::Mail),
            cases: plan.cases,
            materials: plan.materials,
            access: Self::access_entries(s, &form, &usable, AccessPurpose::Application, Some(&application_no), now),
            draft: req.draft_id.clone().map(|id| (s.row.person_id.clone(), id)),
            form: form_json,
        };
        let idempotency = key.clone().map(|key| Idempotency {
            scope: scope.clone(),
            key,
            body_sha256: body_sha256.clone(),
            response: receipt_json.clone(),
            application_no: Some(application.application_no.clone()),
        });
        match self.writer.submit(Submission { idempotency, application }).await {
            Ok(Outcome::Created) => Ok(Submitted::Created(receipt_json)),
            Ok(Outcome::ProxyLapsed) => Err(ApplyingError::ProxyLapsed),
            Ok(Outcome::Replayed(stored)) => replay(&stored.body_sha256, &body_sha256, stored.status, stored.response),
            // Another node wrote the same key first: answer with what it stored.
            Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) && key.is_some() => {
                let key = key.unwrap_or_default();
                let stored = self.store.idempotent(&scope, &key).await?.ok_or(ApplyingError::from(e))?;
                replay(&stored.body_sha256, &body_sha256, stored.status, stored.response)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Checks the answers (the known fields filled, `errors` found filling them) against the
    /// form, and that every uploaded file named is the applicant's own (or the window clerk's
    /// who files for them); returns those uploads.
    async fn check_answers(
        &self,
        s: &Session,
        ctx: &ApplicantContext,
        form: &OneForm,
        answers: &FormAnswers,
        mut errors: Vec<FieldError>,
    ) -> Result<BTreeMap<String, UploadRow>, ApplyingError> {
        errors.extend(form.validate(answers, self.clock.today()));
        let named: Vec<&str> = answers.materials.values().flatten().map(String::as_str).collect();
        let mut found: BTreeMap<String, UploadRow> =
            self.store.uploads(&named).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
        let own = |u: &UploadRow| u.owner_id == s.row.person_id || Some(&u.owner_id) == ctx.filed_by.as_ref();
        let mut uploads = BTreeMap::new();
        for (material, ids) in &answers.materials {
            for (i, id) in ids.iter().enumerate() {
                // A file named twice is found once.
                match found.remove(id).or_else(|| uploads.get(id).cloned()) {
                    Some(u) if own(&u) => {
                        uploads.insert(id.clone(), u);
                    }
                    _ => errors.push(FieldError {
                        field: format!("materials.{material}[{i}]"),
                        code: shared::FieldCode::UploadNotFound,
                        message: Bilingual::new(
                            "找不到这个上传的文件，请重新上传",
                            "This uploaded file was not found: upload it again",
                        ),
                    }),
                }
            }
        }
        if errors.is_empty() { Ok(uploads) } else { Err(ApplyingError::Invalid(errors)) }
    }

    /// 我的办件 — the applications of the person and of their enterprises, newest first.
    pub async fn my_applications(&self, s: &Session) -> Result<Vec<ApplicationBrief>, ApplyingError> {
        let mut out = Vec::new();
        for row in self.store.applications_of(&s.row.person_id, MY_APPLICATIONS_LIMIT).await? {
            let cases = self.store.cases_of_application(&row.application_no).await?;
            out.push(ApplicationBrief {
                application_no: row.application_no,
                submitted_at: row.submitted_at,
                applicant_name: row.receipt.applicant_name,
                cases: cases
                    .into_iter()
                    .map(|c| CaseBrief {
                        case_no: c.case_no,
                        item_name: Bilingual::new(c.item_name_zh, c.item_name_en),
                        status: c.status,
                        next_step: c.status.next_step(),
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The receipt of one of the person's applications.
    pub async fn receipt(
        &self,
        s: &Session,
        application_no: &ApplicationNo,
    ) -> Result<ApplicationReceipt, ApplyingError> {
        let row = self
            .store
            .application_of(application_no.as_str(), &s.row.person_id)
            .await?
            .ok_or_else(|| ApplyingError::CaseNotFound)?;
        Ok(row.receipt)
    }

    /// 进度查询 — a case's timeline for whoever knows its number and its applicant: the
    /// identity number of the person who applied (for an enterprise's case, its legal
    /// representative's), or the enterprise's credit code. A wrong pair is answered exactly as
    /// an unknown case.
    pub async fn progress(&self, req: ProgressLookup) -> Result<FoundCase, ApplyingError> {
        let case_no = CaseNo::parse(&req.case_no)
            .map_err(|code| ApplyingError::Invalid(vec![FieldError::new("case_no", code)]))?;
        let holder = ApplicantIdentifier::parse_as_of(&req.id_number, self.clock.today())
            .map_err(|e| ApplyingError::Invalid(vec![e]))?;
        self.progress_of(case_no.as_str(), &holder).await?.ok_or(ApplyingError::CaseNotFound)
    }

    /// 进度查询 by the number on the receipt: every case of the application, for whoever knows
    /// the number and its applicant. A wrong pair is answered exactly as an unknown application.
    pub async fn application_progress(&self, req: ApplicationProgressLookup) -> Result<Vec<FoundCase>, ApplyingError> {
        let application_no = ApplicationNo::parse(&req.application_no)
            .map_err(|code| ApplyingError::Invalid(vec![FieldError::new("application_no", code)]))?;
        let holder = ApplicantIdentifier::parse_as_of(&req.id_number, self.clock.today())
            .map_err(|e| ApplyingError::Invalid(vec![e]))?;
        let mut out = Vec::new();
        for case_no in self.store.case_nos_of(application_no.as_str()).await? {
            if let Some(progress) = self.progress_of(&case_no, &holder).await? {
                out.push(progress);
            }
        }
        if out.is_empty() { Err(ApplyingError::CaseNotFound) } else { Ok(out) }
    }

    /// A case's progress, if `holder` is its applicant.
    async fn progress_of(
        &self,
        case_no: &str,
        holder: &ApplicantIdentifier,
    ) -> Result<Option<FoundCase>, ApplyingError> {
        let case = match holder {
            ApplicantIdentifier::Person(id) => {
                let hash = self.pii.lookup_hash(id);
                self.store.case_for_lookup(case_no, LookupHolder::Person(&hash)).await?
            }
            ApplicantIdentifier::Enterprise(uscc) => {
                self.store.case_for_lookup(case_no, LookupHolder::Enterprise(uscc.as_str())).await?
            }
        };
        let Some((case, events)) = case else { return Ok(None) };
        let status = case.status;
        let promised_working_days = u32::try_from(case.promised_working_days)
            .map_err(|_| anyhow::anyhow!("case {} promises {} days", case.case_no, case.promised_working_days))?;
        let timeline = events
            .into_iter()
            .map(|e| ProgressStep { status: e.status, at: e.at, note: Bilingual::new(e.note_zh, e.note_en) })
            .collect();
        let progress = CaseProgress {
            case_no: case.case_no.clone(),
            application_no: case.application_no.clone(),
            item_name: Bilingual::new(case.item_name_zh.clone(), case.item_name_en.clone()),
            department: Bilingual::new(case.department_zh.clone(), case.department_en.clone()),
            status,
            next_step: status.next_step(),
            promised_working_days,
            deadline: None,
            timeline,
        };
        Ok(Some(FoundCase { progress, record: case }))
    }

    /// 我的证照 — the licenses of the person, or of the enterprise they act for.
    pub async fn my_licenses(&self, s: &Session) -> Result<Vec<License>, ApplyingError> {
        let key = self.own_holder_key(s).await?;
        let today = self.clock.today();
        let names = self.store.license_types().await?;
        Ok(self
            .store
            .licenses_of(&key)
            .await?
            .into_iter()
            .map(|row| License {
                status: status_of(&row, today),
                id: row.id,
                license_type: license_type(&names, row.license_type),
                number: mask_number(&row.number),
                issuer: row.issuer,
                valid_from: row.valid_from,
                valid_until: row.valid_until,
            })
            .collect())
    }

    /// 谁用了我的数据 — who read the licenses of the person (or the enterprise they act for).
    pub async fn license_access(&self, s: &Session) -> Result<Vec<LicenseAccess>, ApplyingError> {
        let key = self.own_holder_key(s).await?;
        let rows = self.store.license_access_of(&key, ACCESS_LOG_LIMIT).await?;
        let names = self.store.license_types().await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let acting_for = match &row.acting_uscc {
                Some(uscc) => self.store.enterprise(uscc).await?.map(|e| e.name),
                None => None,
            };
            out.push(LicenseAccess {
                at: row.at,
                license_type: license_type(&names, row.license_type),
                accessor: row.actor_name,
                acting_for,
                at_window: row.on_behalf_of.is_some(),
                purpose: row.purpose.name(),
                application_no: row.application_no,
            })
        }
        Ok(out)
    }

    async fn own_holder_key(&self, s: &Session) -> Result<String, ApplyingError> {
        if let Some(uscc) = &s.row.acting_uscc {
            let links = self.store.enterprise_links(&s.row.person_id).await?;
            // Only the legal representative reads the enterprise's library and its access log.
            if links.iter().any(|l| &l.uscc == uscc && l.relation == shared::account::Relation::LegalRepresentative) {
                return Ok(uscc.clone());
            }
            return Err(ApplyingError::Forbidden);
        }
        self.store.person_hash(&s.row.person_id).await?.ok_or_else(|| ApplyingError::Unauthenticated)
    }

    /// 保存草稿 — saves a half-filled application; the same id replaces it.
    pub async fn save_draft(
        &self,
        s: &Session,
        draft: shared::application::Draft,
    ) -> Result<shared::application::Draft, ApplyingError> {
        let id = match draft.id.as_deref() {
            Some(id) if uuid::Uuid::parse_str(id).is_ok() => id.to_owned(),
            Some(_) => return Err(ApplyingError::DraftNotFound),
            None => {
                // A soft limit (counted before the insert): it keeps one person from filling
                // the database with drafts, not from having fifty-one for a moment.
                if self.store.count_drafts(&s.row.person_id).await? >= MAX_DRAFTS {
                    return Err(ApplyingError::DraftLimitReached);
                }
                uuid::Uuid::new_v4().to_string()
            }
        };
        parse_items(&draft.items)?;
        let now = crate::store::Timestamp::from(self.clock.now()).into();
        let row = DraftRow {
            id: id.clone(),
            acting_uscc: s.row.acting_uscc.clone(),
            items: draft.items.clone(),
            answers: self.pii.seal_text(&serde_json::to_string(&draft.answers).map_err(anyhow::Error::from)?),
            updated_at: now,
        };
        if !self.store.save_draft(&s.row.person_id, &row).await? {
            return Err(ApplyingError::DraftNotFound);
        }
        Ok(shared::application::Draft { id: Some(id), updated_at: Some(now), ..draft })
    }

    /// 我的草稿
    pub async fn drafts(&self, s: &Session) -> Result<Vec<shared::application::Draft>, ApplyingError> {
        let rows = self.store.drafts_of(&s.row.person_id).await?;
        rows.into_iter()
            .map(|r| {
                Ok(shared::application::Draft {
                    id: Some(r.id),
                    items: r.items,
                    answers: serde_json::from_str(&self.pii.open_text(&r.answers)?).map_err(anyhow::Error::from)?,
                    acting_uscc: r.acting_uscc,
                    updated_at: Some(r.updated_at),
                })
            })
            .collect()
    }

    /// Deletes one of the person's drafts.
    pub async fn delete_draft(&self, s: &Session, id: RecordId) -> Result<(), ApplyingError> {
        if !self.store.delete_draft(&s.row.person_id, &id.to_stored()).await? {
            return Err(ApplyingError::DraftNotFound);
        }
        Ok(())
    }
}

/// A registration goes with other items only as a bundle that starts with it: the others then
/// wait for the business it registers, receive its credit code and licence, and stop if it is
/// refused.
fn check_founding(catalogue: &PublishedCatalogue, form: &OneForm) -> Result<(), ApplyingError> {
    if !form.founding || form.items.len() == 1 {
        return Ok(());
    }
    let stages = stages_of(catalogue, form);
    let staged_after = form.items.iter().all(|item| {
        let stage = stages.get(item.code.as_str()).copied();
        let registers = item.produces.as_deref() == Some(shared::catalogue::BUSINESS_LICENSE);
        if registers { stage == Some(0) } else { stage.is_some_and(|s| s > 0) }
    });
    if staged_after {
        Ok(())
    } else {
        Err(ApplyingError::Invalid(vec![FieldError::new("items", shared::FieldCode::FoundingNeedsBundle)]))
    }
}

/// 分阶段办理 — the stage of each item when the items are a staged bundle's (registration first);
/// empty when they start at once.
fn stages_of(catalogue: &PublishedCatalogue, form: &OneForm) -> BTreeMap<String, u32> {
    let codes: Vec<ItemCode> = form.items.iter().map(|i| i.code.clone()).collect();
    catalogue
        .bundles
        .iter()
        .find_map(|bundle| bundle.stages_of(&codes))
        .map(|stages| codes.iter().map(|c| c.to_string()).zip(stages).collect())
        .unwrap_or_default()
}

/// The published versions of `codes`, in order; a code with none is an error.
fn published_items(catalogue: &PublishedCatalogue, codes: &[ItemCode]) -> Result<Vec<ServiceItem>, ApplyingError> {
    codes
        .iter()
        .map(|code| {
            catalogue
                .item(code.as_str())
                .cloned()
                .ok_or_else(|| combine_error(&CombineError::NotPublished(code.clone())))
        })
        .collect()
}

fn replay(stored_hash: &str, body_hash: &str, status: i64, response: String) -> Result<Submitted, ApplyingError> {
    if stored_hash != body_hash {
        return Err(ApplyingError::IdempotencyKeyReused);
    }
    Ok(Submitted::Replayed(u16::try_from(status).map_err(anyhow::Error::from)?, response))
}

/// Shows a license number with its middle hidden when it is long (identity numbers).
fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 15 {
        return number.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// SHA-256 of a body, base64url, as idempotency keys remember it.
pub fn body_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    /// 2026-12-07 at a time of day in Shanghai, plus `tenths` of a second.
    fn at(hour: u32, minute: u32, second: u32, tenths: i64) -> DateTime<Utc> {
        let local = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 12, 7, hour, minute, second).single();
        local.expect("a time of that day").with_timezone(&Utc) + chrono::Duration::milliseconds(100 * tenths)
    }

    #[test]
    fn an_application_number_carries_its_time_of_day_so_that_a_day_s_numbers_sort_in_the_order_given() {
        let first = application_no(at(0, 0, 0, 0));
        assert!(first.starts_with("YW202612070000"), "{first}");
        // 863,999 tenths of a second, the day's last, in base 32: 26, 11, 23, 31.
        let last = application_no(at(23, 59, 59, 9));
        assert!(last.starts_with("YW20261207TBQZ"), "{last}");
        for number in [&first, &last] {
            assert_eq!(number.len(), 24);
            ApplicationNo::parse(number).expect("a number the shared parser takes");
        }
        let given: Vec<String> = (0..50).map(|tenth| application_no(at(9, 30, 0, tenth))).collect();
        let mut sorted = given.clone();
        sorted.sort();
        assert_eq!(sorted, given, "a number given a tenth of a second later sorts after");
        let within_a_tenth: BTreeSet<String> = (0..100).map(|_| application_no(at(9, 30, 0, 0))).collect();
        assert_eq!(within_a_tenth.len(), 100, "within a tenth of a second the random part tells them apart");
    }
}
