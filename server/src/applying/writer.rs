//! 受理写入 — one writer task per node that commits submissions in groups: it takes every
//! submission waiting, writes them in one transaction (each in its own savepoint, so one bad
//! submission does not sink the others) and answers each only after the commit is durable.
//! One fsync then serves a whole group, which is what lets a node take thousands of
//! submissions a second.

use sqlx::{Acquire as _, Any, Executor as _, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::store::applications::{AccessEntry, IdempotentRow, insert_access};
use crate::store::{Backend, Store};

/// The most submissions one transaction takes.
pub const MAX_GROUP: usize = 256;
/// Submissions that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4096;

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
}

/// A material of a case.
#[derive(Clone, Debug)]
pub struct NewCaseMaterial {
    /// The case.
    pub case_no: String,
    /// Material key in the form.
    pub material_key: String,
    /// `library`, `upload` or `pledge`.
    pub source: &'static str,
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
    /// Unix seconds.
    pub submitted_at: i64,
    /// The compiled form (JSON).
    pub form: String,
    /// The answers, sealed ([`crate::pii::PiiKeys::seal_text`] of the JSON).
    pub answers: String,
    /// The pledge text signed, if any item was pledged.
    pub pledge_text: Option<String>,
    /// The answer sent back (JSON), stored for replays.
    pub receipt: String,
    /// One per item.
    pub cases: Vec<NewCase>,
    /// The materials of every case.
    pub materials: Vec<NewCaseMaterial>,
    /// The library reads this submission made.
    pub access: Vec<AccessEntry>,
    /// The draft to remove: (owner, id).
    pub draft: Option<(String, String)>,
}

/// An `Idempotency-Key` with what it was first sent with.
#[derive(Clone, Debug)]
pub struct Idempotency {
    /// Whose key: the person submitting.
    pub scope: String,
    /// The key.
    pub key: String,
    /// SHA-256 of the body (hex).
    pub body_sha256: String,
}

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Written; its receipt is the answer.
    Created,
    /// The key was used before: the stored answer (same body) or a refusal (other body).
    Replayed(IdempotentRow),
}

struct Job {
    idempotency: Option<Idempotency>,
    application: NewApplication,
    reply: oneshot::Sender<Result<Outcome, sqlx::Error>>,
}

/// The handle submissions are sent through.
#[derive(Clone, Debug)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Job>,
}

impl SubmissionWriter {
    /// Starts the writer task on the store.
    pub fn start(store: Store) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, jobs));
        Self { queue }
    }

    /// Writes one submission with the next group, and answers once it is durable.
    pub async fn submit(
        &self,
        idempotency: Option<Idempotency>,
        application: NewApplication,
    ) -> Result<Outcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { idempotency, application, reply }).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn run(store: Store, mut jobs: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        let size = group.len();
        match write_group(&store, &group).await {
            Ok(outcomes) => {
                for (job, outcome) in group.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size, "submission group failed to commit");
                for job in group.drain(..) {
                    let _ = job.reply.send(Err(sqlx::Error::Protocol(format!("group commit failed: {e}"))));
                }
            }
        }
        tracing::debug!(size, "submission group committed");
    }
}

/// Writes a group in one transaction. The outer result fails only when the commit does.
async fn write_group(store: &Store, group: &[Job]) -> Result<Vec<Result<Outcome, sqlx::Error>>, sqlx::Error> {
    let mut conn = store.pool().acquire().await?;
    if store.backend() == Backend::Sqlite {
        // The commit is the durability point the submitter is told about: fsync it.
        conn.execute("PRAGMA synchronous = FULL").await?;
    }
    let mut tx = conn.begin().await?;
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        let mut savepoint = tx.begin().await?;
        match write_one(&mut savepoint, job).await {
            Ok(outcome) => {
                savepoint.commit().await?;
                outcomes.push(Ok(outcome));
            }
            Err(e) => {
                savepoint.rollback().await?;
                outcomes.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    if store.backend() == Backend::Sqlite {
        conn.execute("PRAGMA synchronous = NORMAL").await?;
    }
    Ok(outcomes)
}

async fn write_one(tx: &mut Transaction<'_, Any>, job: &Job) -> Result<Outcome, sqlx::Error> {
    let a = &job.application;
    if let Some(idem) = &job.idempotency {
        let stored: Option<IdempotentRow> =
            sqlx::query_as("SELECT body_sha256, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2")
                .bind(&idem.scope)
                .bind(&idem.key)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(stored) = stored {
            return Ok(Outcome::Replayed(stored));
        }
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, body_sha256, status, response, created_at)
             VALUES ($1, $2, $3, 201, $4, $5)",
        )
        .bind(&idem.scope)
        .bind(&idem.key)
        .bind(&idem.body_sha256)
        .bind(&a.receipt)
        .bind(a.submitted_at)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO applications (application_no, applicant_person_id, applicant_uscc, filed_by, submitted_at, form, answers, pledge_text, receipt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.application_no)
    .bind(&a.applicant_person_id)
    .bind(&a.applicant_uscc)
    .bind(&a.filed_by)
    .bind(a.submitted_at)
    .bind(&a.form)
    .bind(&a.answers)
    .bind(&a.pledge_text)
    .bind(&a.receipt)
    .execute(&mut **tx)
    .await?;
    for c in &a.cases {
        sqlx::query(
            "INSERT INTO cases (case_no, application_no, item_code, item_version, item_name_zh, item_name_en, department_code, status, pledged, promised_working_days, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10)",
        )
        .bind(&c.case_no)
        .bind(&a.application_no)
        .bind(&c.item_code)
        .bind(c.item_version)
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(&c.department_code)
        .bind(i64::from(c.pledged))
        .bind(c.promised_working_days)
        .bind(a.submitted_at)
        .execute(&mut **tx)
        .await?;
        let (zh, en) = if a.filed_by.is_some() {
            ("综合窗口代为提交申请", "Filed at a service hall window for the applicant present")
        } else {
            ("网上提交申请", "Application submitted online")
        };
        sqlx::query(
            "INSERT INTO case_events (id, case_no, at, status, actor_id, note_zh, note_en)
             VALUES ($1, $2, $3, 'submitted', $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&c.case_no)
        .bind(a.submitted_at)
        .bind(a.filed_by.as_deref().unwrap_or(&a.applicant_person_id))
        .bind(zh)
        .bind(en)
        .execute(&mut **tx)
        .await?;
    }
    for m in &a.materials {
        sqlx::query(
            "INSERT INTO case_materials (case_no, material_key, source, license_id, upload_id, sha256)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&m.case_no)
        .bind(&m.material_key)
        .bind(m.source)
        .bind(&m.license_id)
        .bind(&m.upload_id)
        .bind(&m.sha256)
        .execute(&mut **tx)
        .await?;
    }
    for e in &a.access {
        insert_access(tx, e).await?;
    }
    if let Some((owner, id)) = &a.draft {
        sqlx::query("DELETE FROM drafts WHERE id = $1 AND owner_id = $2")
            .bind(id)
            .bind(owner)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Outcome::Created)
}
