//! 申办的存储 — the e-license library and its access log, uploads, drafts, applications with
//! their cases, materials and timelines, and submission idempotency keys. Submissions
//! themselves are written in [`super::submissions`].

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use shared::application::{ApplicationReceipt, CaseStatus};
use shared::license::{AccessPurpose, HolderKind};

use super::hot_reads::{Columns, sqlite_row, sqlite_rows};
use super::{Pool, Store, Timestamp, Tx};
use crate::{on_pool, on_tx};

/// A license in the library.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LicenseRow {
    /// Id in the library.
    pub id: String,
    /// A person's or an enterprise's.
    #[sqlx(try_from = "String")]
    pub holder_kind: HolderKind,
    /// The holder's identity-number hash or credit code.
    pub holder_key: String,
    /// E-license type key.
    pub license_type: String,
    /// 证照编号
    pub number: String,
    /// 发证机关
    pub issuer: String,
    /// 有效期起
    pub valid_from: NaiveDate,
    /// 有效期至, or none for 长期.
    pub valid_until: Option<NaiveDate>,
    /// Revoked by its issuer.
    pub revoked: bool,
    /// The license's data.
    #[sqlx(json)]
    pub data: serde_json::Value,
}

impl LicenseRow {
    /// A row of [`Store::licenses_of_either`]'s query on SQLite.
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: c.get("id")?,
            holder_kind: c.parse("holder_kind")?,
            holder_key: c.get("holder_key")?,
            license_type: c.get("license_type")?,
            number: c.get("number")?,
            issuer: c.get("issuer")?,
            valid_from: c.date("valid_from")?,
            valid_until: c.optional_date("valid_until")?,
            revoked: c.get("revoked")?,
            data: c.json("data")?,
        })
    }
}

/// One read of a license, to record.
#[derive(Clone, Debug)]
pub struct AccessEntry {
    /// The license read.
    pub license_id: String,
    /// Its holder.
    pub holder_key: String,
    /// Who read it.
    pub actor_id: String,
    /// The enterprise they acted for.
    pub acting_uscc: Option<String>,
    /// The applicant a window clerk served.
    pub on_behalf_of: Option<String>,
    /// Why.
    pub purpose: AccessPurpose,
    /// The application it served.
    pub application_no: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A read of a holder's licenses, as the holder sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccessRow {
    /// When.
    #[sqlx(try_from = "Timestamp")]
    pub at: DateTime<Utc>,
    /// E-license type key.
    pub license_type: String,
    /// The reader's name.
    pub actor_name: String,
    /// The enterprise they acted for.
    pub acting_uscc: Option<String>,
    /// Set when a window clerk read it for an applicant present.
    pub on_behalf_of: Option<String>,
    /// Why.
    #[sqlx(try_from = "String")]
    pub purpose: AccessPurpose,
    /// The application it served.
    pub application_no: Option<String>,
}

/// The limits an upload is admitted under.
#[derive(Clone, Copy, Debug)]
pub struct UploadLimits {
    /// Files per person and day.
    pub max_files: i64,
    /// Bytes stored per person.
    pub max_bytes: i64,
}

/// Whether an upload was admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadAdmission {
    /// Recorded.
    Stored,
    /// Refused: the person uploaded their files for today.
    DailyLimit,
    /// Refused: it would take the person past their stored-bytes quota; `stored` are theirs now.
    Quota {
        /// Bytes the person has stored.
        stored: i64,
    },
}

/// What expiring old uploads removed.
#[derive(Clone, Debug, Default)]
pub struct ExpiredUploads {
    /// Drafts deleted.
    pub drafts: u64,
    /// Upload records deleted.
    pub uploads: u64,
    /// Stored files (SHA-256) that no upload refers to any more, to delete from disk.
    pub unused_files: Vec<String>,
}

/// An uploaded file.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UploadRow {
    /// Upload id.
    pub id: String,
    /// Who uploaded it.
    pub owner_id: String,
    /// SHA-256 of the content (hex), its name on disk.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// The media type its content signature shows.
    pub media_type: String,
    /// The file name as given, made safe.
    pub file_name: String,
}

impl UploadRow {
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: c.get("id")?,
            owner_id: c.get("owner_id")?,
            sha256: c.get("sha256")?,
            size: c.get("size")?,
            media_type: c.get("media_type")?,
            file_name: c.get("file_name")?,
        })
    }
}

/// A saved draft.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DraftRow {
    /// Draft id.
    pub id: String,
    /// The enterprise it is for, if any.
    pub acting_uscc: Option<String>,
    /// Item codes as the applicant chose them.
    #[sqlx(json)]
    pub items: Vec<String>,
    /// The answers so far, sealed ([`crate::pii::PiiKeys::seal_text`] of the JSON).
    pub answers: String,
    /// When it was last saved.
    #[sqlx(try_from = "Timestamp")]
    pub updated_at: DateTime<Utc>,
}

/// A case with its application's applicant, for progress and lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// 事项名称
    pub item_name_zh: String,
    /// Item name in English.
    pub item_name_en: String,
    /// Handling department.
    pub department_code: String,
    /// Department name.
    pub department_zh: String,
    /// Department name in English.
    pub department_en: String,
    /// Where it stands; a name no version wrote is an error.
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    /// Working days promised.
    pub promised_working_days: i64,
    /// The person who applied or filed for the enterprise.
    pub applicant_person_id: String,
    /// The enterprise that applied.
    pub applicant_uscc: Option<String>,
}

/// A step of a case's timeline.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    /// When.
    #[sqlx(try_from = "Timestamp")]
    pub at: DateTime<Utc>,
    /// Status reached.
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    /// Note in Chinese.
    pub note_zh: String,
    /// Note in English.
    pub note_en: String,
}

/// An application in a list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationRow {
    /// 申办编号
    pub application_no: String,
    /// When it was submitted.
    #[sqlx(try_from = "Timestamp")]
    pub submitted_at: DateTime<Utc>,
    /// The receipt as first answered.
    #[sqlx(json)]
    pub receipt: ApplicationReceipt,
}

/// A stored idempotent answer.
#[derive(Clone, Debug)]
pub struct IdempotentRow {
    /// SHA-256 of the first body (hex).
    pub body_sha256: String,
    /// HTTP status of the first answer.
    pub status: i64,
    /// The first answer's body, byte for byte.
    pub response: String,
}

/// A key's stored answer as read: its body, or the receipt of the application it names
/// (`response` and `application_no` of `idempotency_keys`, of which exactly one is set).
pub(super) const KEY_ANSWER: &str = "k.body_sha256, k.status, k.response, a.receipt
    FROM idempotency_keys k LEFT JOIN applications a ON a.application_no = k.application_no";

/// A row of [`KEY_ANSWER`].
#[derive(sqlx::FromRow)]
pub(super) struct KeyAnswerRow {
    body_sha256: String,
    status: i64,
    response: Option<String>,
    receipt: Option<sqlx::types::Json<ApplicationReceipt>>,
}

impl KeyAnswerRow {
    /// A row of [`KEY_ANSWER`] on SQLite.
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            body_sha256: c.get("body_sha256")?,
            status: c.get("status")?,
            response: c.get("response")?,
            receipt: c.optional_json("receipt")?.map(sqlx::types::Json),
        })
    }
}

impl TryFrom<KeyAnswerRow> for IdempotentRow {
    type Error = sqlx::Error;

    /// The answer a retry is given. A receipt is written as the first answer wrote it
    /// (`serde_json::to_string` of the same value), so the replay is byte for byte.
    fn try_from(row: KeyAnswerRow) -> Result<Self, sqlx::Error> {
        let response = match (row.response, row.receipt) {
            (Some(body), _) => body,
            (None, Some(receipt)) => serde_json::to_string(&receipt.0).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            (None, None) => {
                return Err(sqlx::Error::Decode("an idempotency key has neither an answer nor its application".into()));
            }
        };
        Ok(IdempotentRow { body_sha256: row.body_sha256, status: row.status, response })
    }
}

const CASE_COLUMNS: &str = "c.case_no, c.application_no, c.item_name_zh, c.item_name_en, c.department_code,
    d.name_zh AS department_zh, d.name_en AS department_en, c.status, c.promised_working_days,
    a.applicant_person_id, a.applicant_uscc";

/// The e-license library and its access log.
impl Store {
    /// Adds a license to the library (the demo and department systems).
    pub async fn insert_license(&self, l: &LicenseRow) -> Result<(), sqlx::Error> {
        let mut uow = self.begin().await?;
        uow.issue_license(l).await?;
        uow.commit_recorded().await
    }

    /// Adds or renames a kind of certificate.
    pub async fn upsert_license_type(&self, t: &shared::catalogue::ELicenseType) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO license_types (key, name_zh, name_en) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en",
        )
        .bind(&t.key)
        .bind(&t.name.zh)
        .bind(&t.name.en)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every kind of certificate, by key.
    pub async fn license_types(&self) -> Result<std::collections::BTreeMap<String, shared::Bilingual>, sqlx::Error> {
        let rows: Vec<(String, String, String)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT key, name_zh, name_en FROM license_types")
                .fetch_all(p)
                .await?);
        Ok(rows.into_iter().map(|(key, zh, en)| (key, shared::Bilingual::new(zh, en))).collect())
    }

    /// Every license of one or two holders, in a stable order, in one query.
    pub async fn licenses_of_either(&self, first: &str, second: &str) -> Result<Vec<LicenseRow>, sqlx::Error> {
        const SQL: &str =
            "SELECT id, holder_kind, holder_key, license_type, number, issuer, valid_from, valid_until, revoked, data
               FROM e_licenses WHERE holder_key = $1 OR holder_key = $2 ORDER BY license_type, id";
        match &self.pool {
            Pool::Sqlite(_) => {
                self.hot.on_sqlite(|c| sqlite_rows(c, SQL, [first, second], LicenseRow::from_sqlite)).await
            }
            Pool::Postgres(p) => sqlx::query_as(SQL).bind(first).bind(second).fetch_all(p).await,
        }
    }

    /// Every license of a holder, in a stable order.
    pub async fn licenses_of(&self, holder_key: &str) -> Result<Vec<LicenseRow>, sqlx::Error> {
        self.licenses_of_either(holder_key, holder_key).await
    }

    /// Records reads of licenses outside a submission (compiling a form). The access log is
    /// the holder's record of these reads, as the audit trail is of changes.
    pub async fn log_license_access(&self, entries: &[AccessEntry]) -> Result<(), sqlx::Error> {
        let mut uow = self.begin().await?;
        for e in entries {
            insert_access(uow.tx(), e).await?;
        }
        uow.commit_recorded().await
    }

    /// The reads of a holder's licenses, newest first (at most `limit`).
    pub async fn license_access_of(&self, holder_key: &str, limit: i64) -> Result<Vec<AccessRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| {
            sqlx::query_as(
            "SELECT x.at, l.license_type, p.name AS actor_name, x.acting_uscc, x.on_behalf_of, x.purpose, x.application_no
               FROM e_license_access x
               JOIN e_licenses l ON l.id = x.license_id
               JOIN persons p ON p.id = x.actor_id
              WHERE x.holder_key = $1
              ORDER BY x.at DESC, x.id DESC
              LIMIT $2",
        )
        .bind(holder_key)
        .bind(limit)
        .fetch_all(p)
        .await
        })
    }
}

/// Uploads: a person's own files before an application holds them. Housekeeping, not acts of
/// record: an upload becomes part of the record when a submission attaches it.
impl Store {
    /// Records an uploaded file if the person is within their limits, in one transaction: one
    /// more file today (`day`, Asia/Shanghai) than `max_files`, and `max_bytes` stored in all.
    pub async fn insert_upload_within_limits(
        &self,
        u: &UploadRow,
        at: DateTime<Utc>,
        day: NaiveDate,
        limits: UploadLimits,
    ) -> Result<UploadAdmission, sqlx::Error> {
        let mut uow = self.begin().await?;
        let admission = on_tx!(uow.tx(), |c| {
            sqlx::query("INSERT INTO upload_days (owner_id, day, files) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING")
                .bind(&u.owner_id)
                .bind(day)
                .execute(&mut *c)
                .await?;
            // The row lock this takes makes a person's concurrent uploads wait for each other here.
            let counted =
                sqlx::query("UPDATE upload_days SET files = files + 1 WHERE owner_id = $1 AND day = $2 AND files < $3")
                    .bind(&u.owner_id)
                    .bind(day)
                    .bind(limits.max_files)
                    .execute(&mut *c)
                    .await?;
            if counted.rows_affected() != 1 {
                return Ok(UploadAdmission::DailyLimit);
            }
            let stored: i64 =
                sqlx::query_scalar("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM uploads WHERE owner_id = $1")
                    .bind(&u.owner_id)
                    .fetch_one(&mut *c)
                    .await?;
            if stored.saturating_add(u.size) > limits.max_bytes {
                return Ok(UploadAdmission::Quota { stored });
            }
            sqlx::query(
                "INSERT INTO uploads (id, owner_id, sha256, size, media_type, file_name, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&u.id)
            .bind(&u.owner_id)
            .bind(&u.sha256)
            .bind(u.size)
            .bind(&u.media_type)
            .bind(&u.file_name)
            .bind(Timestamp::from(at))
            .execute(&mut *c)
            .await?;
            UploadAdmission::Stored
        });
        uow.commit_recorded().await?;
        Ok(admission)
    }

    /// How many files a person uploaded on `day` (a cheap check before a body is read;
    /// [`Store::insert_upload_within_limits`] is the one that counts).
    pub async fn uploads_today(&self, owner_id: &str, day: NaiveDate) -> Result<i64, sqlx::Error> {
        let files: Option<i64> = on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT files FROM upload_days WHERE owner_id = $1 AND day = $2"
        )
        .bind(owner_id)
        .bind(day)
        .fetch_optional(p)
        .await?);
        Ok(files.unwrap_or(0))
    }

    /// Deletes uploads made before `before` that no application holds, and drafts last saved
    /// before it; returns the stored files (by SHA-256) that no upload needs any more.
    pub async fn expire_unattached_uploads(&self, before: DateTime<Utc>) -> Result<ExpiredUploads, sqlx::Error> {
        let before = Timestamp::from(before);
        let mut uow = self.begin().await?;
        let expired = on_tx!(uow.tx(), |c| {
            let drafts = sqlx::query("DELETE FROM drafts WHERE updated_at < $1").bind(before).execute(&mut *c).await?;
            let hashes: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT sha256 FROM uploads u
                  WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM case_materials m WHERE m.upload_id = u.id)",
            )
            .bind(before)
            .fetch_all(&mut *c)
            .await?;
            let uploads = sqlx::query(
                "DELETE FROM uploads
                  WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM case_materials m WHERE m.upload_id = uploads.id)",
            )
            .bind(before)
            .execute(&mut *c)
            .await?;
            let mut unused = Vec::new();
            for sha256 in hashes {
                let still: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads WHERE sha256 = $1")
                    .bind(&sha256)
                    .fetch_one(&mut *c)
                    .await?;
                if still == 0 {
                    unused.push(sha256);
                }
            }
            ExpiredUploads { drafts: drafts.rows_affected(), uploads: uploads.rows_affected(), unused_files: unused }
        });
        uow.commit_recorded().await?;
        Ok(expired)
    }

    /// An upload by id.
    pub async fn upload(&self, id: &str) -> Result<Option<UploadRow>, sqlx::Error> {
        const SQL: &str = "SELECT id, owner_id, sha256, size, media_type, file_name FROM uploads WHERE id = $1";
        match &self.pool {
            Pool::Sqlite(_) => self.hot.on_sqlite(|c| sqlite_row(c, SQL, [id], UploadRow::from_sqlite)).await,
            Pool::Postgres(p) => sqlx::query_as(SQL).bind(id).fetch_optional(p).await,
        }
    }

    /// The uploads among `ids`, in one query however many a submission names (a round trip
    /// each was more than a quarter of the statements a submission cost PostgreSQL in the
    /// benchmark; BENCHMARKS.md). Ids that name no upload are left out.
    pub async fn uploads(&self, ids: &[&str]) -> Result<Vec<UploadRow>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match &self.pool {
            Pool::Sqlite(_) => {
                // One text for any number of ids: a JSON array, read by `json_each`.
                const SQL: &str = "SELECT id, owner_id, sha256, size, media_type, file_name FROM uploads
                                    WHERE id IN (SELECT value FROM json_each($1))";
                let ids = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                self.hot.on_sqlite(move |c| sqlite_rows(c, SQL, [ids.as_str()], UploadRow::from_sqlite)).await
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT id, owner_id, sha256, size, media_type, file_name FROM uploads WHERE id = ANY($1)",
                )
                .bind(ids)
                .fetch_all(p)
                .await
            }
        }
    }

    /// A person's uploads, newest first (at most `limit`).
    pub async fn uploads_of(&self, owner_id: &str, limit: i64) -> Result<Vec<UploadRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, owner_id, sha256, size, media_type, file_name FROM uploads WHERE owner_id = $1
             ORDER BY created_at DESC, id LIMIT $2",
        )
        .bind(owner_id)
        .bind(limit)
        .fetch_all(p)
        .await)
    }

    /// Whether a person may read an upload through a case: the upload is a material of an
    /// application they applied for, or of their enterprise's.
    pub async fn upload_in_application_of(&self, upload_id: &str, person_id: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = on_pool!(&self.pool, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_materials m
               JOIN cases c ON c.case_no = m.case_no
               JOIN applications a ON a.application_no = c.application_no
              WHERE m.upload_id = $1
                AND (a.applicant_person_id = $2
                     OR a.applicant_uscc IN (SELECT uscc FROM enterprises WHERE legal_rep_id = $2
                                             UNION SELECT uscc FROM enterprise_agents WHERE person_id = $2))",
        )
        .bind(upload_id)
        .bind(person_id)
        .fetch_one(p)
        .await?);
        Ok(n > 0)
    }
}

/// Drafts: an applicant's own unfinished form, theirs to change at will.
impl Store {
    /// Saves a draft, new or replacing the owner's draft of the same id; `false` if the id is
    /// another person's.
    pub async fn save_draft(&self, owner_id: &str, d: &DraftRow) -> Result<bool, sqlx::Error> {
        let _turn = self.write_turn().await;
        let saved = on_pool!(&self.pool, |p| {
            sqlx::query(
            "INSERT INTO drafts (id, owner_id, acting_uscc, items, answers, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET items = excluded.items, answers = excluded.answers,
                 acting_uscc = excluded.acting_uscc, updated_at = excluded.updated_at
             WHERE drafts.owner_id = excluded.owner_id",
        )
        .bind(&d.id)
        .bind(owner_id)
        .bind(&d.acting_uscc)
        .bind(sqlx::types::Json(&d.items))
        .bind(&d.answers)
        .bind(Timestamp::from(d.updated_at))
        .execute(p)
        .await?
        .rows_affected()
        });
        Ok(saved == 1)
    }

    /// How many drafts a person keeps.
    pub async fn count_drafts(&self, owner_id: &str) -> Result<i64, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE owner_id = $1")
            .bind(owner_id)
            .fetch_one(p)
            .await)
    }

    /// A person's drafts, newest first.
    pub async fn drafts_of(&self, owner_id: &str) -> Result<Vec<DraftRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT id, acting_uscc, items, answers, updated_at FROM drafts WHERE owner_id = $1
             ORDER BY updated_at DESC, id LIMIT 50",
        )
        .bind(owner_id)
        .fetch_all(p)
        .await)
    }

    /// Deletes a person's draft.
    pub async fn delete_draft(&self, owner_id: &str, id: &str) -> Result<bool, sqlx::Error> {
        let _turn = self.write_turn().await;
        let deleted = on_pool!(&self.pool, |p| sqlx::query("DELETE FROM drafts WHERE id = $1 AND owner_id = $2")
            .bind(id)
            .bind(owner_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(deleted == 1)
    }
}

/// Applications and cases as their applicants read them.
impl Store {
    /// The stored answer of an idempotency key.
    pub async fn idempotent(&self, scope: &str, key: &str) -> Result<Option<IdempotentRow>, sqlx::Error> {
        static SQL: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {KEY_ANSWER} WHERE k.scope = $1 AND k.key = $2"));
        let row: Option<KeyAnswerRow> = match &self.pool {
            Pool::Sqlite(_) => {
                self.hot.on_sqlite(|c| sqlite_row(c, &SQL, [scope, key], KeyAnswerRow::from_sqlite)).await?
            }
            Pool::Postgres(p) => sqlx::query_as(&SQL).bind(scope).bind(key).fetch_optional(p).await?,
        };
        row.map(IdempotentRow::try_from).transpose()
    }

    /// The applications a person applied for, filed for an enterprise of theirs, or that their
    /// enterprises applied for; newest first.
    pub async fn applications_of(&self, person_id: &str, limit: i64) -> Result<Vec<ApplicationRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT application_no, submitted_at, receipt FROM applications
              WHERE applicant_person_id = $1
                 OR (proxy_id = $1 AND proxy_grant IN (SELECT id FROM person_proxies WHERE revoked_at IS NULL))
                 OR applicant_uscc IN (SELECT uscc FROM enterprises WHERE legal_rep_id = $1
                                       UNION SELECT uscc FROM enterprise_agents WHERE person_id = $1)
              ORDER BY submitted_at DESC, application_no DESC LIMIT $2",
        )
        .bind(person_id)
        .bind(limit)
        .fetch_all(p)
        .await)
    }

    /// One application, if the person applied for it, filed it for their enterprise or at a
    /// window for the applicant present, or their enterprise applied for it.
    pub async fn application_of(
        &self,
        application_no: &str,
        person_id: &str,
    ) -> Result<Option<ApplicationRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT application_no, submitted_at, receipt FROM applications
              WHERE application_no = $1
                AND (applicant_person_id = $2 OR filed_by = $2
                     OR (proxy_id = $2 AND proxy_grant IN (SELECT id FROM person_proxies WHERE revoked_at IS NULL))
                     OR applicant_uscc IN (SELECT uscc FROM enterprises WHERE legal_rep_id = $2
                                           UNION SELECT uscc FROM enterprise_agents WHERE person_id = $2))",
        )
        .bind(application_no)
        .bind(person_id)
        .fetch_optional(p)
        .await)
    }

    /// The cases of an application.
    pub async fn cases_of_application(&self, application_no: &str) -> Result<Vec<CaseRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c
               JOIN applications a ON a.application_no = c.application_no
               JOIN departments d ON d.code = c.department_code
              WHERE c.application_no = $1 ORDER BY c.case_no"
        );
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(application_no).fetch_all(p).await)
    }

    /// One case.
    pub async fn case(&self, case_no: &str) -> Result<Option<CaseRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases c
               JOIN applications a ON a.application_no = c.application_no
               JOIN departments d ON d.code = c.department_code
              WHERE c.case_no = $1"
        );
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(case_no).fetch_optional(p).await)
    }

    /// The case numbers of an application, in order.
    pub async fn case_nos_of(&self, application_no: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows: Vec<(String,)> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT case_no FROM cases WHERE application_no = $1 ORDER BY case_no"
        )
        .bind(application_no)
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }
}

/// Whose case a progress lookup names: a person by their identity-number hash, or an
/// enterprise by its credit code.
#[derive(Clone, Copy, Debug)]
pub enum LookupHolder<'a> {
    /// The identity-number hash.
    Person(&'a str),
    /// 统一社会信用代码
    Enterprise(&'a str),
}

/// Records one read of a license inside a transaction.
pub(super) async fn insert_access(tx: &mut Tx, e: &AccessEntry) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO e_license_access (id, at, license_id, holder_key, actor_id, acting_uscc, on_behalf_of, purpose, application_no)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(super::log_row_id())
    .bind(Timestamp::from(e.at))
    .bind(&e.license_id)
    .bind(&e.holder_key)
    .bind(&e.actor_id)
    .bind(&e.acting_uscc)
    .bind(&e.on_behalf_of)
    .bind(e.purpose.as_str())
    .bind(&e.application_no)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// One-time data migrations the server runs itself (those SQL cannot do).
impl Store {
    /// Whether a one-time data migration has run.
    pub async fn data_migration_done(&self, name: &str) -> Result<bool, sqlx::Error> {
        let found: Option<String> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT name FROM data_migrations WHERE name = $1")
                .bind(name)
                .fetch_optional(p)
                .await?);
        Ok(found.is_some())
    }

    /// Seals the answers of applications and drafts written before they were sealed (plain JSON
    /// starts with `{`, which base64 never holds), and records the migration as done, in one
    /// transaction. Returns how many rows were sealed.
    pub async fn seal_plain_answers(
        &self,
        name: &str,
        at: DateTime<Utc>,
        seal: impl Fn(&str) -> String,
    ) -> Result<u64, sqlx::Error> {
        let mut uow = self.begin().await?;
        let sealed = on_tx!(uow.tx(), |c| {
            let mut sealed = 0;
            for (table, key) in [("applications", "application_no"), ("drafts", "id")] {
                let rows: Vec<(String, String)> =
                    sqlx::query_as(&format!("SELECT {key}, answers FROM {table} WHERE answers LIKE '{{%'"))
                        .fetch_all(&mut *c)
                        .await?;
                for (id, answers) in rows {
                    sqlx::query(&format!("UPDATE {table} SET answers = $2 WHERE {key} = $1"))
                        .bind(&id)
                        .bind(seal(&answers))
                        .execute(&mut *c)
                        .await?;
                    sealed += 1;
                }
            }
            sqlx::query("INSERT INTO data_migrations (name, done_at) VALUES ($1, $2)")
                .bind(name)
                .bind(Timestamp::from(at))
                .execute(&mut *c)
                .await?;
            sealed
        });
        uow.commit_recorded().await?;
        Ok(sealed)
    }
}
