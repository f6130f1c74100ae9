//! 编号 — the numbers Yiwang gives applications and cases, and the ids of its records, as types
//! built only by parsing. A server extractor parses them from the path, so a malformed one is a
//! 4xx naming the parameter before any service runs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::problem::FieldCode;

/// The characters of a number's random part: digits and capitals without I, L, O and U, which
/// are read as 1, 1, 0 and V (Crockford's base 32).
pub const NUMBER_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random characters in an application number: 50 bits.
pub const NUMBER_RANDOM_LEN: usize = 10;
/// Characters of the time of day in an application number: tenths of a second since midnight
/// in Shanghai (at most 863,999, below 32⁴) in [`NUMBER_ALPHABET`], most significant first.
pub const NUMBER_TIME_LEN: usize = 4;
/// `YW`, a date of 8 digits, the time of day, the random part.
const APPLICATION_NO_LEN: usize = 2 + 8 + NUMBER_TIME_LEN + NUMBER_RANDOM_LEN;
/// `YW`, a date of 8 digits, the random part: the numbers given before 2026-12-07.
const EARLIER_APPLICATION_NO_LEN: usize = 2 + 8 + NUMBER_RANDOM_LEN;

/// 申办编号 — `YW`, the Shanghai date of submission (`YYYYMMDD`), its time of day in four
/// characters and 10 random ones, of [`NUMBER_ALPHABET`]: `YW20261207K3F9TPW44ANTPZ`. The time
/// of day makes a day's numbers sort in the order they were given, so that a new application's
/// rows go at the end of every index keyed by its number or its cases' rather than each on a
/// page of its own (a third more submissions a second; BENCHMARKS.md); the random part is what
/// keeps a number from being guessed. Numbers given before 2026-12-07 have no time of day:
/// `YW20261126TPW44ANTPZ`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApplicationNo(String);

impl ApplicationNo {
    /// Parses a number as typed: spaces around it are dropped and letters read as capitals.
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let well_formed = (b.len() == APPLICATION_NO_LEN || b.len() == EARLIER_APPLICATION_NO_LEN)
            && b.starts_with(b"YW")
            && b[2..10].iter().all(u8::is_ascii_digit)
            && b[10..].iter().all(|c| NUMBER_ALPHABET.contains(c));
        if well_formed { Ok(Self(s)) } else { Err(FieldCode::InvalidApplicationNo) }
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 办件编号 — the application's number, `-` and the item's place in it (`01` to `99`):
/// `YW20261126TPW44ANTPZ-01`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseNo(String);

impl CaseNo {
    /// Parses a number as typed: spaces around it are dropped and letters read as capitals.
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s = raw.trim().to_ascii_uppercase();
        let Some((application, place)) = s.rsplit_once('-') else { return Err(FieldCode::InvalidCaseNo) };
        let place_ok = place.len() == 2 && place.bytes().all(|c| c.is_ascii_digit()) && place != "00";
        if ApplicationNo::parse(application).is_ok() && place_ok { Ok(Self(s)) } else { Err(FieldCode::InvalidCaseNo) }
    }

    /// The number of the `place`-th case (from 1) of an application.
    pub fn of(application: &ApplicationNo, place: usize) -> Option<Self> {
        (1..=99).contains(&place).then(|| Self(format!("{}-{place:02}", application.as_str())))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 记录标识 — the id of a stored record (a person's account, an upload, a draft): a UUID in its
/// hyphenated lower-case form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(uuid::Uuid);

impl RecordId {
    /// Parses the hyphenated form; braces, URNs and the simple form are not ids of ours.
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        if raw.len() != uuid::fmt::Hyphenated::LENGTH {
            return Err(FieldCode::InvalidRecordId);
        }
        uuid::Uuid::try_parse(raw).map(Self).map_err(|_| FieldCode::InvalidRecordId)
    }

    /// The id as stored: hyphenated, lower case.
    pub fn to_stored(self) -> String {
        self.0.hyphenated().to_string()
    }
}

macro_rules! string_forms {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = FieldCode;
            fn try_from(raw: String) -> Result<Self, FieldCode> {
                Self::parse(&raw)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
    )*};
}

string_forms!(ApplicationNo, CaseNo, RecordId);

impl fmt::Display for ApplicationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CaseNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_number_is_yw_a_date_a_time_of_day_and_ten_unambiguous_characters() {
        let no = ApplicationNo::parse(" yw20261207k3f9tpw44antpz ").expect("typed in lower case");
        assert_eq!(no.as_str(), "YW20261207K3F9TPW44ANTPZ");
        let earlier = ApplicationNo::parse("YW20261126TPW44ANTPZ").expect("one given before the time of day");
        assert_eq!(earlier.as_str(), "YW20261126TPW44ANTPZ");
        let case = CaseNo::parse("YW20261207K3F9TPW44ANTPZ-03").expect("a case of a new number");
        assert_eq!(case.as_str(), "YW20261207K3F9TPW44ANTPZ-03");
        for bad in [
            "",
            "YW20261126TPW44ANTP",
            "YW20261126TPW44ANTPZZ",
            "YW20261207K3F9TPW44ANTP",
            "YW20261207K3F9TPW44ANTPZZ",
            "YW20261207K3FITPW44ANTPZ",
            "XW20261126TPW44ANTPZ",
            "YW2026112XTPW44ANTPZ",
            "YW20261126TPW44ANTPI",
        ] {
            assert_eq!(ApplicationNo::parse(bad), Err(FieldCode::InvalidApplicationNo), "{bad}");
        }
    }

    #[test]
    fn a_case_number_is_its_application_and_a_place() {
        let no = CaseNo::parse("YW20261126TPW44ANTPZ-01").expect("a case");
        assert_eq!(no.as_str(), "YW20261126TPW44ANTPZ-01");
        let application = ApplicationNo::parse("YW20261126TPW44ANTPZ").expect("an application");
        assert_eq!(CaseNo::of(&application, 12).map(|c| c.to_string()).as_deref(), Some("YW20261126TPW44ANTPZ-12"));
        assert_eq!(CaseNo::of(&application, 100), None);
        for bad in [
            "YW20261126TPW44ANTPZ",
            "YW20261126TPW44ANTPZ-00",
            "YW20261126TPW44ANTPZ-1",
            "X-01",
            "YW20261126TPW44ANTPZ-0A",
        ] {
            assert_eq!(CaseNo::parse(bad), Err(FieldCode::InvalidCaseNo), "{bad}");
        }
    }

    #[test]
    fn a_record_id_is_a_hyphenated_uuid() {
        let id = RecordId::parse("cf30cba9-20b0-4b95-ae9e-4cc03164ccd9").expect("an id");
        assert_eq!(id.to_stored(), "cf30cba9-20b0-4b95-ae9e-4cc03164ccd9");
        assert_eq!(
            RecordId::parse("CF30CBA9-20B0-4B95-AE9E-4CC03164CCD9").map(RecordId::to_stored),
            Ok(id.to_stored())
        );
        for bad in [
            "",
            "cf30cba920b04b95ae9e4cc03164ccd9",
            "{cf30cba9-20b0-4b95-ae9e-4cc03164ccd9}",
            "cf30cba9-20b0-4b95-ae9e-4cc03164ccdz",
        ] {
            assert_eq!(RecordId::parse(bad), Err(FieldCode::InvalidRecordId), "{bad}");
        }
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(serde_json::from_str::<RecordId>(&json).ok(), Some(id));
    }
}
