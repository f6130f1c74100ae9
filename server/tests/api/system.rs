//! Health, the OpenAPI document, unknown routes, the app's files and security headers.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection as _;

use crate::helpers::{Db, TestApp, expect_problem};
use crate::{both, on_both};

both! {
    async fn health_reports_the_database_engine(app) {
        let health: Value = app.get_ok("/api/v1/health").await;
        assert_eq!(health["status"], "ok");
        let engine = match app.db { Db::Sqlite => "sqlite", Db::Postgres => "postgres" };
        assert_eq!(health["database"], engine);
    }
}

both! {
    async fn the_openapi_document_describes_every_route(app) {
        let doc: Value = app.get_ok("/api/v1/openapi.json").await;
        assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
        let paths = doc["paths"].as_object().expect("paths");
        for (path, method) in [
            ("/api/v1/health", "get"),
            ("/api/v1/items", "get"),
            ("/api/v1/items/{code}", "get"),
            ("/api/v1/departments", "get"),
            ("/api/v1/themes", "get"),
            ("/api/v1/identifiers/check", "post"),
            ("/api/v1/auth/register", "post"),
            ("/api/v1/auth/register/code", "post"),
            ("/api/v1/auth/consents", "get"),
            ("/api/v1/auth/consents/{purpose}", "delete"),
            ("/api/v1/auth/login", "post"),
            ("/api/v1/auth/logout", "post"),
            ("/api/v1/auth/me", "get"),
            ("/api/v1/auth/acting", "post"),
            ("/api/v1/auth/represent", "post"),
            ("/api/v1/auth/totp/enrol", "post"),
            ("/api/v1/auth/totp/verify", "post"),
            ("/api/v1/enterprises", "get"),
            ("/api/v1/enterprises/{uscc}/agents", "get"),
            ("/api/v1/enterprises/{uscc}/agents", "post"),
            ("/api/v1/enterprises/{uscc}/agents/{person_id}", "delete"),
            ("/api/v1/persons/unmask", "post"),
        ] {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is documented");
        }
        assert!(doc["components"]["schemas"]["Problem"].is_object());
        assert!(doc["components"]["schemas"]["ServiceItem"].is_object());

        // Every reference resolves (the probe found `ItemSummary` missing).
        fn refs(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r.clone());
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        }
        // Signed-in operations say so, with their 401; every error is a problem document.
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("operations") {
                let secured = op.get("security").is_some();
                if secured {
                    assert!(op["responses"].get("401").is_some(), "{method} {path} documents its 401");
                }
                for (status, response) in op["responses"].as_object().expect("responses") {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert!(response["content"].get("application/problem+json").is_some(), "{method} {path} {status}");
                    }
                }
            }
        }
        assert!(paths["/api/v1/drafts"]["get"].get("security").is_some());
        assert!(paths["/api/v1/items"]["get"].get("security").is_none());
    }
}

both! {
    async fn unknown_api_paths_and_methods_get_problems(app) {
        expect_problem(app.get("/api/v1/nothing-here").await, 404, "not_found").await;
        expect_problem(app.get("/api/v2/items").await, 404, "not_found").await;
        let delete = app.client.delete(app.url("/api/v1/items")).send().await.expect("answers");
        let allow = delete.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(allow, "GET, HEAD", "a 405 says what the path takes");
        expect_problem(delete, 405, "method_not_allowed").await;
        let put = app.client.put(app.url("/api/v1/enterprises/91441900MA4W7CX39E/agents")).send().await.expect("answers");
        assert_eq!(put.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST, HEAD"));
    }
}

both! {
    async fn client_side_routes_fall_back_to_the_app_with_security_headers(app) {
        for path in ["/", "/items", "/items/DG-QY-0001", "/en/anything"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let csp = response.headers()["content-security-policy"].to_str().expect("ASCII").to_owned();
            assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            assert_eq!(response.headers()["x-frame-options"], "DENY");
            assert!(response.text().await.expect("text").contains("Yiwang test site"), "{path}");
        }
        let api = app.get("/api/v1/health").await;
        assert_eq!(api.headers()["cache-control"], "no-store");
        assert!(api.headers().contains_key("x-request-id"));
    }
}

both! {
    async fn precompressed_files_are_served_to_browsers_that_take_them(app) {
        let br = app.client.get(app.url("/app.js")).header("accept-encoding", "br").send().await.expect("answers");
        assert_eq!(br.headers()["content-encoding"], "br");
        assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli-bytes");
        let plain = app.client.get(app.url("/app.js")).header("accept-encoding", "identity").send().await.expect("answers");
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.text().await.expect("body"), "console.log('plain');");
    }
}

#[tokio::test]
async fn the_embedded_database_runs_in_wal_mode() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let mode = app.state.store.sqlite_journal_mode().await.expect("readable");
    assert_eq!(mode.as_deref(), Some("wal"));
    assert!(app.site_dir.join("index.html").is_file());
    app.finish().await;
}

/// Past `--max-requests-in-flight` the node answers at once with 503 `overloaded` and
/// `Retry-After`, and the requests it took finish; once they have, it takes requests again.
async fn past_capacity_the_node_sheds_load_with_retry_after(db: Db) {
    let app = TestApp::spawn_with(db, |c| c.max_requests_in_flight = 1).await;
    let id = crate::helpers::demo_id("张三");
    // Sign-ins hash a password on the blocking pool: eight at once overlap.
    let body = serde_json::json!({"id_number": id, "password": server::demo::DEMO_PASSWORD});
    let attempts = (0..8).map(|_| app.post_json("/api/v1/auth/login", &body));
    let answers = futures_util::future::join_all(attempts).await;
    let mut shed = 0;
    for answer in answers {
        match answer.status().as_u16() {
            200 => {}
            503 => {
                shed += 1;
                assert_eq!(answer.headers()["retry-after"], "1");
                let problem: shared::Problem = answer.json().await.expect("a problem");
                assert_eq!(problem.code, shared::ProblemCode::Overloaded);
            }
            other => panic!("answered {other}"),
        }
    }
    assert!((1..8).contains(&shed), "some were shed and some taken: {shed} of 8 shed");
    assert_eq!(app.get("/api/v1/health").await.status(), StatusCode::OK, "capacity comes back");
    app.finish().await;
}
on_both!(past_capacity_the_node_sheds_load_with_retry_after);

both! {
    /// A change that waits longer than it may for another's lock on the database (SQLite's write
    /// lock, a PostgreSQL table lock) is answered 503 with `Retry-After`, not 500, and nothing of
    /// it is kept; sent again once the lock is given up, it goes through.
    async fn a_change_kept_waiting_for_a_lock_is_answered_503_and_goes_through_when_sent_again(app) {
        let url = app.database_url();
        let mut holder = match app.db {
            Db::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&url).await.expect("connected");
                sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await.expect("the write lock taken");
                Holder::Sqlite(c)
            }
            Db::Postgres => {
                let mut c = sqlx::PgConnection::connect(&url).await.expect("connected");
                sqlx::query("BEGIN").execute(&mut c).await.expect("begun");
                sqlx::query("LOCK TABLE mobile_codes IN ACCESS EXCLUSIVE MODE").execute(&mut c).await.expect("locked");
                Holder::Postgres(c)
            }
        };
        let mobile = serde_json::json!({"mobile": "13912340001"});
        let answer = app.post_json("/api/v1/auth/register/code", &mobile).await;
        assert_eq!(answer.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"2"[..]));
        expect_problem(answer, 503, "service_unavailable").await;
        assert!(app.phone.texts_to("13912340001").is_empty(), "no code was sent for a change not kept");
        match &mut holder {
            Holder::Sqlite(c) => sqlx::query("ROLLBACK").execute(c).await.map(drop),
            Holder::Postgres(c) => sqlx::query("ROLLBACK").execute(c).await.map(drop),
        }
        .expect("the lock given up");
        let again = app.post_json("/api/v1/auth/register/code", &mobile).await;
        assert!(again.status().is_success(), "sent again: {}", again.status());
        assert_eq!(app.phone.texts_to("13912340001").len(), 1, "the code was sent once");
    }
}

/// A connection holding a lock on the server's database.
enum Holder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// Behind a trusted proxy each client has its own rate-limit bucket, named by the proxy's
/// `X-Forwarded-For`; from anyone else that header is ignored, so changing it escapes nothing.
async fn rate_limits_key_on_the_client_behind_a_trusted_proxy_only(db: Db) {
    let app = TestApp::spawn_with(db, |c| {
        c.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
        c.login_attempts_per_minute = 2;
    })
    .await;
    let body = serde_json::json!({"id_number": "441900200002296027", "password": "not the password"});
    let login = |client: &reqwest::Client, forwarded: &str| {
        client.post(app.url("/api/v1/auth/login")).header("x-forwarded-for", forwarded).json(&body).send()
    };
    let status = |r: reqwest::Result<reqwest::Response>| r.expect("answers").status().as_u16();
    for _ in 0..2 {
        assert_eq!(status(login(&app.client, "198.51.100.7").await), 401);
    }
    assert_eq!(status(login(&app.client, "198.51.100.7").await), 429, "that client's bucket is empty");
    assert_eq!(status(login(&app.client, "198.51.100.8").await), 401, "another client behind the proxy is not");
    // A client the proxy did not vouch for (127.0.0.2 is not trusted) is its own address.
    let direct = app.client_from(2);
    for _ in 0..2 {
        assert_eq!(status(login(&direct, "203.0.113.1").await), 401);
    }
    assert_eq!(status(login(&direct, "203.0.113.2").await), 429, "a forged header escapes nothing");
    app.finish().await;
}
on_both!(rate_limits_key_on_the_client_behind_a_trusted_proxy_only);

/// `GET /metrics` is served only with a token, and only to its bearer: request counts by route
/// and status, latencies, the pool, and what load shedding and rate limits refused.
async fn metrics_are_for_the_bearer_of_the_metrics_token(db: Db) {
    let plain = TestApp::spawn(db).await;
    expect_problem(plain.get("/metrics").await, 404, "not_found").await;
    plain.finish().await;

    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("metrics.token");
    std::fs::write(&file, "a-metrics-token-of-some-length\n").expect("written");
    let app = TestApp::spawn_with(db, |c| c.metrics_token_file = Some(file.clone())).await;
    assert_eq!(app.get("/api/v1/items/DG-GR-0011").await.status(), StatusCode::OK);
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("a-metrics-token-of-some-lengtx")
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scraped = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("a-metrics-token-of-some-length")
        .send()
        .await
        .expect("answers");
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.headers()["content-type"].to_str().expect("ASCII").starts_with("text/plain"));
    let text = scraped.text().await.expect("text");
    for expected in [
        r#"yiwang_http_requests_total{method="GET",route="/api/v1/items/{code}",status="200"}"#,
        r#"yiwang_http_request_duration_seconds_bucket{method="GET",route="/api/v1/items/{code}",le="0.5"}"#,
        r#"yiwang_db_pool_connections{state="idle"}"#,
        "yiwang_requests_in_flight",
        "yiwang_submission_queue_depth",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    app.finish().await;
}
on_both!(metrics_are_for_the_bearer_of_the_metrics_token);
