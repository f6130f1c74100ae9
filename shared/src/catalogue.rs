//! 事项目录 — the catalogue of standardized service items and the guide (办事指南) each one
//! publishes: what it is, who may apply, what to bring, how long it takes, what it costs.

use serde::{Deserialize, Serialize};

use crate::workflow::Workflow;

use crate::Bilingual;

/// Longest item code accepted in a path or query: catalogue codes look like `DG-QY-0011`.
pub const MAX_ITEM_CODE_LEN: usize = 40;

/// 事项编码 — the code of a service item, stable across its versions.
///
/// Codes are ASCII letters, digits and `-`, at most [`MAX_ITEM_CODE_LEN`] long.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct ItemCode(String);

/// Why a text is not an item code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ItemCodeError {
    /// Empty or longer than [`MAX_ITEM_CODE_LEN`].
    #[error("item code length")]
    Length,
    /// A character other than an ASCII letter, digit or `-`.
    #[error("item code character")]
    Character,
}

impl ItemCodeError {
    /// Stable machine code.
    pub fn code(&self) -> crate::problem::FieldCode {
        match self {
            Self::Length => crate::problem::FieldCode::ItemCodeLength,
            Self::Character => crate::problem::FieldCode::ItemCodeCharacter,
        }
    }

    /// What is wrong, in both languages.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::Length => Bilingual::new(
                format!("事项编码应为1至{MAX_ITEM_CODE_LEN}个字符"),
                format!("An item code has 1 to {MAX_ITEM_CODE_LEN} characters"),
            ),
            Self::Character => {
                Bilingual::new("事项编码只能包含字母、数字和“-”", "An item code contains only letters, digits and '-'")
            }
        }
    }
}

impl ItemCode {
    /// Parses an item code; letters are upper-cased, as the catalogue writes them.
    pub fn parse(input: &str) -> Result<Self, ItemCodeError> {
        let s = input.trim();
        if s.is_empty() || s.len() > MAX_ITEM_CODE_LEN {
            return Err(ItemCodeError::Length);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ItemCodeError::Character);
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ItemCode {
    type Error = ItemCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ItemCode> for String {
    fn from(code: ItemCode) -> String {
        code.0
    }
}

impl std::fmt::Display for ItemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// 事项类型 — the legal kind of a service item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// 行政许可
    Permit,
    /// 行政确认
    Confirmation,
    /// 行政给付
    Benefit,
    /// 公共服务
    PublicService,
    /// 其他行政权力
    Other,
}

impl ItemType {
    /// The type's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Permit => Bilingual::new("行政许可", "Administrative license"),
            Self::Confirmation => Bilingual::new("行政确认", "Administrative confirmation"),
            Self::Benefit => Bilingual::new("行政给付", "Administrative benefit"),
            Self::PublicService => Bilingual::new("公共服务", "Public service"),
            Self::Other => Bilingual::new("其他行政权力", "Other administrative power"),
        }
    }
}

/// 服务对象 — who may apply for an item.
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ServiceObject {
    /// 自然人 — a natural person, known by the resident identity number.
    Person,
    /// 法人 — an enterprise or other organization, known by its credit code.
    Enterprise,
}

impl ServiceObject {
    /// The object's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Person => Bilingual::new("个人办事", "For individuals"),
            Self::Enterprise => Bilingual::new("法人办事", "For businesses"),
        }
    }
}

/// 办理渠道 — where an applicant can apply, and where an application was filed.
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// 网上办理 on the web site.
    Web,
    /// 移动端 on a phone.
    Mobile,
    /// 窗口办理 at a service hall window.
    Window,
    /// 自助终端 at a self-service kiosk.
    Kiosk,
}

impl Channel {
    /// The channel's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Web => Bilingual::new("网上办理", "Online"),
            Self::Mobile => Bilingual::new("手机办理", "On a phone"),
            Self::Window => Bilingual::new("窗口办理", "At a service hall window"),
            Self::Kiosk => Bilingual::new("自助终端办理", "At a self-service kiosk"),
        }
    }
}

/// 办理层级 — the level of service hall that accepts an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HallLevel {
    /// 市级行政服务中心
    City,
    /// 镇街行政服务中心
    Town,
    /// 村（社区）便民服务站
    Village,
}

impl HallLevel {
    /// The hall's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::City => Bilingual::new("市民服务中心（市级）", "City service center"),
            Self::Town => Bilingual::new("镇街行政服务中心", "Town or subdistrict service center"),
            Self::Village => Bilingual::new("村（社区）便民服务站", "Village or community service point"),
        }
    }
}

/// 办结时限类型 — whether an item is concluded on the spot or within a promised limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// 即办件 — concluded at the window on the spot (即来即办).
    Instant,
    /// 承诺件 — concluded within the promised number of working days.
    Promised,
}

/// 时限 — the time limits of an item, in working days (工作日).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeLimits {
    /// 即办件 or 承诺件.
    pub kind: LimitKind,
    /// 法定办结时限 — the limit the law sets, in working days.
    pub statutory_working_days: u32,
    /// How the legal source states the limit, where it says more than a number.
    pub statutory_text: Option<String>,
    /// 承诺办结时限 — the limit the city promises; 0 means the same day.
    pub promised_working_days: u32,
    /// 预警时限 — a case turns yellow with this many working days left; absent, 1 working day
    /// or a fifth of the limit if that is more ([`crate::calendar::warning_threshold`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_working_days: Option<u32>,
}

/// 告知承诺 — whether an item may be processed on the applicant's pledge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitmentBased {
    /// Whether the pledge route is open.
    pub allowed: bool,
    /// The promised limit when the pledge route is taken.
    pub promised_working_days: Option<u32>,
}

/// 电子证照类型 — a kind of certificate the e-license library holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ELicenseType {
    /// Stable key, e.g. `resident_id_card`.
    pub key: String,
    /// The certificate's name.
    pub name: Bilingual,
}

/// 申请材料 — a document an item requires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    /// Stable code, unique in the catalogue.
    pub code: String,
    /// The material's name.
    pub name: Bilingual,
    /// `false` for a supplementary material the applicant may add.
    pub required: bool,
    /// The situation in which it is needed; `None` means always.
    pub condition: Option<Condition>,
    /// The e-license that stands in for it (免证办); `None` if it must be provided.
    pub e_license: Option<ELicenseType>,
    /// 原件 — originals to show.
    pub original_copies: u32,
    /// 复印件 — photocopies to hand in.
    pub copies: u32,
}

/// 情形 — a situation of the applicant that changes what an item asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Condition {
    /// Stable key, e.g. `rented_premises`.
    pub key: String,
    /// The situation described.
    pub name: Bilingual,
}

/// 表单字段类型 — the kind of value a form field takes, and so how it is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    String,
    /// Several lines of text.
    Text,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// Yes or no.
    Boolean,
    /// A calendar date.
    Date,
    /// One of the field's options.
    Enum,
    /// Several of the field's options.
    EnumMulti,
    /// A mobile or landline number.
    Phone,
    /// A postal address.
    Address,
    /// A resident identity number, checked by [`crate::ResidentId`].
    ResidentId,
    /// A unified social credit code, checked by [`crate::Uscc`].
    Uscc,
}

/// 表单字段 — one question of an item's form. A key means the same thing in every item, which is
/// what lets one form (一表式申办) ask a shared question once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    /// Stable key, e.g. `enterprise_name`.
    pub key: String,
    /// The question's label.
    pub label: Bilingual,
    /// The kind of value.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether an answer is required.
    pub required: bool,
    /// The allowed answers of an `enum` or `enum_multi` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// 选项名称 — what each allowed answer is called, where the answer is a code (`rented` →
    /// 租赁 / Rented); an answer without one is shown as it is (a Chinese term).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub option_labels: std::collections::BTreeMap<String, Bilingual>,
    /// 已知信息 — the fact the platform already holds that this field asks for: such a field is
    /// filled from it, shown read-only, and never taken from the applicant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<KnownFact>,
    /// 情形 — the situation an answer decides (answer → situation key: `rented` →
    /// `rented_premises`; `true`/`false` for a yes/no field): the situation follows from the
    /// answer and is not asked again.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub decides: std::collections::BTreeMap<String, String>,
}

impl FormField {
    /// What an allowed answer is called.
    pub fn option_label(&self, option: &str) -> Bilingual {
        self.option_labels.get(option).cloned().unwrap_or_else(|| Bilingual::new(option, option))
    }
}

/// 已知信息 — a fact about the applicant that the platform holds (一号申办: what is known is
/// never asked again).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum KnownFact {
    /// 申请人姓名 — the applying person's name, from unified identity.
    PersonName,
    /// 申请人身份证号码 — the applying person's identity number, from unified identity.
    PersonIdNumber,
    /// 企业名称 — from the enterprise record.
    EnterpriseName,
    /// 统一社会信用代码 — from the enterprise record.
    EnterpriseUscc,
    /// 法定代表人姓名 — from the enterprise record and unified identity.
    LegalRepName,
    /// 法定代表人身份证号码 — from the enterprise record and unified identity.
    LegalRepIdNumber,
    /// 居住证号码 — the number of the applicant's valid residence permit in the e-license library.
    ResidencePermitNumber,
}

/// Where a known fact comes from, as the form says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FactOrigin {
    /// 统一身份认证
    Identity,
    /// 企业登记信息
    EnterpriseRecord,
    /// 电子证照库
    LicenseLibrary,
}

impl FactOrigin {
    /// "来自…", as the form shows it under a filled field.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Identity => Bilingual::new("来自统一身份认证", "From your verified identity"),
            Self::EnterpriseRecord => Bilingual::new("来自企业登记信息", "From the business register"),
            Self::LicenseLibrary => Bilingual::new("来自电子证照库", "From the e-license library"),
        }
    }
}

impl KnownFact {
    /// Where the fact comes from.
    pub fn origin(self) -> FactOrigin {
        match self {
            Self::PersonName | Self::PersonIdNumber => FactOrigin::Identity,
            Self::EnterpriseName | Self::EnterpriseUscc | Self::LegalRepName | Self::LegalRepIdNumber => {
                FactOrigin::EnterpriseRecord
            }
            Self::ResidencePermitNumber => FactOrigin::LicenseLibrary,
        }
    }

    /// Whether the fact is an identity number, shown masked.
    pub fn is_identity_number(self) -> bool {
        matches!(self, Self::PersonIdNumber | Self::LegalRepIdNumber)
    }

    /// The license type whose number the fact is.
    pub fn license_type(self) -> Option<&'static str> {
        match self {
            Self::ResidencePermitNumber => Some("residence_permit"),
            _ => None,
        }
    }
}

stored_name!(KnownFact, Channel);

/// 事项版本状态 — where a version of an item stands; only published versions can be applied for.
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ItemStatus {
    /// Being edited; not visible to applicants.
    Draft,
    /// The current version.
    Published,
    /// Replaced by a later version; kept so that cases filed under it can be read.
    Superseded,
}

stored_name!(ServiceObject, ItemStatus);

/// 部门 — a department that owns items and handles their cases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Stable code, e.g. `DG-SAMR`.
    pub code: String,
    /// The department's name.
    pub name: Bilingual,
}

/// 主题 — a grouping of items: a business stage for enterprises, a life event for persons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Theme {
    /// Stable key, e.g. `enterprise_setup`.
    pub key: String,
    /// The theme's name.
    pub name: Bilingual,
    /// Whether it groups items for persons or for enterprises.
    pub service_object: ServiceObject,
}

/// 事项 / 办事指南 — one version of a standardized service item with every element of its guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceItem {
    /// 事项编码
    pub code: ItemCode,
    /// 版本号, from 1; a change publishes a new version.
    pub version: u32,
    /// Whether this version is the published one.
    pub status: ItemStatus,
    /// 事项名称
    pub name: Bilingual,
    /// 事项类型
    pub item_type: ItemType,
    /// 服务对象
    pub service_object: ServiceObject,
    /// 实施部门
    pub department: Department,
    /// 主题
    pub theme: Theme,
    /// 设定依据 — the laws and regulations it rests on, as cited.
    pub legal_basis: Vec<String>,
    /// 受理条件 — who may apply and what must hold.
    pub acceptance_conditions: Vec<Bilingual>,
    /// 情形 — the situations that add materials.
    pub conditions: Vec<Condition>,
    /// 办结时限
    pub time_limits: TimeLimits,
    /// 告知承诺
    pub commitment: CommitmentBased,
    /// 收费标准
    pub fee: Bilingual,
    /// 办理渠道
    pub channels: Vec<Channel>,
    /// 办理地点 — which halls accept it.
    pub halls: Vec<HallLevel>,
    /// 申请材料
    pub materials: Vec<Material>,
    /// 表单 — the questions a single application for this item asks.
    pub fields: Vec<FormField>,
    /// 审批流程 — the steps after acceptance, when the item sets its own; absent, the standard
    /// flow for its limits ([`ServiceItem::workflow`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// 办理结果 — the e-licence an approved case issues into the library, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produces: Option<ELicenseType>,
}

/// The e-licence type of a business licence (营业执照): the item that issues one registers a
/// business (设立登记).
pub const BUSINESS_LICENSE: &str = "business_license";

impl ServiceItem {
    /// Whether the item registers a new business (设立登记): its applicant is the founder, a
    /// person, because the business does not exist until it is approved.
    pub fn founds_business(&self) -> bool {
        self.produces.as_ref().is_some_and(|license| license.key == BUSINESS_LICENSE)
    }

    /// The steps its cases take after acceptance: its own, or none for an instant item, or
    /// 承办 → 审核 → 批准 within its promised limit.
    pub fn workflow(&self) -> Workflow {
        match (&self.workflow, self.time_limits.kind) {
            (Some(w), _) => w.clone(),
            (None, LimitKind::Instant) => Workflow::instant(),
            (None, LimitKind::Promised) => Workflow::standard(self.time_limits.promised_working_days),
        }
    }

    /// Checks that the item's workflow fits it (see [`Workflow::check`]).
    pub fn check_workflow(&self) -> Result<(), crate::workflow::WorkflowError> {
        self.workflow().check(self.time_limits.kind == LimitKind::Instant, self.time_limits.promised_working_days)
    }

    /// The short form shown in catalogue lists.
    pub fn summary(&self) -> ItemSummary {
        ItemSummary {
            code: self.code.clone(),
            version: self.version,
            name: self.name.clone(),
            item_type: self.item_type,
            service_object: self.service_object,
            department: self.department.clone(),
            theme_key: self.theme.key.clone(),
            limit_kind: self.time_limits.kind,
            promised_working_days: self.time_limits.promised_working_days,
            online: self.channels.iter().any(|c| matches!(c, Channel::Web | Channel::Mobile)),
            e_license_materials: self.materials.iter().filter(|m| m.e_license.is_some()).count() as u32,
        }
    }

    /// Every word an applicant might search the item by, lower-cased: code, names, department,
    /// theme and materials, in both languages.
    pub fn search_text(&self) -> String {
        let mut parts = vec![
            self.code.as_str().to_owned(),
            self.name.zh.clone(),
            self.name.en.clone(),
            self.department.name.zh.clone(),
            self.department.name.en.clone(),
            self.theme.name.zh.clone(),
            self.theme.name.en.clone(),
        ];
        for m in &self.materials {
            parts.push(m.name.zh.clone());
            parts.push(m.name.en.clone());
        }
        parts.join("\n").to_lowercase()
    }
}

/// 事项摘要 — an item as listed in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSummary {
    /// 事项编码
    pub code: ItemCode,
    /// The published version.
    pub version: u32,
    /// 事项名称
    pub name: Bilingual,
    /// 事项类型
    pub item_type: ItemType,
    /// 服务对象
    pub service_object: ServiceObject,
    /// 实施部门
    pub department: Department,
    /// 主题 key
    pub theme_key: String,
    /// 即办件 or 承诺件
    pub limit_kind: LimitKind,
    /// 承诺办结时限 in working days.
    pub promised_working_days: u32,
    /// Whether it can be applied for online.
    pub online: bool,
    /// How many of its materials the e-license library can supply.
    pub e_license_materials: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_codes_are_trimmed_and_upper_cased() {
        assert_eq!(ItemCode::parse(" dg-qy-0001 ").expect("valid").as_str(), "DG-QY-0001");
    }

    #[test]
    fn item_codes_refuse_path_tricks_and_overlong_input() {
        assert_eq!(ItemCode::parse("../etc/passwd"), Err(ItemCodeError::Character));
        assert_eq!(ItemCode::parse("DG QY"), Err(ItemCodeError::Character));
        assert_eq!(ItemCode::parse(""), Err(ItemCodeError::Length));
        assert_eq!(ItemCode::parse(&"A".repeat(MAX_ITEM_CODE_LEN + 1)), Err(ItemCodeError::Length));
    }
}
