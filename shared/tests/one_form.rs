//! The one-form compiler: shared questions and materials asked once, conditional materials,
//! e-license supply, pledges, and validation that reports every problem at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::json;
use shared::Bilingual;
use shared::application::{ApplicantFacts, CombineError, FormAnswers, MaterialSource, compile};
use shared::catalogue::{
    Channel, CommitmentBased, Condition, Department, ELicenseType, FactOrigin, FieldType, FormField, ItemCode,
    ItemStatus, ItemType, KnownFact, LimitKind, Material, ServiceItem, ServiceObject, Theme, TimeLimits,
};

fn b(s: &str) -> Bilingual {
    Bilingual::new(s, s)
}

fn field(key: &str, field_type: FieldType, required: bool) -> FormField {
    let options = match field_type {
        FieldType::Enum | FieldType::EnumMulti => vec!["a".to_owned(), "b".to_owned()],
        _ => Vec::new(),
    };
    FormField {
        key: key.to_owned(),
        label: b(key),
        field_type,
        required,
        options,
        option_labels: BTreeMap::new(),
        known: None,
        decides: BTreeMap::new(),
    }
}

fn material(code: &str, name: &str, license: Option<&str>, condition: Option<&str>) -> Material {
    Material {
        code: code.to_owned(),
        name: b(name),
        required: true,
        condition: condition.map(|c| Condition { key: c.to_owned(), name: b(c) }),
        e_license: license.map(|l| ELicenseType { key: l.to_owned(), name: b(l) }),
        original_copies: 1,
        copies: 0,
    }
}

fn item(code: &str, object: ServiceObject, fields: Vec<FormField>, materials: Vec<Material>) -> ServiceItem {
    ServiceItem {
        code: ItemCode::parse(code).expect("code"),
        version: 1,
        status: ItemStatus::Published,
        name: b(code),
        item_type: ItemType::Other,
        service_object: object,
        department: Department { code: format!("DEPT-{code}"), name: b("dept") },
        theme: Theme { key: "t".to_owned(), name: b("t"), service_object: object },
        legal_basis: Vec::new(),
        acceptance_conditions: Vec::new(),
        conditions: Vec::new(),
        time_limits: TimeLimits {
            kind: LimitKind::Promised,
            statutory_working_days: 20,
            statutory_text: None,
            promised_working_days: 5,
            warning_working_days: None,
        },
        commitment: CommitmentBased { allowed: false, promised_working_days: None },
        fee: b("free"),
        channels: vec![Channel::Web],
        halls: Vec::new(),
        materials,
        fields,
        workflow: None,
        produces: None,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

/// Registration, seal and social insurance: an enterprise bundle sharing name, address,
/// legal representative and the business license.
fn bundle() -> Vec<ServiceItem> {
    let e = ServiceObject::Enterprise;
    vec![
        item(
            "QY-1",
            e,
            vec![
                field("enterprise_name", FieldType::String, true),
                field("domicile_address", FieldType::Address, true),
                field("registered_capital", FieldType::Decimal, true),
                field("legal_rep_id_number", FieldType::ResidentId, true),
            ],
            vec![
                material("QY-1-M01", "法定代表人身份证明", Some("resident_id_card"), None),
                material("QY-1-M02", "租赁合同", None, Some("rented_premises")),
                material("QY-1-M03", "产权证明", Some("property_certificate"), Some("owned_premises")),
            ],
        ),
        item(
            "QY-2",
            e,
            vec![
                field("enterprise_name", FieldType::String, true),
                field("domicile_address", FieldType::Address, false),
                field("seal_kinds", FieldType::EnumMulti, true),
            ],
            vec![
                material("QY-2-M01", "营业执照", Some("business_license"), None),
                material("QY-2-M02", "法定代表人身份证明", Some("resident_id_card"), None),
                material("QY-2-M03", "委托书", None, Some("agent_filing")),
            ],
        ),
        item(
            "QY-3",
            e,
            vec![field("enterprise_name", FieldType::String, true), field("employee_count", FieldType::Integer, true)],
            vec![material("QY-3-M01", "营业执照", Some("business_license"), None), {
                let mut m = material("QY-3-M02", "委托书", None, Some("agent_filing"));
                m.required = false;
                m
            }],
        ),
    ]
}

fn held(types: &[&str]) -> BTreeSet<String> {
    types.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn shared_fields_are_asked_once_and_required_if_any_item_requires_them() {
    let form = compile(&bundle(), &held(&[])).expect("combinable");
    let keys: Vec<&str> = form.fields.iter().map(|f| f.field.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "enterprise_name",
            "domicile_address",
            "registered_capital",
            "legal_rep_id_number",
            "seal_kinds",
            "employee_count"
        ]
    );
    let name = &form.fields[0];
    assert_eq!(name.used_by.iter().map(ItemCode::as_str).collect::<Vec<_>>(), ["QY-1", "QY-2", "QY-3"]);
    let address = &form.fields[1];
    assert!(address.field.required, "QY-1 requires the address though QY-2 does not");
    assert_eq!(form.items.len(), 3);
    assert_eq!(form.items[1].department_code, "DEPT-QY-2");
}

#[test]
fn shared_materials_are_asked_once_and_the_library_supplies_what_it_holds() {
    let form = compile(&bundle(), &held(&["business_license"])).expect("combinable");
    let keys: Vec<&str> = form.materials.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["resident_id_card", "QY-1-M02", "property_certificate", "business_license", "QY-2-M03"]);
    let id_card = &form.materials[0];
    assert_eq!(id_card.uses.len(), 2, "asked by QY-1 and QY-2, asked once");
    let license = &form.materials[3];
    assert!(license.in_library);
    assert!(!id_card.in_library, "the applicant holds no ID card license in this case");
    let power_of_attorney = &form.materials[4];
    assert_eq!(power_of_attorney.uses.len(), 2, "same name in QY-2 and QY-3");
    let situations: Vec<&str> = form.situations.iter().map(|s| s.condition.key.as_str()).collect();
    assert_eq!(situations, ["rented_premises", "owned_premises"], "who files decides the agent's materials");
}

#[test]
fn conditional_materials_are_needed_only_when_their_situation_holds() {
    let form = compile(&bundle(), &held(&["business_license", "resident_id_card"])).expect("combinable");
    let mut answers = FormAnswers::default();
    let needed = |a: &FormAnswers| form.needed_materials(a).into_iter().map(|m| (m.key, m.source)).collect::<Vec<_>>();
    assert_eq!(
        needed(&answers),
        [
            ("resident_id_card".to_owned(), MaterialSource::Library),
            ("business_license".to_owned(), MaterialSource::Library)
        ]
    );
    answers.situations.insert("rented_premises".to_owned());
    let now = needed(&answers);
    assert!(now.contains(&("QY-1-M02".to_owned(), MaterialSource::Upload)));
    assert!(!now.iter().any(|(k, _)| k == "QY-2-M03"), "the legal representative files: no power of attorney");
    assert!(!now.iter().any(|(k, _)| k == "property_certificate"));
    let agent = form.clone().for_applicant(&ApplicantFacts { authorized_agent: true, ..ApplicantFacts::default() });
    let attorney = agent.needed_materials(&answers).into_iter().find(|m| m.key == "QY-2-M03").expect("needed");
    assert_eq!(attorney.source, MaterialSource::Authorization, "the recorded authorization stands in for it");
    assert!(attorney.required, "QY-2 requires it though it is supplementary for QY-3");
    assert_eq!(attorney.items.len(), 2);
    answers.materials.insert("QY-2-M03".to_owned(), vec!["f".to_owned()]);
    let errors = agent.validate(&answers, today());
    assert!(errors.iter().any(|e| e.field == "materials.QY-2-M03" && e.code.as_str() == "material_not_needed"));
    let mut claimed = FormAnswers::default();
    claimed.situations.insert("agent_filing".to_owned());
    let errors = form.validate(&claimed, today());
    assert!(
        errors.iter().any(|e| e.field == "situations.agent_filing" && e.code.as_str() == "unknown_situation"),
        "nobody claims to be an agent by ticking a box"
    );
}

#[test]
fn a_known_field_is_filled_by_the_platform_and_a_different_answer_is_refused() {
    let mut items = bundle();
    for item in &mut items {
        for f in &mut item.fields {
            f.known = match f.key.as_str() {
                "enterprise_name" => Some(KnownFact::EnterpriseName),
                "legal_rep_id_number" => Some(KnownFact::LegalRepIdNumber),
                _ => None,
            };
        }
    }
    let facts = ApplicantFacts {
        facts: BTreeMap::from([
            (KnownFact::EnterpriseName, "东莞市示例科技有限公司".to_owned()),
            (KnownFact::LegalRepIdNumber, "11010519491231002X".to_owned()),
        ]),
        authorized_agent: false,
    };
    let form = compile(&items, &held(&["business_license", "resident_id_card"])).expect("combinable");
    let form = form.for_applicant(&facts);
    let shown: Vec<(&str, &str, FactOrigin)> =
        form.known.iter().map(|k| (k.key.as_str(), k.shown.as_str(), k.origin)).collect();
    assert_eq!(
        shown,
        [
            ("enterprise_name", "东莞市示例科技有限公司", FactOrigin::EnterpriseRecord),
            ("legal_rep_id_number", "1101**********002X", FactOrigin::EnterpriseRecord)
        ]
    );
    assert!(!serde_json::to_string(&form).expect("json").contains("11010519491231002X"), "the full number stays home");

    let mut answers = FormAnswers::default();
    answers.fields.insert("domicile_address".to_owned(), json!("东莞市南城街道鸿福路200号"));
    answers.fields.insert("registered_capital".to_owned(), json!(100.5));
    answers.fields.insert("seal_kinds".to_owned(), json!(["a"]));
    answers.fields.insert("employee_count".to_owned(), json!(12));
    assert_eq!(form.validate(&answers, today()), [], "the client leaves known fields out");

    let mut filled = answers.clone();
    assert_eq!(form.fill_known(&mut filled, &facts), []);
    assert_eq!(filled.fields["legal_rep_id_number"], json!("11010519491231002X"));
    assert_eq!(filled.fields["enterprise_name"], json!("东莞市示例科技有限公司"));

    let mut same = answers.clone();
    same.fields.insert("legal_rep_id_number".to_owned(), json!(" 11010519491231002x "));
    assert_eq!(form.fill_known(&mut same, &facts), [], "the same number, written differently");

    let mut other = answers;
    other.fields.insert("legal_rep_id_number".to_owned(), json!("441900196805221310"));
    other.fields.insert("enterprise_name".to_owned(), json!("别人的公司"));
    let errors = form.fill_known(&mut other, &facts);
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    assert_eq!(
        got,
        [
            ("fields.enterprise_name", "known_field_contradicts"),
            ("fields.legal_rep_id_number", "known_field_contradicts")
        ]
    );
    assert!(errors[1].message.zh.contains("不能填写为其他内容"), "{}", errors[1].message.zh);
    assert_eq!(other.fields["legal_rep_id_number"], json!("11010519491231002X"), "the platform's value wins");
}

#[test]
fn an_answer_that_decides_a_situation_is_the_only_question_about_it() {
    let mut items = bundle();
    let ownership = items[0].fields.len();
    items[0].fields.push(FormField {
        key: "premises_ownership".to_owned(),
        label: b("住所产权类型"),
        field_type: FieldType::Enum,
        required: true,
        option_labels: Default::default(),
        options: vec!["owned".to_owned(), "rented".to_owned()],
        known: None,
        decides: BTreeMap::from([
            ("owned".to_owned(), "owned_premises".to_owned()),
            ("rented".to_owned(), "rented_premises".to_owned()),
        ]),
    });
    let form = compile(&items, &held(&[])).expect("combinable");
    let decided: Vec<(&str, Option<&str>)> =
        form.situations.iter().map(|s| (s.condition.key.as_str(), s.decided_by.as_deref())).collect();
    assert_eq!(
        decided,
        [("rented_premises", Some("premises_ownership")), ("owned_premises", Some("premises_ownership"))]
    );
    let needs = |a: &FormAnswers, key: &str| form.needed_materials(a).iter().any(|m| m.key == key);
    let mut answers = FormAnswers::default();
    assert!(!needs(&answers, "QY-1-M02") && !needs(&answers, "property_certificate"), "not yet answered");
    answers.fields.insert("premises_ownership".to_owned(), json!("rented"));
    assert!(needs(&answers, "QY-1-M02") && !needs(&answers, "property_certificate"));
    answers.fields.insert("premises_ownership".to_owned(), json!("owned"));
    assert!(!needs(&answers, "QY-1-M02") && needs(&answers, "property_certificate"));
    answers.situations.insert("rented_premises".to_owned());
    let errors = form.validate(&answers, today());
    let ticked = errors.iter().find(|e| e.field == "situations.rented_premises").expect("refused");
    assert_eq!(ticked.code.as_str(), "situation_decided");
    assert!(ticked.message.zh.contains("住所产权类型"), "{}", ticked.message.zh);
    assert!(!needs(&answers, "QY-1-M02"), "a ticked box does not override the answer");
    assert_eq!(items[0].fields[ownership].key, "premises_ownership");
}

#[test]
fn a_license_the_applicant_lacks_is_asked_for_as_an_upload() {
    let form = compile(&bundle(), &held(&[])).expect("combinable");
    let needed = form.needed_materials(&FormAnswers::default());
    assert!(needed.iter().all(|m| m.source == MaterialSource::Upload));
    let errors = form.validate(&FormAnswers::default(), today());
    assert!(errors.iter().any(|e| e.field == "materials.business_license" && e.code.as_str() == "material_missing"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let form = compile(&bundle(), &held(&["business_license", "resident_id_card"])).expect("combinable");
    let mut answers = FormAnswers::default();
    answers.fields.insert("registered_capital".to_owned(), json!("-3"));
    answers.fields.insert("legal_rep_id_number".to_owned(), json!("441900196805221311"));
    answers.fields.insert("seal_kinds".to_owned(), json!(["a", "z"]));
    answers.fields.insert("employee_count".to_owned(), json!("1.5"));
    answers.fields.insert("domicile_address".to_owned(), json!("东莞"));
    answers.fields.insert("favourite_colour".to_owned(), json!("blue"));
    answers.situations.insert("rented_premises".to_owned());
    answers.situations.insert("haunted_premises".to_owned());
    answers.materials.insert("business_license".to_owned(), vec!["x".to_owned()]);
    let errors = form.validate(&answers, today());
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    for expected in [
        ("fields.enterprise_name", "required"),
        ("fields.domicile_address", "address_too_short"),
        ("fields.registered_capital", "negative"),
        ("fields.legal_rep_id_number", "bad_check_digit"),
        ("fields.seal_kinds", "not_an_option"),
        ("fields.employee_count", "not_integer"),
        ("fields.favourite_colour", "unknown_field"),
        ("situations.haunted_premises", "unknown_situation"),
        ("materials.QY-1-M02", "material_missing"),
        ("materials.business_license", "material_not_needed"),
    ] {
        assert!(got.contains(&expected), "expected {expected:?} in {got:?}");
    }
    assert_eq!(errors.len(), 10, "{got:?}");
    assert!(errors.iter().all(|e| !e.message.zh.is_empty() && !e.message.en.is_empty()));
}

#[test]
fn a_complete_form_passes() {
    let form = compile(&bundle(), &held(&["business_license", "resident_id_card"])).expect("combinable");
    let mut answers = FormAnswers::default();
    answers.fields.insert("enterprise_name".to_owned(), json!("东莞市示例科技有限公司"));
    answers.fields.insert("domicile_address".to_owned(), json!("东莞市南城街道鸿福路200号"));
    answers.fields.insert("registered_capital".to_owned(), json!(100.5));
    answers.fields.insert("legal_rep_id_number".to_owned(), json!("11010519491231002X"));
    answers.fields.insert("seal_kinds".to_owned(), json!(["a", "b"]));
    answers.fields.insert("employee_count".to_owned(), json!(12));
    answers.situations.insert("rented_premises".to_owned());
    answers.materials.insert("QY-1-M02".to_owned(), vec!["f1".to_owned(), "f2".to_owned()]);
    assert_eq!(form.validate(&answers, today()), []);
}

#[test]
fn a_pledge_replaces_the_materials_it_covers_with_the_signed_pledge() {
    let mut items = bundle();
    items[0].commitment = CommitmentBased { allowed: true, promised_working_days: Some(1) };
    items[0].materials.push(material("QY-1-M04", "告知承诺书", None, Some("pledge")));
    items[0].materials.push(material("QY-1-M05", "现场核查申请", None, Some("no_pledge")));
    let form = compile(&items, &held(&[])).expect("combinable");
    assert!(
        !form.situations.iter().any(|s| s.condition.key.contains("pledge")),
        "the pledge is chosen per item, not asked as a situation"
    );
    let mut answers = FormAnswers::default();
    let source =
        |a: &FormAnswers, key: &str| form.needed_materials(a).into_iter().find(|m| m.key == key).map(|m| m.source);
    assert_eq!(source(&answers, "QY-1-M05"), Some(MaterialSource::Upload));
    assert_eq!(source(&answers, "QY-1-M04"), None);
    answers.pledged_items.insert(ItemCode::parse("QY-1").expect("code"));
    assert_eq!(source(&answers, "QY-1-M05"), None, "the pledge replaces it");
    assert_eq!(source(&answers, "QY-1-M04"), Some(MaterialSource::Pledge));
    assert_eq!(source(&answers, "resident_id_card"), Some(MaterialSource::Upload), "identity is still proven");
    assert!(!form.validate(&answers, today()).iter().any(|e| e.field.starts_with("materials.QY-1-M0")));
    answers.pledged_items.insert(ItemCode::parse("QY-2").expect("code"));
    let errors = form.validate(&answers, today());
    assert!(errors.iter().any(|e| e.field == "pledged_items.QY-2" && e.code.as_str() == "pledge_not_allowed"));
}

#[test]
fn items_that_cannot_be_combined_are_refused_with_a_reason() {
    let mut items = bundle();
    assert_eq!(compile(&[], &held(&[])), Err(CombineError::Empty));
    items.push(item("GR-1", ServiceObject::Person, Vec::new(), Vec::new()));
    assert_eq!(compile(&items, &held(&[])), Err(CombineError::MixedServiceObjects));
    let mut items = bundle();
    items[2].status = ItemStatus::Superseded;
    assert_eq!(compile(&items, &held(&[])), Err(CombineError::NotPublished(items[2].code.clone())));
    let items = vec![bundle()[0].clone(), bundle()[0].clone()];
    assert!(matches!(compile(&items, &held(&[])), Err(CombineError::Duplicate(_))));
    let many: Vec<ServiceItem> =
        (0..11).map(|i| item(&format!("X-{i}"), ServiceObject::Person, Vec::new(), Vec::new())).collect();
    let err = compile(&many, &held(&[])).expect_err("too many");
    assert_eq!(err, CombineError::TooMany);
    assert!(err.message().zh.contains("10"));
}

#[test]
fn answers_of_each_field_type_are_checked() {
    let types = [
        (FieldType::Boolean, json!(true), json!("yes")),
        (FieldType::Date, json!("2026-02-28"), json!("2026-02-30")),
        (FieldType::Enum, json!("a"), json!("c")),
        (FieldType::Phone, json!("0769-22223333"), json!("12345")),
        (FieldType::Phone, json!("13800138000"), json!("23800138000")),
        (FieldType::Uscc, json!("91441900MA4W7CX39E"), json!("91441900MA4W7CX39F")),
        (FieldType::String, json!("ok"), json!("bad\u{0}")),
        (FieldType::String, json!("ok"), json!(42)),
        (FieldType::Text, json!("a\nb"), json!("x".repeat(2001))),
        (FieldType::Decimal, json!("3.25"), json!("NaN")),
        (FieldType::EnumMulti, json!(["a"]), json!(["a", "a"])),
    ];
    for (field_type, good, bad) in types {
        let it = item("T-1", ServiceObject::Person, vec![field("f", field_type, true)], Vec::new());
        let form = compile(&[it], &held(&[])).expect("one item");
        let mut answers = FormAnswers::default();
        answers.fields.insert("f".to_owned(), good.clone());
        assert_eq!(form.validate(&answers, today()), [], "{field_type:?} {good}");
        answers.fields.insert("f".to_owned(), bad.clone());
        let errors = form.validate(&answers, today());
        assert_eq!(errors.len(), 1, "{field_type:?} {bad}: {errors:?}");
        assert_eq!(errors[0].field, "fields.f");
    }
}

#[test]
fn an_identity_number_born_after_today_is_refused() {
    let it = item("T-1", ServiceObject::Person, vec![field("f", FieldType::ResidentId, true)], Vec::new());
    let form = compile(&[it], &held(&[])).expect("one item");
    let mut answers = FormAnswers::default();
    answers.fields.insert("f".to_owned(), json!("11010519491231002X"));
    let before_birth = NaiveDate::from_ymd_opt(1949, 12, 30).expect("date");
    assert_eq!(form.validate(&answers, before_birth)[0].code.as_str(), "future_birth_date");
}

#[test]
fn the_applicant_must_be_the_kind_the_items_are_for() {
    let enterprise_form = compile(&bundle(), &held(&[])).expect("combinable");
    assert_eq!(enterprise_form.check_applicant(true), Ok(()));
    assert_eq!(enterprise_form.check_applicant(false), Err(CombineError::NeedsEnterprise));
    let person_form =
        compile(&[item("GR-1", ServiceObject::Person, Vec::new(), Vec::new())], &held(&[])).expect("one item");
    assert_eq!(person_form.check_applicant(false), Ok(()));
    let err = person_form.check_applicant(true).expect_err("acting for a business");
    assert_eq!(err.code().as_str(), "needs_person");
}

#[test]
fn the_file_picker_accepts_what_the_server_accepts() {
    assert_eq!(shared::application::upload_accept(), ".pdf,application/pdf,.jpg,.jpeg,image/jpeg,.png,image/png");
}
