//! 后台审批: the front desk and the departments working cases through their workflow, who may
//! see and do what, supplement notices, notices and the outbox, idempotent actions, and the
//! audit trail's hash chain.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::application::{ApplicationReceipt, CaseStatus, MaterialSource};
use shared::case::{ActionOutcome, AuditVerification, CaseDetail, CasePage, NoticeKind, QueueCount};
use shared::license::License;
use shared::workflow::CaseAction;

use crate::applying::{ENTERPRISE, act_for, call, count, employment_card, form, submit, upload_png};
use crate::both;
use crate::helpers::{TestApp, demo_id, expect_problem};

/// The agent 陈敏 files these items for the demo enterprise, answering every question.
pub(crate) async fn file_for_enterprise(app: &TestApp, agent: &str, items: &[&str]) -> ApplicationReceipt {
    file_with_delivery(app, agent, items, Value::Null).await
}

/// … choosing how the results are delivered.
async fn file_with_delivery(app: &TestApp, agent: &str, items: &[&str], delivery: Value) -> ApplicationReceipt {
    file_answering(app, agent, items, delivery, &[], &[]).await
}

/// … signing the pledge for `pledged` items.
async fn file_pledged(
    app: &TestApp,
    agent: &str,
    items: &[&str],
    delivery: Value,
    pledged: &[&str],
) -> ApplicationReceipt {
    file_answering(app, agent, items, delivery, pledged, &[]).await
}

/// … answering the questions in `answers_given` as given.
async fn file_answering(
    app: &TestApp,
    agent: &str,
    items: &[&str],
    delivery: Value,
    pledged: &[&str],
    answers_given: &[(&str, Value)],
) -> ApplicationReceipt {
    // A company's registration is filed by its founder as a person; the rest for the enterprise.
    if !items.contains(&"DG-QY-0001") {
        act_for(app, agent, ENTERPRISE).await;
    }
    let compiled = form(app, agent, items).await;
    let mut fields = serde_json::Map::new();
    let known = |key: &str| compiled.form.known.iter().any(|k| k.key == key);
    for f in compiled.form.fields.iter().filter(|f| !known(&f.field.key)) {
        use shared::catalogue::FieldType as T;
        let value = match (f.field.key.as_str(), f.field.field_type) {
            ("enterprise_name", _) => json!("东莞市新星科技有限公司"),
            (_, T::ResidentId) => json!(demo_id("李娜")),
            (_, T::Uscc) => json!(ENTERPRISE),
            (_, T::Phone) => json!("0769-22223333"),
            (_, T::Address) => json!("东莞市松山湖高新区科技九路1号"),
            (_, T::Integer) => json!(12),
            (_, T::Decimal) => json!("5"),
            (_, T::Boolean) => json!(true),
            (_, T::Date) => json!("2026-01-05"),
            (_, T::EnumMulti) => json!([f.field.options[0]]),
            (_, T::Enum) => json!(f.field.options[0]),
            _ => json!("东莞市示范科技有限公司"),
        };
        let given = answers_given.iter().find(|(k, _)| *k == f.field.key).map(|(_, v)| v.clone());
        fields.insert(f.field.key.clone(), given.unwrap_or(value));
    }
    let mut materials = serde_json::Map::new();
    let answers = shared::application::FormAnswers {
        fields: fields.clone().into_iter().collect(),
        pledged_items: pledged.iter().map(|c| shared::catalogue::ItemCode::parse(c).expect("a code")).collect(),
        ..Default::default()
    };
    let needed = compiled.form.needed_materials(&answers);
    for m in needed.iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
        let file = upload_png(app, agent).await;
        materials.insert(m.key.clone(), json!([file.id]));
    }
    let body = json!({"items": items, "answers": {"fields": fields, "materials": materials, "pledged_items": pledged},
        "delivery": delivery});
    let response = submit(app, agent, None, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    response.json().await.expect("a receipt")
}

pub(crate) async fn act(app: &TestApp, token: &str, case_no: &str, body: Value) -> reqwest::Response {
    call(app, Method::POST, &format!("/api/v1/cases/{case_no}/actions"), token, Some(&body)).await
}

pub(crate) async fn act_ok(app: &TestApp, token: &str, case_no: &str, body: Value) -> ActionOutcome {
    let response = act(app, token, case_no, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}: {}", response.text().await.unwrap_or_default());
    response.json().await.expect("an outcome")
}

pub(crate) async fn detail(app: &TestApp, token: &str, case_no: &str) -> CaseDetail {
    let response = call(app, Method::GET, &format!("/api/v1/cases/{case_no}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a case")
}

async fn page(app: &TestApp, token: &str, query: &str) -> CasePage {
    let response = call(app, Method::GET, &format!("/api/v1/cases?{query}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("a page")
}

pub(crate) async fn verify(app: &TestApp, supervisor: &str) -> AuditVerification {
    let response = call(app, Method::GET, "/api/v1/audit/verify", supervisor, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a report")
}

both! {
    async fn a_case_goes_from_the_front_desk_through_each_departmental_step(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_for_enterprise(app, &agent, &["DG-QY-0001"]).await;
        let case_no = receipt.cases[0].case_no.clone();
        let clerk = app.sign_in_demo("黄丽").await;
        let front = page(app, &clerk, "queue=front_desk").await;
        assert!(front.cases.iter().any(|c| c.case_no == case_no), "the front desk sees every department's");
        let queues: Vec<QueueCount> = call(app, Method::GET, "/api/v1/cases/queues", &clerk, None).await.json().await.expect("counts");
        assert!(queues.iter().any(|q| q.queue == shared::case::Queue::FrontDesk && q.count >= 1));
        assert_eq!(detail(app, &clerk, &case_no).await.allowed_actions, [CaseAction::Accept, CaseAction::NotAccept, CaseAction::RequestSupplement]);

        let accepted = act_ok(app, &clerk, &case_no, json!({"action": "accept"})).await;
        assert_eq!(accepted.state.status, CaseStatus::Undertaking);
        let undertaker = app.sign_in_demo("刘洋").await;
        let reviewer = app.sign_in_demo("周婷").await;
        let approver = app.sign_in_demo("吴刚").await;
        assert!(page(app, &undertaker, "queue=undertaking").await.cases.iter().any(|c| c.case_no == case_no));

        // The wrong role is refused with 403; the right role at the wrong time with 409.
        expect_problem(act(app, &undertaker, &case_no, json!({"action": "approve", "comment": "同意"})).await, 403, "role_may_not").await;
        let early = expect_problem(act(app, &reviewer, &case_no, json!({"action": "review", "comment": "同意"})).await, 409, "action_not_allowed").await;
        assert_eq!((early.case_status, early.allowed_actions), (Some(CaseStatus::Undertaking), Some(vec![])));
        expect_problem(act(app, &clerk, &case_no, json!({"action": "accept"})).await, 409, "action_not_allowed").await;
        let missing = expect_problem(act(app, &undertaker, &case_no, json!({"action": "undertake"})).await, 422, "validation_failed").await;
        assert_eq!(missing.errors[0].field, "comment");

        let handled = act_ok(app, &undertaker, &case_no, json!({"action": "undertake", "comment": "材料齐全，拟准予登记"})).await;
        assert_eq!(handled.state.status, CaseStatus::Reviewing);
        act_ok(app, &reviewer, &case_no, json!({"action": "review", "comment": "同意"})).await;
        let approved = act_ok(app, &approver, &case_no, json!({"action": "approve", "comment": "准予登记"})).await;
        assert_eq!(approved.state.status, CaseStatus::Approved);
        assert!(approved.allowed_actions.is_empty());

        // The applicant reads the timeline and the notices; each notice went to the outbox.
        let seen = detail(app, &agent, &case_no).await;
        let acts: Vec<_> = seen.timeline.iter().map(|t| t.action).collect();
        assert_eq!(acts, [None, Some(CaseAction::Accept), Some(CaseAction::Undertake), Some(CaseAction::Review), Some(CaseAction::Approve)]);
        assert_eq!(seen.timeline[2].remark.as_deref(), Some("材料齐全，拟准予登记"));
        // A progress look-up by the applicant's number reads the case and each of its steps in one query.
        let lookup = app.post_json("/api/v1/progress/lookup", &json!({"case_no": case_no, "id_number": demo_id("陈敏")})).await;
        assert_eq!(lookup.status(), StatusCode::OK);
        let progress: shared::application::CaseProgress = lookup.json().await.expect("progress");
        let steps: Vec<_> = progress.timeline.iter().map(|s| s.status).collect();
        assert_eq!(steps, [CaseStatus::Submitted, CaseStatus::Undertaking, CaseStatus::Reviewing, CaseStatus::Approving, CaseStatus::Approved]);
        assert_eq!((progress.case_no.as_str(), progress.status), (case_no.as_str(), CaseStatus::Approved));
        let kinds: Vec<_> = seen.notices.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [NoticeKind::Acceptance, NoticeKind::Conclusion]);
        let notice = call(app, Method::GET, &format!("/api/v1/notices/{}", seen.notices[0].id), &agent, None).await;
        assert_eq!(notice.status(), StatusCode::OK);
        let outbox = app.state.store.outbox_of(&case_no).await.expect("outbox");
        assert_eq!(outbox.iter().filter(|(topic, _)| topic == "notice").count(), 2);
        assert_eq!(outbox.iter().filter(|(topic, _)| topic == "case_event").count(), 4);
        assert!(seen.form.iter().any(|a| a.key == "enterprise_name"), "the form's answers for the item");
        assert!(seen.trail.is_empty(), "the applicant reads the timeline, not the staff trail");
        let trail = detail(app, &approver, &case_no).await.trail;
        let accepted = trail.iter().find(|e| e.action == shared::audit::AuditAction::CaseAccepted).expect("on the trail");
        assert_eq!((accepted.actor.as_deref(), accepted.role), (Some("黄丽"), Some(shared::account::Role::WindowClerk)));
        assert_eq!(accepted.department.as_deref(), Some("DG-SAMR"));
        assert!(trail.iter().any(|e| e.action == shared::audit::AuditAction::ApplicationSubmitted && !e.files.is_empty()),
            "the submission with the hashes of its files");
        assert!(seen.materials.iter().any(|m| m.source == MaterialSource::Upload && m.file.is_some()));

        let supervisor = app.sign_in_demo("郑华").await;
        let report = verify(app, &supervisor).await;
        assert!(report.ok && report.events > 5, "{report:?}");
        expect_problem(call(app, Method::GET, "/api/v1/audit/verify", &clerk, None).await, 403, "forbidden").await;
    }
}

both! {
    async fn staff_of_another_department_and_strangers_are_told_there_is_no_such_case(app) {
        let citizen = app.sign_in_demo("王强").await;
        let photo = upload_png(app, &citizen).await;
        let response = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &photo.id)).await;
        let receipt: ApplicationReceipt = response.json().await.expect("receipt");
        let case_no = receipt.cases[0].case_no.clone();
        let samr = app.sign_in_demo("刘洋").await;
        let stranger = app.sign_in_demo("张三").await;
        let admin = app.sign_in_demo("孙悦").await;
        for token in [&samr, &stranger, &admin] {
            expect_problem(call(app, Method::GET, &format!("/api/v1/cases/{case_no}"), token, None).await, 404, "case_not_found").await;
            expect_problem(act(app, token, &case_no, json!({"action": "withdraw"})).await, 404, "case_not_found").await;
        }
        assert!(page(app, &samr, "queue=all").await.cases.iter().all(|c| c.department.code == "DG-SAMR"));
        assert_eq!(page(app, &samr, "department=DG-HRSS").await.total, 0);
        expect_problem(call(app, Method::GET, "/api/v1/cases", &admin, None).await, 403, "forbidden").await;
        expect_problem(call(app, Method::GET, "/api/v1/cases", &citizen, None).await, 403, "forbidden").await;
        expect_problem(call(app, Method::GET, "/api/v1/cases?queue=nonsense", &samr, None).await, 400, "invalid_query").await;
        expect_problem(call(app, Method::GET, "/api/v1/cases/not-a-case", &samr, None).await, 400, "invalid_path").await;

        // An instant item is accepted and concluded in one step at the window.
        let clerk = app.sign_in_demo("黄丽").await;
        let done = act_ok(app, &clerk, &case_no, json!({"action": "accept"})).await;
        assert_eq!(done.state.status, CaseStatus::Approved);
        let seen = detail(app, &citizen, &case_no).await;
        let kinds: Vec<_> = seen.notices.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [NoticeKind::Acceptance, NoticeKind::Conclusion]);
        for token in [&samr, &stranger] {
            let notice = call(app, Method::GET, &format!("/api/v1/notices/{}", seen.notices[0].id), token, None).await;
            expect_problem(notice, 404, "notice_not_found").await;
        }
        // Concluded: the applicant can no longer withdraw.
        expect_problem(act(app, &citizen, &case_no, json!({"action": "withdraw"})).await, 409, "action_not_allowed").await;
    }
}

both! {
    async fn a_supplement_notice_lists_only_what_the_item_lists_and_once(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_for_enterprise(app, &agent, &["DG-QY-0001"]).await;
        let case_no = receipt.cases[0].case_no.clone();
        let clerk = app.sign_in_demo("黄丽").await;
        let listed = detail(app, &clerk, &case_no).await.listed_materials;
        let key = listed[0].key.clone();

        let unlisted = json!({"action": "request_supplement", "materials": [
            {"key": key, "reason": "复印件不清晰"}, {"key": "DG-QY-0001-M99", "reason": "另需房屋租赁备案证明"}]});
        let refused = expect_problem(act(app, &clerk, &case_no, unlisted).await, 422, "validation_failed").await;
        assert_eq!((refused.errors[0].field.as_str(), refused.errors[0].code), ("materials[1].key", shared::FieldCode::MaterialNotListed));
        let recorded = app.state.store.supervision_events("DG-SAMR", 10).await.expect("events");
        assert_eq!(recorded.len(), 1, "recorded against the department");
        assert_eq!(recorded[0].kind, shared::case::SupervisionKind::UnlistedMaterialDemanded);
        assert_eq!(detail(app, &clerk, &case_no).await.state.status, CaseStatus::Submitted, "nothing else changed");

        let ask = json!({"action": "request_supplement", "materials": [{"key": key, "reason": "复印件不清晰"}]});
        assert_eq!(act_ok(app, &clerk, &case_no, ask.clone()).await.state.status, CaseStatus::AwaitingSupplement);
        let seen = detail(app, &agent, &case_no).await;
        assert_eq!(seen.demanded.len(), 1);
        assert_eq!(seen.allowed_actions, [CaseAction::Supplement, CaseAction::Withdraw]);

        // The applicant answers with exactly what was asked.
        let file = upload_png(app, &agent).await;
        let wrong = json!({"action": "supplement", "files": [{"key": "DG-QY-0001-M99", "upload_id": file.id}]});
        let wrong = expect_problem(act(app, &agent, &case_no, wrong).await, 422, "validation_failed").await;
        assert!(wrong.errors.iter().any(|e| e.code == shared::FieldCode::MaterialNotDemanded));
        let right = json!({"action": "supplement", "files": [{"key": key, "upload_id": file.id}]});
        assert_eq!(act_ok(app, &agent, &case_no, right).await.state.status, CaseStatus::Submitted);
        let materials = detail(app, &clerk, &case_no).await.materials;
        assert!(materials.iter().any(|m| m.file.as_ref().is_some_and(|f| f.upload_id == file.id)), "the new file is on the case");

        // A second notice needs a reason, and is recorded as one.
        let again = expect_problem(act(app, &clerk, &case_no, ask).await, 422, "validation_failed").await;
        assert_eq!(again.errors[0].field, "reason");
        let with_reason = json!({"action": "request_supplement", "reason": "补正后的复印件仍不清晰",
            "materials": [{"key": key, "reason": "仍不清晰"}]});
        act_ok(app, &clerk, &case_no, with_reason).await;
        let kinds: Vec<_> = app.state.store.supervision_events("DG-SAMR", 10).await.expect("events").iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&shared::case::SupervisionKind::RepeatedSupplement));
        assert_eq!(detail(app, &agent, &case_no).await.notices.iter().filter(|n| n.kind == NoticeKind::Supplement).count(), 2);

        // Each raised a red card against the department at once.
        let supervisor = app.sign_in_demo("郑华").await;
        let response = call(app, Method::GET, &format!("/api/v1/cards?case_no={case_no}"), &supervisor, None).await;
        let cards: shared::supervision::CardPage = response.json().await.expect("cards");
        let mut causes: Vec<_> = cards.cards.iter().map(|c| (c.color, c.cause, c.department.code.as_str())).collect();
        causes.sort_by_key(|(_, cause, _)| cause.as_str());
        use shared::supervision::{CardCause as C, CardColor::Red};
        assert_eq!(causes, [(Red, C::RepeatedSupplement, "DG-SAMR"), (Red, C::UnlistedMaterialDemanded, "DG-SAMR")]);
    }
}

both! {
    async fn a_retried_action_is_taken_once_and_a_withdrawn_case_takes_no_more(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_for_enterprise(app, &agent, &["DG-QY-0001"]).await;
        let case_no = receipt.cases[0].case_no.clone();
        let clerk = app.sign_in_demo("黄丽").await;
        let send = || app.with_session(Method::POST, &format!("/api/v1/cases/{case_no}/actions"), &clerk)
            .header("idempotency-key", "accept-once")
            .json(&json!({"action": "accept"}));
        let first = send().send().await.expect("answers");
        assert_eq!(first.status(), StatusCode::OK);
        let first = first.text().await.expect("body");
        let second = send().send().await.expect("answers");
        assert_eq!(second.status(), StatusCode::OK, "a retry gets the first answer");
        assert_eq!(second.text().await.expect("body"), first);
        let events = detail(app, &clerk, &case_no).await.timeline.len();
        assert_eq!(events, 2, "accepted once");
        let other = app.with_session(Method::POST, &format!("/api/v1/cases/{case_no}/actions"), &clerk)
            .header("idempotency-key", "accept-once").json(&json!({"action": "not_accept", "reason": "不符合条件"}))
            .send().await.expect("answers");
        expect_problem(other, 422, "idempotency_key_reused").await;

        assert_eq!(act_ok(app, &agent, &case_no, json!({"action": "withdraw"})).await.state.status, CaseStatus::Withdrawn);
        let undertaker = app.sign_in_demo("刘洋").await;
        let late = expect_problem(act(app, &undertaker, &case_no, json!({"action": "undertake", "comment": "同意"})).await, 409, "action_not_allowed").await;
        assert_eq!(late.case_status, Some(CaseStatus::Withdrawn));
    }
}

both! {
    async fn the_audit_chain_names_an_event_changed_behind_the_servers_back(app) {
        let agent = app.sign_in_demo("陈敏").await;
        file_for_enterprise(app, &agent, &["DG-QY-0001"]).await;
        let supervisor = app.sign_in_demo("郑华").await;
        let before = verify(app, &supervisor).await;
        assert!(before.ok, "{before:?}");
        assert!(count(app, "audit_events").await >= 3);
        let pool = app.state.store.pool();
        let (id,): (String,) = server::on_pool!(pool, |p| sqlx::query_as("SELECT id FROM audit_events ORDER BY seq LIMIT 1 OFFSET 1")
            .fetch_one(p).await).expect("an event");

        // The database refuses to change or remove an event.
        let update = format!("UPDATE audit_events SET detail = 'nothing to see' WHERE id = '{id}'");
        let refused = server::on_pool!(pool, |p| sqlx::query(&update).execute(p).await.map(|_| ()));
        assert!(refused.is_err(), "an update is refused");
        let delete = format!("DELETE FROM audit_events WHERE id = '{id}'");
        assert!(server::on_pool!(pool, |p| sqlx::query(&delete).execute(p).await.map(|_| ())).is_err(), "a delete is refused");

        // Someone with the power to lift the guard changes one anyway: the verifier names it.
        let (lift, restore) = match pool {
            server::store::Pool::Sqlite(_) => ("DROP TRIGGER audit_events_no_update", None),
            server::store::Pool::Postgres(_) => (
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                Some("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change"),
            ),
        };
        server::on_pool!(pool, |p| sqlx::query(lift).execute(p).await.map(|_| ())).expect("lifted");
        server::on_pool!(pool, |p| sqlx::query(&update).execute(p).await.map(|_| ())).expect("changed");
        if let Some(restore) = restore {
            server::on_pool!(pool, |p| sqlx::query(restore).execute(p).await.map(|_| ())).expect("restored");
        }
        let after = verify(app, &supervisor).await;
        assert_eq!((after.ok, after.first_bad.as_deref()), (false, Some(id.as_str())));

        // `yiwang verify-audit` says the same, and fails.
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_yiwang"));
        command.arg("--data-dir").arg(&app.state.config.data_dir);
        if let Some(url) = &app.state.config.database_url {
            command.arg("--database-url").arg(url);
        }
        command.arg("verify-audit");
        let output = command.output().expect("the command runs");
        assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
        assert_eq!((report["ok"].clone(), report["first_bad"].clone()), (json!(false), json!(id)));
    }
}

const BUNDLE: [&str; 4] = ["DG-QY-0001", "DG-QY-0004", "DG-QY-0005", "DG-QY-0006"];

/// Takes a case through the SAMR's three steps after acceptance.
async fn approve_at_samr(app: &TestApp, case_no: &str, staff: &[String; 3]) -> ActionOutcome {
    act_ok(app, &staff[0], case_no, json!({"action": "undertake", "comment": "材料齐全"})).await;
    act_ok(app, &staff[1], case_no, json!({"action": "review", "comment": "同意"})).await;
    act_ok(app, &staff[2], case_no, json!({"action": "approve", "comment": "准予"})).await
}

async fn samr(app: &TestApp) -> [String; 3] {
    [app.sign_in_demo("刘洋").await, app.sign_in_demo("周婷").await, app.sign_in_demo("吴刚").await]
}

both! {
    async fn the_company_bundle_opens_its_later_cases_with_the_new_enterprise_and_its_licence(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_with_delivery(app, &agent, &BUNDLE, json!({"method": "window", "hall": "DG-CITY"})).await;
        let nos: Vec<String> = receipt.cases.iter().map(|c| c.case_no.clone()).collect();
        let statuses: Vec<_> = receipt.cases.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [CaseStatus::Submitted, CaseStatus::Waiting, CaseStatus::Waiting, CaseStatus::Waiting]);
        let clerk = app.sign_in_demo("黄丽").await;
        let front = page(app, &clerk, "queue=front_desk").await;
        assert!(front.cases.iter().any(|c| c.case_no == nos[0]) && !front.cases.iter().any(|c| c.case_no == nos[1]));
        assert!(detail(app, &clerk, &nos[1]).await.allowed_actions.is_empty(), "a waiting case takes no action yet");

        act_ok(app, &clerk, &nos[0], json!({"action": "accept"})).await;
        let staff = samr(app).await;
        let approved = approve_at_samr(app, &nos[0], &staff).await;
        assert_eq!(approved.state.status, CaseStatus::Approved);
        assert_eq!(approved.allowed_actions, Vec::<CaseAction>::new());
        let registration = detail(app, &clerk, &nos[0]).await;
        assert!(registration.issued_license.is_some(), "the registration issued a business licence");
        assert_eq!(registration.allowed_actions, [CaseAction::HandOver], "its result waits at the window");

        // The later cases open for the new enterprise; instant items conclude at the window.
        let later = detail(app, &clerk, &nos[1]).await;
        assert_eq!(later.state.status, CaseStatus::Submitted);
        let uscc = later.subject_uscc.clone().expect("the new enterprise's credit code");
        assert!(shared::Uscc::parse(&uscc).is_ok() && uscc != ENTERPRISE, "{uscc}");
        for no in &nos[1..] {
            assert_eq!(detail(app, &clerk, no).await.subject_uscc.as_deref(), Some(uscc.as_str()));
            assert_eq!(act_ok(app, &clerk, no, json!({"action": "accept"})).await.state.status, CaseStatus::Approved);
        }

        // The licence is in the new enterprise's library, where its legal representative sees
        // it and a later application uses it.
        // 陈敏 founded it: the registration made her its legal representative.
        let rep = agent.clone();
        crate::applying::act_for(app, &rep, &uscc).await;
        let licenses: Vec<License> = call(app, Method::GET, "/api/v1/licenses", &rep, None).await.json().await.expect("licences");
        assert!(licenses.iter().any(|l| l.license_type.key == "business_license" && l.number.ends_with(&uscc[14..])), "{licenses:?}");
        let reuse = form(app, &rep, &["DG-QY-0004"]).await;
        assert!(reuse.form.materials.iter().any(|m| m.key == "business_license" && m.in_library), "reused by the next application");

        // The result is handed over at a window, to a person entitled to it.
        let stranger = json!({"action": "hand_over", "recipient": {"id_number": demo_id("王强"), "name": "王强"}});
        let refused = expect_problem(act(app, &clerk, &nos[0], stranger).await, 422, "validation_failed").await;
        assert_eq!(refused.errors[0].code, shared::FieldCode::NotRecipient);
        let wrong_name = json!({"action": "hand_over", "recipient": {"id_number": demo_id("陈敏"), "name": "李四"}});
        expect_problem(act(app, &clerk, &nos[0], wrong_name).await, 422, "validation_failed").await;
        let other_clerk = app.sign_in_demo("何静").await;
        let handed = json!({"action": "hand_over", "recipient": {"id_number": demo_id("陈敏"), "name": "陈敏"}});
        let done = act_ok(app, &other_clerk, &nos[0], handed).await;
        assert!(done.state.delivered, "handed over at any hall");
        assert!(!page(app, &clerk, "queue=delivery").await.cases.iter().any(|c| c.case_no == nos[0]));
    }
}

both! {
    async fn a_company_is_registered_only_for_a_legal_representative_with_an_account(app) {
        // A founder served at the window without an online account files the registration.
        let window = app.sign_in_demo("黄丽").await;
        let stranger = shared::identity::compose_resident_id("441900", chrono::NaiveDate::from_ymd_opt(1991, 7, 7).expect("date"), 77);
        let walk_in = json!({"id_number": stranger, "name": "钱多", "walk_in_mobile": "13912345678"});
        assert_eq!(call(app, Method::POST, "/api/v1/auth/represent", &window, Some(&walk_in)).await.status(), StatusCode::OK);
        let receipt = file_answering(app, &window, &["DG-QY-0001"], Value::Null, &[], &[]).await;
        let case_no = receipt.cases[0].case_no.clone();
        let clerk = app.sign_in_demo("何静").await;
        act_ok(app, &clerk, &case_no, json!({"action": "accept"})).await;
        let staff = samr(app).await;
        act_ok(app, &staff[0], &case_no, json!({"action": "undertake", "comment": "材料齐全"})).await;
        act_ok(app, &staff[1], &case_no, json!({"action": "review", "comment": "同意"})).await;
        let refused = expect_problem(act(app, &staff[2], &case_no, json!({"action": "approve", "comment": "准予"})).await, 422, "validation_failed").await;
        assert_eq!(refused.errors[0].code, shared::FieldCode::RepresentativeUnregistered);
        assert_eq!(detail(app, &staff[2], &case_no).await.state.status, CaseStatus::Approving, "nothing changed");
        assert_eq!(count(app, "enterprises").await, 2, "no enterprise was made");
    }
}

both! {
    async fn a_denied_registration_stops_the_later_cases(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_for_enterprise(app, &agent, &BUNDLE).await;
        let nos: Vec<String> = receipt.cases.iter().map(|c| c.case_no.clone()).collect();
        let clerk = app.sign_in_demo("黄丽").await;
        act_ok(app, &clerk, &nos[0], json!({"action": "accept"})).await;
        let staff = samr(app).await;
        act_ok(app, &staff[0], &nos[0], json!({"action": "undertake", "comment": "住所不符"})).await;
        act_ok(app, &staff[1], &nos[0], json!({"action": "review", "comment": "同意不予登记"})).await;
        let no_reason = expect_problem(act(app, &staff[2], &nos[0], json!({"action": "deny"})).await, 422, "validation_failed").await;
        assert_eq!(no_reason.errors[0].field, "reason");
        let denied = act_ok(app, &staff[2], &nos[0], json!({"action": "deny", "reason": "住所不符合登记要求"})).await;
        assert_eq!(denied.state.status, CaseStatus::Denied);
        for no in &nos[1..] {
            assert_eq!(detail(app, &agent, no).await.state.status, CaseStatus::Discontinued);
        }
        let conclusion = detail(app, &agent, &nos[0]).await.notices.into_iter().find(|n| n.kind == NoticeKind::Conclusion).expect("a notice");
        let notice: shared::case::Notice = call(app, Method::GET, &format!("/api/v1/notices/{}", conclusion.id), &agent, None).await.json().await.expect("notice");
        assert_eq!(notice.reason.as_deref(), Some("住所不符合登记要求"));
        let pdf = call(app, Method::GET, &format!("/api/v1/notices/{}/pdf", conclusion.id), &agent, None).await;
        assert_eq!(pdf.status(), StatusCode::OK);
        assert!(pdf.bytes().await.expect("bytes").starts_with(b"%PDF-"));
    }
}

both! {
    async fn a_walk_in_applicant_without_an_account_is_served_and_claims_the_record(app) {
        let clerk = app.sign_in_demo("黄丽").await;
        let id = shared::identity::compose_resident_id("441900", chrono::NaiveDate::from_ymd_opt(1990, 3, 3).expect("date"), 345);
        let unknown = json!({"id_number": id, "name": "钱多"});
        expect_problem(call(app, Method::POST, "/api/v1/auth/represent", &clerk, Some(&unknown)).await, 404, "person_not_found").await;
        let walk_in = json!({"id_number": id, "name": "钱多", "walk_in_mobile": "13912345678"});
        let served = call(app, Method::POST, "/api/v1/auth/represent", &clerk, Some(&walk_in)).await;
        assert_eq!(served.status(), StatusCode::OK);
        let served: shared::account::Identity = served.json().await.expect("identity");
        let code = served.walk_in_claim_code.expect("a claim code to hand to the applicant");
        assert_eq!(code.len(), 10);

        let compiled = form(app, &clerk, &["DG-GR-0011"]).await;
        let mut materials = serde_json::Map::new();
        for m in compiled.form.needed_materials(&shared::application::FormAnswers::default()).iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
            materials.insert(m.key.clone(), json!([upload_png(app, &clerk).await.id]));
        }
        let body = json!({"items": ["DG-GR-0011"], "answers": {"fields": {
            "applicant_name": "钱多", "applicant_id_number": id, "phone": "13912345678",
            "contact_address": "东莞市莞城街道市府路1号", "employment_status": "unemployed"}, "materials": materials}});
        let response = submit(app, &clerk, None, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
        let receipt: ApplicationReceipt = response.json().await.expect("receipt");
        assert_eq!(act_ok(app, &clerk, &receipt.cases[0].case_no, json!({"action": "accept"})).await.state.status, CaseStatus::Approved);

        // Nobody signs in to the record; the applicant claims it by registering under the same name.
        let login = app.post_json("/api/v1/auth/login", &json!({"id_number": id, "password": ""})).await;
        assert!(login.status().is_client_error());
        // Knowing the number and name is not enough: the claim needs the code handed over at the window.
        // Each attempt carries a code sent to its mobile and the consent; a refused attempt does
        // not use its code up.
        let consent = shared::consent::IDENTITY_NUMBER.version;
        let first = app.mobile_code("13700000000").await;
        let no_code = json!({"id_number": id, "name": "钱多", "mobile": "13700000000", "password": "a good password", "mobile_code": first, "consent_version": consent});
        expect_problem(app.post_json("/api/v1/auth/register", &no_code).await, 409, "already_registered").await;
        let wrong_code = json!({"id_number": id, "name": "钱多", "mobile": "13700000000", "password": "a good password", "claim_code": "AAAAAAAAAA", "mobile_code": first, "consent_version": consent});
        expect_problem(app.post_json("/api/v1/auth/register", &wrong_code).await, 409, "already_registered").await;
        let second = app.mobile_code("13912345678").await;
        let other_name = json!({"id_number": id, "name": "钱少", "mobile": "13912345678", "password": "a good password", "claim_code": code, "mobile_code": second, "consent_version": consent});
        expect_problem(app.post_json("/api/v1/auth/register", &other_name).await, 409, "already_registered").await;
        let claim = json!({"id_number": id, "name": "钱多", "mobile": "13912345678", "password": "a good password", "claim_code": code.to_lowercase(), "mobile_code": second, "consent_version": consent});
        assert_eq!(app.post_json("/api/v1/auth/register", &claim).await.status(), StatusCode::CREATED);
        // The claim code is spent: claiming again, with a fresh mobile code, is refused.
        let third = app.mobile_code("13912345670").await;
        let again = json!({"id_number": id, "name": "钱多", "mobile": "13912345670", "password": "a good password", "claim_code": code, "mobile_code": third, "consent_version": consent});
        expect_problem(app.post_json("/api/v1/auth/register", &again).await, 409, "already_registered").await;
        let citizen = app.sign_in(&id, "a good password", None).await;
        let list: Vec<shared::application::ApplicationBrief> = call(app, Method::GET, "/api/v1/applications", &citizen, None).await.json().await.expect("list");
        assert_eq!(list.len(), 1, "the application filed at the window is theirs");
        assert_eq!(list[0].cases[0].status, CaseStatus::Approved);

        // An enterprise at the window: the person present must represent it.
        let not_theirs = json!({"id_number": demo_id("王强"), "name": "王强", "uscc": ENTERPRISE});
        let refused = expect_problem(call(app, Method::POST, "/api/v1/auth/represent", &clerk, Some(&not_theirs)).await, 422, "validation_failed").await;
        assert_eq!(refused.errors[0].code, shared::FieldCode::NotRepresentative);
        let agent = json!({"id_number": demo_id("陈敏"), "name": "陈敏", "uscc": ENTERPRISE});
        let served: shared::account::Identity = call(app, Method::POST, "/api/v1/auth/represent", &clerk, Some(&agent)).await.json().await.expect("identity");
        assert_eq!(served.acting_for.map(|e| e.uscc), Some(ENTERPRISE.to_owned()));
        let receipt = file_for_enterprise_at_window(app, &clerk).await;
        assert_eq!((receipt.applicant_identifier.as_str(), receipt.filed_by.as_deref()), (ENTERPRISE, Some("黄丽")));
    }
}

/// The clerk files 公章刻制备案 for the enterprise whose agent is present.
async fn file_for_enterprise_at_window(app: &TestApp, clerk: &str) -> ApplicationReceipt {
    let compiled = form(app, clerk, &["DG-QY-0004"]).await;
    assert_eq!(compiled.form.service_object, shared::catalogue::ServiceObject::Enterprise);
    let mut fields = serde_json::Map::new();
    for f in compiled.form.fields.iter().filter(|f| !compiled.form.known.iter().any(|k| k.key == f.field.key)) {
        use shared::catalogue::FieldType as T;
        let value = match f.field.field_type {
            T::ResidentId => json!(demo_id("李娜")),
            T::Uscc => json!(ENTERPRISE),
            T::Phone => json!("0769-22223333"),
            T::Integer => json!(1),
            T::EnumMulti => json!([f.field.options[0]]),
            T::Enum => json!(f.field.options[0]),
            _ => json!("东莞市示范科技有限公司"),
        };
        fields.insert(f.field.key.clone(), value);
    }
    let mut materials = serde_json::Map::new();
    for m in compiled
        .form
        .needed_materials(&shared::application::FormAnswers::default())
        .iter()
        .filter(|m| m.source == MaterialSource::Upload && m.required)
    {
        materials.insert(m.key.clone(), json!([upload_png(app, clerk).await.id]));
    }
    let response = submit(
        app,
        clerk,
        None,
        &json!({"items": ["DG-QY-0004"], "answers": {"fields": fields, "materials": materials}}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    response.json().await.expect("a receipt")
}

both! {
    async fn a_case_file_is_served_only_while_it_matches_its_recorded_hash(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_for_enterprise(app, &agent, &["DG-QY-0001"]).await;
        let case_no = receipt.cases[0].case_no.clone();
        let undertaker = app.sign_in_demo("刘洋").await;
        let seen = detail(app, &undertaker, &case_no).await;
        let file = seen.materials.iter().find_map(|m| m.file.clone()).expect("an uploaded file");
        let path = format!("/api/v1/cases/{case_no}/files/{}", file.upload_id);
        let served = call(app, Method::GET, &path, &undertaker, None).await;
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers().get("x-content-sha256").and_then(|v| v.to_str().ok()), Some(file.sha256.as_str()));
        use sha2::Digest as _;
        let bytes = served.bytes().await.expect("bytes");
        assert_eq!(server::pii::hex(&sha2::Sha256::digest(&bytes)), file.sha256, "the bytes are those recorded");
        let hrss = app.sign_in_demo("王强").await;
        expect_problem(call(app, Method::GET, &path, &hrss, None).await, 404, "case_not_found").await;
        let reads = app.state.store.audit_of(&case_no).await.expect("trail");
        assert!(reads.iter().any(|e| e.action == shared::audit::AuditAction::CaseFileRead), "the read is on the record");

        // The stored file is changed on disk: it is withheld, not shown as the applicant's.
        let on_disk = server::applying::uploads::files_dir(&app.state.config.data_dir).join(&file.sha256[..2]).join(&file.sha256);
        std::fs::write(&on_disk, b"not what was received").expect("overwritten");
        expect_problem(call(app, Method::GET, &path, &undertaker, None).await, 409, "file_altered").await;
    }
}

both! {
    async fn a_pledged_case_concludes_at_acceptance_and_is_verified_afterwards(app) {
        let agent = app.sign_in_demo("陈敏").await;
        let receipt = file_pledged(app, &agent, &["DG-QY-0002"], json!({"method": "mail", "address": "东莞市南城街道鸿福路1号"}), &["DG-QY-0002"]).await;
        let case_no = receipt.cases[0].case_no.clone();
        assert!(receipt.cases[0].pledged);
        let clerk = app.sign_in_demo("黄丽").await;
        let accepted = act_ok(app, &clerk, &case_no, json!({"action": "accept"})).await;
        assert_eq!((accepted.state.status, accepted.state.verification), (CaseStatus::Approved, Some(shared::workflow::Verification::Open)));
        assert_eq!(accepted.allowed_actions, [CaseAction::Dispatch], "the clerk posts the result");
        let dispatched = act_ok(app, &clerk, &case_no, json!({"action": "dispatch", "tracking_no": "SF1234567890"})).await;
        assert!(dispatched.state.delivered);

        let undertaker = app.sign_in_demo("刘洋").await;
        assert!(page(app, &undertaker, "queue=verification").await.cases.iter().any(|c| c.case_no == case_no));
        let no_reason = expect_problem(act(app, &undertaker, &case_no, json!({"action": "revoke_result"})).await, 422, "validation_failed").await;
        assert_eq!(no_reason.errors[0].field, "reason");
        let revoked = act_ok(app, &undertaker, &case_no, json!({"action": "revoke_result", "reason": "现场核查：经营场所与承诺不符"})).await;
        assert_eq!((revoked.state.status, revoked.state.verification), (CaseStatus::Approved, Some(shared::workflow::Verification::Revoked)));
        assert!(!page(app, &undertaker, "queue=verification").await.cases.iter().any(|c| c.case_no == case_no));
        let seen = detail(app, &agent, &case_no).await;
        assert!(seen.timeline.iter().any(|t| t.action == Some(CaseAction::RevokeResult)), "the applicant sees it");
    }
}

/// Who each demo person is to a DG-SAMR case filed by 陈敏, as the server decides it.
fn actor_of(name: &str) -> shared::workflow::Actor {
    use shared::account::Role;
    use shared::workflow::Actor;
    match name {
        "黄丽" => Actor::staff(vec![Role::WindowClerk]),
        "刘洋" => Actor::staff(vec![Role::Undertaker]),
        "周婷" => Actor::staff(vec![Role::Reviewer]),
        "吴刚" => Actor::staff(vec![Role::Approver]),
        "郑华" => Actor::staff(vec![]),
        _ => Actor::applicant(),
    }
}

/// A body that carries whatever any action could need, so that only the workflow refuses.
fn full_body(action: CaseAction, material: &str) -> Value {
    json!({"action": action, "reason": "理由充分", "comment": "同意", "tracking_no": "SF1234567890",
        "materials": [{"key": material, "reason": "不清晰"}],
        "recipient": {"id_number": demo_id("陈敏"), "name": "陈敏"}, "pause": "hearing", "extension_days": 5})
}

both! {
    async fn every_action_by_every_role_at_every_step_is_allowed_or_refused_as_the_workflow_says(app) {
        use strum::VariantArray as _;
        let agent_name = "陈敏";
        let names = ["黄丽", "刘洋", "周婷", "吴刚", "郑华", agent_name];
        let mut tokens = Vec::new();
        for name in names {
            tokens.push(app.sign_in_demo(name).await);
        }
        let receipt = file_with_delivery(app, &tokens[5], &["DG-QY-0001"], json!({"method": "window", "hall": "DG-SSL"})).await;
        let case_no = receipt.cases[0].case_no.clone();
        // The path: accept, undertake, review, approve, then hand over at a window.
        let path = [(0, CaseAction::Accept), (1, CaseAction::Undertake), (2, CaseAction::Review), (3, CaseAction::Approve), (0, CaseAction::HandOver)];
        for (who, step) in path {
            let seen = detail(app, &tokens[0], &case_no).await;
            let material = seen.listed_materials[0].key.clone();
            let workflow = seen.workflow.clone();
            for (i, name) in names.iter().enumerate() {
                let actor = actor_of(name);
                let offered = detail(app, &tokens[i], &case_no).await.allowed_actions;
                assert_eq!(offered, shared::workflow::allowed_actions(&workflow, &seen.state, &actor), "{name} at {:?}", seen.state.status);
                for action in CaseAction::VARIANTS {
                    match shared::workflow::decide(&workflow, &seen.state, &actor, *action) {
                        Ok(_) => assert!(offered.contains(action), "{name} is offered {action:?}"),
                        Err(refusal) => {
                            let expected = match refusal {
                                shared::workflow::Refusal::NotYourRole { .. } => (403, "role_may_not"),
                                shared::workflow::Refusal::NotNow { .. } => (409, "action_not_allowed"),
                            };
                            let answer = act(app, &tokens[i], &case_no, full_body(*action, &material)).await;
                            expect_problem(answer, expected.0, expected.1).await;
                        }
                    }
                }
            }
            act_ok(app, &tokens[who], &case_no, full_body(step, &material)).await;
        }
        let done = detail(app, &tokens[0], &case_no).await;
        assert!(done.state.delivered && done.allowed_actions.is_empty());
        assert_eq!(done.timeline.len(), 6, "the submission and the five acts, nothing else");
    }
}
