use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{first_bad, normalize};
use crate::Bilingual;

/// Length of a resident identity number (GB 11643-1999 §4).
const LEN: usize = 18;
/// ISO 7064 MOD 11-2 weights of the first 17 digits: 2^(18-i) mod 11 (GB 11643-1999 §7.2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each weighted sum mod 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level prefixes of GB/T 2260 area codes (the first two digits).
const PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];
/// No living holder was born earlier; the standard's date field starts in the 1900s.
const EARLIEST_BIRTH: (i32, u32, u32) = (1900, 1, 1);

/// 公民身份号码 — an 18-digit resident identity number (GB 11643-1999) whose check digit,
/// area code prefix and birth date have been verified.
///
/// It is personal information (PIPL art. 28): `Debug` prints it masked, and there is no
/// `Display`, so a full number only leaves through [`ResidentId::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

/// 性别 — the holder's sex, from the parity of the sequence code (odd: male).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

/// Why a text is not a resident identity number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Nothing was entered.
    #[error("empty")]
    Empty,
    /// Not 18 characters.
    #[error("wrong length {found}")]
    WrongLength {
        /// How many characters were entered.
        found: usize,
    },
    /// A character other than a digit, or other than a digit or X in the last place.
    #[error("bad character {found:?} at {position}")]
    BadCharacter {
        /// 1-based position.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The first two digits are no province-level code.
    #[error("bad area code {area}")]
    BadAreaCode {
        /// The six-digit area code.
        area: String,
    },
    /// Digits 7–14 are no calendar date, or one before 1900-01-01.
    #[error("invalid birth date {digits}")]
    InvalidBirthDate {
        /// The eight digits as entered.
        digits: String,
    },
    /// The birth date is after today.
    #[error("birth date {date} is in the future")]
    FutureBirthDate {
        /// The birth date.
        date: NaiveDate,
    },
    /// The 18th character does not match the first 17 (ISO 7064 MOD 11-2).
    #[error("check digit should be {expected}, found {found}")]
    BadCheckDigit {
        /// The check character the first 17 digits call for.
        expected: char,
        /// The one entered.
        found: char,
    },
}

impl ResidentIdError {
    /// Stable machine code, as used in problem responses and in `id_examples.json`.
    pub fn code(&self) -> crate::problem::FieldCode {
        match self {
            Self::Empty => crate::problem::FieldCode::Empty,
            Self::WrongLength { .. } => crate::problem::FieldCode::WrongLength,
            Self::BadCharacter { .. } => crate::problem::FieldCode::BadCharacter,
            Self::BadAreaCode { .. } => crate::problem::FieldCode::BadAreaCode,
            Self::InvalidBirthDate { .. } => crate::problem::FieldCode::InvalidBirthDate,
            Self::FutureBirthDate { .. } => crate::problem::FieldCode::FutureBirthDate,
            Self::BadCheckDigit { .. } => crate::problem::FieldCode::BadCheckDigit,
        }
    }

    /// What is wrong, for the person who typed it.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::Empty => Bilingual::new("请输入身份证号码", "Enter the resident identity number"),
            Self::WrongLength { found } => Bilingual::new(
                format!("身份证号码应为18位，您输入了{found}位"),
                format!("A resident identity number has 18 characters; {found} were entered"),
            ),
            Self::BadCharacter { position, found } => Bilingual::new(
                format!("第{position}位的“{found}”无效：前17位只能是数字，第18位是数字或X"),
                format!(
                    "Character {position} ('{found}') is not allowed: the first 17 must be digits, the 18th a digit or X"
                ),
            ),
            Self::BadAreaCode { area } => Bilingual::new(
                format!("前6位地址码“{area}”无效：前两位不是省级行政区划代码"),
                format!("The area code {area} (first 6 digits) is invalid: it does not start with a province code"),
            ),
            Self::InvalidBirthDate { digits } => Bilingual::new(
                format!("第7至14位的出生日期“{digits}”不是有效日期"),
                format!("The birth date in characters 7-14 ({digits}) is not a valid date"),
            ),
            Self::FutureBirthDate { date } => {
                Bilingual::new(format!("出生日期{date}晚于今天"), format!("The birth date {date} is after today"))
            }
            Self::BadCheckDigit { expected, found } => Bilingual::new(
                format!("第18位校验码应为{expected}，而不是{found}，请核对号码"),
                format!("The check character (18th) should be {expected}, not {found}: please check the number"),
            ),
        }
    }
}

impl ResidentId {
    /// Parses a resident identity number, accepting surrounding spaces and a lowercase `x`.
    /// Checks shape, area prefix, a real birth date from 1900 on, and the check digit; a
    /// birth date in the future is only caught by [`ResidentId::parse_as_of`].
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let s = normalize(input);
        let found = s.chars().count();
        if found == 0 {
            return Err(ResidentIdError::Empty);
        }
        if found != LEN {
            return Err(ResidentIdError::WrongLength { found });
        }
        if let Some((position, found)) = first_bad(&s, |i, c| c.is_ascii_digit() || (i == LEN - 1 && c == 'X')) {
            return Err(ResidentIdError::BadCharacter { position, found });
        }
        let province: u32 = s[..2].parse().expect("two ASCII digits");
        if !PROVINCES.contains(&province) {
            return Err(ResidentIdError::BadAreaCode { area: s[..6].to_owned() });
        }
        birth_date_of(&s)?;
        let expected = check_digit(&s[..17]);
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(ResidentIdError::BadCheckDigit { expected, found });
        }
        Ok(Self(s))
    }

    /// [`ResidentId::parse`], and refuses a birth date after `today`. Servers and forms call
    /// this one; `today` is passed in because this crate reads no clock.
    pub fn parse_as_of(input: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let id = Self::parse(input)?;
        let date = id.birth_date();
        if date > today {
            return Err(ResidentIdError::FutureBirthDate { date });
        }
        Ok(id)
    }

    /// The full number. Only for storage, encryption and the holder's own eyes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative area code of the place of first registration.
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// 出生日期
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).expect("checked when parsed")
    }

    /// 性别, from the parity of the 17th digit.
    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The form shown wherever a number is displayed or logged: the first four and last four
    /// characters, the rest as `*` (4419**********123X).
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks all but the first four and last four characters of an identifier; shorter inputs are
/// masked whole, so a mistyped number is not leaked either.
pub fn mask(s: &str) -> String {
    let n = s.chars().count();
    if n <= 8 {
        return "*".repeat(n);
    }
    s.chars().enumerate().map(|(i, c)| if i < 4 || i >= n - 4 { c } else { '*' }).collect()
}

fn birth_date_of(s: &str) -> Result<NaiveDate, ResidentIdError> {
    let digits = &s[6..14];
    let invalid = || ResidentIdError::InvalidBirthDate { digits: digits.to_owned() };
    let year: i32 = digits[..4].parse().map_err(|_| invalid())?;
    let month: u32 = digits[4..6].parse().map_err(|_| invalid())?;
    let day: u32 = digits[6..].parse().map_err(|_| invalid())?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)?;
    let (y, m, d) = EARLIEST_BIRTH;
    if date < NaiveDate::from_ymd_opt(y, m, d).expect("a real date") {
        return Err(invalid());
    }
    Ok(date)
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits.
fn check_digit(first17: &str) -> char {
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> String {
        id.0
    }
}

impl std::str::FromStr for ResidentId {
    type Err = ResidentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Builds a valid number from an area code, a birth date and a sequence code; for tests and
/// demo data.
pub fn compose(area: &str, birth: NaiveDate, sequence: u16) -> String {
    let first17 = format!("{area}{:04}{:02}{:02}{:03}", birth.year(), birth.month(), birth.day(), sequence % 1000);
    let check = check_digit(&first17);
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn examples() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/data/id_examples.json")).expect("valid JSON")
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("a real date")
    }

    #[test]
    fn accepts_every_valid_example_with_its_birth_date_and_sex() {
        for ex in examples()["resident_id"]["valid"].as_array().expect("a list") {
            let id = ResidentId::parse_as_of(ex["value"].as_str().expect("text"), as_of())
                .unwrap_or_else(|e| panic!("{ex}: {e}"));
            assert_eq!(id.birth_date().to_string(), ex["birth_date"].as_str().expect("text"));
            let sex = if ex["sex"] == "male" { Sex::Male } else { Sex::Female };
            assert_eq!(id.sex(), sex);
        }
    }

    #[test]
    fn refuses_every_invalid_example_for_its_stated_reason() {
        for ex in examples()["resident_id"]["invalid"].as_array().expect("a list") {
            let err = ResidentId::parse_as_of(ex["value"].as_str().expect("text"), as_of()).expect_err(&ex.to_string());
            assert_eq!(err.code().as_str(), ex["reason"].as_str().expect("text"), "{ex}");
        }
    }

    #[test]
    fn normalizes_spaces_and_lowercase_x() {
        for ex in examples()["resident_id"]["normalization"].as_array().expect("a list") {
            let id = ResidentId::parse(ex["value"].as_str().expect("text")).expect("accepted");
            assert_eq!(id.as_str(), ex["normalized"].as_str().expect("text"));
        }
    }

    #[test]
    fn messages_name_the_expected_check_digit_in_both_languages() {
        let err = ResidentId::parse("441900197903152840").expect_err("bad check digit");
        assert_eq!(err, ResidentIdError::BadCheckDigit { expected: '3', found: '0' });
        let msg = err.message();
        assert!(msg.zh.contains("应为3"), "{}", msg.zh);
        assert!(msg.en.contains("should be 3"), "{}", msg.en);
    }

    #[test]
    fn wrong_length_counts_characters_not_bytes() {
        let err = ResidentId::parse("身份证").expect_err("too short");
        assert_eq!(err, ResidentIdError::WrongLength { found: 3 });
        assert_eq!(ResidentId::parse("   ").expect_err("blank"), ResidentIdError::Empty);
    }

    #[test]
    fn masks_all_but_four_characters_at_each_end() {
        let id = ResidentId::parse("44190019910704818X").expect("valid");
        assert_eq!(id.masked(), "4419**********818X");
        assert_eq!(format!("{id:?}"), "ResidentId(\"4419**********818X\")");
        assert_eq!(mask("12345"), "*****");
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let ok: ResidentId = serde_json::from_str("\"44190019910704818x\"").expect("valid");
        assert_eq!(ok.as_str(), "44190019910704818X");
        assert!(serde_json::from_str::<ResidentId>("\"441900197903152840\"").is_err());
    }

    fn any_birth_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 125))
            .prop_map(|d| NaiveDate::from_ymd_opt(1900, 1, 1).expect("a real date") + chrono::Days::new(d as u64))
    }

    fn any_area() -> impl Strategy<Value = String> {
        (prop::sample::select(PROVINCES), 0u32..10_000).prop_map(|(p, rest)| format!("{p:02}{rest:04}"))
    }

    proptest! {
        #[test]
        fn composed_numbers_parse_back_to_their_parts(area in any_area(), birth in any_birth_date(), seq in 0u16..1000) {
            let id = ResidentId::parse(&compose(&area, birth, seq)).expect("composed numbers are valid");
            prop_assert_eq!(id.area_code(), area.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        }

        #[test]
        fn any_single_digit_change_is_refused(area in any_area(), birth in any_birth_date(), seq in 0u16..1000,
                                              pos in 0usize..17, delta in 1u8..10) {
            let mut bytes = compose(&area, birth, seq).into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).expect("ASCII");
            prop_assert!(ResidentId::parse(&changed).is_err());
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,30}") {
            let _ = ResidentId::parse(&s);
        }
    }
}
