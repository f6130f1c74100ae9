//! 检索同义词 — the words citizens use for a service, kept as catalogue data: "社保" for
//! 社会保险, "失业金" for 失业保险金, "营业执照" for 设立登记. An item whose name or
//! materials hold one of a synonym's meanings is found by the synonym too (and by its pinyin
//! and initials: `shebao`, `sb`). Catalogue administrators edit the list.

use serde::{Deserialize, Serialize};

use crate::{Bilingual, FieldCode, FieldError};

/// The longest synonym or meaning, in characters.
pub const MAX_SYNONYM_LEN: usize = 20;
/// The most meanings one synonym has.
pub const MAX_MEANINGS: usize = 8;

/// 同义词 — a word people use and what it means in the catalogue's own words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Synonym {
    /// The word people use ("社保").
    pub term: String,
    /// What it stands for in item names and materials ("社会保险").
    pub means: Vec<String>,
}

/// `PUT /api/v1/catalogue/synonyms/{term}`: what the word means.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SynonymRequest {
    /// One to eight meanings, each one to twenty characters.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 8))]
    pub means: Vec<String>,
}

/// One word of the list, trimmed, or what is wrong with it.
fn word(field: &str, raw: &str) -> Result<String, FieldError> {
    let w = raw.trim();
    if w.is_empty() {
        return Err(FieldError::new(field, FieldCode::Empty));
    }
    if w.chars().count() > MAX_SYNONYM_LEN {
        return Err(FieldError::with_message(
            field,
            FieldCode::TooLong,
            Bilingual::new("每个词不超过20个字", "Each word is at most 20 characters"),
        ));
    }
    if w.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(FieldError::with_message(
            field,
            FieldCode::ControlCharacter,
            Bilingual::new("一个词里不能有空格", "A word holds no spaces"),
        ));
    }
    Ok(w.to_lowercase())
}

impl Synonym {
    /// Checks a synonym and its meanings; the words come back trimmed and lower-cased, the
    /// meanings without repeats.
    pub fn parse(term: &str, request: &SynonymRequest) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let term = word("term", term).map_err(|e| errors.push(e)).unwrap_or_default();
        if request.means.is_empty() || request.means.len() > MAX_MEANINGS {
            errors.push(FieldError::with_message(
                "means",
                FieldCode::OutOfRange,
                Bilingual::new("请填写1到8个含义", "Give one to eight meanings"),
            ));
        }
        let mut means: Vec<String> = Vec::new();
        for (i, raw) in request.means.iter().enumerate() {
            match word(&format!("means[{i}]"), raw) {
                Ok(w) if w == term => errors.push(FieldError::with_message(
                    format!("means[{i}]"),
                    FieldCode::DuplicateOption,
                    Bilingual::new("含义不能与词本身相同", "A meaning differs from the word itself"),
                )),
                Ok(w) if !means.contains(&w) => means.push(w),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(Self { term, means }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(means: &[&str]) -> SynonymRequest {
        SynonymRequest { means: means.iter().map(|s| (*s).to_owned()).collect() }
    }

    #[test]
    fn a_synonym_is_trimmed_lower_cased_and_its_repeats_dropped() {
        let s = Synonym::parse(" 社保 ", &req(&["社会保险", " 社会保险", "Social"])).expect("a valid synonym");
        assert_eq!(s, Synonym { term: "社保".into(), means: vec!["社会保险".into(), "social".into()] });
    }

    #[test]
    fn every_wrong_word_is_named_by_its_place() {
        let errors = Synonym::parse("", &req(&["a b", &"长".repeat(21), ""])).expect_err("four wrong words");
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("term", FieldCode::Empty),
                ("means[0]", FieldCode::ControlCharacter),
                ("means[1]", FieldCode::TooLong),
                ("means[2]", FieldCode::Empty)
            ]
        );
        assert_eq!(Synonym::parse("社保", &req(&[])).expect_err("no meaning")[0].code, FieldCode::OutOfRange);
        assert_eq!(Synonym::parse("社保", &req(&["社保"])).expect_err("itself")[0].code, FieldCode::DuplicateOption);
    }
}
