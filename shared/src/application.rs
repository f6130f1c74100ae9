//! 一表式申办 — the one-form compiler. Given one or several published service items, it
//! computes the single form an applicant fills (each shared question asked once), the
//! situations (情形) that decide which conditional materials are needed, and the single list of
//! materials (each shared material asked once, those the e-license library holds marked as
//! supplied from it). The same code validates a filled form: the app runs it as the applicant
//! types, the server runs it again on submission and refuses what it refuses.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::{
    Condition, ELicenseType, FieldType, FormField, ItemCode, ItemStatus, KnownFact, LimitKind, ServiceItem,
    ServiceObject,
};
use crate::problem::FieldCode;
use crate::{Bilingual, FieldError, ResidentId, Uscc};

/// The most items one application may combine.
pub const MAX_ITEMS_PER_APPLICATION: usize = 10;
/// The most files one material may carry.
pub const MAX_FILES_PER_MATERIAL: usize = 10;
/// The kinds of file a material may be, as their content shows them (not their names), with
/// the file name endings that go with each.
pub const UPLOAD_MEDIA_TYPES: [(&str, &[&str]); 3] =
    [("application/pdf", &["pdf"]), ("image/jpeg", &["jpg", "jpeg"]), ("image/png", &["png"])];

/// The `accept` list of a file picker for materials.
pub fn upload_accept() -> String {
    UPLOAD_MEDIA_TYPES
        .iter()
        .flat_map(|(mime, endings)| endings.iter().map(|e| format!(".{e}")).chain([(*mime).to_owned()]))
        .collect::<Vec<_>>()
        .join(",")
}

/// The longest one-line answer, in characters.
pub const MAX_STRING_CHARS: usize = 200;
/// The longest multi-line answer, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The situation of a material that the pledge (告知承诺书) itself stands for: it holds for an
/// item exactly when the applicant signs that item's pledge, and the signature supplies it.
pub const PLEDGE_CONDITION: &str = "pledge";
/// The situation of a material the pledge replaces: it holds when the item is not pledged.
pub const NO_PLEDGE_CONDITION: &str = "no_pledge";

/// The situation of a material that a filing agent brings (委托书, 代理人身份证明): it holds
/// exactly when an agent whose authorization the platform records files the application, and
/// that record supplies it.
pub const AGENT_CONDITION: &str = "agent_filing";

/// 告知承诺书 — what the applicant signs for a commitment-based item.
pub fn pledge_text() -> Bilingual {
    Bilingual::new(
        "本人（本单位）已知晓该事项的全部审批条件和要求，承诺所提供的信息真实、准确、完整，已符合审批条件，\
         愿意承担不实承诺的法律责任，并接受行政机关的事后核查；核查发现与承诺不符的，同意撤销所作决定。",
        "I (we) know every condition and requirement of this item, pledge that the information given is true, \
         accurate and complete and that the conditions are met, accept legal responsibility for a false pledge and \
         the department's later verification, and agree that a decision made on a pledge found untrue is revoked.",
    )
}

/// One item as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormItem {
    /// 事项编码
    pub code: ItemCode,
    /// The published version the form was compiled from.
    pub version: u32,
    /// 事项名称
    pub name: Bilingual,
    /// The department that will handle its case.
    pub department_code: String,
    /// The department's name.
    pub department_name: Bilingual,
    /// 即办件 or 承诺件.
    pub limit_kind: LimitKind,
    /// 承诺办结时限 in working days.
    pub promised_working_days: u32,
    /// Whether the applicant may sign the pledge (告知承诺) for it.
    pub pledge_allowed: bool,
    /// The promised limit when the pledge is signed.
    pub pledge_working_days: Option<u32>,
    /// The e-licence type its approval issues (营业执照 for a registration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produces: Option<String>,
}

/// A question of the one form, with the items that ask it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedField {
    /// The question; required when any item requires it.
    pub field: FormField,
    /// The items that ask it.
    pub used_by: Vec<ItemCode>,
}

/// 情形 — a situation the applicant says holds or not; it adds conditional materials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Situation {
    /// The situation.
    pub condition: Condition,
    /// The items whose materials depend on it.
    pub used_by: Vec<ItemCode>,
    /// The field whose answer decides it; the applicant is then not asked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// Where one item asks for a material, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialUse {
    /// The item.
    pub item: ItemCode,
    /// The material's code in that item's guide.
    pub material_code: String,
    /// The material's name in that item's guide.
    pub name: Bilingual,
    /// Whether that item requires it (`false`: a supplementary material).
    pub required: bool,
    /// The situation in which that item asks for it; `None` means always.
    pub condition: Option<String>,
}

/// 材料来源 — how a needed material reaches the department.
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
pub enum MaterialSource {
    /// 电子证照 — attached from the e-license library (免证办); the applicant provides nothing.
    Library,
    /// Uploaded by the applicant.
    Upload,
    /// 告知承诺 — the pledge document, supplied by the applicant's signature.
    Pledge,
    /// 授权记录 — the power of attorney and the agent's identity, supplied by the authorization
    /// the platform records for the agent who files.
    Authorization,
    /// 登记核发 — the e-licence a registration of the same application issues (the new
    /// business's licence, for its permits): attached when it is issued.
    Issued,
}

/// A material of the one form, asked once however many items need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedMaterial {
    /// Key of the material in the form and in answers: its e-license type when it has one,
    /// otherwise the code of its first use.
    pub key: String,
    /// The material's name.
    pub name: Bilingual,
    /// The e-license that stands in for it.
    pub e_license: Option<ELicenseType>,
    /// Whether the applicant holds a valid license of that type: then it is attached from the
    /// library and not asked for.
    pub in_library: bool,
    /// 原件 — originals to show (the most any item asks).
    pub original_copies: u32,
    /// 复印件 — photocopies (the most any item asks).
    pub copies: u32,
    /// Every item that asks for it.
    pub uses: Vec<MaterialUse>,
}

/// 一表 — the compiled form of an application for one or several items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OneForm {
    /// Who applies: all items share it, or, when it registers a business, the business the
    /// later items are for.
    pub service_object: ServiceObject,
    /// 设立登记 — whether it registers a new business: the founder applies as a person, the
    /// business's name is theirs to choose, they are its legal representative, and the credit
    /// code reaches the later items once the registration is approved.
    #[serde(default)]
    pub founding: bool,
    /// The items, in the order asked.
    pub items: Vec<FormItem>,
    /// The questions, each asked once, in the order the items first ask them.
    pub fields: Vec<MergedField>,
    /// The situations that add materials.
    pub situations: Vec<Situation>,
    /// The materials, each asked once.
    pub materials: Vec<MergedMaterial>,
    /// 已知信息 — the fields the platform fills for this applicant, as shown to them.
    #[serde(default)]
    pub known: Vec<KnownAnswer>,
    /// Whether an agent whose authorization the platform records files it: the authorization
    /// then stands in for the power of attorney.
    #[serde(default)]
    pub authorized_agent: bool,
}

/// 填报内容 — what the applicant filled in: answers, situations, pledges and uploaded files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormAnswers {
    /// Answers by field key: text as a string, numbers as a number or a string, yes/no as a
    /// boolean, several options as an array of strings.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// The keys of the situations that hold.
    #[serde(default)]
    pub situations: BTreeSet<String>,
    /// The items whose pledge (告知承诺书) the applicant signs.
    #[serde(default)]
    pub pledged_items: BTreeSet<ItemCode>,
    /// The uploaded files of each material, by material key: upload ids.
    #[serde(default)]
    pub materials: BTreeMap<String, Vec<String>>,
}

/// A material that an application needs, given its answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeededMaterial {
    /// The material's key in the form.
    pub key: String,
    /// The material's name.
    pub name: Bilingual,
    /// How it reaches the department.
    pub source: MaterialSource,
    /// Whether it must be provided (`false`: supplementary, may be left out).
    pub required: bool,
    /// The items that need it.
    pub items: Vec<ItemCode>,
    /// 证照库无此证 — when the material is a licence the e-license library could supply but holds
    /// no valid one of for this applicant (none held, expired or revoked), so it is uploaded:
    /// the licence's kind, for the form to say why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_not_held: Option<Bilingual>,
}

/// Why items cannot be combined into one application.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CombineError {
    /// No item was chosen.
    #[error("no items")]
    Empty,
    /// More than [`MAX_ITEMS_PER_APPLICATION`] items.
    #[error("too many items")]
    TooMany,
    /// The same item twice.
    #[error("duplicate item {0}")]
    Duplicate(ItemCode),
    /// An item version that is not published.
    #[error("item {0} not published")]
    NotPublished(ItemCode),
    /// Items for persons mixed with items for enterprises, other than a business's registration
    /// with the business's own items.
    #[error("mixed service objects")]
    MixedServiceObjects,
    /// A business's registration filed while acting for an existing enterprise.
    #[error("founded by a person")]
    FoundAsPerson,
    /// Two registrations of businesses in one application.
    #[error("two registrations")]
    TwoRegistrations,
    /// Items for enterprises, but the applicant acts for no enterprise.
    #[error("needs an enterprise")]
    NeedsEnterprise,
    /// Items for persons, but the applicant acts for an enterprise.
    #[error("needs a person")]
    NeedsPerson,
}

impl CombineError {
    /// Stable machine code.
    pub fn code(&self) -> crate::problem::FieldCode {
        match self {
            Self::Empty => crate::problem::FieldCode::NoItems,
            Self::TooMany => crate::problem::FieldCode::TooManyItems,
            Self::Duplicate(_) => crate::problem::FieldCode::DuplicateItem,
            Self::NotPublished(_) => crate::problem::FieldCode::ItemNotPublished,
            Self::MixedServiceObjects => crate::problem::FieldCode::MixedServiceObjects,
            Self::NeedsEnterprise => crate::problem::FieldCode::NeedsEnterprise,
            Self::NeedsPerson => crate::problem::FieldCode::NeedsPerson,
            Self::FoundAsPerson => crate::problem::FieldCode::FoundAsPerson,
            Self::TwoRegistrations => crate::problem::FieldCode::TwoRegistrations,
        }
    }

    /// What is wrong, in both languages.
    pub fn message(&self) -> Bilingual {
        match self {
            Self::Empty => Bilingual::new("请至少选择一个事项", "Choose at least one service item"),
            Self::TooMany => Bilingual::new(
                format!("一次申办最多{MAX_ITEMS_PER_APPLICATION}个事项"),
                format!("One application takes at most {MAX_ITEMS_PER_APPLICATION} items"),
            ),
            Self::Duplicate(code) => {
                Bilingual::new(format!("事项 {code} 重复选择"), format!("Item {code} is chosen twice"))
            }
            Self::NotPublished(code) => Bilingual::new(
                format!("事项 {code} 当前版本未发布，暂不能申办"),
                format!("Item {code} has no published version and cannot be applied for"),
            ),
            Self::MixedServiceObjects => Bilingual::new(
                "个人事项与法人事项不能在同一申请中办理",
                "Items for individuals and items for businesses cannot be combined in one application",
            ),
            Self::NeedsEnterprise => Bilingual::new(
                "这是法人事项：请先在“我的账户”中选择以哪家企业的身份办事",
                "These items are for businesses: first choose, in My account, the business you act for",
            ),
            Self::NeedsPerson => Bilingual::new(
                "这是个人事项：您正以企业身份办事，请先在“我的账户”中切换为本人",
                "These items are for individuals: you are acting for a business, so switch to yourself in My account",
            ),
            Self::TwoRegistrations => {
                Bilingual::new("一次申请只能办理一项设立登记", "One application registers one business")
            }
            Self::FoundAsPerson => Bilingual::new(
                "设立登记由创办人本人申请（企业登记后才存在）：请先在“我的账户”中切换为本人",
                "A new business is registered by its founder in person (it exists only once registered): switch to yourself in My account",
            ),
        }
    }

    /// The error as a field error of `items`.
    pub fn field_error(&self) -> FieldError {
        FieldError::with_message("items", self.code(), self.message())
    }
}

/// The key under which a material of an item is asked once: the e-license type that stands in
/// for it, else its name (two items asking for a document of the same name ask for one thing).
fn material_key(material: &crate::catalogue::Material) -> (String, String) {
    match &material.e_license {
        Some(license) => (format!("license:{}", license.key), material.code.clone()),
        None => (format!("name:{}", material.name.zh.trim()), material.code.clone()),
    }
}

/// Compiles the one form of `items`, in the order given. `held_licenses` are the e-license
/// types of which the applicant holds a valid license (not expired, not revoked).
pub fn compile(items: &[ServiceItem], held_licenses: &BTreeSet<String>) -> Result<OneForm, CombineError> {
    let first = items.first().ok_or(CombineError::Empty)?;
    if items.len() > MAX_ITEMS_PER_APPLICATION {
        return Err(CombineError::TooMany);
    }
    let founding = items.iter().any(ServiceItem::founds_business);
    if items.iter().filter(|i| i.founds_business()).count() > 1 {
        return Err(CombineError::TwoRegistrations);
    }
    // A business's registration combines with the business's own items; its founder's other
    // personal items do not belong in it.
    let mixed_allowed = founding
        && items.iter().filter(|i| i.service_object == ServiceObject::Person).all(ServiceItem::founds_business);
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(&item.code) {
            return Err(CombineError::Duplicate(item.code.clone()));
        }
        if item.status != ItemStatus::Published {
            return Err(CombineError::NotPublished(item.code.clone()));
        }
        if item.service_object != first.service_object && !mixed_allowed {
            return Err(CombineError::MixedServiceObjects);
        }
    }

    let mut fields: Vec<MergedField> = Vec::new();
    let mut situations: Vec<Situation> = Vec::new();
    let mut materials: Vec<MergedMaterial> = Vec::new();
    let mut material_index: BTreeMap<String, usize> = BTreeMap::new();

    for item in items {
        for field in &item.fields {
            match fields.iter_mut().find(|f| f.field.key == field.key) {
                Some(merged) => {
                    merged.field.required |= field.required;
                    // What a registration asks is about the business it founds: its meaning wins.
                    merged.field.known = if item.founds_business() {
                        field.known.or(merged.field.known)
                    } else {
                        merged.field.known.or(field.known)
                    };
                    for (answer, situation) in &field.decides {
                        merged.field.decides.entry(answer.clone()).or_insert_with(|| situation.clone());
                    }
                    for option in &field.options {
                        if !merged.field.options.contains(option) {
                            merged.field.options.push(option.clone());
                        }
                    }
                    merged.used_by.push(item.code.clone());
                }
                None => fields.push(MergedField { field: field.clone(), used_by: vec![item.code.clone()] }),
            }
        }
        for material in &item.materials {
            let use_ = MaterialUse {
                item: item.code.clone(),
                material_code: material.code.clone(),
                name: material.name.clone(),
                required: material.required,
                condition: material.condition.as_ref().map(|c| c.key.clone()),
            };
            if let Some(condition) = material.condition.as_ref().filter(|c| !is_decided_by_filing(&c.key)) {
                match situations.iter_mut().find(|s| s.condition.key == condition.key) {
                    Some(s) if !s.used_by.contains(&item.code) => s.used_by.push(item.code.clone()),
                    Some(_) => {}
                    None => situations.push(Situation {
                        condition: condition.clone(),
                        used_by: vec![item.code.clone()],
                        decided_by: None,
                    }),
                }
            }
            let (dedupe, code) = material_key(material);
            match material_index.get(&dedupe) {
                Some(&i) => {
                    let merged = &mut materials[i];
                    merged.original_copies = merged.original_copies.max(material.original_copies);
                    merged.copies = merged.copies.max(material.copies);
                    // Named as an item that always asks for it names it, rather than as a
                    // situation that adds it.
                    if use_.condition.is_none() && merged.uses.iter().all(|u| u.condition.is_some()) {
                        merged.name = use_.name.clone();
                    }
                    merged.uses.push(use_);
                }
                None => {
                    material_index.insert(dedupe, materials.len());
                    let in_library =
                        material.e_license.as_ref().is_some_and(|license| held_licenses.contains(&license.key));
                    materials.push(MergedMaterial {
                        key: material.e_license.as_ref().map_or(code, |license| license.key.clone()),
                        name: material.name.clone(),
                        e_license: material.e_license.clone(),
                        in_library,
                        original_copies: material.original_copies,
                        copies: material.copies,
                        uses: vec![use_],
                    });
                }
            }
        }
    }

    if founding {
        // The credit code is issued by the registration itself.
        fields.retain(|f| f.field.known != Some(KnownFact::EnterpriseUscc));
    }
    for situation in &mut situations {
        situation.decided_by = fields
            .iter()
            .find(|f| f.field.decides.values().any(|c| c == &situation.condition.key))
            .map(|f| f.field.key.clone());
    }

    let service_object = if items.iter().any(|i| i.service_object == ServiceObject::Enterprise) {
        ServiceObject::Enterprise
    } else {
        ServiceObject::Person
    };
    Ok(OneForm {
        service_object,
        founding,
        items: items
            .iter()
            .map(|item| FormItem {
                code: item.code.clone(),
                version: item.version,
                name: item.name.clone(),
                department_code: item.department.code.clone(),
                department_name: item.department.name.clone(),
                limit_kind: item.time_limits.kind,
                promised_working_days: item.time_limits.promised_working_days,
                pledge_allowed: item.commitment.allowed,
                pledge_working_days: item.commitment.promised_working_days,
                produces: item.produces.as_ref().map(|l| l.key.clone()),
            })
            .collect(),
        fields,
        situations,
        materials,
        known: Vec::new(),
        authorized_agent: false,
    })
}

impl OneForm {
    /// Checks that the applicant is the kind of applicant the items are for: an enterprise (an
    /// agent or legal representative acting for it) or a person.
    pub fn check_applicant(&self, acting_for_enterprise: bool) -> Result<(), CombineError> {
        if self.founding {
            return if acting_for_enterprise { Err(CombineError::FoundAsPerson) } else { Ok(()) };
        }
        match (self.service_object, acting_for_enterprise) {
            (ServiceObject::Enterprise, false) => Err(CombineError::NeedsEnterprise),
            (ServiceObject::Person, true) => Err(CombineError::NeedsPerson),
            _ => Ok(()),
        }
    }

    /// The materials this application needs given its answers, with where each comes from. A
    /// material is needed when any item asks for it always or in a situation that holds (for a
    /// pledged item, the pledge document instead of what the pledge replaces); the library
    /// supplies it when the applicant holds its license; the signature supplies the pledge.
    pub fn needed_materials(&self, answers: &FormAnswers) -> Vec<NeededMaterial> {
        let holds = |u: &MaterialUse| match u.condition.as_deref() {
            None => true,
            Some(PLEDGE_CONDITION) => answers.pledged_items.contains(&u.item),
            Some(NO_PLEDGE_CONDITION) => !answers.pledged_items.contains(&u.item),
            Some(AGENT_CONDITION) => self.authorized_agent || self.decided_by_answer(AGENT_CONDITION, answers),
            Some(c) => self.situation_holds(c, answers),
        };
        self.materials
            .iter()
            .filter_map(|material| {
                let uses: Vec<&MaterialUse> = material.uses.iter().filter(|u| holds(u)).collect();
                if uses.is_empty() {
                    return None;
                }
                let only_when = |condition: &str| uses.iter().all(|u| u.condition.as_deref() == Some(condition));
                let issued_here = material
                    .e_license
                    .as_ref()
                    .is_some_and(|l| self.items.iter().any(|i| i.produces.as_deref() == Some(l.key.as_str())));
                let source = if only_when(AGENT_CONDITION) && self.authorized_agent {
                    MaterialSource::Authorization
                } else if issued_here {
                    MaterialSource::Issued
                } else if material.in_library {
                    MaterialSource::Library
                } else if only_when(PLEDGE_CONDITION) {
                    MaterialSource::Pledge
                } else {
                    MaterialSource::Upload
                };
                let mut items: Vec<ItemCode> = Vec::new();
                for u in &uses {
                    if !items.contains(&u.item) {
                        items.push(u.item.clone());
                    }
                }
                let licence_not_held = match (&material.e_license, source) {
                    (Some(l), MaterialSource::Upload) => Some(l.name.clone()),
                    _ => None,
                };
                Some(NeededMaterial {
                    key: material.key.clone(),
                    name: material.name.clone(),
                    source,
                    required: uses.iter().any(|u| u.required),
                    items,
                    licence_not_held,
                })
            })
            .collect()
    }

    /// Whether some field's answer decides that `condition` holds.
    fn decided_by_answer(&self, condition: &str, answers: &FormAnswers) -> bool {
        self.fields.iter().any(|f| {
            let answer = deciding_answer(answers.fields.get(&f.field.key));
            answer.and_then(|a| f.field.decides.get(&a)).is_some_and(|c| c == condition)
        })
    }

    /// Whether a situation holds: as the answer of the field that decides it says, else as the
    /// applicant ticked it.
    pub fn situation_holds(&self, condition: &str, answers: &FormAnswers) -> bool {
        let decided = self.situations.iter().find(|s| s.condition.key == condition).and_then(|s| s.decided_by.as_ref());
        let Some(key) = decided else { return answers.situations.contains(condition) };
        let field = self.fields.iter().find(|f| &f.field.key == key);
        let Some(answer) = deciding_answer(answers.fields.get(key)) else { return false };
        field.and_then(|f| f.field.decides.get(&answer)).is_some_and(|c| c == condition)
    }

    /// Checks a filled form and its materials, and returns every problem at once: one entry per
    /// field (`fields.<key>`), per material (`materials.<key>`), and for unknown situations or
    /// pledges. An empty list means the application may be submitted. `today` bounds dates of
    /// birth in identity numbers.
    pub fn validate(&self, answers: &FormAnswers, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for merged in self.fields.iter().filter(|f| !self.fills(&f.field.key, answers)) {
            let path = format!("fields.{}", merged.field.key);
            if let Err(e) = check_answer(&merged.field, answers.fields.get(&merged.field.key), today) {
                errors.push(FieldError::with_message(path, e.0, e.1));
            }
        }
        for key in answers.fields.keys() {
            if !self.fields.iter().any(|f| &f.field.key == key) {
                errors.push(FieldError {
                    field: format!("fields.{key}"),
                    code: FieldCode::UnknownField,
                    message: Bilingual::new("表单中没有这一项", "The form has no such question"),
                });
            }
        }
        for key in &answers.situations {
            if let Some(field) =
                self.situations.iter().find(|s| &s.condition.key == key).and_then(|s| s.decided_by.as_ref())
            {
                let label = self.fields.iter().find(|f| &f.field.key == field).map(|f| f.field.label.clone());
                let label = label.unwrap_or_else(|| Bilingual::new(field.clone(), field.clone()));
                errors.push(FieldError::with_message(
                    format!("situations.{key}"),
                    FieldCode::SituationDecided,
                    Bilingual::new(
                        format!("这一情形由“{}”的回答决定，无需勾选", label.zh),
                        format!("The answer to “{}” decides this situation: do not tick it", label.en),
                    ),
                ));
            } else if !self.situations.iter().any(|s| &s.condition.key == key) {
                errors.push(FieldError {
                    field: format!("situations.{key}"),
                    code: FieldCode::UnknownSituation,
                    message: Bilingual::new("所选事项没有这一情形", "None of the chosen items has this situation"),
                });
            }
        }
        for code in &answers.pledged_items {
            if !self.items.iter().any(|i| &i.code == code && i.pledge_allowed) {
                errors.push(FieldError {
                    field: format!("pledged_items.{code}"),
                    code: FieldCode::PledgeNotAllowed,
                    message: Bilingual::new(
                        "该事项不适用告知承诺制",
                        "This item cannot be processed on the applicant's pledge",
                    ),
                });
            }
        }
        let needed = self.needed_materials(answers);
        for material in &needed {
            let files = answers.materials.get(&material.key).map_or(&[][..], Vec::as_slice);
            let path = format!("materials.{}", material.key);
            match material.source {
                MaterialSource::Upload if material.required && files.is_empty() => errors.push(FieldError {
                    field: path,
                    code: FieldCode::MaterialMissing,
                    message: Bilingual::new(
                        format!("请上传“{}”", material.name.zh),
                        format!("Upload the {}", material.name.en.to_lowercase()),
                    ),
                }),
                MaterialSource::Upload if files.len() > MAX_FILES_PER_MATERIAL => errors.push(FieldError {
                    field: path,
                    code: FieldCode::TooManyFiles,
                    message: Bilingual::new(
                        format!("每项材料最多{MAX_FILES_PER_MATERIAL}个文件"),
                        format!("A material takes at most {MAX_FILES_PER_MATERIAL} files"),
                    ),
                }),
                _ => {}
            }
        }
        for (key, files) in &answers.materials {
            let uploadable = needed.iter().any(|m| &m.key == key && m.source == MaterialSource::Upload);
            if !files.is_empty() && !uploadable {
                errors.push(FieldError {
                    field: format!("materials.{key}"),
                    code: FieldCode::MaterialNotNeeded,
                    message: Bilingual::new(
                        "这项材料无需上传（已由电子证照或告知承诺提供，或不适用）",
                        "This material is not to be uploaded: the e-license library or the pledge supplies it, or it does not apply",
                    ),
                });
            }
        }
        errors
    }
}

pub use crate::known::{ApplicantFacts, KnownAnswer, Waiver};

/// An answer as a field's `decides` names it: a choice's text, or `true`/`false`.
pub(crate) fn deciding_answer(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a condition is decided by how the application is filed (the pledge, an authorized
/// agent) rather than asked as a situation.
fn is_decided_by_filing(key: &str) -> bool {
    key == PLEDGE_CONDITION || key == NO_PLEDGE_CONDITION || key == AGENT_CONDITION
}

type AnswerError = (FieldCode, Bilingual);

pub(crate) fn is_blank(value: Option<&serde_json::Value>) -> bool {
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(serde_json::Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

fn wrong(code: FieldCode, zh: impl Into<String>, en: impl Into<String>) -> AnswerError {
    (code, Bilingual::new(zh, en))
}

/// Checks one answer against its question.
fn check_answer(field: &FormField, value: Option<&serde_json::Value>, today: NaiveDate) -> Result<(), AnswerError> {
    use serde_json::Value;
    if is_blank(value) {
        let choose = matches!(field.field_type, FieldType::Enum | FieldType::EnumMulti | FieldType::Boolean);
        return if field.required && choose {
            Err(wrong(FieldCode::Required, format!("请选择“{}”", field.label.zh), format!("Choose {}", field.label.en)))
        } else if field.required {
            Err(wrong(
                FieldCode::Required,
                format!("请填写“{}”", field.label.zh),
                format!("{} is required", field.label.en),
            ))
        } else {
            Ok(())
        };
    }
    let Some(value) = value else { return Ok(()) };
    let text = || value.as_str().map(str::trim);
    let number_text = || match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    };
    let not_text = || wrong(FieldCode::NotText, "应填写文字", "Expected text");
    match field.field_type {
        FieldType::String | FieldType::Text | FieldType::Address => {
            let s = text().ok_or_else(not_text)?;
            let max = if field.field_type == FieldType::Text { MAX_TEXT_CHARS } else { MAX_STRING_CHARS };
            let chars = s.chars().count();
            if chars > max {
                return Err(wrong(FieldCode::TooLong, format!("最多{max}个字"), format!("At most {max} characters")));
            }
            if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                return Err(wrong(FieldCode::ControlCharacter, "含有不可见的控制字符", "Contains control characters"));
            }
            if field.field_type == FieldType::Address && chars < 5 {
                return Err(wrong(
                    FieldCode::AddressTooShort,
                    "请填写完整地址（至少5个字）",
                    "Give the full address (at least 5 characters)",
                ));
            }
            Ok(())
        }
        FieldType::Integer => {
            let n = number_text().and_then(|s| s.parse::<i64>().ok());
            match n {
                Some(n) if n >= 0 => Ok(()),
                Some(_) => Err(wrong(FieldCode::Negative, "不能为负数", "Cannot be negative")),
                None => Err(wrong(FieldCode::NotInteger, "应填写整数", "Expected a whole number")),
            }
        }
        FieldType::Decimal => {
            let n = number_text().filter(|s| s.len() <= 30).and_then(|s| s.parse::<f64>().ok());
            match n {
                Some(n) if n.is_finite() && n >= 0.0 => Ok(()),
                Some(n) if n.is_finite() => Err(wrong(FieldCode::Negative, "不能为负数", "Cannot be negative")),
                _ => Err(wrong(FieldCode::NotNumber, "应填写数字", "Expected a number")),
            }
        }
        FieldType::Boolean => match value {
            Value::Bool(_) => Ok(()),
            _ => Err(wrong(FieldCode::NotBoolean, "请选择“是”或“否”", "Choose yes or no")),
        },
        FieldType::Date => {
            let s = text().ok_or_else(not_text)?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| wrong(FieldCode::NotDate, "日期格式应为 年-月-日", "Expected a date as YYYY-MM-DD"))
        }
        FieldType::Enum => {
            let s = text().ok_or_else(not_text)?;
            if field.options.iter().any(|o| o == s) {
                Ok(())
            } else {
                Err(wrong(FieldCode::NotAnOption, "请从选项中选择", "Choose one of the options"))
            }
        }
        FieldType::EnumMulti => {
            let Value::Array(values) = value else {
                return Err(wrong(FieldCode::NotAList, "请从选项中选择", "Choose from the options"));
            };
            let mut chosen = BTreeSet::new();
            for v in values {
                let s = v
                    .as_str()
                    .ok_or_else(|| wrong(FieldCode::NotAnOption, "请从选项中选择", "Choose from the options"))?;
                if !field.options.iter().any(|o| o == s) {
                    return Err(wrong(FieldCode::NotAnOption, "请从选项中选择", "Choose from the options"));
                }
                if !chosen.insert(s) {
                    return Err(wrong(FieldCode::DuplicateOption, "同一选项选了两次", "An option is chosen twice"));
                }
            }
            Ok(())
        }
        FieldType::Phone => {
            let s = text().ok_or_else(not_text)?;
            if is_phone(s) {
                Ok(())
            } else {
                Err(wrong(
                    FieldCode::InvalidPhone,
                    "电话号码应为11位手机号码或带区号的固定电话（如0769-22223333）",
                    "Give an 11-digit mobile number or a landline with its area code (e.g. 0769-22223333)",
                ))
            }
        }
        FieldType::ResidentId => {
            let s = text().ok_or_else(not_text)?;
            ResidentId::parse_as_of(s, today).map(|_| ()).map_err(|e| (e.code(), e.message()))
        }
        FieldType::Uscc => {
            let s = text().ok_or_else(not_text)?;
            Uscc::parse(s).map(|_| ()).map_err(|e| (e.code(), e.message()))
        }
    }
}

/// A mobile number (11 digits from 13 to 19) or a landline with its area code.
fn is_phone(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    mobile || landline
}

/// `POST /api/v1/applications/form`: the items to combine into one form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormRequest {
    /// 事项编码 of each item, in the order the applicant chose them.
    pub items: Vec<String>,
}

/// The compiled form and the pledge text the applicant may sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormResponse {
    /// The one form, with the library's materials marked for this applicant.
    pub form: OneForm,
    /// 告知承诺书, for the items that allow it.
    pub pledge_text: Bilingual,
}

/// `POST /api/v1/applications`: one application for one or several items. Send an
/// `Idempotency-Key` header so that a retry never files twice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitRequest {
    /// 事项编码 of each item.
    pub items: Vec<String>,
    /// The filled form.
    #[serde(default)]
    pub answers: FormAnswers,
    /// The draft this application was resumed from; it is removed on submission.
    #[serde(default)]
    pub draft_id: Option<String>,
    /// How the results are delivered; electronically (in the account) when absent.
    #[serde(default)]
    pub delivery: Option<DeliveryChoice>,
}

/// 送达方式 — how the applicant chose to receive the results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryChoice {
    /// Electronic, window pickup or mail.
    pub method: crate::workflow::DeliveryMethod,
    /// For a window pickup: the hall's code.
    #[serde(default)]
    pub hall: Option<String>,
    /// For mail: the postal address.
    #[serde(default)]
    pub address: Option<String>,
}

impl DeliveryChoice {
    /// What the choice lacks: a hall among `halls` for a pickup, an address for mail.
    pub fn check(&self, halls: &[String]) -> Vec<FieldError> {
        use crate::workflow::DeliveryMethod as M;
        let mut errors = Vec::new();
        match self.method {
            M::Window if !self.hall.as_ref().is_some_and(|h| halls.contains(h)) => {
                errors.push(FieldError::new("delivery.hall", crate::problem::FieldCode::NotAnOption));
            }
            M::Mail => {
                let address = self.address.as_deref().unwrap_or_default().trim();
                if address.chars().count() < 5 {
                    errors.push(FieldError::new("delivery.address", crate::problem::FieldCode::AddressTooShort));
                } else if address.chars().count() > 200 {
                    errors.push(FieldError::new("delivery.address", crate::problem::FieldCode::TooLong));
                }
            }
            _ => {}
        }
        errors
    }
}

stored_name!(MaterialSource, CaseStatus);

/// 办件状态 — where a case stands in the workflow.
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
pub enum CaseStatus {
    /// 待前序办结 — a later stage of its application: opens when the earlier stage concludes
    /// approved.
    Waiting,
    /// 已提交 — waiting for the front desk to accept it.
    Submitted,
    /// 承办
    Undertaking,
    /// 审核
    Reviewing,
    /// 批准
    Approving,
    /// 待补正 — a supplement notice is open.
    AwaitingSupplement,
    /// 不予受理
    NotAccepted,
    /// 办结（准予）
    Approved,
    /// 办结（不予许可）
    Denied,
    /// 已撤回
    Withdrawn,
    /// 已终止 — the earlier stage of its application did not conclude approved.
    Discontinued,
}

impl CaseStatus {
    /// The status as the applicant reads it.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Waiting => Bilingual::new("待前序事项办结", "Waiting for the earlier step"),
            Self::Submitted => Bilingual::new("已提交，待受理", "Submitted, awaiting acceptance"),
            Self::Undertaking => Bilingual::new("承办中", "Being handled"),
            Self::Reviewing => Bilingual::new("审核中", "Under review"),
            Self::Approving => Bilingual::new("审批中", "Awaiting approval"),
            Self::AwaitingSupplement => Bilingual::new("待补正材料", "Awaiting your supplement"),
            Self::NotAccepted => Bilingual::new("不予受理", "Not accepted"),
            Self::Approved => Bilingual::new("已办结（准予）", "Concluded: approved"),
            Self::Denied => Bilingual::new("已办结（不予许可）", "Concluded: denied"),
            Self::Withdrawn => Bilingual::new("已撤回", "Withdrawn"),
            Self::Discontinued => {
                Bilingual::new("已终止（前序事项未获准予）", "Stopped: the earlier step was not approved")
            }
        }
    }

    /// What happens next, as the applicant reads it.
    pub fn next_step(self) -> Bilingual {
        match self {
            Self::Waiting => Bilingual::new(
                "前序事项办结后自动开始办理",
                "It starts once the earlier step of the application is approved",
            ),
            Self::Submitted => Bilingual::new(
                "等待部门受理，请留意短信通知",
                "The department will accept it; watch for a text message",
            ),
            Self::Undertaking | Self::Reviewing | Self::Approving => {
                Bilingual::new("部门正在办理，无需操作", "The department is working on it; nothing to do")
            }
            Self::AwaitingSupplement => {
                Bilingual::new("请按补正告知补齐材料", "Provide the materials listed in the supplement notice")
            }
            Self::NotAccepted | Self::Approved | Self::Denied | Self::Withdrawn | Self::Discontinued => {
                Bilingual::new("已结束", "Nothing further")
            }
        }
    }
}

/// One case of a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseReceipt {
    /// 办件编号
    pub case_no: String,
    /// 事项编码
    pub item_code: ItemCode,
    /// 事项名称
    pub item_name: Bilingual,
    /// The department handling it.
    pub department: Bilingual,
    /// 即办件 or 承诺件.
    pub limit_kind: LimitKind,
    /// 承诺办结时限 in working days (the pledge's when it was signed).
    pub promised_working_days: u32,
    /// Whether the applicant signed its pledge.
    pub pledged: bool,
    /// Where it stands.
    pub status: CaseStatus,
}

/// A material as received with an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceivedMaterial {
    /// The material's key in the form.
    pub key: String,
    /// The material's name.
    pub name: Bilingual,
    /// How it was received.
    pub source: MaterialSource,
    /// Files uploaded for it.
    pub files: u32,
    /// The items that need it.
    pub items: Vec<ItemCode>,
}

/// 申办回执 — what an applicant gets back for a submitted application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationReceipt {
    /// 申办编号
    pub application_no: String,
    /// When it was received (RFC 3339, UTC).
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// 申请人: the person's name or the enterprise's name.
    pub applicant_name: String,
    /// The person's masked identity number or the enterprise's credit code.
    pub applicant_identifier: String,
    /// The agent who filed for an enterprise, or the window clerk who filed for a person present.
    pub filed_by: Option<String>,
    /// 办件 — one per item.
    pub cases: Vec<CaseReceipt>,
    /// 收件清单 — the materials received.
    pub materials: Vec<ReceivedMaterial>,
}

/// A case in the applicant's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseBrief {
    /// 办件编号
    pub case_no: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// Where it stands.
    pub status: CaseStatus,
    /// What happens next.
    pub next_step: Bilingual,
}

/// 我的办件 — an application in the applicant's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationBrief {
    /// 申办编号
    pub application_no: String,
    /// When it was received.
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// The person's or the enterprise's name.
    pub applicant_name: String,
    /// Its cases.
    pub cases: Vec<CaseBrief>,
}

/// `POST /api/v1/progress/lookup`: a case number and the applicant's identity number (in the
/// body, never in a URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressLookup {
    /// 办件编号
    pub case_no: String,
    /// The applicant's resident identity number (for an enterprise's case, its legal
    /// representative's), or the enterprise's unified social credit code.
    pub id_number: String,
}

/// `POST /api/v1/progress/lookup/application`: an application number (申办编号, on the receipt)
/// and the applicant's identity number: every case of the application.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationProgressLookup {
    /// 申办编号
    pub application_no: String,
    /// The applicant's resident identity number (for an enterprise's application, its legal
    /// representative's), or the enterprise's unified social credit code.
    pub id_number: String,
}

/// Whose case a progress lookup names: a person by their resident identity number, or an
/// enterprise by its unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplicantIdentifier {
    /// 公民身份号码
    Person(ResidentId),
    /// 统一社会信用代码
    Enterprise(Uscc),
}

impl ApplicantIdentifier {
    /// Reads either kind of number (`today` bounds dates of birth). What is wrong with neither
    /// is said for the kind it looks like: letters other than a final X make it a credit code.
    pub fn parse_as_of(raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let id_error = match ResidentId::parse_as_of(raw, today) {
            Ok(id) => return Ok(Self::Person(id)),
            Err(e) => e,
        };
        let uscc_error = match Uscc::parse(raw) {
            Ok(uscc) => return Ok(Self::Enterprise(uscc)),
            Err(e) => e,
        };
        let trimmed = raw.trim();
        let body = trimmed.strip_suffix(['X', 'x']).unwrap_or(trimmed);
        Err(if body.chars().any(|c| c.is_ascii_alphabetic()) {
            FieldError::with_message("id_number", uscc_error.code(), uscc_error.message())
        } else {
            FieldError::resident_id("id_number", &id_error)
        })
    }
}

/// One step of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressStep {
    /// The status the case reached.
    pub status: CaseStatus,
    /// When (RFC 3339, UTC).
    pub at: chrono::DateTime<chrono::Utc>,
    /// What happened, in both languages.
    pub note: Bilingual,
}

/// 办件进度 — a case's stage timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseProgress {
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// 事项名称
    pub item_name: Bilingual,
    /// The department handling it.
    pub department: Bilingual,
    /// Where it stands.
    pub status: CaseStatus,
    /// What happens next.
    pub next_step: Bilingual,
    /// 承诺办结时限 in working days.
    pub promised_working_days: u32,
    /// 办理时限 — once accepted: the due date explained, and the pause under way.
    pub deadline: Option<crate::supervision::CaseDeadline>,
    /// Every step so far, oldest first.
    pub timeline: Vec<ProgressStep>,
}

/// 草稿 — a half-filled application, saved to resume on any device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draft {
    /// Its id; left out to save a new draft.
    #[serde(default)]
    pub id: Option<String>,
    /// 事项编码 of each item.
    pub items: Vec<String>,
    /// The answers so far.
    #[serde(default)]
    pub answers: FormAnswers,
    /// The enterprise it is for (set by the server from the session).
    #[serde(default)]
    pub acting_uscc: Option<String>,
    /// When it was last saved (set by the server).
    #[serde(default)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// 上传结果 — a file received for a material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadReceipt {
    /// The id to list under the material in [`FormAnswers::materials`].
    pub id: String,
    /// The file name, made safe.
    pub file_name: String,
    /// The media type its content shows.
    pub media_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content (hex).
    pub sha256: String,
}

/// Makes an uploaded file's name safe to keep and show: the last path component, without
/// invisible characters (controls, bidirectional overrides: [`crate::text::is_invisible`]) or
/// markup characters, at most 100 characters; `file` when nothing is left.
pub fn safe_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !crate::text::is_invisible(*c) && !matches!(c, '<' | '>' | '"' | '`'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned.to_owned() }
}

/// 一件事 — items an applicant usually needs together, offered as one application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    /// Stable code, e.g. `DG-YJS-0002`.
    pub code: String,
    /// 名称, e.g. 开办企业.
    pub name: Bilingual,
    /// Who applies.
    pub service_object: ServiceObject,
    /// The items that always apply, in the order the form asks them.
    pub items: Vec<ItemCode>,
    /// Items the bundle adds when a situation holds (the fire safety check when the premises are
    /// a public gathering venue), offered to the applicant with that situation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<ConditionalItem>,
    /// 分阶段办理 — items that must conclude approved before the others start (the company's
    /// registration before its seal and social insurance), stage by stage; empty when all
    /// start at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Vec<ItemCode>>,
}

/// What the home page reads of a bundle in `GET /bundles`: its name and the items it opens the
/// form with. The situations of its conditional items, and its stages, are the form's to read;
/// decoding them here would bring their decoders into a citizen's first load.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BundleBrief {
    /// As [`Bundle::code`].
    pub code: String,
    /// As [`Bundle::name`].
    pub name: Bilingual,
    /// As [`Bundle::items`].
    pub items: Vec<ItemCode>,
    /// How many items it may add ([`Bundle::conditional`]): when any, the form asks first.
    #[serde(default, rename = "conditional", deserialize_with = "count_of")]
    pub conditional_items: usize,
}

/// The length of a list whose entries are not read.
fn count_of<'de, D: serde::Deserializer<'de>>(list: D) -> Result<usize, D::Error> {
    Vec::<serde::de::IgnoredAny>::deserialize(list).map(|entries| entries.len())
}

impl From<&Bundle> for BundleBrief {
    fn from(bundle: &Bundle) -> Self {
        Self {
            code: bundle.code.clone(),
            name: bundle.name.clone(),
            items: bundle.items.clone(),
            conditional_items: bundle.conditional.len(),
        }
    }
}

/// An item a bundle adds when its situation holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConditionalItem {
    /// 事项编码
    pub item: ItemCode,
    /// 事项名称
    pub name: Bilingual,
    /// The situation in which it applies.
    pub condition: Condition,
}

/// Why a bundle cannot be offered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// An item named twice.
    #[error("item {0} is named twice")]
    Duplicate(ItemCode),
    /// A stage names an item the bundle does not have, or an item is in no stage.
    #[error("item {0} is not in exactly one stage")]
    Stage(ItemCode),
}

impl Bundle {
    /// Every item the bundle may hold: those that always apply, then the conditional ones.
    pub fn all_items(&self) -> impl Iterator<Item = &ItemCode> {
        self.items.iter().chain(self.conditional.iter().map(|c| &c.item))
    }

    /// Checks that each item is named once and, for a staged bundle, is in exactly one stage.
    pub fn check(&self) -> Result<(), BundleError> {
        let mut seen = BTreeSet::new();
        for code in self.all_items() {
            if !seen.insert(code) {
                return Err(BundleError::Duplicate(code.clone()));
            }
        }
        if self.stages.is_empty() {
            return Ok(());
        }
        for code in self.all_items() {
            if self.stages.iter().flatten().filter(|c| *c == code).count() != 1 {
                return Err(BundleError::Stage(code.clone()));
            }
        }
        match self.stages.iter().flatten().find(|c| !seen.contains(c)) {
            Some(stray) => Err(BundleError::Stage(stray.clone())),
            None => Ok(()),
        }
    }

    /// The stage of each of `items` when they are exactly this bundle's staged items or a
    /// part of them that includes its first stage; `None` when the bundle does not stage them.
    pub fn stages_of(&self, items: &[ItemCode]) -> Option<Vec<u32>> {
        let first = self.stages.first()?;
        if !first.iter().all(|c| items.contains(c)) {
            return None;
        }
        items
            .iter()
            .map(|code| self.stages.iter().position(|stage| stage.contains(code)).and_then(|i| u32::try_from(i).ok()))
            .collect()
    }
}

#[cfg(test)]
mod file_name_tests {
    use super::safe_file_name;

    #[test]
    fn a_file_name_keeps_its_last_part_without_invisible_or_markup_characters() {
        assert_eq!(safe_file_name("../../etc/passwd\u{1}\\..\\证明.pdf"), "证明.pdf");
        // With U+202E kept, the name would show as "invoiceexe.pdf".
        assert_eq!(safe_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(safe_file_name("<script>a.png"), "scripta.png");
        assert_eq!(safe_file_name("\u{200B}\u{FEFF}"), "file");
        assert_eq!(safe_file_name(&"长".repeat(300)).chars().count(), 100);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Condition;

    #[test]
    fn a_bundles_brief_decodes_its_whole_answer_and_counts_its_conditional_items() {
        let code = |c: &str| ItemCode::parse(c).expect("an item code");
        let bundle = Bundle {
            code: "DG-YJS-0002".to_owned(),
            name: Bilingual::new("开办企业", "Starting a business"),
            service_object: ServiceObject::Enterprise,
            items: vec![code("DG-QY-0001"), code("DG-QY-0002")],
            conditional: vec![ConditionalItem {
                item: code("DG-QY-0009"),
                name: Bilingual::new("消防检查", "Fire safety check"),
                condition: Condition {
                    key: "public_venue".to_owned(),
                    name: Bilingual::new("公众聚集场所", "Public venue"),
                },
            }],
            stages: vec![vec![code("DG-QY-0001")], vec![code("DG-QY-0002")]],
        };
        let answer = serde_json::to_string(&[&bundle]).expect("serializable");
        let briefs: Vec<BundleBrief> = serde_json::from_str(&answer).expect("the brief decodes it");
        assert_eq!(briefs, vec![BundleBrief::from(&bundle)]);
        assert_eq!(briefs[0].conditional_items, 1);

        let plain = Bundle { conditional: Vec::new(), stages: Vec::new(), ..bundle };
        let brief: BundleBrief =
            serde_json::from_str(&serde_json::to_string(&plain).expect("serializable")).expect("decodes");
        assert_eq!(brief.conditional_items, 0, "a bundle without conditional items leaves the list out");
    }
}
