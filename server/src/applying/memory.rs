//! 历史办事数据 — the answers a person lets the platform keep (see [`shared::memory`]): their
//! consent, what is kept for whom they act, and deleting it. Kept answers are written with the
//! submission that gave them ([`crate::store::submissions`]), only while the person consents.

use shared::application::{FormAnswers, OneForm};
use shared::audit::AuditAction;
use shared::memory::{FieldKey, MemoryConsent, Suggestion, Suggestions, is_kept};

use super::{ApplyingError, ApplyingService};
use crate::auth::service::{Session, audit};

impl ApplyingService<'_> {
    /// Whose memory a session reads: the person's own, for themselves or the enterprise they act
    /// for. Staff keep none, and at a window nobody reads an applicant's.
    fn memory_of(s: &Session) -> Result<(String, String), ApplyingError> {
        if s.staff.is_some() {
            return Err(ApplyingError::Forbidden);
        }
        Ok((s.row.person_id.clone(), s.row.acting_uscc.clone().unwrap_or_default()))
    }

    /// 我的填写记录 — the consent and what is kept.
    pub async fn suggestions(&self, s: &Session) -> Result<Suggestions, ApplyingError> {
        let (person, scope) = Self::memory_of(s)?;
        let consent = self.store.memory_consent(&person).await?;
        let entries = self
            .store
            .kept_answers(&person, &scope)
            .await?
            .into_iter()
            .map(|row| {
                Ok(Suggestion {
                    key: row.field_key,
                    value: self.pii.open_text(&row.value)?,
                    updated_at: row.updated_at,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Suggestions { consent, entries })
    }

    /// Gives or withdraws the consent (recorded in the audit chain); withdrawing deletes what
    /// was kept.
    pub async fn set_memory_consent(&self, s: &Session, req: MemoryConsent) -> Result<Suggestions, ApplyingError> {
        let (person, _) = Self::memory_of(s)?;
        let action = if req.remember { AuditAction::AnswerMemoryOn } else { AuditAction::AnswerMemoryOff };
        let mut uow = self.store.begin().await?;
        uow.set_memory_consent(&person, req.remember).await?;
        uow.commit(&audit(Some(&s.row), action, &person, "", self.clock.now())).await?;
        self.suggestions(s).await
    }

    /// Deletes one kept answer; deleting one that is not kept changes nothing.
    pub async fn forget_answer(&self, s: &Session, key: &FieldKey) -> Result<(), ApplyingError> {
        let (person, scope) = Self::memory_of(s)?;
        let mut uow = self.store.begin().await?;
        if uow.forget_answer(&person, &scope, key.as_str()).await? {
            uow.commit(&audit(Some(&s.row), AuditAction::AnswerForgotten, &person, key.as_str(), self.clock.now()))
                .await?;
        }
        Ok(())
    }

    /// The answers of a submission that may be kept, sealed (written only if the person
    /// consents when the submission is).
    pub(super) fn answers_to_keep(&self, form: &OneForm, answers: &FormAnswers) -> Vec<(String, String)> {
        form.fields
            .iter()
            .filter(|f| is_kept(&f.field) && !form.known.iter().any(|k| k.key == f.field.key))
            .filter_map(|f| {
                let value = answers.fields.get(&f.field.key)?.as_str()?.trim();
                (!value.is_empty()).then(|| (f.field.key.clone(), self.pii.seal_text(value)))
            })
            .collect()
    }
}
