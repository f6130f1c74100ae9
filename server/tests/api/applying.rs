//! 申办: the one form with the e-license library, uploads, idempotent submission, receipts,
//! progress lookup, drafts, the library's access log, and who may read what.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::application::{
    ApplicationBrief, ApplicationReceipt, CaseProgress, Draft, FormResponse, MaterialSource, UploadReceipt,
};
use shared::license::{License, LicenseAccess, LicenseStatus};

use crate::both;
use crate::helpers::{TestApp, demo_id, expect_problem};

pub(crate) const ENTERPRISE: &str = "91441900MA4W7CX39E";
/// Items an existing enterprise files together: seal, social insurance and provident fund.
const ENTERPRISE_ITEMS: [&str; 3] = ["DG-QY-0004", "DG-QY-0005", "DG-QY-0006"];
/// A one-pixel PNG: uploads are decoded, so it must be a whole picture.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDAT\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99\x3d\x1d\0\0\0\0IEND\xae\x42\x60\x82";

/// A small, well-formed PDF (see [`server::applying::content::sample_pdf`]).
pub(crate) fn tiny_pdf(tag: &str, extra: &str) -> Vec<u8> {
    server::applying::content::sample_pdf(tag, extra)
}

pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.with_session(method, path, token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("the server answers")
}

pub(crate) async fn act_for(app: &TestApp, token: &str, uscc: &str) {
    let response = call(app, Method::POST, "/api/v1/auth/acting", token, Some(&json!({"uscc": uscc}))).await;
    assert_eq!(response.status(), StatusCode::OK);
}

pub(crate) async fn form(app: &TestApp, token: &str, items: &[&str]) -> FormResponse {
    let response = call(app, Method::POST, "/api/v1/applications/form", token, Some(&json!({"items": items}))).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a form")
}

pub(crate) async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.with_session(Method::POST, "/api/v1/uploads", token)
        .query(&[("name", name)])
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("the server answers")
}

pub(crate) async fn upload_png(app: &TestApp, token: &str) -> UploadReceipt {
    let response = upload(app, token, "photo.png", PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("an upload receipt")
}

/// A complete application of 王强 for 就业创业证申领: his ID card from the library, the
/// application form uploaded.
pub(crate) fn employment_card(id_number: &str, upload_id: &str) -> Value {
    json!({
        "items": ["DG-GR-0011"],
        "answers": {
            "fields": {
                "applicant_name": "王强",
                "applicant_id_number": id_number,
                "phone": "13800138000",
                "contact_address": "东莞市莞城街道市府路1号",
                "employment_status": "unemployed"
            },
            "materials": {"DG-GR-0011-M01": [upload_id]}
        }
    })
}

pub(crate) async fn submit(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app.with_session(Method::POST, "/api/v1/applications", token).json(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.expect("the server answers")
}

pub(crate) async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) =
        server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await)
        .expect("a count");
    n
}

both! {
    async fn one_form_asks_shared_fields_once_and_marks_what_the_library_supplies(app) {
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let compiled = form(app, &agent, &ENTERPRISE_ITEMS).await;
        let form = compiled.form;
        assert_eq!(form.items.len(), 3);
        let keys: Vec<&str> = form.fields.iter().map(|f| f.field.key.as_str()).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(keys.len(), unique.len(), "each question once: {keys:?}");
        let name = form.fields.iter().find(|f| f.field.key == "enterprise_name").expect("asked");
        assert_eq!(name.used_by.len(), 3);
        let material = |key: &str| form.materials.iter().find(|m| m.key == key).expect(key);
        assert!(material("business_license").in_library, "the enterprise's business license");
        assert!(material("resident_id_card").in_library, "the legal representative's ID card");
        assert!(material("resident_id_card").uses.len() >= 2, "asked once for every item needing it");
        assert!(!compiled.pledge_text.zh.is_empty());

        // The legal representative sees who read the enterprise's library.
        let rep = app.sign_in_demo("李娜").await;
        act_for(app, &rep, ENTERPRISE).await;
        let log: Vec<LicenseAccess> = call(app, Method::GET, "/api/v1/licenses/access", &rep, None).await.json().await.expect("log");
        assert!(log.iter().any(|a| a.license_type.key == "business_license" && a.accessor == "陈敏" && a.acting_for.as_deref() == Some("东莞市示范科技有限公司") && a.application_no.is_none()));

        let mixed = call(app, Method::POST, "/api/v1/applications/form", &agent,
            Some(&json!({"items": ["DG-QY-0001", "DG-GR-0011"]}))).await;
        let problem = expect_problem(mixed, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].code.as_str(), "mixed_service_objects");
        let unknown = call(app, Method::POST, "/api/v1/applications/form", &agent, Some(&json!({"items": ["DG-XX-9999"]}))).await;
        assert_eq!(expect_problem(unknown, 422, "validation_failed").await.errors[0].code.as_str(), "item_not_published");
        let bad = call(app, Method::POST, "/api/v1/applications/form", &agent, Some(&json!({"items": ["../x"]}))).await;
        assert_eq!(expect_problem(bad, 422, "validation_failed").await.errors[0].field, "items[0]");
        let personal = call(app, Method::POST, "/api/v1/applications/form", &agent, Some(&json!({"items": ["DG-GR-0011"]}))).await;
        assert_eq!(expect_problem(personal, 422, "validation_failed").await.errors[0].code.as_str(), "needs_person");
        let citizen = app.sign_in_demo("王强").await;
        let business = call(app, Method::POST, "/api/v1/applications/form", &citizen, Some(&json!({"items": ENTERPRISE_ITEMS}))).await;
        assert_eq!(expect_problem(business, 422, "validation_failed").await.errors[0].code.as_str(), "needs_enterprise");
        let submitted = submit(app, &citizen, None, &json!({"items": ENTERPRISE_ITEMS, "answers": {}})).await;
        assert_eq!(expect_problem(submitted, 422, "validation_failed").await.errors[0].code.as_str(), "needs_enterprise");
        let none = call(app, Method::POST, "/api/v1/applications/form", &agent, Some(&json!({"items": []}))).await;
        assert_eq!(expect_problem(none, 422, "validation_failed").await.errors[0].code.as_str(), "no_items");
    }
}

both! {
    async fn a_citizen_applies_with_the_library_and_an_upload_and_follows_progress(app) {
        let citizen = app.sign_in_demo("王强").await;
        let id = demo_id("王强");
        let compiled = form(app, &citizen, &["DG-GR-0011"]).await;
        let id_card = compiled.form.materials.iter().find(|m| m.key == "resident_id_card").expect("asked");
        assert!(id_card.in_library);

        let photo = upload_png(app, &citizen).await;
        assert_eq!(photo.media_type, "image/png");
        assert!(photo.size > 0);
        let response = submit(app, &citizen, Some("k-1"), &employment_card(&id, &photo.id)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let receipt: ApplicationReceipt = response.json().await.expect("a receipt");
        assert!(receipt.application_no.starts_with("YW"));
        assert_eq!(receipt.applicant_name, "王强");
        assert!(receipt.applicant_identifier.contains('*'), "masked: {}", receipt.applicant_identifier);
        assert_eq!(receipt.cases.len(), 1);
        let case_no = receipt.cases[0].case_no.clone();
        let sources: Vec<(String, MaterialSource, u32)> =
            receipt.materials.iter().map(|m| (m.key.clone(), m.source, m.files)).collect();
        assert!(sources.contains(&("resident_id_card".to_owned(), MaterialSource::Library, 0)));
        assert!(sources.contains(&("DG-GR-0011-M01".to_owned(), MaterialSource::Upload, 1)));

        let (license_id, sha): (Option<String>, Option<String>) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as(
            "SELECT MAX(license_id), MAX(sha256) FROM case_materials WHERE case_no = $1")
            .bind(&case_no).fetch_one(pool).await).expect("materials");
        assert!(license_id.is_some(), "the ID card is attached from the library");
        assert_eq!(sha.as_deref(), Some(photo.sha256.as_str()), "the file's hash is recorded with the case");

        let mine: Vec<ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &citizen, None).await.json().await.expect("list");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].cases[0].case_no, case_no);
        let again: ApplicationReceipt = call(app, Method::GET, &format!("/api/v1/applications/{}", receipt.application_no), &citizen, None)
            .await.json().await.expect("the receipt again");
        assert_eq!(again, receipt);

        let lookup = app.post_json("/api/v1/progress/lookup", &json!({"case_no": case_no.to_lowercase(), "id_number": id})).await;
        assert_eq!(lookup.status(), StatusCode::OK);
        let progress: CaseProgress = lookup.json().await.expect("progress");
        assert_eq!(progress.timeline.len(), 1);
        assert_eq!(progress.timeline[0].status, shared::application::CaseStatus::Submitted);
        let wrong_person = app.post_json("/api/v1/progress/lookup", &json!({"case_no": case_no, "id_number": demo_id("张三")})).await;
        let unknown_case = app.post_json("/api/v1/progress/lookup", &json!({"case_no": "YW20260101AAAAAAAAAA-01", "id_number": id})).await;
        let a = expect_problem(wrong_person, 404, "case_not_found").await;
        let b = expect_problem(unknown_case, 404, "case_not_found").await;
        assert_eq!(a, b, "a wrong pair is answered exactly as an unknown case");
        let malformed = app.post_json("/api/v1/progress/lookup", &json!({"case_no": case_no, "id_number": "4419"})).await;
        expect_problem(malformed, 422, "validation_failed").await;

        let log: Vec<LicenseAccess> = call(app, Method::GET, "/api/v1/licenses/access", &citizen, None).await.json().await.expect("log");
        assert!(log.iter().any(|a| a.application_no.as_deref() == Some(receipt.application_no.as_str()) && a.accessor == "王强" && !a.at_window));
        let licenses: Vec<License> = call(app, Method::GET, "/api/v1/licenses", &citizen, None).await.json().await.expect("licenses");
        let card = licenses.iter().find(|l| l.license_type.key == "resident_id_card").expect("an ID card");
        assert!(card.number.contains('*'), "shown masked");
        assert_eq!((card.license_type.name.zh.as_str(), card.license_type.name.en.as_str()), ("居民身份证", "resident identity card"));
    }
}

both! {
    async fn an_expired_or_revoked_license_is_not_used_and_an_upload_is_asked_instead(app) {
        let expired = app.sign_in_demo("陈敏").await;
        let compiled = form(app, &expired, &["DG-GR-0011"]).await;
        let card = compiled.form.materials.iter().find(|m| m.key == "resident_id_card").expect("asked");
        assert!(!card.in_library, "an expired ID card does not stand in");
        let photo = upload_png(app, &expired).await;
        let response = submit(app, &expired, None, &employment_card(&demo_id("陈敏"), &photo.id)).await;
        let problem = expect_problem(response, 422, "validation_failed").await;
        assert!(problem.errors.iter().any(|e| e.field == "materials.resident_id_card" && e.code.as_str() == "material_missing"));
        let licenses: Vec<License> = call(app, Method::GET, "/api/v1/licenses", &expired, None).await.json().await.expect("licenses");
        assert_eq!(licenses[0].status, LicenseStatus::Expired);

        let revoked = app.sign_in_demo("张三").await;
        let licenses: Vec<License> = call(app, Method::GET, "/api/v1/licenses", &revoked, None).await.json().await.expect("licenses");
        assert!(licenses.iter().any(|l| l.license_type.key == "property_certificate" && l.status == LicenseStatus::Revoked));
        let compiled = form(app, &revoked, &["DG-GR-0006"]).await;
        let title = compiled.form.materials.iter().find(|m| m.key == "property_certificate").expect("asked");
        assert!(!title.in_library, "a revoked title certificate does not stand in");
    }
}

both! {
    async fn a_retry_with_the_same_key_replays_the_first_answer_byte_for_byte(app) {
        let citizen = app.sign_in_demo("王强").await;
        let photo = upload_png(app, &citizen).await;
        let body = employment_card(&demo_id("王强"), &photo.id);
        let first = submit(app, &citizen, Some("retry-me"), &body).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let first = first.bytes().await.expect("body");
        let second = submit(app, &citizen, Some("retry-me"), &body).await;
        assert_eq!(second.status(), StatusCode::CREATED);
        assert_eq!(second.bytes().await.expect("body"), first, "byte for byte");
        assert_eq!(count(app, "applications").await, 1);
        // The key names the application: the receipt is stored once, in the application's row,
        // and the replay above was written from there.
        let (response, application_no): (Option<String>, Option<String>) = server::on_pool!(
            app.state.store.pool(),
            |p| sqlx::query_as("SELECT response, application_no FROM idempotency_keys").fetch_one(p).await
        )
        .expect("the key");
        let receipt: shared::application::ApplicationReceipt = serde_json::from_slice(&first).expect("a receipt");
        assert_eq!((response, application_no), (None, Some(receipt.application_no)));
        // A key's answer is its body or its application, never neither.
        let neither = server::on_pool!(app.state.store.pool(), |p| sqlx::query(
            "UPDATE idempotency_keys SET application_no = NULL"
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()));
        assert!(neither.is_err(), "a key with no answer is refused by the database");

        let mut changed = body.clone();
        changed["answers"]["fields"]["phone"] = json!("13900139000");
        let refused = submit(app, &citizen, Some("retry-me"), &changed).await;
        expect_problem(refused, 422, "idempotency_key_reused").await;
        let bad_key = submit(app, &citizen, Some("has space"), &body).await;
        expect_problem(bad_key, 400, "invalid_idempotency_key").await;
        assert_eq!(count(app, "applications").await, 1);

        // Without a key each submission is its own application.
        assert_eq!(submit(app, &citizen, None, &body).await.status(), StatusCode::CREATED);
        assert_eq!(count(app, "applications").await, 2);
    }
}

both! {
    async fn fifty_concurrent_duplicates_create_exactly_one_application(app) {
        let citizen = app.sign_in_demo("王强").await;
        let photo = upload_png(app, &citizen).await;
        let body = employment_card(&demo_id("王强"), &photo.id);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (client, url, token, body) = (app.client.clone(), app.url("/api/v1/applications"), citizen.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                let response = client.post(url).header("cookie", format!("__Host-yiwang_session={token}"))
                    .header("idempotency-key", "same-for-all").json(&body).send().await.expect("answers");
                (response.status(), response.bytes().await.expect("body"))
            }));
        }
        let mut bodies = Vec::new();
        for task in tasks {
            let (status, bytes) = task.await.expect("joined");
            assert_eq!(status, StatusCode::CREATED);
            bodies.push(bytes);
        }
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every duplicate gets the first answer");
        assert_eq!(count(app, "applications").await, 1);
        assert_eq!(count(app, "cases").await, 1);
    }
}

both! {
    async fn uploads_are_checked_by_content_size_and_name(app) {
        let citizen = app.sign_in_demo("王强").await;
        let spoofed = upload(app, &citizen, "photo.png", b"<script>alert(1)</script>".to_vec()).await;
        expect_problem(spoofed, 415, "unsupported_file_type").await;
        let empty = upload(app, &citizen, "empty.pdf", Vec::new()).await;
        expect_problem(empty, 415, "unsupported_file_type").await;
        let mut big = PNG.to_vec();
        big.resize(10 * 1024 * 1024 + 1, 0);
        let oversize = upload(app, &citizen, "big.png", big).await;
        expect_problem(oversize, 413, "payload_too_large").await;
        let pdf = upload(app, &citizen, "../../etc/passwd\u{1}\\..\\证明\u{202E}fdp.pdf", tiny_pdf("proof", "")).await;
        assert_eq!(pdf.status(), StatusCode::CREATED);
        let pdf: UploadReceipt = pdf.json().await.expect("receipt");
        assert_eq!((pdf.file_name.as_str(), pdf.media_type.as_str()), ("证明fdp.pdf", "application/pdf"));
        // Judged by all of the content, not its first bytes: a PDF that runs a script when
        // opened is refused, and a picture is stored decoded and encoded again, without what
        // followed it.
        let scripted = upload(app, &citizen, "s.pdf", tiny_pdf("js", "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")).await;
        let scripted = expect_problem(scripted, 415, "unsupported_file_type").await;
        assert!(scripted.message.en.contains("JavaScript"), "{}", scripted.message.en);
        let not_a_picture = upload(app, &citizen, "x.png", [b"\x89PNG\r\n\x1a\n".as_slice(), b"<html>hi</html>"].concat()).await;
        expect_problem(not_a_picture, 415, "unsupported_file_type").await;
        let polyglot = upload(app, &citizen, "p.png", [PNG, b"<html><script>alert(1)</script></html>".as_slice()].concat()).await;
        assert_eq!(polyglot.status(), StatusCode::CREATED);
        let polyglot: UploadReceipt = polyglot.json().await.expect("receipt");
        let stored = call(app, Method::GET, &format!("/api/v1/uploads/{}", polyglot.id), &citizen, None).await.bytes().await.expect("bytes");
        assert!(stored.starts_with(b"\x89PNG") && !stored.windows(6).any(|w| w == b"script"));
        assert_eq!(polyglot.size, stored.len() as u64);
        let long = upload(app, &citizen, &"长".repeat(500), PNG.to_vec()).await;
        let long: UploadReceipt = long.json().await.expect("receipt");
        assert_eq!(long.file_name.chars().count(), 100);

        // Stored by content hash, outside the served folder; nothing is left half-written.
        let files = server::applying::uploads::files_dir(&app.state.config.data_dir);
        assert!(files.join(&pdf.sha256[..2]).join(&pdf.sha256).is_file());
        assert_eq!(std::fs::read_dir(files.join("tmp")).expect("tmp").count(), 0, "refused uploads are removed");
        assert!(!files.starts_with(&app.state.config.site_dir));

        let download = call(app, Method::GET, &format!("/api/v1/uploads/{}", pdf.id), &citizen, None).await;
        assert_eq!(download.status(), StatusCode::OK);
        let header = |name: &str| download.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-disposition").starts_with("attachment;"));
        assert_eq!(header("content-type"), "application/pdf");
        assert!(download.bytes().await.expect("bytes").starts_with(b"%PDF-"));

        let mine: Vec<UploadReceipt> = call(app, Method::GET, "/api/v1/uploads", &citizen, None).await.json().await.expect("list");
        assert_eq!(mine.len(), 3, "the three accepted files, not the refused ones");
        assert!(mine.iter().any(|u| u.id == pdf.id && u.file_name == "证明fdp.pdf"));

        let other = app.sign_in_demo("张三").await;
        let theirs: Vec<UploadReceipt> = call(app, Method::GET, "/api/v1/uploads", &other, None).await.json().await.expect("list");
        assert!(theirs.is_empty(), "no one lists another's files");
        let denied = call(app, Method::GET, &format!("/api/v1/uploads/{}", pdf.id), &other, None).await;
        expect_problem(denied, 404, "upload_not_found").await;
        let anonymous = app.get(&format!("/api/v1/uploads/{}", pdf.id)).await;
        expect_problem(anonymous, 401, "unauthenticated").await;
    }
}

both! {
    async fn no_one_reads_another_applicants_application_or_files(app) {
        let citizen = app.sign_in_demo("王强").await;
        let photo = upload_png(app, &citizen).await;
        let response = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &photo.id)).await;
        let receipt: ApplicationReceipt = response.json().await.expect("receipt");

        let other = app.sign_in_demo("张三").await;
        let theirs = call(app, Method::GET, &format!("/api/v1/applications/{}", receipt.application_no), &other, None).await;
        expect_problem(theirs, 404, "case_not_found").await;
        let list: Vec<ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &other, None).await.json().await.expect("list");
        assert!(list.is_empty());
        // Another's upload cannot be slipped into one's own application.
        let stolen = submit(app, &other, None, &employment_card(&demo_id("张三"), &photo.id)).await;
        let problem = expect_problem(stolen, 422, "validation_failed").await;
        assert!(problem.errors.iter().any(|e| e.code.as_str() == "upload_not_found"));
        // Files looked up together: each one not the applicant's is named where it was given,
        // and their own, given twice, is accepted both times.
        let own = upload_png(app, &other).await;
        let mut mixed = employment_card(&demo_id("张三"), &own.id);
        mixed["answers"]["fields"]["applicant_name"] = json!("张三");
        mixed["answers"]["materials"]["DG-GR-0011-M01"] = json!([own.id, photo.id, "no-such-upload", own.id]);
        let problem = expect_problem(submit(app, &other, None, &mixed).await, 422, "validation_failed").await;
        let refused: Vec<&str> = problem
            .errors
            .iter()
            .filter(|e| e.code.as_str() == "upload_not_found")
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(refused, ["materials.DG-GR-0011-M01[1]", "materials.DG-GR-0011-M01[2]"]);
        mixed["answers"]["materials"]["DG-GR-0011-M01"] = json!([own.id, own.id]);
        let twice = submit(app, &other, None, &mixed).await;
        assert_eq!(twice.status(), StatusCode::CREATED, "{}", twice.text().await.unwrap_or_default());

        let anonymous = app.post_json("/api/v1/applications", &employment_card(&demo_id("王强"), &photo.id)).await;
        expect_problem(anonymous, 401, "unauthenticated").await;
        let undertaker = app.sign_in_demo("刘洋").await;
        let staff = submit(app, &undertaker, None, &employment_card(&demo_id("王强"), &photo.id)).await;
        expect_problem(staff, 403, "forbidden").await;
    }
}

both! {
    async fn an_agent_files_the_bundle_and_the_legal_representative_sees_it(app) {
        let agent = app.sign_in_demo("陈敏").await;
        act_for(app, &agent, ENTERPRISE).await;
        let compiled = form(app, &agent, &ENTERPRISE_ITEMS).await;
        // The enterprise's name, code and legal representative are the platform's to fill.
        let fields = crate::drive::enterprise_fields(&compiled);
        let mut materials = serde_json::Map::new();
        let needed = compiled.form.needed_materials(&shared::application::FormAnswers::default());
        for m in needed.iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
            let file = upload_png(app, &agent).await;
            materials.insert(m.key.clone(), json!([file.id]));
        }
        let body = json!({"items": ENTERPRISE_ITEMS, "answers": {"fields": fields, "materials": materials}});
        let response = submit(app, &agent, Some("bundle-1"), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
        let receipt: ApplicationReceipt = submit(app, &agent, Some("bundle-1"), &body).await.json().await.expect("receipt");
        assert_eq!(receipt.cases.len(), 3, "one case per item");
        assert_eq!(receipt.applicant_identifier, ENTERPRISE);
        assert_eq!(receipt.filed_by.as_deref(), Some("陈敏"));
        let departments: std::collections::BTreeSet<_> = receipt.cases.iter().map(|c| c.department.zh.clone()).collect();
        assert!(departments.len() >= 3, "each case goes to its item's department: {departments:?}");

        let rep = app.sign_in_demo("李娜").await;
        let list: Vec<ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &rep, None).await.json().await.expect("list");
        assert_eq!(list.len(), 1, "the enterprise's applications reach its legal representative");
        let progress = app.post_json("/api/v1/progress/lookup",
            &json!({"case_no": receipt.cases[2].case_no, "id_number": demo_id("李娜")})).await;
        assert_eq!(progress.status(), StatusCode::OK, "the legal representative may follow it too");
        // The number on the receipt finds every case of the application, by the credit code too.
        let whole = app.post_json("/api/v1/progress/lookup/application",
            &json!({"application_no": receipt.application_no.to_lowercase(), "id_number": ENTERPRISE})).await;
        assert_eq!(whole.status(), StatusCode::OK);
        let cases: Vec<CaseProgress> = whole.json().await.expect("every case");
        let found: Vec<&str> = cases.iter().map(|c| c.case_no.as_str()).collect();
        let filed: Vec<&str> = receipt.cases.iter().map(|c| c.case_no.as_str()).collect();
        assert_eq!(found, filed);
        let wrong = app.post_json("/api/v1/progress/lookup/application",
            &json!({"application_no": receipt.application_no, "id_number": demo_id("张三")})).await;
        let unknown = app.post_json("/api/v1/progress/lookup/application",
            &json!({"application_no": "YW20260101AAAAAAAAAA", "id_number": ENTERPRISE})).await;
        assert_eq!(expect_problem(wrong, 404, "case_not_found").await, expect_problem(unknown, 404, "case_not_found").await);
        let a_case_no = app.post_json("/api/v1/progress/lookup/application",
            &json!({"application_no": receipt.cases[0].case_no, "id_number": ENTERPRISE})).await;
        assert_eq!(expect_problem(a_case_no, 422, "validation_failed").await.errors[0].field, "application_no");
        let file_id = materials.values().next().and_then(|v| v[0].as_str()).expect("an upload").to_owned();
        let download = call(app, Method::GET, &format!("/api/v1/uploads/{file_id}"), &rep, None).await;
        assert_eq!(download.status(), StatusCode::OK, "a material of the enterprise's application");
    }
}

both! {
    async fn a_window_clerk_files_for_the_applicant_present(app) {
        let clerk = app.sign_in_demo("黄丽").await;
        let represent = call(app, Method::POST, "/api/v1/auth/represent", &clerk, Some(&json!({"id_number": demo_id("王强"), "name": "王强"}))).await;
        assert_eq!(represent.status(), StatusCode::OK);
        let compiled = form(app, &clerk, &["DG-GR-0011"]).await;
        assert!(compiled.form.materials.iter().any(|m| m.key == "resident_id_card" && m.in_library), "the applicant's library");
        let scan = upload_png(app, &clerk).await;
        let response = submit(app, &clerk, None, &employment_card(&demo_id("王强"), &scan.id)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let receipt: ApplicationReceipt = response.json().await.expect("receipt");
        assert_eq!((receipt.applicant_name.as_str(), receipt.filed_by.as_deref()), ("王强", Some("黄丽")));
        let printed = call(app, Method::GET, &format!("/api/v1/applications/{}/receipt.pdf", receipt.application_no), &clerk, None).await;
        assert_eq!(printed.status(), StatusCode::OK, "the clerk prints the receipt for the applicant");
        let other_clerk = app.sign_in_demo("何静").await;
        let not_theirs = call(app, Method::GET, &format!("/api/v1/applications/{}", receipt.application_no), &other_clerk, None).await;
        expect_problem(not_theirs, 404, "case_not_found").await;
        let citizen = app.sign_in_demo("王强").await;
        let list: Vec<ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &citizen, None).await.json().await.expect("list");
        assert_eq!(list.len(), 1);
        let log: Vec<LicenseAccess> = call(app, Method::GET, "/api/v1/licenses/access", &citizen, None).await.json().await.expect("log");
        assert!(log.iter().any(|a| a.accessor == "黄丽" && a.at_window));
    }
}

both! {
    async fn a_pledge_is_signed_instead_of_the_materials_it_covers(app) {
        let rep = app.sign_in_demo("李娜").await;
        act_for(app, &rep, ENTERPRISE).await;
        let compiled = form(app, &rep, &["DG-QY-0003"]).await;
        assert!(compiled.form.items[0].pledge_allowed);
        let mut answers = shared::application::FormAnswers::default();
        answers.pledged_items.insert(shared::catalogue::ItemCode::parse("DG-QY-0003").expect("code"));
        let needed = compiled.form.needed_materials(&answers);
        assert!(needed.iter().any(|m| m.source == MaterialSource::Pledge));
        let mut materials = serde_json::Map::new();
        for m in needed.iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
            materials.insert(m.key.clone(), json!([upload_png(app, &rep).await.id]));
        }
        let body = json!({"items": ["DG-QY-0003"], "answers": {
            "fields": {"operator_name": "李娜", "operator_id_number": demo_id("李娜"), "premises_address": "东莞市南城街道宏图路8号",
                       "premises_area_m2": 120.5, "phone": "13800138000"},
            "pledged_items": ["DG-QY-0003"], "materials": materials}});
        let response = submit(app, &rep, None, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
        let receipt: ApplicationReceipt = response.json().await.expect("receipt");
        assert!(receipt.cases[0].pledged);
        assert!(receipt.materials.iter().any(|m| m.source == MaterialSource::Pledge));
        let (text,): (Option<String>,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT pledge_text FROM applications WHERE application_no = $1")
            .bind(&receipt.application_no).fetch_one(pool).await).expect("row");
        assert!(text.expect("the pledge text is recorded").contains("承诺"));
    }
}

both! {
    async fn a_draft_resumes_on_another_device(app) {
        let phone = app.sign_in_demo("王强").await;
        let saved = call(app, Method::POST, "/api/v1/drafts", &phone,
            Some(&json!({"items": ["DG-GR-0011"], "answers": {"fields": {"phone": "13800138000"}}}))).await;
        assert_eq!(saved.status(), StatusCode::OK);
        let saved: Draft = saved.json().await.expect("draft");
        let id = saved.id.clone().expect("an id");

        let desktop = app.sign_in_demo("王强").await;
        let drafts: Vec<Draft> = call(app, Method::GET, "/api/v1/drafts", &desktop, None).await.json().await.expect("drafts");
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].answers.fields["phone"], json!("13800138000"));
        let updated = call(app, Method::POST, "/api/v1/drafts", &desktop,
            Some(&json!({"id": id, "items": ["DG-GR-0011"], "answers": {"fields": {"phone": "13900139000"}}}))).await;
        assert_eq!(updated.status(), StatusCode::OK);

        let other = app.sign_in_demo("张三").await;
        let hijack = call(app, Method::POST, "/api/v1/drafts", &other,
            Some(&json!({"id": id, "items": ["DG-GR-0011"], "answers": {}}))).await;
        expect_problem(hijack, 404, "draft_not_found").await;
        expect_problem(call(app, Method::DELETE, &format!("/api/v1/drafts/{id}"), &other, None).await, 404, "draft_not_found").await;

        // Submitting from the draft removes it.
        let photo = upload_png(app, &desktop).await;
        let mut body = employment_card(&demo_id("王强"), &photo.id);
        body["draft_id"] = json!(id);
        assert_eq!(submit(app, &desktop, None, &body).await.status(), StatusCode::CREATED);
        let drafts: Vec<Draft> = call(app, Method::GET, "/api/v1/drafts", &phone, None).await.json().await.expect("drafts");
        assert!(drafts.is_empty());
    }
}

both! {
    async fn the_pdf_receipt_embeds_a_chinese_font_and_a_progress_qr_code(app) {
        let citizen = app.sign_in_demo("王强").await;
        let photo = upload_png(app, &citizen).await;
        let receipt: ApplicationReceipt = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &photo.id))
            .await.json().await.expect("receipt");
        let path = format!("/api/v1/applications/{}/receipt.pdf", receipt.application_no);
        let pdf = call(app, Method::GET, &path, &citizen, None).await;
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("NotoSansCJK"), "the CJK font is embedded");
        assert!(bytes.len() < 400_000, "the font is subset: {} bytes", bytes.len());
        let url = server::applying::receipt_pdf::progress_url(&app.state.config.public_url(), &receipt.cases[0].case_no);
        assert!(url.ends_with(&format!("/progress?case={}", receipt.cases[0].case_no)));

        let other = app.sign_in_demo("张三").await;
        expect_problem(call(app, Method::GET, &path, &other, None).await, 404, "case_not_found").await;
    }
}

both! {
    async fn progress_lookups_from_one_address_are_rate_limited(app) {
        let limited = TestApp::spawn_with(app.db, |c| c.progress_lookups_per_minute = 3).await;
        let guess = json!({"case_no": "YW20260101AAAAAAAAAA-01", "id_number": demo_id("王强")});
        for _ in 0..3 {
            expect_problem(limited.post_json("/api/v1/progress/lookup", &guess).await, 404, "case_not_found").await;
        }
        expect_problem(limited.post_json("/api/v1/progress/lookup", &guess).await, 429, "rate_limited").await;
        limited.finish().await;
    }
}

both! {
    async fn uploads_per_person_per_day_are_limited(app) {
        let limited = TestApp::spawn_with(app.db, |c| c.max_uploads_per_day = 2).await;
        let citizen = limited.sign_in_demo("王强").await;
        upload_png(&limited, &citizen).await;
        upload_png(&limited, &citizen).await;
        expect_problem(upload(&limited, &citizen, "third.png", PNG.to_vec()).await, 429, "rate_limited").await;
        let other = limited.sign_in_demo("张三").await;
        upload_png(&limited, &other).await;
        limited.state.clock.advance(chrono::Duration::hours(25));
        let citizen = limited.sign_in_demo("王强").await;
        upload_png(&limited, &citizen).await;
        limited.finish().await;
    }
}
