use std::fmt;

use serde::{Deserialize, Serialize};

use super::{first_bad, normalize};
use crate::Bilingual;

/// Length of a unified social credit code (GB 32100-2015 §4).
const LEN: usize = 18;
/// The 31 characters a code may use: digits and capitals without I, O, Z, S, V, which are
/// too easily mistaken for 1, 0, 2, 5 and U (GB 32100-2015 §4.2).
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Letters left out of the character set on purpose; named so the message can say why.
const FORBIDDEN: &str = "IOZSV";
/// Weights 3^(i-1) mod 31 for the first 17 characters (GB 32100-2015 §5.2).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// Weights of the eight-character body of the embedded organization code (GB 11714-1997).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// 统一社会信用代码 — an 18-character unified social credit code (GB 32100-2015) whose check
/// character and embedded organization code check (GB 11714-1997) have been verified.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// Why a text is not a unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Nothing was entered.
    #[error("empty")]
    Empty,
    /// Not 18 characters.
    #[error("wrong length {found}")]
    WrongLength {
        /// How many characters were entered.
        found: usize,
    },
    /// One of I, O, Z, S, V, which the standard leaves out.
    #[error("forbidden character {found:?} at {position}")]
    ForbiddenCharacter {
        /// 1-based position.
        position: usize,
        /// The letter found there.
        found: char,
    },
    /// A character outside the standard's set (punctuation, a Chinese character, …).
    #[error("bad character {found:?} at {position}")]
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The 18th character does not match the first 17.
    #[error("check character should be {expected}, found {found}")]
    BadCheckChar {
        /// The check character the first 17 call for.
        expected: char,
        /// The one entered.
        found: char,
    },
    /// Characters 9–17, the organization code, fail their own GB 11714 check.
    #[error("organization code check should be {expected}, found {found}")]
    BadOrgCodeCheck {
        /// The check the organization code's first eight characters call for.
        expected: char,
        /// The 17th character as entered.
        found: char,
    },
}

impl UsccError {
    /// Stable machine code, as used in problem responses and in `id_examples.json`.
    pub fn code(&self) -> crate::problem::FieldCode {
        match self {
            Self::Empty => crate::problem::FieldCode::Empty,
            Self::WrongLength { .. } => crate::problem::FieldCode::WrongLength,
            Self::ForbiddenCharacter { .. } => crate::problem::FieldCode::ForbiddenCharacter,
            Self::BadCharacter { .. } => crate::problem::FieldCode::BadCharacter,
            Self::BadCheckChar { .. } => crate::problem::FieldCode::BadCheckChar,
            Self::BadOrgCodeCheck { .. } => crate::problem::FieldCode::BadOrgCodeCheck,
        }
    }

    /// What is wrong, for the person who typed it.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::Empty => Bilingual::new("请输入统一社会信用代码", "Enter the unified social credit code"),
            Self::WrongLength { found } => Bilingual::new(
                format!("统一社会信用代码应为18位，您输入了{found}位"),
                format!("A unified social credit code has 18 characters; {found} were entered"),
            ),
            Self::ForbiddenCharacter { position, found } => Bilingual::new(
                format!(
                    "第{position}位的字母“{found}”不会出现在统一社会信用代码中（不使用I、O、Z、S、V），请核对是否为数字"
                ),
                format!(
                    "Character {position} ('{found}') never appears in a credit code (I, O, Z, S and V are not used): is it a digit?"
                ),
            ),
            Self::BadCharacter { position, found } => Bilingual::new(
                format!("第{position}位的“{found}”无效：只能是数字或大写字母"),
                format!("Character {position} ('{found}') is not allowed: only digits and capital letters"),
            ),
            Self::BadCheckChar { expected, found } => Bilingual::new(
                format!("第18位校验码应为{expected}，而不是{found}，请核对代码"),
                format!("The check character (18th) should be {expected}, not {found}: please check the code"),
            ),
            Self::BadOrgCodeCheck { expected, found } => Bilingual::new(
                format!("第9至17位的组织机构代码校验位应为{expected}，而不是{found}，请核对代码"),
                format!(
                    "The organization code (characters 9-17) should end in {expected}, not {found}: please check the code"
                ),
            ),
        }
    }
}

impl Uscc {
    /// Parses a code, accepting surrounding spaces and lowercase letters.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let s = normalize(input);
        let found = s.chars().count();
        if found == 0 {
            return Err(UsccError::Empty);
        }
        if found != LEN {
            return Err(UsccError::WrongLength { found });
        }
        if let Some((position, found)) = first_bad(&s, |_, c| CHARSET.contains(c)) {
            return Err(if FORBIDDEN.contains(found) {
                UsccError::ForbiddenCharacter { position, found }
            } else {
                UsccError::BadCharacter { position, found }
            });
        }
        let expected = check_char(&s[..17]);
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(UsccError::BadCheckChar { expected, found });
        }
        let expected = org_code_check(&s[8..16]);
        let found = s.as_bytes()[16] as char;
        if expected != found {
            return Err(UsccError::BadOrgCodeCheck { expected, found });
        }
        Ok(Self(s))
    }

    /// The code as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理部门码 — the registering authority (9 market regulation, 5 civil affairs, …).
    pub fn registration_authority(&self) -> char {
        self.0.as_bytes()[0] as char
    }

    /// 机构类别码 — the kind of entity within its authority (91 company, 92 household, …).
    pub fn entity_type(&self) -> char {
        self.0.as_bytes()[1] as char
    }

    /// 登记管理机关行政区划码 — the six-digit area code.
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    /// 组织机构代码 — the nine-character organization code (GB 11714) inside it.
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }
}

fn value(c: char) -> u32 {
    CHARSET.find(c).expect("checked against CHARSET") as u32
}

/// GB 32100 check character: 31 − (Σ value × weight mod 31), with 31 written as 0.
fn check_char(first17: &str) -> char {
    let sum: u32 = first17.chars().zip(WEIGHTS).map(|(c, w)| value(c) * w).sum();
    let index = (31 - sum % 31) % 31;
    CHARSET.as_bytes()[index as usize] as char
}

/// GB 11714 check: 11 − (Σ value × weight mod 11); 10 is X and 11 is 0. Letters count
/// A=10 … Z=35 here, the standard's own values, not the GB 32100 index.
fn org_code_check(body8: &str) -> char {
    let sum: u32 = body8.chars().zip(ORG_WEIGHTS).map(|(c, w)| c.to_digit(36).unwrap_or(0) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).expect("below 10"),
    }
}

/// Builds a valid code from its authority and type characters, area code and the eight-character
/// organization code body (all from the character set); for tests and demo data.
pub fn compose(prefix: &str, area: &str, org_body: &str) -> String {
    let first17 = format!("{prefix}{area}{org_body}{}", org_code_check(org_body));
    let check = check_char(&first17);
    format!("{first17}{check}")
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Uscc").field(&self.0).finish()
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(code: Uscc) -> String {
        code.0
    }
}

impl std::str::FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn examples() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/data/id_examples.json")).expect("valid JSON")
    }

    #[test]
    fn accepts_every_valid_example_with_its_parts() {
        for ex in examples()["uscc"]["valid"].as_array().expect("a list") {
            let code = Uscc::parse(ex["value"].as_str().expect("text")).unwrap_or_else(|e| panic!("{ex}: {e}"));
            assert_eq!(code.registration_authority().to_string(), ex["registration_authority"].as_str().expect("text"));
            assert_eq!(code.entity_type().to_string(), ex["entity_type"].as_str().expect("text"));
            assert_eq!(code.area_code(), ex["area_code"].as_str().expect("text"));
            assert_eq!(code.organization_code(), ex["organization_code"].as_str().expect("text"));
        }
    }

    #[test]
    fn refuses_every_invalid_example_for_its_stated_reason() {
        for ex in examples()["uscc"]["invalid"].as_array().expect("a list") {
            let err = Uscc::parse(ex["value"].as_str().expect("text")).expect_err(&ex.to_string());
            assert_eq!(err.code().as_str(), ex["reason"].as_str().expect("text"), "{ex}");
        }
    }

    #[test]
    fn lowercase_and_spaces_are_accepted() {
        let code = Uscc::parse(" 91441900ma4w7cx39e ").expect("valid once normalized");
        assert_eq!(code.as_str(), "91441900MA4W7CX39E");
    }

    #[test]
    fn forbidden_letter_message_suggests_a_digit() {
        let err = Uscc::parse("91441900MO3K8PQ24B").expect_err("O is forbidden");
        assert_eq!(err, UsccError::ForbiddenCharacter { position: 10, found: 'O' });
        assert!(err.message().en.contains("is it a digit"));
        assert!(err.message().zh.contains("第10位"));
    }

    fn any_char() -> impl Strategy<Value = char> {
        prop::sample::select(CHARSET.chars().collect::<Vec<_>>())
    }

    fn any_code() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(any_char(), 2),
            prop::collection::vec(any_char(), 6),
            prop::collection::vec(any_char(), 8),
        )
            .prop_map(|(p, a, o)| {
                compose(
                    &p.into_iter().collect::<String>(),
                    &a.into_iter().collect::<String>(),
                    &o.into_iter().collect::<String>(),
                )
            })
    }

    proptest! {
        #[test]
        fn composed_codes_are_valid(code in any_code()) {
            prop_assert!(Uscc::parse(&code).is_ok(), "{}", code);
        }

        #[test]
        fn any_single_character_change_in_the_first_17_is_refused(code in any_code(), pos in 0usize..17, c in any_char()) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[pos] != c);
            chars[pos] = c;
            let changed: String = chars.into_iter().collect();
            prop_assert!(Uscc::parse(&changed).is_err(), "{}", changed);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,30}") {
            let _ = Uscc::parse(&s);
        }
    }
}
