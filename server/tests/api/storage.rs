//! 存储: corrupt data is an error and never a default, a change and its audit event commit
//! together or not at all, PostgreSQL keeps native types, and a SQLite database made by an
//! earlier release is migrated rather than thrown away.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::applying::{count, employment_card, submit, upload_png};
use crate::both;
use crate::helpers::{Db, TestApp, audit_event, demo_id, expect_problem};

const ENTERPRISE: &str = "91441900MA4W7CX39E";

/// Runs one statement of test set-up SQL on whichever engine the app runs.
async fn execute(app: &TestApp, sql: &str) {
    server::on_pool!(app.state.store.pool(), |p| sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()))
        .expect(sql);
}

/// Makes every insert of an audit event of `action` fail, as a crash or a full disk between a
/// change and its record would.
async fn fail_audit_of(app: &TestApp, action: &str) {
    match app.db {
        Db::Sqlite => {
            execute(
                app,
                &format!(
                    "CREATE TRIGGER fail_{action} BEFORE INSERT ON audit_events WHEN NEW.action = '{action}'
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                ),
            )
            .await;
        }
        Db::Postgres => {
            execute(
                app,
                &format!(
                    "ALTER TABLE audit_events ADD CONSTRAINT fail_{action} CHECK (action <> '{action}') NOT VALID"
                ),
            )
            .await;
        }
    }
}

async fn heal_audit_of(app: &TestApp, action: &str) {
    match app.db {
        Db::Sqlite => execute(app, &format!("DROP TRIGGER fail_{action}")).await,
        Db::Postgres => execute(app, &format!("ALTER TABLE audit_events DROP CONSTRAINT fail_{action}")).await,
    }
}

both! {
    async fn a_grant_whose_audit_event_fails_is_not_made(app) {
        let rep = app.sign_in_demo("李娜").await;
        let grant = || {
            app.with_session(Method::POST, &format!("/api/v1/enterprises/{ENTERPRISE}/agents"), &rep)
                .json(&json!({"id_number": demo_id("王强"), "name": "王强"}))
                .send()
        };
        let agents_before = count(app, "enterprise_agents").await;
        fail_audit_of(app, "agent_granted").await;
        let failed = grant().await.expect("answers");
        expect_problem(failed, 500, "internal").await;
        assert_eq!(count(app, "enterprise_agents").await, agents_before, "the grant rolled back with its event");

        heal_audit_of(app, "agent_granted").await;
        assert_eq!(grant().await.expect("answers").status(), StatusCode::CREATED);
        assert_eq!(count(app, "enterprise_agents").await, agents_before + 1);
        let trail = app.state.store.audit_of(ENTERPRISE).await.expect("the trail");
        assert_eq!(trail.iter().filter(|e| e.action == shared::audit::AuditAction::AgentGranted && e.detail != "demo data").count(), 1);
    }
}

both! {
    async fn a_registration_whose_audit_event_fails_leaves_no_account(app) {
        let persons_before = count(app, "persons").await;
        fail_audit_of(app, "registered").await;
        let code = app.mobile_code("13912345678").await;
        let body = json!({"id_number": "11010519491231002X", "name": "赵敏", "mobile": "13912345678", "password": "correct horse battery",
                          "mobile_code": code, "consent_version": shared::consent::IDENTITY_NUMBER.version});
        let failed = app.post_json("/api/v1/auth/register", &body).await;
        expect_problem(failed, 500, "internal").await;
        assert_eq!(count(app, "persons").await, persons_before);
        assert_eq!(count(app, "consents").await, 0, "the consent went with the account");
        heal_audit_of(app, "registered").await;
        // The code was given back with the rest: the same one still registers.
        assert_eq!(app.post_json("/api/v1/auth/register", &body).await.status(), StatusCode::CREATED);
        assert_eq!(count(app, "consents").await, 1);
    }
}

both! {
    async fn a_submission_whose_audit_event_fails_writes_nothing_and_others_in_its_group_do(app) {
        let citizen = app.sign_in_demo("王强").await;
        let upload = upload_png(app, &citizen).await;
        let body = employment_card(&demo_id("王强"), &upload.id);
        fail_audit_of(app, "application_submitted").await;
        let failed = submit(app, &citizen, Some("audit-fails"), &body).await;
        expect_problem(failed, 500, "internal").await;
        for table in ["applications", "cases", "case_materials", "case_events", "idempotency_keys"] {
            assert_eq!(count(app, table).await, 0, "{table} holds nothing of the failed submission");
        }
        heal_audit_of(app, "application_submitted").await;
        let retried = submit(app, &citizen, Some("audit-fails"), &body).await;
        assert_eq!(retried.status(), StatusCode::CREATED, "the key was not used up by the failure");
        assert_eq!(count(app, "applications").await, 1);
        let receipt: shared::application::ApplicationReceipt = retried.json().await.expect("a receipt");
        let trail = app.state.store.audit_of(&receipt.application_no).await.expect("the trail");
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, shared::audit::AuditAction::ApplicationSubmitted);
    }
}

both! {
    /// Submissions that come while another change writes are written together once it has
    /// committed: one group, its rows sent as one batch, with no fallback to one submission at a
    /// time, and each answered with its own receipt and audit event.
    async fn submissions_that_wait_for_the_writer_are_written_as_one_group(app) {
        let recorded = server::metrics::handle();
        let citizen = app.sign_in_demo("王强").await;
        let mut bodies = Vec::new();
        for _ in 0..6 {
            let upload = upload_png(app, &citizen).await;
            bodies.push(employment_card(&demo_id("王强"), &upload.id));
        }
        // A change that holds the audit chain's head (and on SQLite the write gate) until it
        // commits: the writer waits for it, and the submissions for the writer.
        let mut holding = app.state.store.begin().await.expect("a change begins");
        holding.record(&audit_event(shared::audit::AuditAction::SynonymSet, "holding")).await.expect("it writes");
        let submitting = bodies.iter().enumerate().map(|(i, body)| {
            let (citizen, key) = (citizen.clone(), format!("group-{i}"));
            async move { submit(app, &citizen, Some(&key), body).await }
        });
        let submitting = futures_util::future::join_all(submitting);
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            holding.commit(&audit_event(shared::audit::AuditAction::SynonymSet, "held")).await.expect("it commits");
        };
        let (answers, ()) = tokio::join!(submitting, release);
        let mut numbers = std::collections::BTreeSet::new();
        for answer in answers {
            assert_eq!(answer.status(), StatusCode::CREATED);
            let receipt: shared::application::ApplicationReceipt = answer.json().await.expect("a receipt");
            let trail = app.state.store.audit_of(&receipt.application_no).await.expect("the trail");
            assert_eq!(trail.len(), 1, "one event each");
            numbers.insert(receipt.application_no);
        }
        assert_eq!(numbers.len(), 6);
        assert_eq!(count(app, "applications").await, 6);
        assert_eq!(count(app, "cases").await, 6);
        assert!(app.state.store.verify_audit_chain().await.expect("the chain reads").first_bad.is_none());
        let metrics = recorded.render();
        let groups: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("yiwang_group_commit_size_count "))
            .and_then(|n| n.parse().ok())
            .expect("the groups are counted");
        assert!(groups < 6.0, "some were written together: {groups} groups for 6 submissions");
        assert!(!metrics.contains("yiwang_group_commit_fallbacks_total"), "no group fell back:\n{metrics}");
    }
}

both! {
    async fn a_case_status_no_version_wrote_is_an_error_not_submitted(app) {
        let citizen = app.sign_in_demo("王强").await;
        let upload = upload_png(app, &citizen).await;
        let created = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &upload.id)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let receipt: shared::application::ApplicationReceipt = created.json().await.expect("a receipt");
        let case_no = receipt.cases[0].case_no.clone();
        assert_eq!(app.state.store.case(&case_no).await.expect("readable").map(|c| c.status),
            Some(shared::application::CaseStatus::Submitted));

        execute(app, &format!("UPDATE cases SET status = 'approved_maybe' WHERE case_no = '{case_no}'")).await;
        assert!(app.state.store.case(&case_no).await.is_err(), "a corrupt status is an error");
        let listed = app.with_session(Method::GET, "/api/v1/applications", &citizen).send().await.expect("answers");
        expect_problem(listed, 500, "internal").await;
    }
}

both! {
    async fn a_case_or_timeline_step_no_version_wrote_is_an_error_in_a_progress_look_up(app) {
        let citizen = app.sign_in_demo("王强").await;
        let upload = upload_png(app, &citizen).await;
        let created = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &upload.id)).await;
        let receipt: shared::application::ApplicationReceipt = created.json().await.expect("a receipt");
        let case_no = receipt.cases[0].case_no.clone();
        let lookup = json!({"case_no": case_no, "id_number": demo_id("王强")});
        assert_eq!(app.post_json("/api/v1/progress/lookup", &lookup).await.status(), StatusCode::OK);

        execute(app, &format!("UPDATE case_events SET status = 'approved_maybe' WHERE case_no = '{case_no}'")).await;
        expect_problem(app.post_json("/api/v1/progress/lookup", &lookup).await, 500, "internal").await;
        execute(app, &format!("UPDATE case_events SET status = 'submitted' WHERE case_no = '{case_no}'")).await;
        assert_eq!(app.post_json("/api/v1/progress/lookup", &lookup).await.status(), StatusCode::OK);

        // The case's own status is read as strictly, and a corrupt row leaves the look-up's
        // connection working for the next.
        execute(app, &format!("UPDATE cases SET status = 'approved_maybe' WHERE case_no = '{case_no}'")).await;
        expect_problem(app.post_json("/api/v1/progress/lookup", &lookup).await, 500, "internal").await;
        execute(app, &format!("UPDATE cases SET status = 'submitted' WHERE case_no = '{case_no}'")).await;
        assert_eq!(app.post_json("/api/v1/progress/lookup", &lookup).await.status(), StatusCode::OK);
    }
}

both! {
    async fn a_stored_receipt_that_is_not_a_receipt_is_an_error(app) {
        let citizen = app.sign_in_demo("王强").await;
        let upload = upload_png(app, &citizen).await;
        let created = submit(app, &citizen, None, &employment_card(&demo_id("王强"), &upload.id)).await;
        let receipt: shared::application::ApplicationReceipt = created.json().await.expect("a receipt");
        let no = &receipt.application_no;
        execute(app, &format!("UPDATE applications SET receipt = '{{\"cases\": 3}}' WHERE application_no = '{no}'")).await;
        let read = app.with_session(Method::GET, &format!("/api/v1/applications/{no}"), &citizen).send().await.expect("answers");
        expect_problem(read, 500, "internal").await;
    }
}

/// On SQLite a licence and a kept answer are read on the request's own thread, by the store's
/// own decoding of dates and JSON text: a date or a receipt no version wrote is an error, never a
/// default, and the connection goes on serving. (PostgreSQL's column types refuse such values.)
#[tokio::test]
async fn a_licence_date_or_kept_receipt_no_version_wrote_is_an_error_on_sqlite() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let citizen = app.sign_in_demo("王强").await;
    let licenses =
        || async { app.with_session(Method::GET, "/api/v1/licenses", &citizen).send().await.expect("answers") };
    let listed: Vec<serde_json::Value> = licenses().await.json().await.expect("licences");
    assert!(!listed.is_empty(), "王强 holds licences in the library");
    let his = "holder_key = (SELECT id_number_hash FROM persons WHERE name = '王强')";

    execute(&app, &format!("UPDATE e_licenses SET valid_from = 'someday' WHERE {his}")).await;
    expect_problem(licenses().await, 500, "internal").await;
    execute(&app, &format!("UPDATE e_licenses SET valid_until = '2026-02-30' WHERE {his}")).await;
    execute(&app, &format!("UPDATE e_licenses SET valid_from = '2020-01-01' WHERE {his}")).await;
    expect_problem(licenses().await, 500, "internal").await;
    execute(&app, &format!("UPDATE e_licenses SET valid_until = NULL WHERE {his}")).await;
    assert_eq!(licenses().await.status(), StatusCode::OK);

    // A retry is answered from the application's receipt, which must be one.
    let upload = upload_png(&app, &citizen).await;
    let body = employment_card(&demo_id("王强"), &upload.id);
    assert_eq!(submit(&app, &citizen, Some("retry-1"), &body).await.status(), StatusCode::CREATED);
    assert_eq!(submit(&app, &citizen, Some("retry-1"), &body).await.status(), StatusCode::CREATED);
    execute(&app, "UPDATE applications SET receipt = 'not json'").await;
    expect_problem(submit(&app, &citizen, Some("retry-1"), &body).await, 500, "internal").await;
}

#[tokio::test]
async fn postgres_keeps_times_flags_json_and_dates_in_native_types_and_documents_as_json() {
    let app = TestApp::spawn(Db::Postgres).await;
    let server::store::Pool::Postgres(pool) = app.state.store.pool() else { unreachable!("a PostgreSQL app") };
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT)
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("the schema");
    let type_of = |table: &str, column: &str| {
        columns.iter().find(|(t, c, _)| t == table && c == column).map(|(_, _, ty)| ty.as_str())
    };
    for (table, column, ty) in &columns {
        if column == "at" || column.ends_with("_at") {
            assert_eq!(ty, "timestamp with time zone", "{table}.{column}");
        }
    }
    assert_eq!(type_of("sessions", "second_factor"), Some("boolean"));
    assert_eq!(type_of("staff", "totp_confirmed"), Some("boolean"));
    assert_eq!(type_of("cases", "pledged"), Some("boolean"));
    assert_eq!(type_of("service_items", "guide"), Some("jsonb"));
    // An application's form and receipt are documents read whole: json, compressed with lz4.
    assert_eq!(type_of("applications", "form"), Some("json"));
    assert_eq!(type_of("applications", "receipt"), Some("json"));
    let compression: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(attname AS TEXT), CAST(attcompression AS TEXT) FROM pg_attribute
          WHERE attrelid = CAST('applications' AS regclass) AND attname IN ('form', 'receipt') ORDER BY attname",
    )
    .fetch_all(pool)
    .await
    .expect("the columns' compression");
    assert_eq!(compression, [("form".to_owned(), "l".to_owned()), ("receipt".to_owned(), "l".to_owned())]);
    assert_eq!(type_of("e_licenses", "valid_from"), Some("date"));
    assert_eq!(type_of("staff", "roles"), None, "roles are rows of staff_roles");
    let foreign_keys: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.table_constraints
          WHERE constraint_type = 'FOREIGN KEY' AND table_name IN ('audit_events', 'cases', 'e_license_access', 'staff_roles')",
    )
    .fetch_one(pool)
    .await
    .expect("constraints");
    assert!(foreign_keys >= 7, "{foreign_keys} foreign keys");
    app.finish().await;
}

/// What a signed-in GET answers, read as JSON.
async fn read<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str, token: &str) -> T {
    let response = app.with_session(Method::GET, path, token).send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("JSON")
}

/// The key the fixture's identity numbers are sealed with: the bytes 0 to 31.
const FIXTURE_PII_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[tokio::test]
async fn a_sqlite_database_of_the_previous_release_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().expect("a directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("created");
    {
        use sqlx::Connection as _;
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("yiwang.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("a new file");
        let dump = include_str!("../fixtures/sqlite-release-2026-11-25.sql");
        sqlx::raw_sql(dump).execute(&mut conn).await.expect("the release's database loads");
        conn.close().await.expect("closed");
    }
    let app = TestApp::spawn_with(Db::Sqlite, |c| {
        c.data_dir = data_dir.clone();
        c.pii_key = Some(FIXTURE_PII_KEY.to_owned());
    })
    .await;

    the_release_data_is_all_there(&app).await;
    app.finish().await;
}

/// What the fixture holds, read through today's server.
async fn the_release_data_is_all_there(app: &TestApp) {
    // 王强 signs in with the password he had, and finds his application, his draft and the
    // enterprise he was made an agent of.
    let citizen = app.sign_in_demo("王强").await;
    let mine: Vec<shared::application::ApplicationBrief> = read(app, "/api/v1/applications", &citizen).await;
    assert_eq!(mine.len(), 1);
    assert!(mine[0].application_no.starts_with("YW20261126"));
    assert_eq!(mine[0].cases[0].status, shared::application::CaseStatus::Submitted);
    assert_eq!(mine[0].submitted_at.to_rfc3339(), "2026-11-26T06:30:13+00:00");
    let receipt = app
        .with_session(Method::GET, &format!("/api/v1/applications/{}", mine[0].application_no), &citizen)
        .send()
        .await
        .expect("answers");
    assert_eq!(receipt.status(), StatusCode::OK);
    let drafts: Vec<shared::application::Draft> = read(app, "/api/v1/drafts", &citizen).await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].answers.fields["phone"], "13800138000");
    let me: serde_json::Value = read(app, "/api/v1/auth/me", &citizen).await;
    assert!(
        me["enterprises"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|e| e["uscc"] == ENTERPRISE && e["relation"] == "agent")
    );

    // The comma-separated roles became rows: the window clerk is one still.
    let clerk = app.sign_in_demo("黄丽").await;
    let me: serde_json::Value = read(app, "/api/v1/auth/me", &clerk).await;
    assert_eq!(me["staff"]["roles"], json!(["window_clerk"]));
    // The trail written before goes on.
    let trail = app.state.store.audit_of(ENTERPRISE).await.expect("the trail");
    assert!(trail.iter().any(|e| e.action == shared::audit::AuditAction::AgentGranted));
    // A key stored with its answer's body (before keys named their application) still replays it.
    let key = app
        .state
        .store
        .idempotent("a29f95c8-b251-4db3-ad13-02836040e43a", "fixture-1")
        .await
        .expect("readable")
        .expect("the release's key");
    assert_eq!(key.status, 201);
    assert!(key.response.starts_with(r#"{"application_no":"YW20261126TPW44ANTPZ""#), "{}", key.response);
}

/// The statements of the fixture that add rows, made fit for PostgreSQL: SQLite's `char(10)` is
/// PostgreSQL's `chr(10)`; the migration log is left out (each engine keeps its own).
fn fixture_rows() -> impl Iterator<Item = String> {
    include_str!("../fixtures/sqlite-release-2026-11-25.sql")
        .lines()
        .filter(|l| l.starts_with("INSERT INTO") && !l.starts_with("INSERT INTO _sqlx_migrations"))
        .map(|l| l.replace(",char(10))", ",chr(10))"))
}

#[tokio::test]
async fn a_postgres_database_of_the_previous_release_is_converted_with_its_data() {
    use sqlx::Connection as _;
    let (url, name) = crate::helpers::create_postgres_database().await;
    {
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("the new database");
        // The schema of the release before: the first eight migrations.
        let earlier = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                server::store::Store::postgres_migrations().iter().filter(|m| m.version <= 8).cloned().collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        earlier.run(&mut conn).await.expect("the release's schema");
        for row in fixture_rows() {
            sqlx::query(&row).execute(&mut conn).await.unwrap_or_else(|e| panic!("{e}: {row:.120}"));
        }
        conn.close().await.expect("closed");
    }
    let app = TestApp::spawn_with(Db::Postgres, |c| {
        c.database_url = Some(url.clone());
        c.pii_key = Some(FIXTURE_PII_KEY.to_owned());
    })
    .await;
    the_release_data_is_all_there(&app).await;
    app.finish().await;
    crate::helpers::drop_postgres_database(&name).await;
}

/// Cuts every connection to the test's database but the one that cuts, as a restart of the
/// database would; how many it cut.
async fn cut_every_other_connection(pool: &sqlx::PgPool) -> usize {
    let cut: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    )
    .fetch_all(pool)
    .await
    .expect("the connections cut");
    cut.len()
}

#[tokio::test]
async fn a_postgresql_connection_cut_while_idle_is_replaced_without_a_failed_request() {
    let app = TestApp::spawn_with(Db::Postgres, |c| c.db_max_connections = 4).await;
    let server::store::Pool::Postgres(pool) = app.state.store.pool() else { unreachable!("a PostgreSQL app") };
    // Open every connection of the pool, then cut all of them but the one that cuts, as a
    // restart of the database would.
    let held: Vec<_> = futures_util::future::join_all((0..4).map(|_| pool.acquire())).await;
    drop(held);
    // Each goes back to the pool after a ping of its own, in a task of its own.
    while pool.num_idle() < 4 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let cut = cut_every_other_connection(pool).await;
    assert!(cut >= 3, "the pool's other connections were cut: {cut}");
    // Idle past the threshold, each is pinged before its next use and replaced when it fails.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    for _ in 0..8 {
        let one: Result<(i32,), _> = sqlx::query_as("SELECT 1").fetch_one(pool).await;
        assert_eq!(one.expect("a query on a live connection"), (1,));
    }
    assert_eq!(app.get("/api/v1/items/DG-GR-0001").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_look_up_connection_cut_while_idle_is_replaced_without_a_failed_look_up() {
    let app = TestApp::spawn_with(Db::Postgres, |_| {}).await;
    let server::store::Pool::Postgres(pool) = app.state.store.pool() else { unreachable!("a PostgreSQL app") };
    let lookup = json!({"case_no": "YW20260101AAAAAAAAAA-01", "id_number": demo_id("王强")});
    // Open the look-ups' own connections, several at once.
    let first = futures_util::future::join_all((0..4).map(|_| app.post_json("/api/v1/progress/lookup", &lookup))).await;
    for answer in first {
        expect_problem(answer, 404, "case_not_found").await;
    }
    // Cut every connection but the one that cuts, as a restart of the database would.
    let cut = cut_every_other_connection(pool).await;
    assert!(cut > 0, "the look-ups' connections were cut");
    // Idle past the threshold, each is pinged when it is next taken and replaced when it fails.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    for _ in 0..8 {
        expect_problem(app.post_json("/api/v1/progress/lookup", &lookup).await, 404, "case_not_found").await;
    }
    app.finish().await;
}

/// The id of a row in the id order of its table, for the log tables a submission appends to.
async fn ids_of(app: &TestApp, table: &str, owner: &str, application_no: &str) -> Vec<String> {
    let sql = format!("SELECT id FROM {table} WHERE {owner} ORDER BY id");
    let rows: Vec<(String,)> =
        server::on_pool!(app.state.store.pool(), |p| sqlx::query_as(&sql).bind(application_no).fetch_all(p).await)
            .expect(&sql);
    rows.into_iter().map(|(id,)| id).collect()
}

both! {
    // Each case's first step, the library's reads and the audit events get ids that begin with
    // their time, so that a new row goes at the end of its table's primary-key index: a second
    // submission's rows sort after the first's.
    async fn the_rows_a_submission_appends_to_the_logs_sort_after_those_of_an_earlier_one(app) {
        let citizen = app.sign_in_demo("王强").await;
        let mut numbers = Vec::new();
        for key in ["first", "second"] {
            let upload = upload_png(app, &citizen).await;
            let created = submit(app, &citizen, Some(key), &employment_card(&demo_id("王强"), &upload.id)).await;
            assert_eq!(created.status(), StatusCode::CREATED);
            let receipt: serde_json::Value = created.json().await.expect("a receipt");
            numbers.push(receipt["application_no"].as_str().expect("its number").to_owned());
        }
        let logs = [
            ("case_events", "case_no LIKE $1 || '-%'"),
            ("e_license_access", "application_no = $1"),
            ("audit_events", "subject = $1"),
        ];
        for (table, owner) in logs {
            let first = ids_of(app, table, owner, &numbers[0]).await;
            let second = ids_of(app, table, owner, &numbers[1]).await;
            assert!(!first.is_empty() && !second.is_empty(), "{table}: each submission appended rows");
            assert!(first.last() < second.first(), "{table}: {first:?} then {second:?}");
            for id in first.iter().chain(&second) {
                assert_eq!(uuid::Uuid::parse_str(id).expect("a UUID").get_version_num(), 7, "{table}: {id}");
            }
        }
    }
}

/// No commit on SQLite copies the WAL into the database file (the group-commit writer would
/// make a whole group wait for it); the checkpoint task does, soon after the commit.
#[tokio::test]
async fn sqlite_s_wal_reaches_the_database_file_through_the_checkpoint_task() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let server::store::Pool::Sqlite(pool) = app.state.store.pool() else { unreachable!("a SQLite app") };
    let (pages,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint").fetch_one(pool).await.expect("the setting");
    assert_eq!(pages, 0, "no connection checkpoints at its commit");
    let (_, _, file): (i64, String, String) =
        sqlx::query_as("PRAGMA database_list").fetch_one(pool).await.expect("the database file");
    let size = || std::fs::metadata(&file).expect("the database file").len();
    let before = size();

    execute(&app, "CREATE TABLE filler (data BLOB NOT NULL)").await;
    execute(
        &app,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO filler SELECT randomblob(1000) FROM n",
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() < before + 2_000_000 {
        assert!(std::time::Instant::now() < deadline, "the 2 MB committed reached the file ({} bytes)", size());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let wal =
        app.state.store.wal_sync().expect("the writer's commits on SQLite are made durable by an fsync of the log");
    wal.sync().expect("the log beside the database file fsyncs");
}

/// On SQLite, changes write in the order they began: one that began while another was writing
/// waits its turn at the store's write gate, rather than in SQLite's busy handler, which sleeps
/// and retries and lets a later change take the lock first.
#[tokio::test]
async fn sqlite_s_changes_write_in_the_order_they_began() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let store = app.state.store.clone();
    let event = |subject: &'static str| audit_event(shared::audit::AuditAction::SynonymSet, subject);
    let mut writing = store.begin().await.expect("a change begins");
    writing.record(&event("turn-first")).await.expect("it writes, and holds SQLite's write lock");
    let mut waiting = Vec::new();
    for subject in ["turn-1", "turn-2", "turn-3", "turn-4", "turn-5"] {
        let store = store.clone();
        waiting.push(tokio::spawn(async move {
            let change = store.begin().await.expect("a change begins");
            change.commit(&event(subject)).await.expect("it commits");
        }));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let subjects = || async {
        let server::store::Pool::Sqlite(pool) = app.state.store.pool() else { unreachable!("a SQLite app") };
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT subject FROM audit_events WHERE subject LIKE 'turn-%' ORDER BY seq")
                .fetch_all(pool)
                .await
                .expect("the audit events");
        rows.into_iter().map(|(s,)| s).collect::<Vec<_>>()
    };
    assert!(subjects().await.is_empty(), "nothing commits while the first change writes");
    writing.commit(&event("turn-first-done")).await.expect("the first change commits");
    for w in waiting {
        w.await.expect("each change ends");
    }
    assert_eq!(subjects().await, ["turn-first", "turn-first-done", "turn-1", "turn-2", "turn-3", "turn-4", "turn-5"]);
}

/// On SQLite the write-ahead log starts again from its beginning while changes keep coming: the
/// checkpoint task copies the log into the database file, and then, between two changes, lets
/// the next one begin the log again. Without that, a writer that always has the next change
/// waiting never finds the log wholly copied, and the log grows for as long as the changes come
/// (3 GB in forty seconds of submissions at the peak; BENCHMARKS.md).
#[tokio::test]
async fn sqlite_s_log_starts_again_from_its_beginning_while_changes_keep_coming() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let server::store::Pool::Sqlite(pool) = app.state.store.pool() else { unreachable!("a SQLite app") };
    let (_, _, file): (i64, String, String) =
        sqlx::query_as("PRAGMA database_list").fetch_one(pool).await.expect("the database file");
    let log = format!("{file}-wal");
    // The log's header counts the times it started again: its first salt goes up by one each
    // time (its checkpoint sequence number is the count of one connection's restarts only).
    let starts = || {
        let mut header = [0_u8; 20];
        let mut file = std::fs::File::open(&log).expect("the log");
        std::io::Read::read_exact(&mut file, &mut header).expect("the log's header");
        u32::from_be_bytes([header[16], header[17], header[18], header[19]])
    };
    let store = app.state.store.clone();
    let event = audit_event(shared::audit::AuditAction::SynonymSet, "log-restart");
    store.begin().await.expect("a change begins").commit(&event).await.expect("it commits");
    let (starts_before, mut changes) = (starts(), 0_u64);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < until {
        store.begin().await.expect("a change begins").commit(&event).await.expect("it commits");
        changes += 1;
    }
    let started_again = starts() - starts_before;
    let size = std::fs::metadata(&log).expect("the log").len();
    assert!(changes > 300, "{changes} changes in three seconds");
    // The task checkpoints every tenth of a second and starts the log again at most once a
    // second: three times in three seconds. Never, before there was a restart.
    assert!(
        started_again >= 2,
        "the log started again {started_again} times in three seconds of {changes} changes; its file is {size} bytes"
    );
}
