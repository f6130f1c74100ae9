//! 已知信息 — what the platform knows of an applicant, in the one form (一号申办): the fields it
//! fills from unified identity, the enterprise record and the e-license library, shown masked
//! and read-only, never taken from the request; an answer that says otherwise is refused.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::application::{AGENT_CONDITION, FormAnswers, OneForm, deciding_answer, is_blank};
use crate::catalogue::{FactOrigin, KnownFact};
use crate::problem::FieldCode;
use crate::{Bilingual, FieldError};

/// A field the platform fills from what it knows, as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnownAnswer {
    /// The field's key.
    pub key: String,
    /// The fact it is.
    pub fact: KnownFact,
    /// Where the fact comes from.
    pub origin: FactOrigin,
    /// The value as shown (identity numbers masked).
    pub shown: String,
    /// The answer that makes it a question after all: a founder who files for others names the
    /// new business's legal representative instead of being it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<Waiver>,
}

/// An answer of the form that waives a known field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiver {
    /// The deciding field's key.
    pub field: String,
    /// The answer that waives it.
    pub answer: String,
}

/// 申请人已知信息 — what the platform holds about who applies, gathered by the server from
/// unified identity, the enterprise record and the e-license library.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantFacts {
    /// Each fact known, in full.
    pub facts: BTreeMap<KnownFact, String>,
    /// Filed by an agent whose authorization the platform records (an enterprise's 经办人, or a
    /// person's 委托代办人).
    pub authorized_agent: bool,
}

impl ApplicantFacts {
    /// A fact as the applicant sees it: identity numbers masked.
    pub fn shown(fact: KnownFact, value: &str) -> String {
        if fact.is_identity_number() { crate::identity::mask(value) } else { value.to_owned() }
    }
}

/// Whether an answer says the same as a known fact: the same text, ignoring surrounding space
/// and, for identifiers, the case of letters.
fn same_as_known(answer: &serde_json::Value, known: &str) -> bool {
    answer.as_str().is_some_and(|a| a.trim().eq_ignore_ascii_case(known.trim()))
}

impl OneForm {
    /// The form as this applicant fills it: the fields the platform knows are marked filled
    /// (shown masked where they are identity numbers), and an authorized agent's authorization
    /// stands in for the power of attorney.
    #[must_use]
    pub fn for_applicant(mut self, applicant: &ApplicantFacts) -> Self {
        let founding = self.founding;
        // A founder who declares they file for others (the answer that decides `agent_filing`)
        // names the legal representative rather than being it.
        let files_for_others = self.fields.iter().find_map(|f| {
            let (answer, _) = f.field.decides.iter().find(|(_, c)| c.as_str() == AGENT_CONDITION)?;
            Some(Waiver { field: f.field.key.clone(), answer: answer.clone() })
        });
        self.known = self
            .fields
            .iter()
            .filter_map(|f| {
                let asked = f.field.known?;
                let fact = Self::source_of(founding, asked)?;
                let value = applicant.facts.get(&fact)?;
                let legal_rep = matches!(asked, KnownFact::LegalRepName | KnownFact::LegalRepIdNumber);
                Some(KnownAnswer {
                    key: f.field.key.clone(),
                    fact,
                    origin: fact.origin(),
                    shown: ApplicantFacts::shown(fact, value),
                    unless: files_for_others.clone().filter(|_| founding && legal_rep),
                })
            })
            .collect();
        self.authorized_agent = applicant.authorized_agent;
        self
    }

    /// The fact that fills a field asking for `fact`. In a business's registration the business
    /// does not exist yet: its name is the founder's to choose, and its legal representative is
    /// the founder.
    fn source_of(founding: bool, fact: KnownFact) -> Option<KnownFact> {
        match fact {
            KnownFact::LegalRepName if founding => Some(KnownFact::PersonName),
            KnownFact::LegalRepIdNumber if founding => Some(KnownFact::PersonIdNumber),
            KnownFact::EnterpriseName | KnownFact::EnterpriseUscc if founding => None,
            fact => Some(fact),
        }
    }

    /// Whether the platform fills field `key` given these answers (a known field not waived by
    /// them).
    pub fn fills(&self, key: &str, answers: &FormAnswers) -> bool {
        self.known.iter().any(|k| k.key == key && !k.unless.as_ref().is_some_and(|w| Self::answered(answers, w)))
    }

    fn answered(answers: &FormAnswers, waiver: &Waiver) -> bool {
        deciding_answer(answers.fields.get(&waiver.field)).as_deref() == Some(waiver.answer.as_str())
    }

    /// Fills the fields the platform knows from `applicant`, whatever the answers said, and
    /// returns an error for each answer that said something else (nobody files in another
    /// person's or enterprise's name). The form must have been made [`Self::for_applicant`] the
    /// same applicant.
    pub fn fill_known(&self, answers: &mut FormAnswers, applicant: &ApplicantFacts) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let filled: Vec<&KnownAnswer> =
            self.known.iter().filter(|k| !k.unless.as_ref().is_some_and(|w| Self::answered(answers, w))).collect();
        for known in filled {
            let Some(value) = applicant.facts.get(&known.fact) else { continue };
            if let Some(answer) = answers.fields.get(&known.key).filter(|a| !is_blank(Some(a)))
                && !same_as_known(answer, value)
            {
                let label = self.fields.iter().find(|f| f.field.key == known.key).map(|f| f.field.label.clone());
                let label = label.unwrap_or_else(|| Bilingual::new(known.key.clone(), known.key.clone()));
                let origin = known.origin.name();
                errors.push(FieldError::with_message(
                    format!("fields.{}", known.key),
                    FieldCode::KnownFieldContradicts,
                    Bilingual::new(
                        format!("“{}”由系统填写（{}），不能填写为其他内容", label.zh, origin.zh),
                        format!(
                            "{} is filled in by the platform ({}) and cannot be changed",
                            label.en,
                            origin.en.to_lowercase()
                        ),
                    ),
                ));
            }
            answers.fields.insert(known.key.clone(), serde_json::Value::String(value.clone()));
        }
        errors
    }
}
