//! 安全: what an adversarial client tries — stalled and broken bodies, floods of connections,
//! parallel uploads at a limit, paths that dodge the API's router, forged request ids — and
//! what the server answers.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::applying::{PNG, count, employment_card, submit, tiny_pdf, upload};
use crate::both;
use crate::helpers::{Db, TestApp, demo_id, expect_problem};

/// The server's `host:port`.
fn authority(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// Sends raw bytes on a new connection and reads what comes back until the server closes it or
/// `wait` passes.
async fn raw(app: &TestApp, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(authority(app)).await.expect("connects");
    stream.write_all(request).await.expect("sends");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn has_header(answer: &str, name: &str, value: &str) -> bool {
    answer.lines().any(|l| {
        l.split_once(':').is_some_and(|(n, v)| n.trim().eq_ignore_ascii_case(name) && v.trim().starts_with(value))
    })
}

fn temporary_files(app: &TestApp) -> usize {
    let tmp = server::applying::uploads::files_dir(&app.state.config.data_dir).join("tmp");
    std::fs::read_dir(tmp).map(|d| d.count()).unwrap_or(0)
}

fn session_cookie(token: &str) -> String {
    format!("Cookie: {}={token}\r\n", server::auth::session::COOKIE_NAME)
}

both! {
    async fn paths_that_dodge_the_router_still_get_the_api_s_404(app) {
        for path in ["/API/v1/items", "//api/v1/nope", "/api%2fv1/nope", "/Api/v1/health"] {
            let answer = raw(app, format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(), Duration::from_secs(5)).await;
            assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
            assert!(has_header(&answer, "content-type", "application/problem+json"), "{path}: {answer}");
        }
        // The app's own routes still get the page.
        assert_eq!(app.get("/applications").await.status(), StatusCode::OK);
    }
}

both! {
    async fn oversized_requests_are_refused_before_they_are_read(app) {
        // A declared gigabyte is refused at once, without waiting for a byte of it.
        let started = std::time::Instant::now();
        let answer = raw(app, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n", Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(has_header(&answer, "content-type", "application/problem+json"));
        assert!(started.elapsed() < Duration::from_secs(3), "answered at once");

        let long = app.get(&format!("/api/v1/items?q={}", "a".repeat(9000))).await;
        expect_problem(long, 414, "uri_too_long").await;
        let mut request = app.client.get(app.url("/api/v1/health"));
        for i in 0..20 {
            request = request.header(format!("x-padding-{i}"), "p".repeat(1000));
        }
        expect_problem(request.send().await.expect("answers"), 431, "headers_too_large").await;

        // A malformed chunked body is a bad request, not a large one.
        let answer = raw(app, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    }
}

both! {
    async fn the_request_id_is_always_the_server_s_own(app) {
        let response = app.client.get(app.url("/api/v1/health")).header("x-request-id", "forged-by-client").send().await.expect("answers");
        let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("an id").to_owned();
        assert_ne!(id, "forged-by-client");
        assert_eq!(id.len(), 36, "a UUID: {id}");
    }
}

both! {
    async fn a_stalled_or_broken_upload_is_answered_and_leaves_no_file(app) {
        let quick = TestApp::spawn_with(app.db, |c| c.request_timeout_secs = 1).await;
        let token = quick.sign_in_demo("王强").await;
        let head = format!(
            "POST /api/v1/uploads?name=a.png HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n{}\r\n",
            session_cookie(&token)
        );
        // Stalls after a few bytes: 408, as a problem with the security headers.
        let mut stalled = head.clone().into_bytes();
        stalled.extend_from_slice(PNG);
        let answer = raw(&quick, &stalled, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(has_header(&answer, "content-type", "application/problem+json"), "{answer}");
        assert!(has_header(&answer, "content-security-policy", "default-src 'self'"), "{answer}");
        assert!(answer.contains("request_timeout"));
        // Breaks off: the client goes away mid-body.
        let mut stream = TcpStream::connect(authority(&quick)).await.expect("connects");
        stream.write_all(&stalled).await.expect("sends");
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(stream);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(temporary_files(&quick), 0, "nothing of either is left on disk");
        assert_eq!(count(&quick, "uploads").await, 0);
        quick.finish().await;
    }
}

both! {
    async fn the_daily_limit_holds_when_uploads_race(app) {
        let limited = TestApp::spawn_with(app.db, |c| c.max_uploads_per_day = 5).await;
        let token = limited.sign_in_demo("王强").await;
        let attempts = (0..20).map(|_| upload(&limited, &token, "photo.png", PNG.to_vec()));
        let answers = futures_util::future::join_all(attempts).await;
        let created = answers.iter().filter(|r| r.status() == StatusCode::CREATED).count();
        let refused = answers.iter().filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!((created, refused), (5, 15));
        assert_eq!(count(&limited, "uploads").await, 5);
        limited.finish().await;
    }
}

both! {
    async fn a_person_s_stored_bytes_have_a_quota(app) {
        // PDFs are stored as sent, so their sizes are known before.
        let size = tiny_pdf("a", "").len() as u64;
        let small = TestApp::spawn_with(app.db, |c| c.max_stored_bytes_per_person = 2 * size).await;
        let token = small.sign_in_demo("王强").await;
        for tag in ["a", "b"] {
            assert_eq!(upload(&small, &token, "proof.pdf", tiny_pdf(tag, "")).await.status(), StatusCode::CREATED);
        }
        expect_problem(upload(&small, &token, "proof.pdf", tiny_pdf("c", "")).await, 413, "payload_too_large").await;
        assert_eq!(temporary_files(&small), 0);
        small.finish().await;
    }
}

both! {
    async fn uploads_no_application_holds_expire_with_old_drafts(app) {
        let citizen = app.sign_in_demo("王强").await;
        let kept: shared::application::UploadReceipt = upload(app, &citizen, "photo.png", PNG.to_vec()).await.json().await.expect("receipt");
        assert_eq!(submit(app, &citizen, None, &employment_card(&demo_id("王强"), &kept.id)).await.status(), StatusCode::CREATED);
        let pdf = tiny_pdf("left behind", "");
        let dropped: shared::application::UploadReceipt = upload(app, &citizen, "left.pdf", pdf).await.json().await.expect("receipt");
        let files = server::applying::uploads::files_dir(&app.state.config.data_dir);
        let dropped_path = files.join(&dropped.sha256[..2]).join(&dropped.sha256);
        assert!(dropped_path.is_file());

        app.state.clock.advance(chrono::Duration::days(29));
        assert_eq!(app.state.applying().expire_unattached_uploads().await.expect("expires").uploads, 0, "not yet");
        app.state.clock.advance(chrono::Duration::days(2));
        let expired = app.state.applying().expire_unattached_uploads().await.expect("expires");
        assert_eq!(expired.uploads, 1);
        assert!(!dropped_path.exists(), "its file is deleted");
        assert!(files.join(&kept.sha256[..2]).join(&kept.sha256).is_file(), "a material of an application stays");
        let citizen = app.sign_in_demo("王强").await;
        let download = app.with_session(Method::GET, &format!("/api/v1/uploads/{}", dropped.id), &citizen).send().await.expect("answers");
        expect_problem(download, 404, "upload_not_found").await;
    }
}

/// Connection limits are the accept loop's, the same whatever the database.
#[tokio::test]
async fn connections_that_never_send_their_headers_are_closed() {
    let app = TestApp::spawn_with(Db::Sqlite, |c| c.header_timeout_secs = 1).await;
    let started = std::time::Instant::now();
    let answer = raw(&app, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n", Duration::from_secs(5)).await;
    assert!(!answer.starts_with("HTTP/1.1 200"), "closed without an answer: {answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "half a request is not waited for");
    let mut idle = TcpStream::connect(authority(&app)).await.expect("connects");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await.expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)));
    assert!(started.elapsed() < Duration::from_secs(3));
    app.finish().await;
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    let app = TestApp::spawn_with(Db::Sqlite, |c| c.max_connections_per_address = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(authority(&app)).await.expect("connects"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(authority(&app)).await.expect("the kernel accepts");
    let mut buf = [0u8; 64];
    let _ = fourth.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let read = tokio::time::timeout(Duration::from_secs(5), fourth.read(&mut buf)).await.expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)), "the fourth is closed unanswered");
    // Another address is not affected.
    let other = app.client_from(3).get(app.url("/api/v1/health")).send().await.expect("answers");
    assert_eq!(other.status(), StatusCode::OK);
    drop(held);
    app.finish().await;
}

/// Every text the database holds: each row of each table, as text.
async fn database_text(app: &TestApp) -> String {
    match app.state.store.pool() {
        server::store::Pool::Sqlite(pool) => {
            // Everything committed, read from the file itself (and its write-ahead log).
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await.expect("checkpoint");
            let dir = &app.state.config.data_dir;
            let mut bytes = std::fs::read(dir.join("yiwang.db")).expect("the database file");
            bytes.extend(std::fs::read(dir.join("yiwang.db-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        server::store::Pool::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(pool)
            .await
            .expect("tables");
            let mut text = String::new();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(row_to_json(t) AS TEXT) FROM \"{table}\" t"))
                        .fetch_all(pool)
                        .await
                        .expect("rows");
                text.push_str(&rows.join("\n"));
            }
            text
        }
    }
}

both! {
    /// PIPL: identity numbers are sensitive personal information. After every act that takes one
    /// — registering, signing in and failing to, authorizing an agent, applying, saving a draft,
    /// looking up progress, serving an applicant at a window — no full number is stored anywhere.
    async fn no_full_identity_number_is_stored_after_a_whole_journey(app) {
        let newcomer = "441900201310177737";
        let register = app.register(
            &serde_json::json!({"id_number": newcomer, "name": "新人", "mobile": "13800138001", "password": "correct horse battery"})).await;
        assert_eq!(register.status(), StatusCode::CREATED);
        let unregistered = "441900200002296027";
        app.post_json("/api/v1/auth/login", &serde_json::json!({"id_number": unregistered, "password": "guess"})).await;

        let rep = app.sign_in_demo("李娜").await;
        let granted = app.with_session(Method::POST, "/api/v1/enterprises/91441900MA4W7CX39E/agents", &rep)
            .json(&serde_json::json!({"id_number": demo_id("王强"), "name": "王强"})).send().await.expect("answers");
        assert_eq!(granted.status(), StatusCode::CREATED);

        let citizen = app.sign_in_demo("王强").await;
        let photo: shared::application::UploadReceipt = upload(app, &citizen, "photo.png", PNG.to_vec()).await.json().await.expect("receipt");
        let body = employment_card(&demo_id("王强"), &photo.id);
        let receipt = submit(app, &citizen, Some("scan-key"), &body).await;
        assert_eq!(receipt.status(), StatusCode::CREATED);
        let receipt: shared::application::ApplicationReceipt = receipt.json().await.expect("receipt");
        let draft = app.with_session(Method::POST, "/api/v1/drafts", &citizen)
            .json(&serde_json::json!({"items": ["DG-GR-0011"], "answers": body["answers"]})).send().await.expect("answers");
        assert_eq!(draft.status(), StatusCode::OK);
        let drafts: Vec<shared::application::Draft> = app.with_session(Method::GET, "/api/v1/drafts", &citizen)
            .send().await.expect("answers").json().await.expect("drafts");
        assert_eq!(drafts[0].answers.fields["applicant_id_number"], serde_json::json!(demo_id("王强")), "read back whole");
        let lookup = app.post_json("/api/v1/progress/lookup",
            &serde_json::json!({"case_no": receipt.cases[0].case_no, "id_number": demo_id("王强")})).await;
        assert_eq!(lookup.status(), StatusCode::OK);

        let clerk = app.sign_in_demo("黄丽").await;
        let served = app.with_session(Method::POST, "/api/v1/auth/represent", &clerk)
            .json(&serde_json::json!({"id_number": demo_id("张三"), "name": "张三"})).send().await.expect("answers");
        assert_eq!(served.status(), StatusCode::OK);

        let text = database_text(app).await;
        let mut numbers: Vec<String> = server::demo::demo_accounts().into_iter().map(|a| a.id_number).collect();
        numbers.extend([newcomer.to_owned(), unregistered.to_owned()]);
        for number in numbers {
            assert!(!text.contains(&number), "{} is stored in full", &number[..6]);
        }
    }
}

both! {
    async fn answers_stored_before_they_were_sealed_are_sealed_once_at_start(app) {
        let citizen = app.sign_in_demo("王强").await;
        let saved = app.with_session(Method::POST, "/api/v1/drafts", &citizen)
            .json(&serde_json::json!({"items": ["DG-GR-0011"], "answers": {"fields": {"name": "王强"}}})).send().await.expect("answers");
        let saved: shared::application::Draft = saved.json().await.expect("draft");
        // As an earlier version stored it.
        let pool = app.state.store.pool();
        let plain = format!("{{\"fields\":{{\"applicant_id_number\":\"{}\"}}}}", demo_id("王强"));
        server::on_pool!(pool, |p| sqlx::query("UPDATE drafts SET answers = $1 WHERE id = $2").bind(&plain).bind(saved.id.as_deref()).execute(p).await.map(|r| r.rows_affected())).expect("update");
        server::on_pool!(pool, |p| sqlx::query("DELETE FROM data_migrations").execute(p).await.map(|r| r.rows_affected())).expect("forget");

        server::seal_plain_answers(&app.state.store, &app.state.pii).await.expect("seals");
        let stored: String = server::on_pool!(pool, |p| sqlx::query_scalar("SELECT answers FROM drafts WHERE id = $1").bind(saved.id.as_deref()).fetch_one(p).await).expect("row");
        assert!(!stored.contains(&demo_id("王强")) && !stored.starts_with('{'));
        let drafts: Vec<shared::application::Draft> = app.with_session(Method::GET, "/api/v1/drafts", &citizen)
            .send().await.expect("answers").json().await.expect("drafts");
        assert_eq!(drafts[0].answers.fields["applicant_id_number"], serde_json::json!(demo_id("王强")));
        // Once: a second start finds the migration done.
        server::on_pool!(pool, |p| sqlx::query("UPDATE drafts SET answers = $1 WHERE id = $2").bind(&plain).bind(saved.id.as_deref()).execute(p).await.map(|r| r.rows_affected())).expect("update");
        server::seal_plain_answers(&app.state.store, &app.state.pii).await.expect("runs");
        let again: String = server::on_pool!(pool, |p| sqlx::query_scalar("SELECT answers FROM drafts WHERE id = $1").bind(saved.id.as_deref()).fetch_one(p).await).expect("row");
        assert_eq!(again, plain);
    }
}

both! {
    async fn a_person_keeps_at_most_fifty_drafts(app) {
        let citizen = app.sign_in_demo("王强").await;
        let save = |id: Option<String>| {
            let body = serde_json::json!({"id": id, "items": ["DG-GR-0011"], "answers": {"fields": {}}});
            app.with_session(Method::POST, "/api/v1/drafts", &citizen).json(&body).send()
        };
        let mut first = None;
        for _ in 0..server::applying::MAX_DRAFTS {
            let saved: shared::application::Draft = save(None).await.expect("answers").json().await.expect("draft");
            first.get_or_insert(saved.id);
        }
        expect_problem(save(None).await.expect("answers"), 409, "draft_limit_reached").await;
        // Saving one of them again is no new draft.
        assert_eq!(save(first.flatten()).await.expect("answers").status(), StatusCode::OK);
        assert_eq!(count(app, "drafts").await, server::applying::MAX_DRAFTS);
    }
}
