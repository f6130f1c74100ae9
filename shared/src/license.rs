//! 电子证照 — licenses the e-license library holds under a holder's identity number or credit
//! code, and the record of who read them (“谁用了我的数据”).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Bilingual;
use crate::catalogue::ELicenseType;

/// 证照状态 — whether a license can stand in for a material today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    /// 有效
    Valid,
    /// 已过期: past its validity; the applicant is asked to upload instead.
    Expired,
    /// 已注销/吊销: revoked by its issuer.
    Revoked,
}

impl LicenseStatus {
    /// A license's status on `today`: revoked wins, then the last valid day.
    pub fn on(revoked: bool, valid_until: Option<NaiveDate>, today: NaiveDate) -> Self {
        if revoked {
            Self::Revoked
        } else if valid_until.is_some_and(|until| until < today) {
            Self::Expired
        } else {
            Self::Valid
        }
    }

    /// The status as shown.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Valid => Bilingual::new("有效", "Valid"),
            Self::Expired => Bilingual::new("已过期", "Expired"),
            Self::Revoked => Bilingual::new("已注销", "Revoked"),
        }
    }
}

/// 持证主体 — whom a license is issued to.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum HolderKind {
    /// A person, known in the library by the keyed hash of their identity number.
    Person,
    /// An enterprise, known by its credit code.
    Enterprise,
}

/// 用证目的 — why a license was read.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccessPurpose {
    /// Compiling the one form: the library was asked which materials it can stand in for.
    Form,
    /// A submitted application, to which the license was attached.
    Application,
}

stored_name!(HolderKind, AccessPurpose);

impl AccessPurpose {
    /// The purpose as the holder reads it.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Form => Bilingual::new("填写申请表时核验", "Checked while filling in a form"),
            Self::Application => Bilingual::new("提交申请时调用", "Attached to a submitted application"),
        }
    }
}

/// 我的证照 — a license as its holder sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct License {
    /// The license's id in the library.
    pub id: String,
    /// 证照类型
    pub license_type: ELicenseType,
    /// 证照编号, masked where it is an identity number.
    pub number: String,
    /// 发证机关
    pub issuer: String,
    /// 有效期起
    pub valid_from: NaiveDate,
    /// 有效期至; `None` for a license without end (长期).
    pub valid_until: Option<NaiveDate>,
    /// Whether it can be used today.
    pub status: LicenseStatus,
}

/// 用证记录 — one read of a holder's licenses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenseAccess {
    /// When (RFC 3339, UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The license read.
    pub license_type: ELicenseType,
    /// Who read it: the person's name.
    pub accessor: String,
    /// The enterprise they acted for, if any.
    pub acting_for: Option<String>,
    /// Whether a window clerk read it for the holder, present at the window.
    pub at_window: bool,
    /// Why it was read.
    pub purpose: Bilingual,
    /// The application it served, once submitted.
    pub application_no: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_license_is_valid_through_its_last_day() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        assert_eq!(LicenseStatus::on(false, Some(day(25)), day(25)), LicenseStatus::Valid);
        assert_eq!(LicenseStatus::on(false, Some(day(24)), day(25)), LicenseStatus::Expired);
        assert_eq!(LicenseStatus::on(false, None, day(25)), LicenseStatus::Valid);
        assert_eq!(LicenseStatus::on(true, None, day(25)), LicenseStatus::Revoked);
    }
}
