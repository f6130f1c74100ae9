//! 历史办事数据的存储 — the answers a person lets the platform keep, sealed, by the person, whom
//! they acted for (`scope`: an enterprise's credit code, or '' for themselves) and field.

use chrono::{DateTime, Utc};

use super::{Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

/// One kept answer, sealed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeptRow {
    /// The field's key.
    pub field_key: String,
    /// The answer, sealed with the PII key.
    pub value: String,
    /// When it was last given.
    #[sqlx(try_from = "Timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Whether the person lets answers be kept.
    pub async fn memory_consent(&self, person_id: &str) -> Result<bool, sqlx::Error> {
        let on: Option<bool> =
            on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT remember_answers FROM persons WHERE id = $1")
                .bind(person_id)
                .fetch_optional(p)
                .await)?;
        Ok(on.unwrap_or(false))
    }

    /// The answers kept for a person acting for `scope`, by field key.
    pub async fn kept_answers(&self, person_id: &str, scope: &str) -> Result<Vec<KeptRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| {
            sqlx::query_as(
            "SELECT field_key, value, updated_at FROM answer_memory WHERE person_id = $1 AND scope = $2 ORDER BY field_key"
        )
        .bind(person_id)
        .bind(scope)
        .fetch_all(p)
        .await
        })
    }
}

impl UnitOfWork {
    /// Records the person's consent; withdrawing it deletes everything kept.
    pub async fn set_memory_consent(&mut self, person_id: &str, on: bool) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query("UPDATE persons SET remember_answers = $2 WHERE id = $1")
                .bind(person_id)
                .bind(on)
                .execute(&mut *c)
                .await?;
            if !on {
                sqlx::query("DELETE FROM answer_memory WHERE person_id = $1").bind(person_id).execute(&mut *c).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
    }

    /// Deletes one kept answer; `false` if there was none.
    pub async fn forget_answer(&mut self, person_id: &str, scope: &str, key: &str) -> Result<bool, sqlx::Error> {
        let deleted = on_tx!(self.tx(), |c| sqlx::query(
            "DELETE FROM answer_memory WHERE person_id = $1 AND scope = $2 AND field_key = $3"
        )
        .bind(person_id)
        .bind(scope)
        .bind(key)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(deleted > 0)
    }

    /// Keeps the answers of a submission (key, sealed value), only if the person consents now,
    /// as read in this transaction.
    pub(super) async fn keep_answers(
        &mut self,
        person_id: &str,
        scope: &str,
        answers: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        // On PostgreSQL the consent row is read under a share lock, so a withdrawal (which
        // updates it) waits for this submission, and its delete then sees what was kept. SQLite
        // has one writer at a time.
        let consents: bool = match self.tx() {
            super::Tx::Postgres(t) => {
                sqlx::query_scalar("SELECT remember_answers FROM persons WHERE id = $1 FOR SHARE")
                    .bind(person_id)
                    .fetch_optional(&mut **t)
                    .await?
                    .unwrap_or(false)
            }
            super::Tx::Sqlite(t) => sqlx::query_scalar("SELECT remember_answers FROM persons WHERE id = $1")
                .bind(person_id)
                .fetch_optional(&mut **t)
                .await?
                .unwrap_or(false),
        };
        if !consents {
            return Ok(());
        }
        for (key, value) in answers {
            on_tx!(self.tx(), |c| {
                sqlx::query(
                "INSERT INTO answer_memory (person_id, scope, field_key, value, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (person_id, scope, field_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
            )
            .bind(person_id)
            .bind(scope)
            .bind(key)
            .bind(value)
            .bind(Timestamp::from(at))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        Ok(())
    }
}
