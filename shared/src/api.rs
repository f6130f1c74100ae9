//! The request and response types of `/api/v1`, shared by the server and the app.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::{ItemSummary, ServiceObject};
use crate::{Bilingual, FieldError, ResidentId, Sex, Uscc};

/// Items per page when the query does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most items one page returns: lists are never unbounded.
pub const MAX_PER_PAGE: u32 = 100;
/// The last page a query may ask for; deeper offsets are no use to a person and cost the database.
pub const MAX_PAGE: u32 = 10_000;
/// The longest search text, in characters.
pub const MAX_SEARCH_LEN: u64 = 100;

/// 事项查询 — the query of `GET /api/v1/items`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ItemQuery {
    /// Text to find in the code, names, department, theme, materials or legal basis, in Chinese,
    /// pinyin (full or initials) or English, or by a synonym of the catalogue; each word must
    /// match. Results come most relevant first: a match in the name before one in a material.
    #[cfg_attr(feature = "validate", validate(length(max = "MAX_SEARCH_LEN")))]
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub q: Option<String>,
    /// Only items for persons or for enterprises.
    pub object: Option<ServiceObject>,
    /// Only items of this theme (key).
    #[cfg_attr(feature = "validate", validate(length(max = 40)))]
    #[cfg_attr(feature = "openapi", param(max_length = 40))]
    pub theme: Option<String>,
    /// Only items of this department (code).
    #[cfg_attr(feature = "validate", validate(length(max = 40)))]
    #[cfg_attr(feature = "openapi", param(max_length = 40))]
    pub department: Option<String>,
    /// Page number, from 1.
    #[cfg_attr(feature = "validate", validate(range(min = 1, max = "MAX_PAGE")))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10_000))]
    pub page: Option<u32>,
    /// Items per page, 1 to 100; 20 when left out.
    #[cfg_attr(feature = "validate", validate(range(min = 1, max = "MAX_PER_PAGE")))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub per_page: Option<u32>,
}

impl ItemQuery {
    /// The page asked for, 1 when left out.
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1)
    }

    /// The page size asked for, [`DEFAULT_PER_PAGE`] when left out.
    pub fn per_page(&self) -> u32 {
        self.per_page.unwrap_or(DEFAULT_PER_PAGE)
    }

    /// The search text, trimmed; `None` when blank.
    pub fn text(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    /// Checks the query, with every problem said per field.
    #[cfg(feature = "validate")]
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        validator::Validate::validate(self).map_err(|e| FieldError::from_validation_errors(&e))
    }
}

/// 分页结果 — one page of a list, with the total the filters match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// This page's entries.
    pub items: Vec<T>,
    /// How many entries the filters match in all.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size.
    pub per_page: u32,
    /// 相近事项 — when a search matches nothing, the entries nearest to it (else empty).
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<T>,
}

impl<T> Page<T> {
    /// How many pages the total fills (at least 1, so "page 1 of 1" reads right when empty).
    pub fn pages(&self) -> u32 {
        let per = u64::from(self.per_page.max(1));
        self.total.div_ceil(per).max(1) as u32
    }
}

/// 事项列表 — a page of the catalogue.
pub type ItemPage = Page<ItemSummary>;

/// 健康检查 — what `GET /api/v1/health` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The server's version.
    pub version: String,
}

/// 标识类型 — which identifier a check is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// 公民身份号码
    ResidentId,
    /// 统一社会信用代码
    Uscc,
}

/// 标识校验请求 — the body of `POST /api/v1/identifiers/check`. The value travels in the body,
/// never in a URL, because an identity number is personal information.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentifierCheckRequest {
    /// Which identifier `value` is.
    pub kind: IdentifierKind,
    /// The identifier as typed.
    pub value: String,
}

/// 标识校验结果 — a valid identifier and what it says about its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentifierCheck {
    /// Which identifier it is.
    pub kind: IdentifierKind,
    /// The identifier as displayed: a resident identity number masked, a credit code in full.
    pub display: String,
    /// 地址码 / 登记管理机关行政区划码
    pub area_code: String,
    /// 出生日期, for a resident identity number.
    pub birth_date: Option<NaiveDate>,
    /// 性别, for a resident identity number.
    pub sex: Option<Sex>,
    /// 组织机构代码, for a credit code.
    pub organization_code: Option<String>,
}

impl IdentifierCheckRequest {
    /// Runs the identifier's parser as of `today`; the error names the `value` field.
    pub fn check(&self, today: NaiveDate) -> Result<IdentifierCheck, FieldError> {
        match self.kind {
            IdentifierKind::ResidentId => {
                let id =
                    ResidentId::parse_as_of(&self.value, today).map_err(|e| FieldError::resident_id("value", &e))?;
                Ok(IdentifierCheck {
                    kind: self.kind,
                    display: id.masked(),
                    area_code: id.area_code().to_owned(),
                    birth_date: Some(id.birth_date()),
                    sex: Some(id.sex()),
                    organization_code: None,
                })
            }
            IdentifierKind::Uscc => {
                let code = Uscc::parse(&self.value).map_err(|e| FieldError::uscc("value", &e))?;
                Ok(IdentifierCheck {
                    kind: self.kind,
                    display: code.as_str().to_owned(),
                    area_code: code.area_code().to_owned(),
                    birth_date: None,
                    sex: None,
                    organization_code: Some(code.organization_code().to_owned()),
                })
            }
        }
    }
}

/// A department list entry with the number of published items it owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentEntry {
    /// Stable code.
    pub code: String,
    /// The department's name.
    pub name: Bilingual,
    /// How many published items it owns.
    pub items: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "validate")]
    fn page_zero_and_oversized_pages_are_refused_per_field() {
        let q = ItemQuery { page: Some(0), per_page: Some(500), ..Default::default() };
        let errs = q.check().expect_err("both out of range");
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("page", "out_of_range"), ("per_page", "out_of_range")]);
        assert!(errs[0].message.en.contains("between 1 and 10000"), "{}", errs[0].message.en);
    }

    #[test]
    fn defaults_are_page_one_of_twenty() {
        let q = ItemQuery::default();
        assert_eq!((q.page(), q.per_page()), (1, DEFAULT_PER_PAGE));
        #[cfg(feature = "validate")]
        assert!(q.check().is_ok());
    }

    #[test]
    #[cfg(feature = "validate")]
    fn search_text_is_limited_in_characters() {
        let q = ItemQuery { q: Some("营".repeat(MAX_SEARCH_LEN as usize)), ..Default::default() };
        assert!(q.check().is_ok());
        let q = ItemQuery { q: Some("营".repeat(MAX_SEARCH_LEN as usize + 1)), ..Default::default() };
        assert_eq!(q.check().expect_err("too long")[0].code.as_str(), "too_long");
    }

    #[test]
    fn pages_round_up_and_are_never_zero() {
        let page = |total| Page::<()> { items: vec![], total, page: 1, per_page: 20, suggestions: vec![] }.pages();
        assert_eq!((page(0), page(20), page(21)), (1, 1, 2));
    }

    #[test]
    fn identity_check_masks_the_number_and_names_the_value_field() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a real date");
        let req = IdentifierCheckRequest { kind: IdentifierKind::ResidentId, value: "44190019910704818X".into() };
        let ok = req.check(today).expect("valid");
        assert_eq!(ok.display, "4419**********818X");
        let bad = IdentifierCheckRequest { kind: IdentifierKind::Uscc, value: "91441900MA3K8PQ240".into() };
        let err = bad.check(today).expect_err("bad check character");
        assert_eq!((err.field.as_str(), err.code.as_str()), ("value", "bad_check_char"));
    }
}

#[cfg(all(test, feature = "openapi"))]
mod openapi_tests {
    /// The documented bounds are the validated ones, so that a request the document allows is
    /// one the server takes.
    #[test]
    fn documented_page_bounds_are_the_validated_ones() {
        assert_eq!((super::MAX_PAGE, super::MAX_PER_PAGE, super::MAX_SEARCH_LEN), (10_000, 100, 100));
    }
}
