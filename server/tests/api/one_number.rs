//! 一号申办: what the platform knows is filled and never taken from the client, one fact is asked
//! once, an agent's recorded authorization stands in for the power of attorney, a founder files
//! a business's registration as a person, mixed bundles load, an enterprise looks up progress by
//! its credit code, and the channel of every application is recorded.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::application::{ApplicationReceipt, Bundle, CaseProgress, CaseStatus, MaterialSource};
use shared::case::CaseDetail;
use shared::catalogue::{Channel, FactOrigin, KnownFact};

use crate::applying::{ENTERPRISE, act_for, call, count, employment_card, form, submit, upload_png};
use crate::both;
use crate::helpers::{TestApp, demo_id, expect_problem};

const BUNDLE: [&str; 4] = ["DG-QY-0001", "DG-QY-0004", "DG-QY-0005", "DG-QY-0006"];
/// 东莞市莞城张记餐馆, whose legal representative is 张三.
const OTHER_ENTERPRISE: &str = "92441900L7HN2E8K4C";

async fn created(response: reqwest::Response) -> ApplicationReceipt {
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    response.json().await.expect("a receipt")
}

async fn case_detail(app: &TestApp, token: &str, case_no: &str) -> CaseDetail {
    let response = call(app, Method::GET, &format!("/api/v1/cases/{case_no}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a case")
}

async fn act_ok(app: &TestApp, token: &str, case_no: &str, body: Value) {
    let response = call(app, Method::POST, &format!("/api/v1/cases/{case_no}/actions"), token, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}: {}", response.text().await.unwrap_or_default());
}

/// Answers every question the form asks and the applicant may answer, and uploads every
/// required material; known fields are left out, as the app leaves them.
async fn answer_all(app: &TestApp, token: &str, items: &[&str], tenure: &str) -> Value {
    let compiled = form(app, token, items).await;
    let mut fields = serde_json::Map::new();
    for f in compiled.form.fields.iter().filter(|f| !compiled.form.known.iter().any(|k| k.key == f.field.key)) {
        use shared::catalogue::FieldType as T;
        let value = match (f.field.key.as_str(), f.field.field_type) {
            ("premises_ownership", _) => json!(tenure),
            ("enterprise_name", _) => json!("东莞市新创科技有限公司"),
            (_, T::ResidentId) => json!(demo_id("李娜")),
            (_, T::Phone) => json!("0769-22223333"),
            (_, T::Address) => json!("东莞市松山湖高新区科技九路1号"),
            (_, T::Integer) => json!(12),
            (_, T::Decimal) => json!("5"),
            (_, T::Boolean) => json!(false),
            (_, T::Date) => json!("2026-01-05"),
            (_, T::EnumMulti) => json!([f.field.options[0]]),
            (_, T::Enum) => json!(f.field.options[0]),
            _ => json!("经营范围示例"),
        };
        fields.insert(f.field.key.clone(), value);
    }
    let answers =
        shared::application::FormAnswers { fields: fields.clone().into_iter().collect(), ..Default::default() };
    let mut materials = serde_json::Map::new();
    for m in
        compiled.form.needed_materials(&answers).iter().filter(|m| m.source == MaterialSource::Upload && m.required)
    {
        materials.insert(m.key.clone(), json!([upload_png(app, token).await.id]));
    }
    json!({"items": items, "answers": {"fields": fields, "materials": materials}})
}

both! {
    async fn no_form_can_name_another_person_or_enterprise_and_nothing_is_stored(app) {
        // 王强 types 张三's name and identity number into his own application.
        let wang = app.sign_in_demo("王强").await;
        let upload = upload_png(app, &wang).await;
        let mut body = employment_card(&demo_id("张三"), &upload.id);
        body["answers"]["fields"]["applicant_name"] = json!("张三");
        let problem = expect_problem(submit(app, &wang, Some("k-1"), &body).await, 422, "validation_failed").await;
        let fields: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("fields.applicant_name", "known_field_contradicts"), ("fields.applicant_id_number", "known_field_contradicts")]);
        assert!(problem.errors[1].message.zh.contains("来自统一身份认证"), "{}", problem.errors[1].message.zh);

        // An agent names another enterprise, its legal representative, and its credit code.
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let mut seal = answer_all(app, &agent, &["DG-QY-0004"], "owned").await;
        for (key, value) in [("enterprise_name", json!("东莞市莞城张记餐馆")), ("uscc", json!(OTHER_ENTERPRISE)),
                             ("legal_rep_name", json!("张三")), ("legal_rep_id_number", json!(demo_id("张三")))] {
            let mut one = seal.clone();
            one["answers"]["fields"][key] = value;
            let problem = expect_problem(submit(app, &agent, None, &one).await, 422, "validation_failed").await;
            assert_eq!(problem.errors.len(), 1, "{key}: {:?}", problem.errors);
            assert_eq!((problem.errors[0].field.as_str(), problem.errors[0].code.as_str()), (format!("fields.{key}").as_str(), "known_field_contradicts"));
        }
        assert_eq!(count(app, "applications").await, 0, "nothing was stored");
        assert_eq!(count(app, "cases").await, 0);

        // The same value as the record is accepted; left out, the platform fills it.
        seal["answers"]["fields"]["uscc"] = json!(ENTERPRISE.to_lowercase());
        let receipt = created(submit(app, &agent, None, &seal).await).await;
        assert_eq!((receipt.applicant_name.as_str(), receipt.applicant_identifier.as_str()), ("东莞市示范科技有限公司", ENTERPRISE));
        let clerk = app.sign_in_demo("黄丽").await;
        let seen = case_detail(app, &clerk, &receipt.cases[0].case_no).await;
        let answer = |key: &str| seen.form.iter().find(|a| a.key == key).map(|a| a.value.clone()).unwrap_or_default();
        assert_eq!(answer("enterprise_name"), "东莞市示范科技有限公司");
        assert_eq!(answer("legal_rep_name"), "李娜");
        assert_eq!(answer("uscc"), ENTERPRISE);
        assert_eq!(answer("legal_rep_id_number"), shared::identity::mask(&demo_id("李娜")), "filled in full, shown masked");
    }
}

both! {
    async fn the_form_shows_what_is_known_and_where_it_comes_from(app) {
        let wang = app.sign_in_demo("王强").await;
        let compiled = form(app, &wang, &["DG-GR-0011"]).await;
        let known: Vec<(&str, KnownFact, FactOrigin, &str)> =
            compiled.form.known.iter().map(|k| (k.key.as_str(), k.fact, k.origin, k.shown.as_str())).collect();
        let masked = shared::identity::mask(&demo_id("王强"));
        assert_eq!(known, [
            ("applicant_name", KnownFact::PersonName, FactOrigin::Identity, "王强"),
            ("applicant_id_number", KnownFact::PersonIdNumber, FactOrigin::Identity, masked.as_str()),
        ]);
        let raw = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-GR-0011"]}))).await.text().await.expect("a body");
        assert!(!raw.contains(&demo_id("王强")), "the full identity number is not sent");
        assert!(!compiled.form.authorized_agent);

        // An agent: the enterprise's record fills its fields; the authorization on record stands
        // in for the power of attorney, which nobody uploads.
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let seal = form(app, &agent, &["DG-QY-0004"]).await.form;
        assert!(seal.authorized_agent);
        let origins: Vec<(&str, FactOrigin)> = seal.known.iter().map(|k| (k.key.as_str(), k.origin)).collect();
        for key in ["enterprise_name", "legal_rep_name", "legal_rep_id_number", "uscc"] {
            assert!(origins.contains(&(key, FactOrigin::EnterpriseRecord)), "{key} in {origins:?}");
        }
        let needed = seal.needed_materials(&Default::default());
        let attorney = needed.iter().find(|m| m.key == "DG-QY-0004-M03").expect("the agent's materials");
        assert_eq!(attorney.source, MaterialSource::Authorization);
        let body = answer_all(app, &agent, &["DG-QY-0004"], "owned").await;
        let receipt = created(submit(app, &agent, None, &body).await).await;
        let received = receipt.materials.iter().find(|m| m.key == "DG-QY-0004-M03").expect("listed on the receipt");
        assert_eq!((received.source, received.files), (MaterialSource::Authorization, 0));

        // The legal representative files in person: no power of attorney at all.
        let rep = app.sign_in_demo("李娜").await;
        act_for(app, &rep, ENTERPRISE).await;
        let own = form(app, &rep, &["DG-QY-0004"]).await.form;
        assert!(!own.authorized_agent);
        assert!(!own.needed_materials(&Default::default()).iter().any(|m| m.key == "DG-QY-0004-M03"));
    }
}

both! {
    async fn the_premises_tenure_is_asked_once_and_decides_the_proof(app) {
        let wang = app.sign_in_demo("王强").await;
        let compiled = form(app, &wang, &["DG-GR-0001"]).await;
        let decided: Vec<(&str, Option<&str>)> = compiled.form.situations.iter()
            .filter(|s| s.condition.key.ends_with("_premises"))
            .map(|s| (s.condition.key.as_str(), s.decided_by.as_deref())).collect();
        assert!(decided.contains(&("rented_premises", Some("premises_ownership"))), "{decided:?}");
        assert!(decided.contains(&("owned_premises", Some("premises_ownership"))), "{decided:?}");

        let mut body = answer_all(app, &wang, &["DG-GR-0001"], "rented").await;
        let materials = body["answers"]["materials"].as_object().expect("materials").clone();
        assert!(materials.contains_key("DG-GR-0001-M04"), "renting needs the lease: {materials:?}");
        body["answers"]["situations"] = json!(["owned_premises"]);
        let problem = expect_problem(submit(app, &wang, None, &body).await, 422, "validation_failed").await;
        assert_eq!((problem.errors[0].field.as_str(), problem.errors[0].code.as_str()), ("situations.owned_premises", "situation_decided"));
        body["answers"]["situations"] = json!([]);
        let receipt = created(submit(app, &wang, None, &body).await).await;
        assert!(receipt.materials.iter().any(|m| m.key == "DG-GR-0001-M04"));
        let owner = answer_all(app, &wang, &["DG-GR-0001"], "owned").await;
        assert!(!owner["answers"]["materials"].as_object().expect("materials").contains_key("DG-GR-0001-M04"), "no lease of an owner");
    }
}

both! {
    async fn a_founder_files_the_company_bundle_as_a_person_and_becomes_its_legal_representative(app) {
        let wang = app.sign_in_demo("王强").await;
        let compiled = form(app, &wang, &BUNDLE).await.form;
        assert!(compiled.founding);
        assert!(!compiled.fields.iter().any(|f| f.field.key == "uscc"), "registration issues the credit code");
        let known: Vec<(&str, &str)> = compiled.known.iter().map(|k| (k.key.as_str(), k.shown.as_str())).collect();
        assert!(known.contains(&("legal_rep_name", "王强")), "{known:?}");
        assert!(!known.iter().any(|(k, _)| *k == "enterprise_name"), "the new company's name is the founder's to choose");

        let body = answer_all(app, &wang, &BUNDLE, "owned").await;
        let receipt = created(submit(app, &wang, None, &body).await).await;
        assert_eq!(receipt.applicant_name, "王强");
        let issued = receipt.materials.iter().find(|m| m.key == "business_license").expect("listed");
        assert_eq!(issued.source, MaterialSource::Issued, "the founder uploads no business licence");
        let statuses: Vec<CaseStatus> = receipt.cases.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [CaseStatus::Submitted, CaseStatus::Waiting, CaseStatus::Waiting, CaseStatus::Waiting]);

        // Acting for an existing enterprise, nobody founds another.
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let refused = call(app, Method::POST, "/api/v1/applications/form", &agent, Some(&json!({"items": BUNDLE}))).await;
        let problem = expect_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].code.as_str(), "found_as_person");

        // The registration approved, the company exists with 王强 as its legal representative,
        // and its credit code reaches the later cases.
        let registration = &receipt.cases[0].case_no;
        let clerk = app.sign_in_demo("黄丽").await;
        act_ok(app, &clerk, registration, json!({"action": "accept"})).await;
        act_ok(app, &app.sign_in_demo("刘洋").await, registration, json!({"action": "undertake", "comment": "材料齐全"})).await;
        act_ok(app, &app.sign_in_demo("周婷").await, registration, json!({"action": "review", "comment": "同意"})).await;
        act_ok(app, &app.sign_in_demo("吴刚").await, registration, json!({"action": "approve", "comment": "准予登记"})).await;
        let links: Vec<shared::account::EnterpriseLink> = call(app, Method::GET, "/api/v1/enterprises", &wang, None).await.json().await.expect("links");
        let founded = links.iter().find(|l| l.name == "东莞市新创科技有限公司").expect("王强's new company");
        assert_eq!(founded.relation, shared::account::Relation::LegalRepresentative);
        let seal = case_detail(app, &clerk, &receipt.cases[1].case_no).await;
        assert_eq!(seal.state.status, CaseStatus::Submitted);
        assert_eq!(seal.subject_uscc.as_deref(), Some(founded.uscc.as_str()));
        // The seal's business licence is the one the registration issued, attached when issued.
        let licence = seal.materials.iter().find(|m| m.key == "business_license").expect("the business licence");
        assert_eq!(licence.source, MaterialSource::Issued);
        assert!(licence.license.as_deref().is_some_and(|l| l.contains(&founded.uscc[14..])), "{:?}", licence.license);
    }
}

both! {
    async fn a_bundle_of_a_persons_registration_and_the_business_permits_is_offered_and_filed(app) {
        let bundles: Vec<Bundle> = app.get_ok("/api/v1/bundles").await;
        let restaurant = bundles.iter().find(|b| b.code == "DG-YJS-0001").expect("开办餐饮店 is offered");
        let codes: Vec<&str> = restaurant.items.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["DG-GR-0001", "DG-QY-0002"]);
        let conditional: Vec<(&str, &str)> = restaurant.conditional.iter().map(|c| (c.item.as_str(), c.condition.key.as_str())).collect();
        assert_eq!(conditional, [("DG-QY-0008", "public_gathering_venue"), ("DG-QY-0003", "public_place_hygiene_scope")]);
        assert!(restaurant.conditional[0].name.zh.contains("消防安全检查"), "{:?}", restaurant.conditional[0].name);
        let pharmacy = bundles.iter().find(|b| b.code == "DG-YJS-0003").expect("开办药店 is offered");
        assert_eq!(pharmacy.conditional.len(), 1);

        let wang = app.sign_in_demo("王强").await;
        let items = ["DG-GR-0001", "DG-QY-0002", "DG-QY-0008"];
        let compiled = form(app, &wang, &items).await.form;
        assert!(compiled.founding);
        let operator: Vec<(&str, &str)> = compiled.known.iter().map(|k| (k.key.as_str(), k.shown.as_str())).collect();
        assert!(operator.contains(&("operator_name", "王强")), "{operator:?}");
        let body = answer_all(app, &wang, &items, "rented").await;
        let receipt = created(submit(app, &wang, None, &body).await).await;
        let statuses: Vec<CaseStatus> = receipt.cases.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [CaseStatus::Submitted, CaseStatus::Waiting, CaseStatus::Waiting], "the permits wait for the registration");

        // A registration goes with other items only as a bundle that stages them after it, and
        // one application registers one business.
        let loose = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-QY-0001", "DG-QY-0003"]}))).await;
        assert_eq!(expect_problem(loose, 422, "validation_failed").await.errors[0].code.as_str(), "founding_needs_bundle");
        let twice = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-GR-0001", "DG-QY-0001"]}))).await;
        assert_eq!(expect_problem(twice, 422, "validation_failed").await.errors[0].code.as_str(), "two_registrations");
        // Still refused: a person's unrelated item with an enterprise's.
        let mixed = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-QY-0002", "DG-GR-0011"]}))).await;
        assert_eq!(expect_problem(mixed, 422, "validation_failed").await.errors[0].code.as_str(), "mixed_service_objects");
    }
}

both! {
    async fn an_enterprise_looks_up_progress_by_its_credit_code(app) {
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let body = answer_all(app, &agent, &["DG-QY-0004"], "owned").await;
        let receipt = created(submit(app, &agent, None, &body).await).await;
        let case_no = receipt.cases[0].case_no.clone();
        let lookup = |holder: &str| json!({"case_no": case_no, "id_number": holder});

        let found = app.post_json("/api/v1/progress/lookup", &lookup(ENTERPRISE)).await;
        assert_eq!(found.status(), StatusCode::OK);
        let progress: CaseProgress = found.json().await.expect("progress");
        assert_eq!(progress.case_no, case_no);
        let by_rep = app.post_json("/api/v1/progress/lookup", &lookup(&demo_id("李娜"))).await;
        assert_eq!(by_rep.status(), StatusCode::OK, "the legal representative's number still works");

        // Another enterprise's code, and an unknown case, get the same answer.
        let other = expect_problem(app.post_json("/api/v1/progress/lookup", &lookup(OTHER_ENTERPRISE)).await, 404, "case_not_found").await;
        let unknown = expect_problem(app.post_json("/api/v1/progress/lookup",
            &json!({"case_no": format!("{}-09", receipt.application_no), "id_number": ENTERPRISE})).await, 404, "case_not_found").await;
        assert_eq!(other.message, unknown.message);
        let malformed = expect_problem(app.post_json("/api/v1/progress/lookup", &lookup("91441900MA4W7CX39A")).await, 422, "validation_failed").await;
        assert_eq!((malformed.errors[0].field.as_str(), malformed.errors[0].code.as_str()), ("id_number", "bad_check_char"));
    }
}

both! {
    async fn the_channel_of_every_application_is_recorded_for_staff(app) {
        let wang = app.sign_in_demo("王强").await;
        let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
        let mut filed = Vec::new();
        for agent in [Some(phone), None] {
            let upload = upload_png(app, &wang).await;
            let mut request = app.with_session(Method::POST, "/api/v1/applications", &wang)
                .json(&employment_card(&demo_id("王强"), &upload.id));
            if let Some(agent) = agent {
                request = request.header("user-agent", agent);
            }
            filed.push(created(request.send().await.expect("an answer")).await);
        }
        let clerk = app.sign_in_demo("黄丽").await;
        let channels = [
            case_detail(app, &clerk, &filed[0].cases[0].case_no).await.channel,
            case_detail(app, &clerk, &filed[1].cases[0].case_no).await.channel,
        ];
        assert_eq!(channels, [Channel::Mobile, Channel::Web]);
    }
}

async fn act_for_self(app: &TestApp, token: &str) {
    let response = call(app, Method::POST, "/api/v1/auth/acting", token, Some(&json!({"uscc": null}))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// 王强 files 就业创业证申领 giving this contact address.
async fn file_with_address(app: &TestApp, token: &str, address: &str) -> ApplicationReceipt {
    let upload = upload_png(app, token).await;
    let mut body = employment_card(&demo_id("王强"), &upload.id);
    body["answers"]["fields"]["contact_address"] = json!(address);
    created(submit(app, token, None, &body).await).await
}

async fn kept(app: &TestApp, token: &str) -> shared::memory::Suggestions {
    let response = call(app, Method::GET, "/api/v1/suggestions", token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("suggestions")
}

both! {
    async fn earlier_answers_are_kept_only_with_consent_and_can_be_deleted(app) {
        let wang = app.sign_in_demo("王强").await;
        // Without consent nothing is kept.
        file_with_address(app, &wang, "东莞市莞城街道市府路1号").await;
        let none = kept(app, &wang).await;
        assert!(!none.consent && none.entries.is_empty());

        let on = call(app, Method::PUT, "/api/v1/suggestions/consent", &wang, Some(&json!({"remember": true}))).await;
        assert_eq!(on.status(), StatusCode::OK);
        file_with_address(app, &wang, "东莞市南城街道鸿福路99号").await;
        let entries = kept(app, &wang).await.entries;
        let pairs: Vec<(&str, &str)> = entries.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
        assert_eq!(pairs, [("contact_address", "东莞市南城街道鸿福路99号"), ("phone", "13800138000")]);
        let (sealed,): (String,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as(
            "SELECT value FROM answer_memory WHERE field_key = 'contact_address'").fetch_one(pool).await).expect("a row");
        assert!(!sealed.contains("鸿福路"), "kept sealed");
        // What the platform knows and identity numbers are never kept.
        assert!(!entries.iter().any(|e| e.key.contains("id_number") || e.key == "applicant_name"));

        // Kept for whom one acts: the enterprise's answers are not the person's.
        let agent = app.sign_in_demo("陈敏").await;
        call(app, Method::PUT, "/api/v1/suggestions/consent", &agent, Some(&json!({"remember": true}))).await;
        act_for(app, &agent, ENTERPRISE).await;
        let body = answer_all(app, &agent, &["DG-QY-0004"], "owned").await;
        created(submit(app, &agent, None, &body).await).await;
        let theirs = kept(app, &agent).await.entries;
        assert!(theirs.iter().any(|e| e.key == "domicile_address"), "{theirs:?}");
        assert!(!kept(app, &wang).await.entries.iter().any(|e| e.key == "domicile_address"));

        // One deleted; consent withdrawn deletes the rest; both are in the audit chain.
        let deleted = call(app, Method::DELETE, "/api/v1/suggestions/phone", &wang, None).await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        let left: Vec<String> = kept(app, &wang).await.entries.into_iter().map(|e| e.key).collect();
        assert_eq!(left, ["contact_address"]);
        let bad = call(app, Method::DELETE, "/api/v1/suggestions/Phone%20No", &wang, None).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "a key is checked");
        call(app, Method::PUT, "/api/v1/suggestions/consent", &wang, Some(&json!({"remember": false}))).await;
        let off = kept(app, &wang).await;
        assert!(!off.consent && off.entries.is_empty());
        let person: String = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_scalar(
            "SELECT id FROM persons WHERE name = '王强'").fetch_one(pool).await).expect("王强");
        let trail = app.state.store.audit_of(&person).await.expect("trail");
        let actions: Vec<shared::audit::AuditAction> = trail.iter().map(|e| e.action).collect();
        for action in [shared::audit::AuditAction::AnswerMemoryOn, shared::audit::AuditAction::AnswerForgotten, shared::audit::AuditAction::AnswerMemoryOff] {
            assert!(actions.contains(&action), "{action:?} in {actions:?}");
        }
        // Staff keep nothing.
        let clerk = app.sign_in_demo("黄丽").await;
        expect_problem(call(app, Method::GET, "/api/v1/suggestions", &clerk, None).await, 403, "forbidden").await;
    }
}

both! {
    async fn a_citizen_authorizes_a_proxy_for_named_items_and_can_revoke_it(app) {
        let zhang = app.sign_in_demo("张三").await;
        let today = app.state.clock.today();
        let grant = |items: Value, until: chrono::NaiveDate, name: &str, id: String| {
            json!({"id_number": id, "name": name, "items": items, "valid_until": until})
        };
        let wang_id = demo_id("王强");
        // What is wrong is said per field; nobody is authorized by a number alone.
        let bad = call(app, Method::POST, "/api/v1/proxies", &zhang,
            Some(&grant(json!(["DG-QY-0004", "DG-GR-0011"]), today.pred_opt().expect("a day"), "王强", wang_id.clone()))).await;
        let problem = expect_problem(bad, 422, "validation_failed").await;
        let fields: Vec<(&str, &str)> = problem.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert!(fields.contains(&("valid_until", "out_of_range")) && fields.contains(&("items[0]", "needs_person")), "{fields:?}");
        let stranger = call(app, Method::POST, "/api/v1/proxies", &zhang,
            Some(&grant(json!(["DG-GR-0011"]), today, "王五", wang_id.clone()))).await;
        expect_problem(stranger, 404, "person_not_found").await;
        let own = call(app, Method::POST, "/api/v1/proxies", &zhang,
            Some(&grant(json!(["DG-GR-0011"]), today, "张三", demo_id("张三")))).await;
        assert_eq!(expect_problem(own, 422, "validation_failed").await.errors[0].code.as_str(), "self_grant");

        let until = today + chrono::Duration::days(30);
        let given = call(app, Method::POST, "/api/v1/proxies", &zhang, Some(&grant(json!(["DG-GR-0011"]), until, "王强", wang_id))).await;
        assert_eq!(given.status(), StatusCode::CREATED);
        let given: shared::proxy::ProxyGrant = given.json().await.expect("a grant");
        assert_eq!((given.proxy.name.as_str(), given.items.len(), given.valid_until), ("王强", 1, until));

        // 王强 applies for 张三: the form is 张三's, the authorization stands for the power of
        // attorney, and nothing outside it is allowed.
        let wang = app.sign_in_demo("王强").await;
        let proxies: shared::proxy::Proxies = call(app, Method::GET, "/api/v1/proxies", &wang, None).await.json().await.expect("proxies");
        assert_eq!(proxies.received.len(), 1);
        let acting = call(app, Method::POST, "/api/v1/auth/acting", &wang, Some(&json!({"uscc": null, "proxy": given.id}))).await;
        assert_eq!(acting.status(), StatusCode::OK);
        let me: shared::account::Identity = acting.json().await.expect("identity");
        assert_eq!(me.acting_principal.as_ref().map(|g| g.principal.name.as_str()), Some("张三"));
        let compiled = form(app, &wang, &["DG-GR-0011"]).await.form;
        assert!(compiled.authorized_agent);
        let known: Vec<(&str, &str)> = compiled.known.iter().map(|k| (k.key.as_str(), k.shown.as_str())).collect();
        assert!(known.contains(&("applicant_name", "张三")), "{known:?}");
        let outside = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-GR-0002"]}))).await;
        assert_eq!(expect_problem(outside, 422, "validation_failed").await.errors[0].code.as_str(), "not_in_proxy_scope");
        let body = answer_all(app, &wang, &["DG-GR-0011"], "owned").await;
        let receipt = created(submit(app, &wang, None, &body).await).await;
        assert_eq!((receipt.applicant_name.as_str(), receipt.filed_by.as_deref()), ("张三", Some("王强")));
        let (proxy_grant,): (Option<String>,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as(
            "SELECT proxy_grant FROM applications WHERE application_no = $1").bind(&receipt.application_no).fetch_one(pool).await).expect("a row");
        assert_eq!(proxy_grant.as_deref(), Some(given.id.as_str()), "the application names the authorization");
        let trail = app.state.store.audit_of(&receipt.application_no).await.expect("trail");
        let wang_person: String = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_scalar(
            "SELECT id FROM persons WHERE name = '王强'").fetch_one(pool).await).expect("王强");
        assert!(trail.iter().any(|e| e.actor_id.as_deref() == Some(wang_person.as_str()) && e.on_behalf_of.as_deref() == Some(given.principal.person_id.as_str())),
            "the act records the proxy and the person acted for");
        // Both see it.
        for token in [&zhang, &wang] {
            let list: Vec<shared::application::ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", token, None).await.json().await.expect("list");
            assert!(list.iter().any(|a| a.application_no == receipt.application_no));
        }

        // Revoked, the proxy stops at once; revoking twice is a 404.
        let revoked = call(app, Method::DELETE, &format!("/api/v1/proxies/{}", given.id), &zhang, None).await;
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let me: shared::account::Identity = call(app, Method::GET, "/api/v1/auth/me", &wang, None).await.json().await.expect("identity");
        assert!(me.acting_principal.is_some_and(|g| g.revoked_at.is_some()), "shown as revoked");
        // Nothing is filed in 王强's own name by surprise: he is refused until he switches.
        let after = submit(app, &wang, None, &body).await;
        expect_problem(after, 403, "proxy_lapsed").await;
        act_for_self(app, &wang).await;
        let own_form = form(app, &wang, &["DG-GR-0011"]).await;
        assert!(own_form.form.known.iter().any(|k| k.shown == "王强"), "back to 王强 himself");
        let list: Vec<shared::application::ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &wang, None).await.json().await.expect("list");
        assert!(!list.iter().any(|a| a.application_no == receipt.application_no), "a revoked proxy no longer follows it");
        let again = call(app, Method::DELETE, &format!("/api/v1/proxies/{}", given.id), &zhang, None).await;
        expect_problem(again, 404, "proxy_not_found").await;
        let reuse = call(app, Method::POST, "/api/v1/auth/acting", &wang, Some(&json!({"proxy": given.id}))).await;
        expect_problem(reuse, 404, "proxy_not_found").await;
        let zhang_person = given.principal.person_id.clone();
        let actions: Vec<shared::audit::AuditAction> = app.state.store.audit_of(&given.id).await.expect("trail").iter().map(|e| e.action).collect();
        assert!(actions.contains(&shared::audit::AuditAction::ProxyGranted) && actions.contains(&shared::audit::AuditAction::ProxyRevoked), "{actions:?} for {zhang_person}");
    }
}

both! {
    async fn a_proxy_whose_authorization_ended_is_refused(app) {
        let zhang = app.sign_in_demo("张三").await;
        let today = app.state.clock.today();
        let body = json!({"id_number": demo_id("王强"), "name": "王强", "items": ["DG-GR-0011"], "valid_until": today});
        let given: shared::proxy::ProxyGrant = call(app, Method::POST, "/api/v1/proxies", &zhang, Some(&body)).await.json().await.expect("a grant");
        let wang = app.sign_in_demo("王强").await;
        let acting = call(app, Method::POST, "/api/v1/auth/acting", &wang, Some(&json!({"proxy": given.id}))).await;
        assert_eq!(acting.status(), StatusCode::OK);
        // The last day passes.
        server::on_pool!(app.state.store.pool(), |pool| sqlx::query("UPDATE person_proxies SET valid_until = $1 WHERE id = $2")
            .bind(today.pred_opt().expect("a day")).bind(&given.id).execute(pool).await.map(|r| r.rows_affected())).expect("updated");
        let refused = call(app, Method::POST, "/api/v1/applications/form", &wang, Some(&json!({"items": ["DG-GR-0011"]}))).await;
        expect_problem(refused, 403, "proxy_lapsed").await;
        let clerk = app.sign_in_demo("黄丽").await;
        expect_problem(call(app, Method::GET, "/api/v1/proxies", &clerk, None).await, 403, "forbidden").await;
    }
}

both! {
    async fn a_body_that_is_an_array_in_place_of_an_object_is_refused(app) {
        let wang = app.sign_in_demo("王强").await;
        let response = app.with_session(Method::POST, "/api/v1/auth/acting", &wang)
            .header("content-type", "application/json").body("[null, null]").send().await.expect("an answer");
        let problem = expect_problem(response, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].message.en, "The body must be a JSON object");
    }
}

both! {
    async fn a_founder_filing_for_others_names_the_legal_representative_and_becomes_the_agent(app) {
        let wang = app.sign_in_demo("王强").await;
        let compiled = form(app, &wang, &["DG-QY-0001"]).await.form;
        let rep = compiled.known.iter().find(|k| k.key == "legal_rep_id_number").expect("known unless waived");
        let waiver = rep.unless.clone().expect("waived by the founder's role");
        assert_eq!((waiver.field.as_str(), waiver.answer.as_str()), ("founder_role", "受他人委托代为办理"));

        let mut body = answer_all(app, &wang, &["DG-QY-0001"], "owned").await;
        body["answers"]["fields"]["founder_role"] = json!("受他人委托代为办理");
        let missing = expect_problem(submit(app, &wang, None, &body).await, 422, "validation_failed").await;
        let fields: Vec<(&str, &str)> = missing.errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        for expected in [("fields.legal_rep_name", "required"), ("fields.legal_rep_id_number", "required"), ("materials.DG-QY-0001-M08", "material_missing")] {
            assert!(fields.contains(&expected), "{expected:?} in {fields:?}");
        }
        body["answers"]["fields"]["legal_rep_name"] = json!("李娜");
        body["answers"]["fields"]["legal_rep_id_number"] = json!(demo_id("李娜"));
        body["answers"]["materials"]["DG-QY-0001-M08"] = json!([upload_png(app, &wang).await.id]);
        let receipt = created(submit(app, &wang, None, &body).await).await;
        let attorney = receipt.materials.iter().find(|m| m.key == "DG-QY-0001-M08").expect("the power of attorney");
        assert_eq!((attorney.source, attorney.files), (MaterialSource::Upload, 1), "no authorization on record yet: uploaded");

        let case_no = &receipt.cases[0].case_no;
        act_ok(app, &app.sign_in_demo("黄丽").await, case_no, json!({"action": "accept"})).await;
        act_ok(app, &app.sign_in_demo("刘洋").await, case_no, json!({"action": "undertake", "comment": "材料齐全"})).await;
        act_ok(app, &app.sign_in_demo("周婷").await, case_no, json!({"action": "review", "comment": "同意"})).await;
        act_ok(app, &app.sign_in_demo("吴刚").await, case_no, json!({"action": "approve", "comment": "准予登记"})).await;
        let links: Vec<shared::account::EnterpriseLink> = call(app, Method::GET, "/api/v1/enterprises", &wang, None).await.json().await.expect("links");
        let founded = links.iter().find(|l| l.name == "东莞市新创科技有限公司").expect("the new company");
        assert_eq!(founded.relation, shared::account::Relation::Agent, "the founder acts for it as its agent");
        let li = app.sign_in_demo("李娜").await;
        let hers: Vec<shared::account::EnterpriseLink> = call(app, Method::GET, "/api/v1/enterprises", &li, None).await.json().await.expect("links");
        assert!(hers.iter().any(|l| l.uscc == founded.uscc && l.relation == shared::account::Relation::LegalRepresentative));
    }
}

both! {
    async fn a_licence_number_the_library_holds_is_filled_from_it(app) {
        let id = shared::ResidentId::parse(&demo_id("王强")).expect("an id");
        app.state.store.insert_license(&server::store::applications::LicenseRow {
            id: "test-residence-permit".to_owned(),
            holder_kind: shared::license::HolderKind::Person,
            holder_key: app.state.pii.lookup_hash(&id),
            license_type: "residence_permit".to_owned(),
            number: "粤居4419202600123".to_owned(),
            issuer: "东莞市公安局".to_owned(),
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date"),
            valid_until: Some(chrono::NaiveDate::from_ymd_opt(2027, 1, 4).expect("a date")),
            revoked: false,
            data: json!({}),
        }).await.expect("a licence");
        let wang = app.sign_in_demo("王强").await;
        let compiled = form(app, &wang, &["DG-GR-0003"]).await.form;
        let permit = compiled.known.iter().find(|k| k.key == "residence_permit_no").expect("filled from the library");
        assert_eq!((permit.shown.as_str(), permit.origin), ("粤居4419202600123", FactOrigin::LicenseLibrary));
        let mut body = answer_all(app, &wang, &["DG-GR-0003"], "rented").await;
        body["answers"]["fields"]["residence_permit_no"] = json!("粤居0000000000000");
        let problem = expect_problem(submit(app, &wang, None, &body).await, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].field, "fields.residence_permit_no");
        assert!(problem.errors[0].message.zh.contains("来自电子证照库"), "{}", problem.errors[0].message.zh);
    }
}

both! {
    async fn a_restart_republishes_only_the_demo_items_whose_definition_changed(app) {
        let demo = server::demo::DemoCatalogue::load().expect("the demo catalogue");
        assert_eq!(demo.install(&app.state.store).await.expect("installed"), 0, "nothing changed, nothing published");

        // An item as an earlier release of the demo published it: nothing known.
        let code = shared::catalogue::ItemCode::parse("DG-GR-0011").expect("a code");
        let mut older = app.state.store.published_item(&code).await.expect("read").expect("published");
        for f in &mut older.fields {
            f.known = None;
        }
        older.version = 1;
        server::on_pool!(app.state.store.pool(), |pool| sqlx::query("UPDATE service_items SET guide = $1 WHERE code = $2 AND version = 1")
            .bind(sqlx::types::Json(&older)).bind("DG-GR-0011").execute(pool).await.map(|r| r.rows_affected())).expect("rewritten");
        assert!(app.state.store.published_item(&code).await.expect("read").expect("published").fields.iter().all(|f| f.known.is_none()));
        assert_eq!(demo.install(&app.state.store).await.expect("installed"), 1, "the demo's own item is brought up to date");
        let current = app.state.store.published_item(&code).await.expect("read").expect("published");
        assert_eq!(current.version, 2);
        assert!(current.fields.iter().any(|f| f.known == Some(KnownFact::PersonName)));
        assert_eq!(demo.install(&app.state.store).await.expect("installed"), 0, "and only once");
    }
}
