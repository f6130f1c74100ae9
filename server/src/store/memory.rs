//! 历史办事数据的存储 — the answers a person lets the platform keep, sealed, by the person, whom
//! they acted for (`scope`: an enterprise's credit code, or '' for themselves) and field.

use chrono::{DateTime, Utc};

use std::collections::{BTreeMap, BTreeSet};

use super::rows::{Cell, Rows};
use super::submissions::NewApplication;
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

    /// Keeps the answers of submissions (key, sealed value) of applicants filing for themselves
    /// or their enterprise, only where the person consents now, as read in this transaction.
    /// A later submission's answer to a field replaces an earlier one's.
    pub(super) async fn keep_answers(&mut self, submissions: &[&NewApplication]) -> Result<(), sqlx::Error> {
        let rows = self.answers_to_keep(submissions).await?;
        self.insert_rows(&rows).await
    }

    /// The rows [`UnitOfWork::keep_answers`] writes, for a change that writes them with others.
    pub(super) async fn answers_to_keep<'a>(
        &mut self,
        submissions: &[&'a NewApplication],
    ) -> Result<Rows<'a>, sqlx::Error> {
        // (person, scope) → field → (sealed value, when), the later submission winning.
        type Fields<'a> = BTreeMap<&'a str, (&'a str, Timestamp)>;
        let mut kept: BTreeMap<(&str, &str), Fields<'_>> = BTreeMap::new();
        for a in submissions.iter().filter(|a| a.filed_by.is_none() && a.proxy.is_none()) {
            let scope = a.applicant_uscc.as_deref().unwrap_or_default();
            let fields = kept.entry((a.applicant_person_id.as_str(), scope)).or_default();
            for (key, value) in &a.keep {
                fields.insert(key.as_str(), (value.as_str(), Timestamp::from(a.submitted_at)));
            }
        }
        kept.retain(|_, fields| !fields.is_empty());
        let people: BTreeSet<&str> = kept.keys().map(|(person, _)| *person).collect();
        let consenting = self.consenting_to_keep(&people).await?;
        let mut rows = Rows::new("answer_memory", &["person_id", "scope", "field_key", "value", "updated_at"])
            .on_conflict(
                "(person_id, scope, field_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            );
        for ((person_id, scope), fields) in kept.iter().filter(|((person, _), _)| consenting.contains(*person)) {
            for (key, (value, at)) in fields {
                rows.push([
                    Cell::Text(person_id),
                    Cell::Text(scope),
                    Cell::Text(key),
                    Cell::Text(value),
                    Cell::At(*at),
                ]);
            }
        }
        Ok(rows)
    }

    /// Which of `people` let the platform keep their answers, in one query (on PostgreSQL of
    /// an array, one text for any number of people). On PostgreSQL the consent rows are read
    /// under a share lock, so a withdrawal (which updates its row) waits for this change, and
    /// its delete then sees what was kept. SQLite has one writer at a time.
    async fn consenting_to_keep(&mut self, people: &BTreeSet<&str>) -> Result<BTreeSet<String>, sqlx::Error> {
        if people.is_empty() {
            return Ok(BTreeSet::new());
        }
        let consenting: Vec<String> = match self.tx() {
            super::Tx::Postgres(t) => {
                let people: Vec<&str> = people.iter().copied().collect();
                sqlx::query_scalar("SELECT id FROM persons WHERE remember_answers AND id = ANY($1) FOR SHARE")
                    .bind(people)
                    .fetch_all(&mut **t)
                    .await?
            }
            super::Tx::Sqlite(t) => {
                let list = vec!["?"; people.len()].join(", ");
                let sql = format!("SELECT id FROM persons WHERE remember_answers AND id IN ({list})");
                let mut query = sqlx::query_scalar(&sql);
                for person in people {
                    query = query.bind(*person);
                }
                query.fetch_all(&mut **t).await?
            }
        };
        Ok(consenting.into_iter().collect())
    }
}
