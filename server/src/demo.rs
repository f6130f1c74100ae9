//! 演示数据 — the demo catalogue: the service items a Dongguan city hall handles, for persons and
//! for enterprises, loaded by `--demo`. The data file is `server/demo/catalogue.json`.

use std::collections::HashMap;

use anyhow::Context as _;
use serde::Deserialize;
use shared::Bilingual;
use shared::application::{Bundle, ConditionalItem};
use shared::audit::AuditAction;
use shared::catalogue::{
    Channel, CommitmentBased, Condition, Department, ELicenseType, FieldType, FormField, HallLevel, ItemCode,
    ItemStatus, ItemType, KnownFact, LimitKind, Material, ServiceItem, ServiceObject, Theme, TimeLimits,
};
use shared::license::HolderKind;
use shared::search::{Synonym, SynonymRequest};
use shared::workflow::{StepKind, Workflow, WorkflowStep};

use crate::store::Store;
use crate::store::identity::AuditEvent;

const CATALOGUE_JSON: &str = include_str!("../demo/catalogue.json");
const SYNONYMS_JSON: &str = include_str!("../demo/synonyms.json");

#[derive(Deserialize)]
struct RawSynonyms {
    synonyms: Vec<RawSynonym>,
}

#[derive(Deserialize)]
struct RawSynonym {
    term: String,
    means: Vec<String>,
}

#[derive(Deserialize)]
struct RawCatalogue {
    departments: Vec<RawDepartment>,
    license_types: Vec<RawKeyName>,
    conditions: Vec<RawKeyName>,
    themes: Vec<RawTheme>,
    items: Vec<RawItem>,
    one_form_bundles: Vec<RawBundle>,
}

#[derive(Deserialize)]
struct RawBundle {
    code: String,
    name_zh: String,
    name_en: String,
    items: Vec<RawBundleItem>,
    stages: Vec<Vec<String>>,
}

#[derive(Deserialize)]
struct RawBundleItem {
    code: String,
    condition: Option<String>,
}

#[derive(Deserialize)]
struct RawDepartment {
    code: String,
    name_zh: String,
    name_en: String,
}

#[derive(Deserialize)]
struct RawKeyName {
    key: String,
    name_zh: String,
    name_en: String,
}

#[derive(Deserialize)]
struct RawTheme {
    key: String,
    name_zh: String,
    name_en: String,
    subject: ServiceObject,
}

#[derive(Deserialize)]
struct RawItem {
    code: String,
    name_zh: String,
    name_en: String,
    kind_key: String,
    subject: ServiceObject,
    department_code: String,
    theme: String,
    legal_basis: Vec<String>,
    legal_limit_working_days: u32,
    promised_limit_working_days: u32,
    legal_limit_text: Option<String>,
    instant: bool,
    pledge_allowed: bool,
    pledge_limit_working_days: Option<u32>,
    fee: String,
    channels: Vec<Channel>,
    halls: Vec<HallLevel>,
    materials: Vec<RawMaterial>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
struct RawMaterial {
    code: String,
    name_zh: String,
    name_en: String,
    required: bool,
    condition: Option<String>,
    license_type: Option<String>,
    original_copies: u32,
    copies: u32,
}

#[derive(Deserialize)]
struct RawField {
    key: String,
    label_zh: String,
    label_en: String,
    #[serde(rename = "type")]
    field_type: FieldType,
    required: bool,
    #[serde(default)]
    options: Vec<String>,
}

/// The demo catalogue, read from the bundled data file.
pub struct DemoCatalogue {
    /// Every department, including the hall operator that owns no item.
    pub departments: Vec<Department>,
    /// Every theme.
    pub themes: Vec<Theme>,
    /// Every item, as version 1.
    pub items: Vec<ServiceItem>,
    /// 一件事 — the one-form bundles.
    pub bundles: Vec<Bundle>,
    /// 电子证照类型 — the kinds of certificate the library holds.
    pub license_types: Vec<ELicenseType>,
    /// 检索同义词 — the words people use for services.
    pub synonyms: Vec<Synonym>,
}

/// 办理结果 — the e-licence an item's approval issues, for the items whose result the library
/// holds: a business licence for the registrations, a residence permit.
fn produces(code: &str) -> Option<&'static str> {
    match code {
        "DG-GR-0001" | "DG-QY-0001" => Some("business_license"),
        "DG-GR-0002" => Some("residence_permit"),
        _ => None,
    }
}

/// 已知信息 — the fact a field of the catalogue asks for, by its key: the applicant's identity,
/// the enterprise's record, or a licence in the library. A 个体工商户's operator is the person
/// registering it (a person's item) and then the business's registered representative.
fn known_fact(subject: ServiceObject, key: &str) -> Option<KnownFact> {
    Some(match (subject, key) {
        (_, "applicant_name") | (ServiceObject::Person, "operator_name") => KnownFact::PersonName,
        (_, "applicant_id_number") | (ServiceObject::Person, "operator_id_number") => KnownFact::PersonIdNumber,
        (_, "enterprise_name") => KnownFact::EnterpriseName,
        (_, "uscc") => KnownFact::EnterpriseUscc,
        (_, "legal_rep_name") | (ServiceObject::Enterprise, "operator_name") => KnownFact::LegalRepName,
        (_, "legal_rep_id_number") | (ServiceObject::Enterprise, "operator_id_number") => KnownFact::LegalRepIdNumber,
        (_, "residence_permit_no") => KnownFact::ResidencePermitNumber,
        _ => return None,
    })
}

/// 情形 — the situations a field's answer decides: the premises' tenure decides which proof of
/// premises is needed, central air-conditioning its inspection report, a founder's role whether
/// a power of attorney is.
fn decides(key: &str) -> std::collections::BTreeMap<String, String> {
    let pairs: &[(&str, &str)] = match key {
        "premises_ownership" => &[("owned", "owned_premises"), ("rented", "rented_premises")],
        "uses_central_air_conditioning" => &[("true", "central_air_conditioning")],
        // A founder who files for others names the legal representative and brings their power
        // of attorney.
        "founder_role" => &[("受他人委托代为办理", "agent_filing")],
        _ => &[],
    };
    pairs.iter().map(|(answer, situation)| ((*answer).to_owned(), (*situation).to_owned())).collect()
}

/// What the coded answers of a question are called.
fn option_labels(key: &str) -> std::collections::BTreeMap<String, Bilingual> {
    let labels: &[(&str, &str, &str)] = match key {
        "premises_ownership" => &[("owned", "自有产权", "Owned"), ("rented", "租赁", "Rented")],
        "employment_status" => &[
            ("employed", "在职", "Employed"),
            ("self_employed", "自主创业、灵活就业", "Self-employed"),
            ("unemployed", "失业", "Unemployed"),
        ],
        _ => &[],
    };
    labels.iter().map(|(code, zh, en)| ((*code).to_owned(), Bilingual::new(*zh, *en))).collect()
}

/// A question the form no longer asks: whether to take the pledge is asked once per item, by
/// the pledge itself.
fn asked_elsewhere(key: &str) -> bool {
    key == "choose_pledge"
}

/// Items whose steps differ from 承办 → 审核 → 批准: dog registration has no review step, the
/// pollutant discharge permit needs two approvals.
fn demo_workflow(code: &str) -> Option<Workflow> {
    let step = |kind, working_days| WorkflowStep { kind, working_days };
    let steps = match code {
        "DG-GR-0006" => vec![step(StepKind::Undertake, 1), step(StepKind::Approve, 0)],
        "DG-QY-0013" => vec![
            step(StepKind::Undertake, 6),
            step(StepKind::Review, 2),
            step(StepKind::Approve, 1),
            step(StepKind::Approve, 1),
        ],
        _ => return None,
    };
    Some(Workflow::new(steps).expect("the demo workflows end in an approval"))
}

/// The halls where results are picked up (*plausible* addresses).
pub fn demo_halls() -> Vec<shared::case::Hall> {
    let hall = |code: &str, zh: &str, en: &str, address: &str| shared::case::Hall {
        code: code.to_owned(),
        name: Bilingual::new(zh, en),
        address: address.to_owned(),
    };
    vec![
        hall("DG-CITY", "东莞市民服务中心", "Dongguan Citizen Service Center", "东莞市南城街道鸿福路99号"),
        hall("DG-GUANCHENG", "莞城街道便民服务中心", "Guancheng Subdistrict Service Center", "东莞市莞城街道市桥路1号"),
        hall("DG-SSL", "松山湖政务服务中心", "Songshan Lake Government Service Center", "东莞市松山湖科技九路2号"),
    ]
}

/// English for the fee texts the data file states only in Chinese.
fn fee_en(zh: &str) -> String {
    match zh {
        "不收费" => "Free of charge".to_owned(),
        "不收费（免费植入电子标识、发放智能犬牌）" => {
            "Free of charge (the electronic tag is implanted and the smart dog tag issued free)".to_owned()
        }
        "住宅每件80元，非住宅每件550元（多发一本证书加收工本费10元）" => {
            "CNY 80 per residential property, CNY 550 per non-residential property (CNY 10 for each additional certificate)"
                .to_owned()
        }
        "新开办企业首套印章由政府购买服务免费刻制" => {
            "A new enterprise's first set of seals is engraved free of charge, paid for by the government".to_owned()
        }
        other => other.to_owned(),
    }
}

fn item_type(kind_key: &str) -> anyhow::Result<ItemType> {
    Ok(match kind_key {
        "permit" => ItemType::Permit,
        "confirmation" => ItemType::Confirmation,
        "benefit" => ItemType::Benefit,
        "public_service" => ItemType::PublicService,
        "other" => ItemType::Other,
        other => anyhow::bail!("unknown kind_key {other}"),
    })
}

/// 受理条件 — the conditions every guide of the city states, by who applies.
fn acceptance_conditions(object: ServiceObject) -> Vec<Bilingual> {
    let applicant = match object {
        ServiceObject::Person => Bilingual::new(
            "申请人为符合本事项设定依据所规定条件的自然人，或其委托的代理人",
            "The applicant is a natural person who meets the conditions of this item's legal basis, or an agent they authorize",
        ),
        ServiceObject::Enterprise => Bilingual::new(
            "申请人为符合本事项设定依据所规定条件的企业或其他组织，由法定代表人或经授权的经办人办理",
            "The applicant is an enterprise or organization meeting the conditions of this item's legal basis, acting through its legal representative or an authorized agent",
        ),
    };
    vec![
        applicant,
        Bilingual::new(
            "申请材料齐全、符合法定形式",
            "The application materials are complete and in the form the law requires",
        ),
    ]
}

/// A bundle as one form: the items that always apply, and those a situation adds. A bundle
/// whose items cannot make one form (or whose stages name an item it lacks) stops the start.
fn demo_bundle(b: RawBundle, items: &[ServiceItem], conditions: &HashMap<String, Condition>) -> anyhow::Result<Bundle> {
    let code = |raw: &str| ItemCode::parse(raw).map_err(|e| anyhow::anyhow!("bundle {}: {raw}: {e}", b.code));
    let mut always = Vec::new();
    let mut conditional = Vec::new();
    for entry in &b.items {
        let item = code(&entry.code)?;
        match &entry.condition {
            None => always.push(item),
            Some(key) => conditional.push(ConditionalItem {
                name: items
                    .iter()
                    .find(|i| i.code == item)
                    .map(|i| i.name.clone())
                    .with_context(|| format!("bundle {}: item {item}", b.code))?,
                item,
                condition: conditions
                    .get(key)
                    .cloned()
                    .with_context(|| format!("bundle {}: condition {key}", b.code))?,
            }),
        }
    }
    let stages = b
        .stages
        .iter()
        .map(|stage| stage.iter().map(|c| code(c)).collect::<anyhow::Result<Vec<_>>>())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let every: Vec<ServiceItem> = always
        .iter()
        .chain(conditional.iter().map(|c| &c.item))
        .map(|c| items.iter().find(|i| &i.code == c).cloned().with_context(|| format!("bundle {}: item {c}", b.code)))
        .collect::<anyhow::Result<_>>()?;
    let form = shared::application::compile(&every, &std::collections::BTreeSet::new())
        .map_err(|e| anyhow::anyhow!("bundle {} cannot be one form: {}", b.code, e.message().en))?;
    let bundle = Bundle {
        code: b.code,
        name: Bilingual::new(b.name_zh, b.name_en),
        service_object: form.service_object,
        items: always,
        conditional,
        stages,
    };
    bundle.check().map_err(|e| anyhow::anyhow!("bundle {}: {e}", bundle.code))?;
    Ok(bundle)
}

impl DemoCatalogue {
    /// Reads and checks the bundled catalogue.
    pub fn load() -> anyhow::Result<Self> {
        let raw: RawCatalogue = serde_json::from_str(CATALOGUE_JSON).context("demo/catalogue.json")?;
        let departments: HashMap<_, _> = raw
            .departments
            .iter()
            .map(|d| {
                (d.code.clone(), Department { code: d.code.clone(), name: Bilingual::new(&d.name_zh, &d.name_en) })
            })
            .collect();
        let themes: HashMap<_, _> = raw
            .themes
            .iter()
            .map(|t| {
                (
                    t.key.clone(),
                    Theme {
                        key: t.key.clone(),
                        name: Bilingual::new(&t.name_zh, &t.name_en),
                        service_object: t.subject,
                    },
                )
            })
            .collect();
        let licenses: HashMap<_, _> = raw
            .license_types
            .iter()
            .map(|l| (l.key.clone(), ELicenseType { key: l.key.clone(), name: Bilingual::new(&l.name_zh, &l.name_en) }))
            .collect();
        let conditions: HashMap<_, _> = raw
            .conditions
            .iter()
            .map(|c| (c.key.clone(), Condition { key: c.key.clone(), name: Bilingual::new(&c.name_zh, &c.name_en) }))
            .collect();

        let mut items = Vec::with_capacity(raw.items.len());
        for it in raw.items {
            let ctx = || format!("item {}", it.code);
            let lookup = |map: &HashMap<String, Condition>, key: &str| {
                map.get(key).cloned().with_context(|| format!("{}: unknown condition {key}", it.code))
            };
            let materials = it
                .materials
                .iter()
                .map(|m| {
                    Ok(Material {
                        code: m.code.clone(),
                        name: Bilingual::new(&m.name_zh, &m.name_en),
                        required: m.required,
                        condition: m.condition.as_deref().map(|k| lookup(&conditions, k)).transpose()?,
                        e_license: m
                            .license_type
                            .as_deref()
                            .map(|k| licenses.get(k).cloned().with_context(|| format!("unknown license type {k}")))
                            .transpose()?,
                        original_copies: m.original_copies,
                        copies: m.copies,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(ctx)?;
            let mut item_conditions: Vec<Condition> = Vec::new();
            for c in materials.iter().filter_map(|m| m.condition.clone()) {
                if !item_conditions.contains(&c) {
                    item_conditions.push(c);
                }
            }
            items.push(ServiceItem {
                code: ItemCode::parse(&it.code).map_err(|e| anyhow::anyhow!("{}: {e}", it.code))?,
                version: 1,
                status: ItemStatus::Published,
                name: Bilingual::new(&it.name_zh, &it.name_en),
                item_type: item_type(&it.kind_key).with_context(ctx)?,
                service_object: it.subject,
                department: departments.get(&it.department_code).cloned().with_context(ctx)?,
                theme: themes.get(&it.theme).cloned().with_context(ctx)?,
                legal_basis: it.legal_basis,
                acceptance_conditions: acceptance_conditions(it.subject),
                conditions: item_conditions,
                time_limits: TimeLimits {
                    kind: if it.instant { LimitKind::Instant } else { LimitKind::Promised },
                    statutory_working_days: it.legal_limit_working_days,
                    statutory_text: it.legal_limit_text,
                    promised_working_days: it.promised_limit_working_days,
                    warning_working_days: None,
                },
                commitment: CommitmentBased {
                    allowed: it.pledge_allowed,
                    promised_working_days: it.pledge_limit_working_days,
                },
                fee: Bilingual::new(&it.fee, fee_en(&it.fee)),
                channels: it.channels,
                halls: it.halls,
                materials,
                fields: it
                    .fields
                    .into_iter()
                    .filter(|f| !asked_elsewhere(&f.key))
                    .map(|f| FormField {
                        known: known_fact(it.subject, &f.key),
                        decides: decides(&f.key),
                        option_labels: option_labels(&f.key),
                        key: f.key,
                        label: Bilingual::new(f.label_zh, f.label_en),
                        field_type: f.field_type,
                        required: f.required,
                        options: f.options,
                    })
                    .collect(),
                workflow: demo_workflow(&it.code),
                produces: produces(&it.code)
                    .map(|k| licenses.get(k).cloned().context("unknown license type"))
                    .transpose()?,
            });
        }
        for item in &items {
            item.check_workflow().with_context(|| format!("item {}: workflow", item.code))?;
        }
        let mut departments: Vec<_> = departments.into_values().collect();
        departments.sort_by(|a, b| a.code.cmp(&b.code));
        let mut themes: Vec<_> = themes.into_values().collect();
        themes.sort_by(|a, b| a.key.cmp(&b.key));
        let bundles = raw
            .one_form_bundles
            .into_iter()
            .map(|b| demo_bundle(b, &items, &conditions))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut license_types: Vec<_> = licenses.into_values().collect();
        license_types.sort_by(|a, b| a.key.cmp(&b.key));
        let raw: RawSynonyms = serde_json::from_str(SYNONYMS_JSON).context("demo/synonyms.json")?;
        let synonyms = raw
            .synonyms
            .into_iter()
            .map(|s| {
                Synonym::parse(&s.term, &SynonymRequest { means: s.means })
                    .map_err(|e| anyhow::anyhow!("synonym {}: {e:?}", s.term))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { departments, themes, items, bundles, license_types, synonyms })
    }

    /// The version under which to publish a demo item, if it is to be: the first, when none is
    /// published; the next, when the published one was the demo's own and this release of the
    /// demo defines it differently (what the form fills, which answers decide which situations);
    /// none when it is current or a catalogue admin published it.
    async fn version_to_publish(&self, store: &Store, item: &ServiceItem) -> anyhow::Result<Option<u32>> {
        let Some(stored) = store.published_item(&item.code).await? else { return Ok(Some(item.version)) };
        if stored == (ServiceItem { version: stored.version, status: stored.status, ..item.clone() }) {
            return Ok(None);
        }
        let subject = format!("{}@{}", stored.code, stored.version);
        let by_demo = store
            .audit_of(&subject)
            .await?
            .iter()
            .any(|e| e.action == AuditAction::ItemPublished && e.actor_id.is_none() && e.detail == "demo data");
        Ok(by_demo.then_some(stored.version + 1))
    }

    /// Writes the catalogue into the store. Items that already have a published version are
    /// left alone, so restarting with `--demo` never undoes a catalogue admin's change.
    pub async fn install(&self, store: &Store) -> anyhow::Result<usize> {
        for d in &self.departments {
            store.upsert_department(d).await?;
        }
        for t in &self.themes {
            store.upsert_theme(t).await?;
        }
        let mut published = 0;
        for item in &self.items {
            if let Some(version) = self.version_to_publish(store, item).await? {
                let item = ServiceItem { version, ..item.clone() };
                let subject = format!("{}@{}", item.code, item.version);
                store
                    .publish_item(&item, &demo_event(AuditAction::ItemPublished, &subject, chrono::Utc::now()))
                    .await?;
                published += 1;
            }
        }
        for license_type in &self.license_types {
            store.upsert_license_type(license_type).await?;
        }
        for hall in demo_halls() {
            store.upsert_hall(&hall).await?;
        }
        for (position, bundle) in self.bundles.iter().enumerate() {
            store.upsert_bundle(bundle, position as i64).await?;
        }
        // Synonyms are installed once: afterwards they are the catalogue administrators'.
        if store.synonyms().await?.is_empty() {
            let mut uow = store.begin().await?;
            for s in &self.synonyms {
                uow.set_synonym(s).await?;
            }
            uow.commit(&demo_event(AuditAction::SynonymSet, "synonym", chrono::Utc::now())).await?;
        }
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_has_every_item_with_english_text() {
        let demo = DemoCatalogue::load().expect("the bundled catalogue reads");
        assert_eq!(demo.items.len(), 24);
        let persons = demo.items.iter().filter(|i| i.service_object == ServiceObject::Person).count();
        assert_eq!(persons, 11);
        for item in &demo.items {
            assert!(
                !item.fee.en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: fee untranslated",
                item.code
            );
            assert!(!item.materials.is_empty() && !item.fields.is_empty(), "{}", item.code);
        }
    }
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Yiwang@2026";

/// 演示账号 — one account per kind of user in the design, printed on start.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    /// What the account is for.
    pub role: &'static str,
    /// 姓名
    pub name: &'static str,
    /// The identity number to sign in with (demo data, not a real person's).
    pub id_number: String,
    /// For staff: department code, roles, and the authenticator secret (base32) if one is bound.
    pub staff: Option<(&'static str, &'static [shared::account::Role], Option<&'static str>)>,
}

/// A demo enterprise and its legal representative's identity number.
pub struct DemoEnterprise {
    /// 统一社会信用代码
    pub uscc: &'static str,
    /// 企业名称
    pub name: &'static str,
    /// The legal representative's identity number.
    pub legal_rep: &'static str,
    /// Identity numbers of pre-authorized agents.
    pub agents: &'static [&'static str],
}

fn composed(birth: (i32, u32, u32), sequence: u16) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).expect("a real date");
    shared::identity::compose_resident_id("441900", date, sequence)
}

/// The demo accounts: citizens, a legal representative, agents and a staff member for every role.
pub fn demo_accounts() -> Vec<DemoAccount> {
    use shared::account::Role::*;
    let citizen = |role, name, id: &str| DemoAccount { role, name, id_number: id.to_owned(), staff: None };
    let staff = |role, name, id: String, dept, roles, secret| DemoAccount {
        role,
        name,
        id_number: id,
        staff: Some((dept, roles, Some(secret))),
    };
    vec![
        citizen("citizen 市民; legal representative of 东莞市莞城张记餐馆", "张三", "441900196805221310"),
        citizen("legal representative 法定代表人 of 东莞市示范科技有限公司", "李娜", "441900197509092467"),
        citizen("enterprise agent 经办人 of 东莞市示范科技有限公司", "陈敏", "441900198812314688"),
        citizen("citizen 市民 (not yet an agent)", "王强", "441900198201013579"),
        staff(
            "window clerk 综合窗口",
            "黄丽",
            "441900199602295196".to_owned(),
            "DG-GSDA",
            &[WindowClerk],
            "YIWANGDEMOWINDOWCLERKAAAAAAAAAAA",
        ),
        staff(
            "window clerk 综合窗口",
            "何静",
            composed((1993, 4, 18), 602),
            "DG-GSDA",
            &[WindowClerk],
            "YIWANGDEMOWINDOWCLERKBBBBBBBBBBB",
        ),
        staff(
            "undertaker 承办",
            "刘洋",
            composed((1985, 3, 12), 101),
            "DG-SAMR",
            &[Undertaker],
            "YIWANGDEMOUNDERTAKERAAAAAAAAAAAA",
        ),
        staff(
            "reviewer 审核",
            "周婷",
            composed((1987, 6, 8), 202),
            "DG-SAMR",
            &[Reviewer],
            "YIWANGDEMOREVIEWERAAAAAAAAAAAAAA",
        ),
        staff(
            "approver 批准",
            "吴刚",
            composed((1979, 11, 30), 303),
            "DG-SAMR",
            &[Approver],
            "YIWANGDEMOAPPROVERAAAAAAAAAAAAAA",
        ),
        staff(
            "supervisor 效能监察",
            "郑华",
            composed((1975, 2, 14), 404),
            "DG-GSDA",
            &[Supervisor],
            "YIWANGDEMOSUPERVISORAAAAAAAAAAAA",
        ),
        staff(
            "catalogue admin 事项管理",
            "孙悦",
            composed((1990, 9, 9), 506),
            "DG-GSDA",
            &[CatalogueAdmin],
            "YIWANGDEMOCATALOGUEADMINAAAAAAAA",
        ),
        staff(
            "security admin 安全管理员",
            "林峰",
            composed((1984, 7, 21), 611),
            "DG-GSDA",
            &[SecurityAdmin],
            "YIWANGDEMOSECURITYADMINAAAAAAAAA",
        ),
        staff(
            "systems administrator 系统对接管理",
            "钱进",
            composed((1983, 8, 8), 819),
            "DG-SAMR",
            &[DepartmentAdmin],
            "YIWANGDEMODEPARTMENTADMINAAAAAAA",
        ),
        DemoAccount {
            role: "undertaker 承办, no authenticator yet (needs an enrolment token)",
            name: "赵磊",
            id_number: composed((1992, 5, 6), 715),
            staff: Some(("DG-SAMR", &[Undertaker], None)),
        },
    ]
}

/// The demo enterprises.
pub const DEMO_ENTERPRISES: [DemoEnterprise; 2] = [
    DemoEnterprise {
        uscc: "91441900MA4W7CX39E",
        name: "东莞市示范科技有限公司",
        legal_rep: "441900197509092467",
        agents: &["441900198812314688"],
    },
    DemoEnterprise {
        uscc: "92441900L7HN2E8K4C",
        name: "东莞市莞城张记餐馆",
        legal_rep: "441900196805221310",
        agents: &[],
    },
];

/// Creates the demo accounts and enterprises that do not exist yet (needs the demo catalogue's
/// departments). One password hash serves every demo account, so starting stays fast.
pub async fn install_accounts(app: &crate::state::App) -> anyhow::Result<Vec<DemoAccount>> {
    let accounts = demo_accounts();
    let password_hash = crate::auth::password::hash_now(DEMO_PASSWORD);
    let now = app.clock.now();
    let mut ids = HashMap::new();
    for account in &accounts {
        let id_number =
            shared::ResidentId::parse(&account.id_number).map_err(|e| anyhow::anyhow!("{}: {e}", account.name))?;
        let hash = app.pii.lookup_hash(&id_number);
        let person_id = match app.store.person_by_hash(&hash).await? {
            Some(existing) => existing.id,
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let mut uow = app.store.begin().await?;
                uow.insert_person(&crate::store::identity::NewPerson {
                    id: &id,
                    id_number_hash: &hash,
                    id_number_sealed: &app.pii.seal(&id_number),
                    id_number_masked: &id_number.masked(),
                    name: account.name,
                    mobile: "13800138000",
                    password_hash: &password_hash,
                    created_at: now,
                })
                .await?;
                uow.commit(&demo_event(AuditAction::Registered, &id, now)).await?;
                id
            }
        };
        if let Some((department, roles, secret)) = account.staff {
            let sealed = secret.map(|s| app.pii.seal_text(s));
            app.store.upsert_staff(&person_id, department, roles, sealed.as_deref()).await?;
        }
        ids.insert(account.id_number.clone(), person_id);
    }
    for e in &DEMO_ENTERPRISES {
        let rep = ids.get(e.legal_rep).context("legal representative is a demo account")?;
        app.store.upsert_enterprise(e.uscc, e.name, rep, now).await?;
        for agent in e.agents {
            let agent = ids.get(*agent).context("agent is a demo account")?;
            let mut uow = app.store.begin().await?;
            if uow.grant_agent(e.uscc, agent, rep, now).await? {
                uow.commit(&demo_event(AuditAction::AgentGranted, e.uscc, now)).await?;
            }
        }
    }
    install_licenses(app).await?;
    Ok(accounts)
}

/// 演示电子证照 — (holder, type, number, issuer, valid from, valid until, revoked). A holder of 18
/// digits is a person; its number is kept masked. 陈敏's ID card has expired and 张三's title
/// certificate was revoked, so that both show the library falling back to an upload.
type DemoLicense = (&'static str, &'static str, &'static str, &'static str, &'static str, Option<&'static str>, bool);

const DEMO_LICENSES: [DemoLicense; 11] = [
    ("441900196805221310", "resident_id_card", "", "东莞市公安局", "2016-05-22", Some("2036-05-22"), false),
    ("441900196805221310", "household_register", "440000123456", "东莞市公安局莞城分局", "2010-03-01", None, false),
    ("441900196805221310", "marriage_certificate", "J441900-1994-001234", "东莞市民政局", "1994-10-01", None, false),
    (
        "441900196805221310",
        "property_certificate",
        "粤(2019)东莞不动产权第0123456号",
        "东莞市自然资源局",
        "2019-06-01",
        None,
        true,
    ),
    ("441900197509092467", "resident_id_card", "", "东莞市公安局", "2015-09-09", Some("2035-09-09"), false),
    ("441900197509092467", "household_register", "440000234567", "东莞市公安局南城分局", "2008-01-15", None, false),
    ("441900198812314688", "resident_id_card", "", "东莞市公安局", "2005-12-31", Some("2025-12-31"), false),
    ("441900198201013579", "resident_id_card", "", "东莞市公安局", "2022-01-01", Some("2042-01-01"), false),
    ("441900198201013579", "household_register", "440000345678", "东莞市公安局东城分局", "2012-07-01", None, false),
    ("91441900MA4W7CX39E", "business_license", "91441900MA4W7CX39E", "东莞市市场监督管理局", "2021-03-18", None, false),
    ("92441900L7HN2E8K4C", "business_license", "92441900L7HN2E8K4C", "东莞市市场监督管理局", "2018-08-08", None, false),
];

/// An audit event of the demo data being loaded: nobody acted.
fn demo_event(action: AuditAction, subject: &str, at: chrono::DateTime<chrono::Utc>) -> AuditEvent<'_> {
    AuditEvent {
        actor_id: None,
        acting_uscc: None,
        on_behalf_of: None,
        action,
        subject,
        detail: "demo data",
        role: None,
        department: None,
        files: &[],
        at,
    }
}

/// Loads the demo licenses into the e-license library (each once).
async fn install_licenses(app: &crate::state::App) -> anyhow::Result<()> {
    for (i, (holder, license_type, number, issuer, from, until, revoked)) in DEMO_LICENSES.iter().enumerate() {
        let (holder_kind, holder_key, number) = match shared::ResidentId::parse(holder) {
            Ok(id) => {
                let number = if number.is_empty() { id.masked() } else { (*number).to_owned() };
                (HolderKind::Person, app.pii.lookup_hash(&id), number)
            }
            Err(_) => (HolderKind::Enterprise, (*holder).to_owned(), (*number).to_owned()),
        };
        app.store
            .insert_license(&crate::store::applications::LicenseRow {
                id: format!("demo-license-{:02}", i + 1),
                holder_kind,
                holder_key,
                license_type: (*license_type).to_owned(),
                number,
                issuer: (*issuer).to_owned(),
                valid_from: from.parse().with_context(|| format!("demo license date {from}"))?,
                valid_until: until.map(str::parse).transpose().context("demo license date")?,
                revoked: *revoked,
                data: serde_json::json!({}),
            })
            .await?;
    }
    Ok(())
}
