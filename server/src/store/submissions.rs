//! 受理写入的存储 — what one submission writes: its application, one case per item with its
//! materials and first timeline step, the library reads it made, its idempotency key and its
//! audit event; and a group of submissions written as one unit of work.

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use shared::application::{CaseStatus, MaterialSource};
use shared::audit::AuditAction;

use super::applications::{AccessEntry, IdempotentRow, KEY_ANSWER, KeyAnswerRow, insert_access};
use super::{AuditEvent, Store, Timestamp, UnitOfWork};
use crate::on_tx;

/// A case to create.
#[derive(Clone, Debug)]
pub struct NewCase {
    /// 办件编号
    pub case_no: String,
    /// 事项编码
    pub item_code: String,
    /// The published version applied for.
    pub item_version: i64,
    /// Item name.
    pub name_zh: String,
    /// Item name in English.
    pub name_en: String,
    /// Handling department.
    pub department_code: String,
    /// Whether the pledge was signed.
    pub pledged: bool,
    /// Working days promised.
    pub promised_working_days: i64,
    /// Its stage in a staged application (0 starts at once; later ones wait).
    pub stage: i64,
}

/// A material of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCaseMaterial {
    /// The case.
    pub case_no: String,
    /// Material key in the form.
    pub material_key: String,
    /// How it reached the department.
    pub source: MaterialSource,
    /// The license attached.
    pub license_id: Option<String>,
    /// The file uploaded.
    pub upload_id: Option<String>,
    /// The file's content hash.
    pub sha256: Option<String>,
}

/// Everything one submission writes.
#[derive(Clone, Debug)]
pub struct NewApplication {
    /// 申办编号
    pub application_no: String,
    /// The person applying, or filing for the enterprise.
    pub applicant_person_id: String,
    /// The enterprise applying.
    pub applicant_uscc: Option<String>,
    /// The window clerk who filed it.
    pub filed_by: Option<String>,
    /// When it was received.
    pub submitted_at: DateTime<Utc>,
    /// The compiled form, as JSON: made on the request's thread, so that the writer, which
    /// writes one group at a time, only copies it.
    pub form: Box<RawValue>,
    /// The answers, sealed ([`crate::pii::PiiKeys::seal_text`] of the JSON).
    pub answers: String,
    /// The pledge text signed, if any item was pledged.
    pub pledge_text: Option<String>,
    /// The receipt the applicant is given, as JSON (an `ApplicationReceipt`).
    pub receipt: Box<RawValue>,
    /// 办理渠道 — where it was filed.
    pub channel: shared::catalogue::Channel,
    /// 委托代办 — the proxy who filed it for the applicant, and the authorization they filed
    /// under.
    pub proxy: Option<(String, String)>,
    /// 历史办事数据 — answers to keep as suggestions (field key, sealed value), kept only if the
    /// person consents when it is written.
    pub keep: Vec<(String, String)>,
    /// How the results are delivered.
    pub delivery: shared::workflow::DeliveryMethod,
    /// The pickup hall.
    pub delivery_hall: Option<String>,
    /// The postal address.
    pub delivery_address: Option<String>,
    /// One per item.
    pub cases: Vec<NewCase>,
    /// The materials of every case.
    pub materials: Vec<NewCaseMaterial>,
    /// The library reads this submission made.
    pub access: Vec<AccessEntry>,
    /// The draft to remove: (owner, id).
    pub draft: Option<(String, String)>,
}

/// An `Idempotency-Key` with what it was first sent with and answered.
#[derive(Clone, Debug)]
pub struct Idempotency {
    /// Whose key: the person submitting.
    pub scope: String,
    /// The key.
    pub key: String,
    /// SHA-256 of the body (hex).
    pub body_sha256: String,
    /// The answer's body, replayed byte for byte to a retry.
    pub response: String,
    /// The application whose receipt `response` is. The key stores this reference instead of
    /// the body, so a submission's receipt is kept once; a retry is answered from the
    /// application's row.
    pub application_no: Option<String>,
}

impl Idempotency {
    /// The body the key stores: none when it names its application, whose receipt is the answer.
    pub(super) fn stored_body(&self) -> Option<&str> {
        self.application_no.is_none().then_some(self.response.as_str())
    }
}

/// One submission to write.
#[derive(Clone, Debug)]
pub struct Submission {
    /// Its key, if the client sent one.
    pub idempotency: Option<Idempotency>,
    /// What it writes.
    pub application: NewApplication,
}

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Written; its receipt is the answer.
    Created,
    /// The key was used before: the stored answer (same body) or a refusal (other body).
    Replayed(IdempotentRow),
    /// Filed by a proxy whose authorization was revoked or ended before the write: nothing
    /// was written.
    ProxyLapsed,
}

impl Store {
    /// Writes a group of submissions as one unit of work (durable once [`Store::wal_sync`] has
    /// run after it, on SQLite). The group is written in a
    /// few statements ([`super::group_commit`]); when one of them fails, the group is written
    /// again one submission at a time, each in a savepoint of its own, so that one bad
    /// submission does not sink the others. The outer result fails only when the commit does;
    /// then none of them was written.
    pub async fn write_submissions(
        &self,
        group: &[&Submission],
    ) -> Result<Vec<Result<Outcome, sqlx::Error>>, sqlx::Error> {
        if group.len() > 1 {
            let mut uow = self.begin_group().await?;
            match uow.write_group(group).await {
                Ok(outcomes) => {
                    uow.commit_recorded().await?;
                    return Ok(outcomes.into_iter().map(Ok).collect());
                }
                Err(e) => {
                    tracing::warn!(error = %e, size = group.len(), "a group failed; writing it one submission at a time");
                    metrics::counter!("yiwang_group_commit_fallbacks_total").increment(1);
                    drop(uow);
                }
            }
        }
        let mut uow = self.begin_group().await?;
        let mut outcomes = Vec::with_capacity(group.len());
        for submission in group {
            uow.savepoint().await?;
            match uow.write_submission(submission).await {
                Ok(outcome) => {
                    uow.release_savepoint().await?;
                    outcomes.push(Ok(outcome));
                }
                Err(e) => {
                    uow.rollback_to_savepoint().await?;
                    outcomes.push(Err(e));
                }
            }
        }
        uow.commit_recorded().await?;
        Ok(outcomes)
    }
}

/// A case's first step: its status, and what the timeline says.
pub(super) struct FirstStep {
    pub status: CaseStatus,
    pub note_zh: &'static str,
    pub note_en: &'static str,
}

/// The first step of `case`: submitted, or waiting for an earlier stage.
pub(super) fn first_step(a: &NewApplication, case: &NewCase) -> FirstStep {
    let (note_zh, note_en) = match (a.filed_by.is_some(), case.stage > 0) {
        (true, false) => ("综合窗口代为提交申请", "Filed at a service hall window for the applicant present"),
        (false, false) => ("网上提交申请", "Application submitted online"),
        (_, true) => ("已提交，待前序事项办结后开始办理", "Submitted; starts once the earlier step is approved"),
    };
    let status = if case.stage > 0 { CaseStatus::Waiting } else { CaseStatus::Submitted };
    FirstStep { status, note_zh, note_en }
}

/// The content hashes of a submission's uploaded files, each once.
pub(super) fn files_of(a: &NewApplication) -> Vec<String> {
    let mut files: Vec<String> = a.materials.iter().filter_map(|m| m.sha256.clone()).collect();
    files.sort();
    files.dedup();
    files
}

/// The audit event that records a submission. A clerk at a window or a proxy files for the
/// applicant; the applicant is then recorded as the one acted for.
pub(super) fn submission_event<'a>(a: &'a NewApplication, files: &'a [String]) -> AuditEvent<'a> {
    let filer = a.filed_by.as_deref().or(a.proxy.as_ref().map(|(person, _)| person.as_str()));
    AuditEvent {
        actor_id: Some(filer.unwrap_or(&a.applicant_person_id)),
        acting_uscc: a.applicant_uscc.as_deref(),
        on_behalf_of: filer.map(|_| a.applicant_person_id.as_str()),
        action: AuditAction::ApplicationSubmitted,
        subject: &a.application_no,
        detail: a.proxy.as_ref().map_or("", |(_, grant)| grant.as_str()),
        role: a.filed_by.as_ref().map(|_| shared::account::Role::WindowClerk),
        department: None,
        files,
        at: a.submitted_at,
    }
}

impl UnitOfWork {
    async fn write_submission(&mut self, s: &Submission) -> Result<Outcome, sqlx::Error> {
        let a = &s.application;
        // The authorization is checked again in the write: a revocation that commits after the
        // request was checked still stops it.
        if let Some((_, grant)) = &a.proxy {
            let today = a.submitted_at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            if !self.proxy_holds(grant, today).await? {
                return Ok(Outcome::ProxyLapsed);
            }
        }
        if let Some(idem) = &s.idempotency
            && let Some(stored) = self.stored_key(idem).await?
        {
            return Ok(Outcome::Replayed(stored));
        }
        self.insert_application(a).await?;
        if let Some(idem) = &s.idempotency {
            self.insert_key(idem, 201, a.submitted_at).await?;
        }
        for c in &a.cases {
            self.insert_case(a, c).await?;
        }
        for m in &a.materials {
            self.insert_material(m).await?;
        }
        for e in &a.access {
            insert_access(self.tx(), e).await?;
        }
        self.remove_draft(a).await?;
        self.keep_answers(&[a]).await?;
        let files = files_of(a);
        self.record(&submission_event(a, &files)).await?;
        Ok(Outcome::Created)
    }

    /// Removes the draft a submission came from.
    pub(super) async fn remove_draft(&mut self, a: &NewApplication) -> Result<(), sqlx::Error> {
        if let Some((owner, id)) = &a.draft {
            on_tx!(self.tx(), |c| sqlx::query("DELETE FROM drafts WHERE id = $1 AND owner_id = $2")
                .bind(id)
                .bind(owner)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// The stored answer of a key, or, for a new key, claims it with this change's answer
    /// (`status` and `idem.response`).
    pub(super) async fn claim_key(
        &mut self,
        idem: &Idempotency,
        status: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<IdempotentRow>, sqlx::Error> {
        let stored = self.stored_key(idem).await?;
        if stored.is_none() {
            self.insert_key(idem, status, at).await?;
        }
        Ok(stored)
    }

    /// The stored answer of a key, read in this transaction.
    async fn stored_key(&mut self, idem: &Idempotency) -> Result<Option<IdempotentRow>, sqlx::Error> {
        let sql = format!("SELECT {KEY_ANSWER} WHERE k.scope = $1 AND k.key = $2");
        let row: Option<KeyAnswerRow> =
            on_tx!(self.tx(), |c| sqlx::query_as(&sql).bind(&idem.scope).bind(&idem.key).fetch_optional(c).await)?;
        row.map(IdempotentRow::try_from).transpose()
    }

    /// Stores a new key with its answer: the application it names, or else the body.
    async fn insert_key(&mut self, idem: &Idempotency, status: i64, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, body_sha256, status, response, application_no, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&idem.scope)
        .bind(&idem.key)
        .bind(&idem.body_sha256)
        .bind(status)
        .bind(idem.stored_body())
        .bind(idem.application_no.as_deref())
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn insert_application(&mut self, a: &NewApplication) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
            "INSERT INTO applications (application_no, applicant_person_id, applicant_uscc, filed_by, submitted_at, form, answers, pledge_text, receipt, delivery, delivery_hall, delivery_address, channel, proxy_id, proxy_grant)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&a.application_no)
        .bind(&a.applicant_person_id)
        .bind(&a.applicant_uscc)
        .bind(&a.filed_by)
        .bind(Timestamp::from(a.submitted_at))
        .bind(sqlx::types::Json(&a.form))
        .bind(&a.answers)
        .bind(&a.pledge_text)
        .bind(sqlx::types::Json(&a.receipt))
        .bind(a.delivery.as_str())
        .bind(&a.delivery_hall)
        .bind(&a.delivery_address)
        .bind(a.channel.as_str())
        .bind(a.proxy.as_ref().map(|(person, _)| person))
        .bind(a.proxy.as_ref().map(|(_, grant)| grant))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    async fn insert_case(&mut self, a: &NewApplication, case: &NewCase) -> Result<(), sqlx::Error> {
        let FirstStep { status, note_zh: zh, note_en: en } = first_step(a, case);
        let at = Timestamp::from(a.submitted_at);
        on_tx!(self.tx(), |c| {
            sqlx::query(
                "INSERT INTO cases (case_no, application_no, item_code, item_version, item_name_zh, item_name_en, department_code, status, pledged, promised_working_days, created_at, stage)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&case.case_no)
            .bind(&a.application_no)
            .bind(&case.item_code)
            .bind(case.item_version)
            .bind(&case.name_zh)
            .bind(&case.name_en)
            .bind(&case.department_code)
            .bind(status.as_str())
            .bind(case.pledged)
            .bind(case.promised_working_days)
            .bind(at)
            .bind(case.stage)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO case_events (id, case_no, seq, at, status, actor_id, note_zh, note_en)
                 VALUES ($1, $2, 1, $3, $4, $5, $6, $7)",
            )
            .bind(super::log_row_id())
            .bind(&case.case_no)
            .bind(at)
            .bind(status.as_str())
            .bind(a.filed_by.as_deref().unwrap_or(&a.applicant_person_id))
            .bind(zh)
            .bind(en)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    async fn insert_material(&mut self, m: &NewCaseMaterial) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO case_materials (case_no, material_key, source, license_id, upload_id, sha256)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&m.case_no)
        .bind(&m.material_key)
        .bind(m.source.as_str())
        .bind(&m.license_id)
        .bind(&m.upload_id)
        .bind(&m.sha256)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
