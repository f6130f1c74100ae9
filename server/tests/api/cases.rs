//! 后台审批: the front desk and the departments working cases through their workflow, who may
//! see and do what, supplement notices, notices and the outbox, idempotent actions, and the
//! audit trail's hash chain.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::application::{ApplicationReceipt, CaseStatus, MaterialSource};
use shared::case::{ActionOutcome, AuditVerification, CaseDetail, CasePage, NoticeKind, QueueCount};
use shared::workflow::CaseAction;

use crate::applying::{ENTERPRISE, act_for, call, count, employment_card, form, submit, upload_png};
use crate::both;
use crate::helpers::{TestApp, demo_id, expect_problem};

/// The agent 陈敏 files these items for the demo enterprise, answering every question.
async fn file_for_enterprise(app: &TestApp, agent: &str, items: &[&str]) -> ApplicationReceipt {
    act_for(app, agent, ENTERPRISE).await;
    let compiled = form(app, agent, items).await;
    let mut fields = serde_json::Map::new();
    for f in &compiled.form.fields {
        let value = match f.field.key.as_str() {
            "legal_rep_id_number" => json!(demo_id("李娜")),
            "uscc" => json!(ENTERPRISE),
            "phone" => json!("0769-22223333"),
            "domicile_address" => json!("东莞市松山湖高新区科技九路1号"),
            "registered_capital_wan_yuan" | "provident_fund_rate" => json!("5"),
            "employee_count" => json!(12),
            "seal_kinds" => json!(["公章"]),
            _ if !f.field.options.is_empty() => json!(f.field.options[0]),
            _ => json!("东莞市示范科技有限公司"),
        };
        fields.insert(f.field.key.clone(), value);
    }
    let mut materials = serde_json::Map::new();
    let needed = compiled.form.needed_materials(&shared::application::FormAnswers::default());
    for m in needed.iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
        let file = upload_png(app, agent).await;
        materials.insert(m.key.clone(), json!([file.id]));
    }
    let body = json!({"items": items, "answers": {"fields": fields, "materials": materials}});
    let response = submit(app, agent, None, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    response.json().await.expect("a receipt")
}

async fn act(app: &TestApp, token: &str, case_no: &str, body: Value) -> reqwest::Response {
    call(app, Method::POST, &format!("/api/v1/cases/{case_no}/actions"), token, Some(&body)).await
}

async fn act_ok(app: &TestApp, token: &str, case_no: &str, body: Value) -> ActionOutcome {
    let response = act(app, token, case_no, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}: {}", response.text().await.unwrap_or_default());
    response.json().await.expect("an outcome")
}

async fn detail(app: &TestApp, token: &str, case_no: &str) -> CaseDetail {
    let response = call(app, Method::GET, &format!("/api/v1/cases/{case_no}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a case")
}

async fn page(app: &TestApp, token: &str, query: &str) -> CasePage {
    let response = call(app, Method::GET, &format!("/api/v1/cases?{query}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("a page")
}

async fn verify(app: &TestApp, supervisor: &str) -> AuditVerification {
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
        let kinds: Vec<_> = seen.notices.iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [NoticeKind::Acceptance, NoticeKind::Conclusion]);
        let notice = call(app, Method::GET, &format!("/api/v1/notices/{}", seen.notices[0].id), &agent, None).await;
        assert_eq!(notice.status(), StatusCode::OK);
        let outbox = app.state.store.outbox_of(&case_no).await.expect("outbox");
        assert_eq!(outbox.iter().filter(|(topic, _)| topic == "notice").count(), 2);
        assert_eq!(outbox.iter().filter(|(topic, _)| topic == "case_event").count(), 4);
        assert!(seen.form.iter().any(|a| a.key == "enterprise_name"), "the form's answers for the item");
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
    }
}
