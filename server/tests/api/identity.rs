//! 统一身份认证: accounts, sessions, lockout, CSRF, the staff second factor, enterprises and
//! agents, and what every role may and may not do.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::account::Identity;
use shared::audit::AuditAction;

use crate::both;
use crate::helpers::{TestApp, demo_id, expect_problem, session_token};

const PASSWORD: &str = "correct horse battery";
const DEMO_PASSWORD: &str = server::demo::DEMO_PASSWORD;
const ENTERPRISE: &str = "91441900MA4W7CX39E";

async fn register(app: &TestApp, id_number: &str, mobile: &str) -> reqwest::Response {
    app.register(&json!({"id_number": id_number, "name": "赵六", "mobile": mobile, "password": PASSWORD})).await
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.with_session(Method::GET, "/api/v1/auth/me", token).send().await.expect("answers")
}

async fn login(app: &TestApp, id_number: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/login", &json!({"id_number": id_number, "password": password})).await
}

both! {
    async fn a_citizen_registers_signs_in_and_is_shown_masked(app) {
        let bad = app.post_json("/api/v1/auth/register",
            &json!({"id_number": "441900197903152840", "name": "", "mobile": "123", "password": "short"})).await;
        let problem = expect_problem(bad, 422, "validation_failed").await;
        let fields: Vec<_> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id_number", "name", "mobile", "password", "mobile_code", "consent_version"]);

        let id = "441900201310177737";
        let created = register(app, id, "13912345678").await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let identity: Identity = created.json().await.expect("identity");
        assert_eq!(identity.id_number_masked, "4419**********7737");
        expect_problem(register(app, id, "13912345679").await, 409, "already_registered").await;

        expect_problem(app.get("/api/v1/auth/me").await, 401, "unauthenticated").await;
        let response = login(app, id, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()["set-cookie"].to_str().expect("ASCII").to_owned();
        for attribute in ["__Host-yiwang_session=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        let token = session_token(&response).expect("token");
        assert!(token.len() >= 22, "at least 128 bits");
        let me: Identity = me(app, &token).await.json().await.expect("identity");
        assert_eq!((me.name.as_str(), me.mobile_masked.as_str()), ("赵六", "139****5678"));
        assert!(me.staff.is_none());

        // At rest the number is sealed and masked, never in clear.
        let rows: Vec<(String, String, String)> = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT id_number_hash, id_number_sealed, id_number_masked FROM persons")
            .fetch_all(pool).await).expect("rows");
        assert!(rows.iter().all(|(h, s, _)| !h.contains(id) && !s.contains(id)));
        let sessions: Vec<(String,)> = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT token_hash FROM sessions").fetch_all(pool).await).expect("rows");
        assert!(sessions.iter().all(|(h,)| h != &token), "only the token's hash is stored");
    }
}

/// A registration's body with a code and the current consent.
fn registration(id_number: &str, mobile: &str, code: &str) -> Value {
    json!({"id_number": id_number, "name": "赵六", "mobile": mobile, "password": PASSWORD,
           "mobile_code": code, "consent_version": shared::consent::IDENTITY_NUMBER.version})
}

async fn ask_code(app: &TestApp, mobile: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/register/code", &json!({"mobile": mobile})).await
}

both! {
    /// The code goes to the number as a text, is kept only as a keyed hash, proves that number
    /// and no other, works once, lapses after ten minutes, dies after five wrong tries, and a
    /// number gets one a minute.
    async fn a_mobile_code_proves_the_number_once(app) {
        let mobile = "13812340001";
        let bad = expect_problem(ask_code(app, "12345").await, 422, "validation_failed").await;
        assert_eq!(bad.errors[0].field, "mobile");
        let code = app.mobile_code(mobile).await;
        let text = app.phone.texts_to(mobile).pop().expect("a text");
        assert!(text.contains(&code) && text.contains("10分钟内有效"), "{text}");
        let again = expect_problem(ask_code(app, mobile).await, 429, "rate_limited").await;
        assert!(again.message.zh.contains("秒后再重新获取"), "{}", again.message.zh);
        let stored: Vec<(String,)> = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT code_hash FROM mobile_codes")
            .fetch_all(pool).await).expect("rows");
        assert!(stored.iter().all(|(h,)| !h.contains(&code) && h.len() == 64), "kept only as an HMAC");

        let wrong = if code == "000000" { "000001" } else { "000000" };
        let refused = app.post_json("/api/v1/auth/register", &registration("441900201310177737", mobile, wrong)).await;
        let problem = expect_problem(refused, 422, "validation_failed").await;
        assert_eq!((problem.errors[0].field.as_str(), problem.errors[0].code.as_str()), ("mobile_code", "mobile_code_wrong"));
        let elsewhere = app.post_json("/api/v1/auth/register", &registration("441900201310177737", "13812340002", &code)).await;
        expect_problem(elsewhere, 422, "validation_failed").await;
        let created = app.post_json("/api/v1/auth/register", &registration("441900201310177737", mobile, &code)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let reused = app.post_json("/api/v1/auth/register", &registration("441900200002296027", mobile, &code)).await;
        expect_problem(reused, 422, "validation_failed").await;

        // Five wrong tries void the code; ten minutes lapse it.
        app.state.clock.advance(chrono::Duration::seconds(61));
        let code = app.mobile_code(mobile).await;
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for _ in 0..5 {
            app.post_json("/api/v1/auth/register", &registration("441900200002296027", mobile, wrong)).await;
        }
        let late = app.post_json("/api/v1/auth/register", &registration("441900200002296027", mobile, &code)).await;
        expect_problem(late, 422, "validation_failed").await;
        app.state.clock.advance(chrono::Duration::seconds(61));
        let code = app.mobile_code(mobile).await;
        app.state.clock.advance(chrono::Duration::seconds(601));
        let lapsed = app.post_json("/api/v1/auth/register", &registration("441900200002296027", mobile, &code)).await;
        expect_problem(lapsed, 422, "validation_failed").await;
    }
}

both! {
    /// Ten codes a day reach a number, whoever asks.
    async fn a_number_gets_ten_codes_a_day(app) {
        let mobile = "13812340003";
        for _ in 0..10 {
            assert_eq!(ask_code(app, mobile).await.status(), StatusCode::ACCEPTED);
            app.state.clock.advance(chrono::Duration::seconds(61));
        }
        let eleventh = expect_problem(ask_code(app, mobile).await, 429, "rate_limited").await;
        let wait: i64 = eleventh.message.en.chars().filter(char::is_ascii_digit).collect::<String>().parse().expect("seconds");
        assert!(wait > 3600, "the day's codes are used up: {}", eleventh.message.en);
        assert_eq!(app.phone.texts_to(mobile).len(), 10);
        app.state.clock.advance(chrono::Duration::hours(24));
        assert_eq!(ask_code(app, mobile).await.status(), StatusCode::ACCEPTED);
    }
}

both! {
    /// The consent to processing the identity number is asked apart, recorded with its
    /// version in the registration's transaction, listed to its giver, and withdrawing it
    /// closes the account: sessions end, the password no longer signs in, and registering
    /// again online is refused (a window gives the account back).
    async fn the_identity_number_consent_is_recorded_and_withdrawing_it_closes_the_account(app) {
        let (id, mobile) = ("441900201310177737", "13812340004");
        let code = app.mobile_code(mobile).await;
        let mut body = registration(id, mobile, &code);
        body["consent_version"] = json!("");
        let none = expect_problem(app.post_json("/api/v1/auth/register", &body).await, 422, "validation_failed").await;
        assert_eq!((none.errors[0].field.as_str(), none.errors[0].code.as_str()), ("consent_version", "consent_required"));
        body["consent_version"] = json!("2020-01-01");
        let old = expect_problem(app.post_json("/api/v1/auth/register", &body).await, 422, "validation_failed").await;
        assert!(old.errors[0].message.zh.contains("已更新"), "{}", old.errors[0].message.zh);
        let created = app.post_json("/api/v1/auth/register", &registration(id, mobile, &code)).await;
        assert_eq!(created.status(), StatusCode::CREATED, "a refused consent does not use the code up");
        let person = created.json::<Identity>().await.expect("identity").person_id;

        let token = app.sign_in(id, PASSWORD, None).await;
        let list: Vec<shared::consent::ConsentRecord> =
            app.with_session(Method::GET, "/api/v1/auth/consents", &token).send().await.expect("answers").json().await.expect("consents");
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].purpose, list[0].version.as_str()), (shared::consent::ConsentPurpose::IdentityNumber, shared::consent::IDENTITY_NUMBER.version));
        assert!(list[0].withdrawn_at.is_none());

        let unknown = app.with_session(Method::DELETE, "/api/v1/auth/consents/marketing", &token).send().await.expect("answers");
        expect_problem(unknown, 400, "invalid_path").await;
        let staff = app.sign_in_demo("刘洋").await;
        let refused = app.with_session(Method::DELETE, "/api/v1/auth/consents/identity_number", &staff).send().await.expect("answers");
        expect_problem(refused, 403, "forbidden").await;

        let other = app.sign_in(id, PASSWORD, None).await;
        let withdrawn = app.with_session(Method::DELETE, "/api/v1/auth/consents/identity_number", &token).send().await.expect("answers");
        assert_eq!(withdrawn.status(), StatusCode::NO_CONTENT);
        assert!(withdrawn.headers()["set-cookie"].to_str().expect("ASCII").contains("Max-Age=0"));
        for t in [&token, &other] {
            expect_problem(me(app, t).await, 401, "unauthenticated").await;
        }
        expect_problem(login(app, id, PASSWORD).await, 401, "invalid_credentials").await;
        let trail = app.state.store.audit_of(&person).await.expect("trail");
        let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
        assert!(actions.contains(&AuditAction::Registered) && actions.contains(&AuditAction::AccountClosed), "{actions:?}");
        let rows: Vec<(Option<i64>,)> = match app.db {
            crate::helpers::Db::Sqlite => server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT withdrawn_at FROM consents").fetch_all(pool).await),
            crate::helpers::Db::Postgres => server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT CAST(EXTRACT(EPOCH FROM withdrawn_at) AS BIGINT) FROM consents").fetch_all(pool).await),
        }.expect("rows");
        assert!(matches!(rows.as_slice(), [(Some(_),)]), "{rows:?}");

        app.state.clock.advance(chrono::Duration::seconds(61));
        expect_problem(register(app, id, mobile).await, 409, "already_registered").await;
    }
}

both! {
    async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(app) {
        let wrong = login(app, &demo_id("张三"), "not the password").await;
        let unknown = login(app, "441900200002296027", "not the password").await;
        let (a, b) = (expect_problem(wrong, 401, "invalid_credentials").await, expect_problem(unknown, 401, "invalid_credentials").await);
        assert_eq!(a, b);
        let malformed = login(app, "12345", "x").await;
        assert_eq!(expect_problem(malformed, 422, "validation_failed").await.errors[0].field, "id_number");
    }
}

both! {
    async fn five_failures_in_fifteen_minutes_lock_the_account(app) {
        let id = demo_id("张三");
        for _ in 0..5 {
            expect_problem(login(app, &id, "wrong").await, 401, "invalid_credentials").await;
        }
        expect_problem(login(app, &id, server::demo::DEMO_PASSWORD).await, 429, "login_locked").await;
        // An unregistered number locks the same way, so lockout tells nobody who is registered.
        for _ in 0..5 {
            login(app, "441900200002296027", "wrong").await;
        }
        expect_problem(login(app, "441900200002296027", "wrong").await, 429, "login_locked").await;

        app.state.clock.advance(chrono::Duration::minutes(16));
        assert_eq!(login(app, &id, server::demo::DEMO_PASSWORD).await.status(), StatusCode::OK);
    }
}

/// The seconds a `login_locked` answer asks to wait.
fn wait_of(problem: &shared::Problem) -> i64 {
    let digits: String = problem.message.en.chars().filter(char::is_ascii_digit).collect();
    digits.parse().expect("a number of seconds")
}

both! {
    /// A stranger's failures slow only the stranger's address, with growing waits; the owner,
    /// elsewhere, signs in.
    async fn failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app) {
        let id = demo_id("张三");
        for _ in 0..5 {
            expect_problem(login(app, &id, "wrong").await, 401, "invalid_credentials").await;
        }
        let locked = expect_problem(login(app, &id, DEMO_PASSWORD).await, 429, "login_locked").await;
        assert!((28..=30).contains(&wait_of(&locked)), "{}", locked.message.en);
        let owner = app.client_from(2)
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"id_number": id, "password": DEMO_PASSWORD}))
            .send().await.expect("answers");
        assert_eq!(owner.status(), StatusCode::OK, "the owner elsewhere is not locked out");

        // The stranger's wait doubles with each further failure.
        app.state.clock.advance(chrono::Duration::seconds(31));
        expect_problem(login(app, &id, "wrong again").await, 401, "invalid_credentials").await;
        let longer = expect_problem(login(app, &id, "wrong").await, 429, "login_locked").await;
        assert!((58..=60).contains(&wait_of(&longer)), "{}", longer.message.en);
        app.state.clock.advance(chrono::Duration::seconds(61));
        assert_eq!(login(app, &id, DEMO_PASSWORD).await.status(), StatusCode::OK);
    }
}

both! {
    async fn sessions_end_after_thirty_idle_minutes_or_twelve_hours(app) {
        let token = app.sign_in_demo("张三").await;
        app.state.clock.advance(chrono::Duration::minutes(29));
        assert_eq!(me(app, &token).await.status(), StatusCode::OK);
        app.state.clock.advance(chrono::Duration::minutes(31));
        expect_problem(me(app, &token).await, 401, "unauthenticated").await;

        let token = app.sign_in_demo("张三").await;
        for _ in 0..35 {
            app.state.clock.advance(chrono::Duration::minutes(20));
            assert_eq!(me(app, &token).await.status(), StatusCode::OK, "active sessions last up to 12 hours");
        }
        // 35 × 20 minutes = 11 h 40 min; 21 more pass the 12-hour limit.
        app.state.clock.advance(chrono::Duration::minutes(21));
        expect_problem(me(app, &token).await, 401, "unauthenticated").await;
    }
}

both! {
    async fn signing_in_rotates_the_session_and_signing_out_ends_it(app) {
        let first = app.sign_in_demo("张三").await;
        let response = app.with_session(Method::POST, "/api/v1/auth/login", &first)
            .json(&json!({"id_number": demo_id("张三"), "password": server::demo::DEMO_PASSWORD}))
            .send().await.expect("answers");
        let second = session_token(&response).expect("a new token");
        assert_ne!(first, second);
        expect_problem(me(app, &first).await, 401, "unauthenticated").await;

        let out = app.with_session(Method::POST, "/api/v1/auth/logout", &second).send().await.expect("answers");
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        assert!(out.headers()["set-cookie"].to_str().expect("ASCII").contains("Max-Age=0"));
        expect_problem(me(app, &second).await, 401, "unauthenticated").await;
    }
}

both! {
    async fn cross_site_state_changes_are_refused(app) {
        let token = app.sign_in_demo("张三").await;
        let evil = app.with_session(Method::POST, "/api/v1/auth/logout", &token)
            .header("origin", "http://evil.example").send().await.expect("answers");
        expect_problem(evil, 403, "csrf_rejected").await;
        let cross = app.with_session(Method::POST, "/api/v1/auth/logout", &token)
            .header("sec-fetch-site", "cross-site").send().await.expect("answers");
        expect_problem(cross, 403, "csrf_rejected").await;
        assert_eq!(me(app, &token).await.status(), StatusCode::OK, "the refused requests changed nothing");
        let host = app.base.trim_start_matches("http://").to_owned();
        let same = app.with_session(Method::POST, "/api/v1/auth/logout", &token)
            .header("origin", format!("http://{host}")).header("sec-fetch-site", "same-origin").send().await.expect("answers");
        assert_eq!(same.status(), StatusCode::NO_CONTENT);

        // With its public address known, the server takes state changes from that origin only,
        // scheme included.
        let public = TestApp::spawn_with(app.db, |c| c.public_url = Some("https://ywtb.example.gov.cn".to_owned())).await;
        let token = public.sign_in_demo("张三").await;
        let plain_http = public.with_session(Method::POST, "/api/v1/auth/logout", &token)
            .header("origin", "http://ywtb.example.gov.cn").send().await.expect("answers");
        expect_problem(plain_http, 403, "csrf_rejected").await;
        let right = public.with_session(Method::POST, "/api/v1/auth/logout", &token)
            .header("origin", "https://ywtb.example.gov.cn").send().await.expect("answers");
        assert_eq!(right.status(), StatusCode::NO_CONTENT);
        public.finish().await;
    }
}

both! {
    async fn too_many_attempts_from_one_address_are_slowed(app) {
        let _ = app;
        let limited = TestApp::spawn_with(app.db, |c| c.login_attempts_per_minute = 3).await;
        for _ in 0..3 {
            login(&limited, &demo_id("张三"), "wrong").await;
        }
        expect_problem(login(&limited, &demo_id("李娜"), "wrong").await, 429, "rate_limited").await;
        limited.finish().await;
    }
}

both! {
    async fn staff_sign_in_with_an_authenticator_code_used_once(app) {
        let account = server::demo::demo_accounts().into_iter().find(|a| a.name == "黄丽").expect("clerk");
        let secret = account.staff.and_then(|(_, _, secret)| secret).expect("staff with an authenticator");
        let password = server::demo::DEMO_PASSWORD;
        let without = login(app, &account.id_number, password).await;
        expect_problem(without, 401, "totp_required").await;
        let wrong = app.post_json("/api/v1/auth/login", &json!({"id_number": account.id_number, "password": password, "totp": "000000"})).await;
        expect_problem(wrong, 401, "invalid_credentials").await;

        let code = server::auth::totp::code_at(secret, app.state.clock.unix()).expect("code");
        let token = app.sign_in(&account.id_number, password, Some(code.clone())).await;
        let me: Identity = me(app, &token).await.json().await.expect("identity");
        let staff = me.staff.expect("staff");
        assert!(staff.second_factor_passed && staff.totp_enrolled);
        assert_eq!(staff.department.code, "DG-GSDA");

        let replay = app.post_json("/api/v1/auth/login", &json!({"id_number": account.id_number, "password": password, "totp": code})).await;
        expect_problem(replay, 401, "invalid_credentials").await;
    }
}

/// The current code of a demo staff member's authenticator, `steps` 30-second steps ahead.
fn demo_code(app: &TestApp, name: &str, steps: i64) -> String {
    let account = server::demo::demo_accounts().into_iter().find(|a| a.name == name).expect("a demo account");
    let secret = account.staff.and_then(|(_, _, secret)| secret).expect("an authenticator");
    server::auth::totp::code_at(secret, app.state.clock.unix() + steps * 30).expect("a code")
}

async fn enrol(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.with_session(Method::POST, "/api/v1/auth/totp/enrol", token).json(&body).send().await.expect("answers")
}

async fn verify(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    app.with_session(Method::POST, "/api/v1/auth/totp/verify", token)
        .json(&json!({"code": code}))
        .send()
        .await
        .expect("answers")
}

async fn issue_token(app: &TestApp, admin: &str, person_id: &str) -> reqwest::Response {
    app.with_session(Method::POST, &format!("/api/v1/staff/{person_id}/enrolment-token"), admin)
        .send()
        .await
        .expect("answers")
}

async fn person_id_of(app: &TestApp, name: &str) -> String {
    let (id,): (String,) =
        server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT id FROM persons WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await)
        .expect("person");
    id
}

both! {
    async fn new_staff_bind_an_authenticator_with_a_token_from_a_security_admin(app) {
        let zhao = demo_id("赵磊");
        let token = app.sign_in(&zhao, DEMO_PASSWORD, None).await;
        let me1: Identity = me(app, &token).await.json().await.expect("identity");
        assert!(!me1.staff.expect("staff").second_factor_passed);
        let blocked = app.with_session(Method::GET, "/api/v1/enterprises", &token).send().await.expect("answers");
        expect_problem(blocked, 401, "totp_required").await;

        // A password alone binds nothing: without a token, or with a wrong one, the answer is 422.
        let problem = expect_problem(enrol(app, &token, json!({})).await, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].field, "enrolment_token");
        expect_problem(enrol(app, &token, json!({"enrolment_token": "AAAABBBBCCCCDDDDEEEEFFFF"})).await, 422, "validation_failed").await;

        // Only a security administrator issues tokens, and never for themselves.
        let clerk = app.sign_in_demo("黄丽").await;
        let zhao_id = person_id_of(app, "赵磊").await;
        expect_problem(issue_token(app, &clerk, &zhao_id).await, 403, "forbidden").await;
        let admin = app.sign_in_demo("林峰").await;
        expect_problem(issue_token(app, &admin, &person_id_of(app, "林峰").await).await, 403, "forbidden").await;
        let list: Value = app.with_session(Method::GET, "/api/v1/staff", &admin).send().await.expect("answers").json().await.expect("JSON");
        let entry = list.as_array().expect("a list").iter().find(|e| e["person_id"] == zhao_id.as_str()).expect("listed");
        assert_eq!(entry["totp_enrolled"], false);
        let issued = issue_token(app, &admin, &zhao_id).await;
        assert_eq!(issued.status(), StatusCode::CREATED);
        let issued: Value = issued.json().await.expect("JSON");
        assert_eq!(issued["authenticator_reset"], false);
        let enrolment_token = issued["token"].as_str().expect("token").to_owned();
        let stored: (String,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT token_hash FROM staff_enrolment_tokens WHERE person_id = $1")
            .bind(&zhao_id).fetch_one(pool).await).expect("stored");
        assert_ne!(stored.0, enrolment_token, "only the hash is kept");

        // Typed in groups and lower case, the token works once.
        app.state.clock.advance(chrono::Duration::minutes(5));
        let typed = enrolment_token.to_lowercase().chars().collect::<Vec<_>>().chunks(4)
            .map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-");
        let enrolment = enrol(app, &token, json!({"enrolment_token": typed})).await;
        assert_eq!(enrolment.status(), StatusCode::OK);
        let enrolment: Value = enrolment.json().await.expect("JSON");
        let secret = enrolment["secret"].as_str().expect("secret").to_owned();
        assert!(enrolment["otpauth_url"].as_str().expect("url").starts_with("otpauth://totp/"));
        expect_problem(enrol(app, &token, json!({"enrolment_token": enrolment_token})).await, 422, "validation_failed").await;

        expect_problem(verify(app, &token, "123").await, 422, "validation_failed").await;
        let code = server::auth::totp::code_at(&secret, app.state.clock.unix()).expect("code");
        assert_eq!(verify(app, &token, &code).await.status(), StatusCode::OK);
        let open = app.with_session(Method::GET, "/api/v1/enterprises", &token).send().await.expect("answers");
        assert_eq!(open.status(), StatusCode::OK);
        // From now on the authenticator is required at sign-in, and the change is shown to its owner.
        expect_problem(login(app, &zhao, DEMO_PASSWORD).await, 401, "totp_required").await;
        let events: Value = app.with_session(Method::GET, "/api/v1/auth/security-events", &token)
            .send().await.expect("answers").json().await.expect("JSON");
        let kinds: Vec<&str> = events.as_array().expect("list").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
        assert_eq!(kinds, ["totp_enrolled", "enrolment_token_issued"]);
    }
}

both! {
    /// The takeover the probe found: starting an enrolment unbound the authenticator, after which
    /// the password alone gave a session that could bind the attacker's.
    async fn a_password_alone_never_rebinds_a_staff_authenticator(app) {
        let huang = demo_id("黄丽");
        let owner = app.sign_in_demo("黄丽").await;
        // Replacing the authenticator takes a current code from it.
        let problem = expect_problem(enrol(app, &owner, json!({})).await, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].field, "current_code");
        app.state.clock.advance(chrono::Duration::seconds(30));
        let started = enrol(app, &owner, json!({"current_code": demo_code(app, "黄丽", 0)})).await;
        assert_eq!(started.status(), StatusCode::OK);
        let pending: Value = started.json().await.expect("JSON");

        // While that enrolment is unfinished, the password alone still does not sign in ...
        expect_problem(login(app, &huang, DEMO_PASSWORD).await, 401, "totp_required").await;
        expect_problem(login(app, &huang, "wrong password").await, 401, "totp_required").await;
        // ... and the owner's authenticator still does (with the next code: each is used once).
        app.state.clock.advance(chrono::Duration::seconds(30));
        let again = app.sign_in(&huang, DEMO_PASSWORD, Some(demo_code(app, "黄丽", 0))).await;
        // The pending secret is bound to the session that asked for it: no other session can
        // confirm it, even the owner's own.
        let code = server::auth::totp::code_at(pending["secret"].as_str().expect("secret"), app.state.clock.unix()).expect("code");
        expect_problem(verify(app, &again, &code).await, 422, "validation_failed").await;
        assert_eq!(verify(app, &owner, &code).await.status(), StatusCode::OK);
        // The replacement ended the owner's other sessions.
        expect_problem(me(app, &again).await, 401, "unauthenticated").await;
        let events: Value = app.with_session(Method::GET, "/api/v1/auth/security-events", &owner)
            .send().await.expect("answers").json().await.expect("JSON");
        assert_eq!(events[0]["kind"], "totp_replaced");
        let trail = app.state.store.audit_of(&person_id_of(app, "黄丽").await).await.expect("audit");
        assert!(trail.iter().any(|e| e.action == AuditAction::TotpReplaced));
    }
}

both! {
    async fn a_lost_authenticator_is_reset_by_a_security_admin_and_rebound_with_the_token(app) {
        let huang = demo_id("黄丽");
        let owner = app.sign_in_demo("黄丽").await;
        let admin = app.sign_in_demo("林峰").await;
        let issued: Value = issue_token(app, &admin, &person_id_of(app, "黄丽").await).await.json().await.expect("JSON");
        assert_eq!(issued["authenticator_reset"], true);
        // The reset ends the member's sessions; with the password they get a session that can
        // only bind an authenticator, and only with the token.
        expect_problem(me(app, &owner).await, 401, "unauthenticated").await;
        let limited = app.sign_in(&huang, DEMO_PASSWORD, None).await;
        expect_problem(enrol(app, &limited, json!({"current_code": demo_code(app, "黄丽", 0)})).await, 422, "validation_failed").await;
        let enrolment: Value = enrol(app, &limited, json!({"enrolment_token": issued["token"]})).await.json().await.expect("JSON");
        let code = server::auth::totp::code_at(enrolment["secret"].as_str().expect("secret"), app.state.clock.unix()).expect("code");
        assert_eq!(verify(app, &limited, &code).await.status(), StatusCode::OK);
    }
}

both! {
    async fn a_legal_representative_authorizes_an_agent_who_then_acts_for_the_enterprise(app) {
        let rep = app.sign_in_demo("李娜").await;
        let agents: Value = app.with_session(Method::GET, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
            .send().await.expect("answers").json().await.expect("JSON");
        assert_eq!(agents.as_array().expect("list").len(), 1, "陈敏 is an agent already");

        let unregistered = app.with_session(Method::POST, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
            .json(&json!({"id_number": "441900200002296027", "name": "无名"})).send().await.expect("answers");
        let unregistered = expect_problem(unregistered, 404, "person_not_found").await;
        // A registered number with another name is answered exactly alike: a number alone
        // reveals nothing.
        let wrong_name = app.with_session(Method::POST, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
            .json(&json!({"id_number": demo_id("王强"), "name": "王五"})).send().await.expect("answers");
        assert_eq!(expect_problem(wrong_name, 404, "person_not_found").await, unregistered);
        let granted = app.with_session(Method::POST, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
            .json(&json!({"id_number": demo_id("王强"), "name": "王强"})).send().await.expect("answers");
        assert_eq!(granted.status(), StatusCode::CREATED);
        let entry: Value = granted.json().await.expect("JSON");
        assert_eq!(entry["id_number_masked"], "4419**********3579");

        let agent = app.sign_in_demo("王强").await;
        let acting = app.with_session(Method::POST, "/api/v1/auth/acting", &agent)
            .json(&json!({"uscc": ENTERPRISE})).send().await.expect("answers");
        assert_eq!(acting.status(), StatusCode::OK);
        let identity: Identity = acting.json().await.expect("identity");
        assert_eq!(identity.acting_for.expect("acting").uscc, ENTERPRISE);
        let trail = app.state.store.audit_of(ENTERPRISE).await.expect("audit");
        let act = trail.iter().find(|e| e.action == AuditAction::ActingFor).expect("the act is recorded");
        assert_eq!((act.actor_id.as_deref(), act.acting_uscc.as_deref()), (Some(identity.person_id.as_str()), Some(ENTERPRISE)));

        let revoked = app.with_session(Method::DELETE, &format!("/api/v1/enterprises/{ENTERPRISE}/agents/{}", identity.person_id), &rep)
            .send().await.expect("answers");
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let after: Identity = me(app, &agent).await.json().await.expect("identity");
        assert!(after.acting_for.is_none() && after.enterprises.is_empty(), "revocation stops the acting at once");
        let again = app.with_session(Method::POST, "/api/v1/auth/acting", &agent).json(&json!({"uscc": ENTERPRISE})).send().await.expect("answers");
        expect_problem(again, 403, "forbidden").await;
    }
}

/// The status each kind of user gets from each identity endpoint.
struct Expect {
    who: Option<&'static str>,
    me: u16,
    enterprises: u16,
    agents: u16,
    grant: u16,
    revoke: u16,
    acting: u16,
    unmask: u16,
    represent: u16,
}

both! {
    async fn every_role_gets_exactly_what_it_may_from_every_identity_endpoint(app) {
        let subject: (String,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT id FROM persons WHERE name = '张三'").fetch_one(pool).await).expect("张三");
        let grantee: (String,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT id FROM persons WHERE name = '王强'").fetch_one(pool).await).expect("王强");
        let cases = [
            Expect { who: None, me: 401, enterprises: 401, agents: 401, grant: 401, revoke: 401, acting: 401, unmask: 401, represent: 401 },
            Expect { who: Some("张三"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 403, represent: 403 },
            Expect { who: Some("陈敏"), me: 200, enterprises: 200, agents: 403, grant: 403, revoke: 403, acting: 200, unmask: 403, represent: 403 },
            Expect { who: Some("李娜"), me: 200, enterprises: 200, agents: 200, grant: 201, revoke: 204, acting: 200, unmask: 403, represent: 403 },
            Expect { who: Some("黄丽"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 200, represent: 200 },
            Expect { who: Some("刘洋"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 403, represent: 403 },
            Expect { who: Some("周婷"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 403, represent: 403 },
            Expect { who: Some("吴刚"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 403, represent: 403 },
            Expect { who: Some("郑华"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 200, represent: 403 },
            Expect { who: Some("孙悦"), me: 200, enterprises: 200, agents: 404, grant: 404, revoke: 404, acting: 403, unmask: 403, represent: 403 },
        ];
        let agents_path = format!("/api/v1/enterprises/{ENTERPRISE}/agents");
        for case in cases {
            let token = match case.who { Some(name) => app.sign_in_demo(name).await, None => "none".to_owned() };
            let who = case.who.unwrap_or("anonymous");
            let send = |method: Method, path: String, body: Option<Value>| {
                let mut req = app.with_session(method, &path, &token);
                if let Some(body) = body { req = req.json(&body); }
                async move { req.send().await.expect("answers") }
            };
            let checks = [
                ("me", case.me, send(Method::GET, "/api/v1/auth/me".into(), None).await),
                ("enterprises", case.enterprises, send(Method::GET, "/api/v1/enterprises".into(), None).await),
                ("agents", case.agents, send(Method::GET, agents_path.clone(), None).await),
                ("grant", case.grant, send(Method::POST, agents_path.clone(), Some(json!({"id_number": demo_id("王强"), "name": "王强"}))).await),
                ("revoke", case.revoke, send(Method::DELETE, format!("{agents_path}/{}", grantee.0), None).await),
                ("acting", case.acting, send(Method::POST, "/api/v1/auth/acting".into(), Some(json!({"uscc": ENTERPRISE}))).await),
                ("unmask", case.unmask, send(Method::POST, "/api/v1/persons/unmask".into(), Some(json!({"person_id": subject.0, "reason": "核对窗口申请人身份"}))).await),
                ("represent", case.represent, send(Method::POST, "/api/v1/auth/represent".into(), Some(json!({"id_number": demo_id("张三"), "name": "张三"}))).await),
            ];
            for (endpoint, expected, response) in checks {
                let status = response.status().as_u16();
                assert_eq!(status, expected, "{who} → {endpoint}");
                if status >= 400 {
                    assert_eq!(response.headers()["content-type"], "application/problem+json", "{who} → {endpoint}");
                } else if endpoint == "unmask" {
                    let body: Value = response.json().await.expect("JSON");
                    assert_eq!(body["id_number"], demo_id("张三"));
                }
            }
            // Staff clocks move on so that the next sign-in's code is a fresh one.
            app.state.clock.advance(chrono::Duration::seconds(31));
        }
        let trail = app.state.store.audit_of(&subject.0).await.expect("audit");
        let unmasks: Vec<_> = trail.iter().filter(|e| e.action == AuditAction::IdNumberUnmasked).collect();
        assert_eq!(unmasks.len(), 2, "the clerk's and the supervisor's, with their reason");
        assert!(unmasks.iter().all(|e| e.detail == "核对窗口申请人身份"));
    }
}

both! {
    async fn unmasking_needs_a_stated_reason(app) {
        let clerk = app.sign_in_demo("黄丽").await;
        let subject: (String,) = server::on_pool!(app.state.store.pool(), |pool| sqlx::query_as("SELECT id FROM persons WHERE name = '张三'").fetch_one(pool).await).expect("张三");
        let response = app.with_session(Method::POST, "/api/v1/persons/unmask", &clerk)
            .json(&json!({"person_id": subject.0, "reason": " "})).send().await.expect("answers");
        assert_eq!(expect_problem(response, 422, "validation_failed").await.errors[0].field, "reason");
        let nobody = app.with_session(Method::POST, "/api/v1/persons/unmask", &clerk)
            .json(&json!({"person_id": "no-such-person", "reason": "核对身份信息"})).send().await.expect("answers");
        expect_problem(nobody, 404, "person_not_found").await;
    }
}

both! {
    async fn looking_people_up_by_identity_number_is_rate_limited(app) {
        let limited = TestApp::spawn_with(app.db, |c| c.person_lookups_per_minute = 3).await;
        let clerk = limited.sign_in_demo("黄丽").await;
        for _ in 0..3 {
            let miss = limited.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
                .json(&json!({"id_number": "441900200002296027", "name": "无名"})).send().await.expect("answers");
            expect_problem(miss, 404, "person_not_found").await;
        }
        let limited_answer = limited.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
            .json(&json!({"id_number": demo_id("张三"), "name": "张三"})).send().await.expect("answers");
        expect_problem(limited_answer, 429, "rate_limited").await;
        // Another person's budget is their own.
        let rep = limited.sign_in_demo("李娜").await;
        let granted = limited.with_session(Method::POST, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
            .json(&json!({"id_number": demo_id("王强"), "name": "王强"})).send().await.expect("answers");
        assert_eq!(granted.status(), StatusCode::CREATED);
        limited.finish().await;
    }
}

both! {
    async fn a_window_clerk_serves_an_applicant_who_is_present_and_it_is_recorded(app) {
        let clerk = app.sign_in_demo("黄丽").await;
        let unregistered = app.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
            .json(&json!({"id_number": "441900200002296027", "name": "无名"})).send().await.expect("answers");
        expect_problem(unregistered, 404, "person_not_found").await;

        let started = app.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
            .json(&json!({"id_number": demo_id("张三"), "name": "张三"})).send().await.expect("answers");
        assert_eq!(started.status(), StatusCode::OK);
        let identity: Identity = started.json().await.expect("identity");
        let applicant = identity.on_behalf_of.expect("serving 张三");
        assert_eq!((applicant.name.as_str(), applicant.id_number_masked.as_str()), ("张三", "4419**********1310"));

        // An act meanwhile records the applicant beside the clerk.
        let unmasked = app.with_session(Method::POST, "/api/v1/persons/unmask", &clerk)
            .json(&json!({"person_id": applicant.person_id, "reason": "核对现场申请人证件"})).send().await.expect("answers");
        assert_eq!(unmasked.status(), StatusCode::OK);
        let trail = app.state.store.audit_of(&applicant.person_id).await.expect("audit");
        let act = trail.iter().find(|e| e.action == AuditAction::IdNumberUnmasked).expect("recorded");
        assert_eq!(act.on_behalf_of.as_deref(), Some(applicant.person_id.as_str()));
        assert_eq!(act.actor_id.as_deref(), Some(identity.person_id.as_str()));

        let ended = app.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
            .json(&json!({"id_number": null})).send().await.expect("answers");
        let identity: Identity = ended.json().await.expect("identity");
        assert!(identity.on_behalf_of.is_none());
        let trail = app.state.store.audit_of(&applicant.person_id).await.expect("audit");
        let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"window_service_started") && actions.contains(&"window_service_ended"), "{actions:?}");
    }
}

both! {
    async fn an_audit_action_no_version_wrote_is_an_error_not_a_guess(app) {
        let subject = "no-such-person";
        server::on_pool!(app.state.store.pool(), |pool| sqlx::query("INSERT INTO audit_events (id, seq, at, actor_id, acting_uscc, on_behalf_of, action, subject, detail)
                     VALUES ('corrupt-1', 1000000, $2, NULL, NULL, NULL, 'logged_in_maybe', $1, '')")
            .bind(subject).bind(server::store::Timestamp::from(chrono::Utc::now())).execute(pool).await.map(|r| r.rows_affected())).expect("inserted");
        assert!(app.state.store.audit_of(subject).await.is_err());
    }
}

both! {
    async fn the_session_state_answers_who_is_signed_in_without_an_error_when_no_one_is(app) {
        let nobody: shared::account::SessionState = app.get_ok("/api/v1/auth/session").await;
        assert_eq!(nobody.identity, None);
        // A cookie that names no session is the same as none.
        let stale = app.with_session(Method::GET, "/api/v1/auth/session", "no-such-session").send().await.expect("an answer");
        assert_eq!(stale.status(), StatusCode::OK);
        let stale: shared::account::SessionState = stale.json().await.expect("the state");
        assert_eq!(stale.identity, None);
        // Signed in, it is who /auth/me says.
        let token = app.sign_in_demo("张三").await;
        let state: shared::account::SessionState = app
            .with_session(Method::GET, "/api/v1/auth/session", &token)
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("the state");
        let me: Identity =
            app.with_session(Method::GET, "/api/v1/auth/me", &token).send().await.expect("an answer").json().await.expect("me");
        assert_eq!(state.identity, Some(me));
    }
}
