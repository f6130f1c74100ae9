//! `TestApp`: a running server on a fresh database, with one helper per endpoint.

use std::path::PathBuf;

use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use server::config::Config;
use server::state::AppState;
use shared::Problem;
use sqlx::Connection as _;
use tokio::sync::oneshot;

/// Where the PostgreSQL server for tests is; each test makes its own database there.
const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database a test body runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running server on its own database.
pub struct TestApp {
    pub base: String,
    /// The SMS gateway the server sends through (unless a test configures its own): what the
    /// citizens' phones received.
    pub phone: Phone,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: Db,
    pub site_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    postgres_db: Option<String>,
    _dir: tempfile::TempDir,
}

/// Runs a test body against SQLite and against PostgreSQL, as two tests named
/// `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both {
    ($(#[doc = $doc:literal])* async fn $name:ident($app:ident) $body:block) => {
        async fn $name($app: &$crate::helpers::TestApp) $body
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Db::Postgres).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    };
}

/// Runs `$name(db)` as two tests, `<name>::sqlite` and `<name>::postgres`, for the bodies that
/// configure their own servers (the `both!` harness starts a default one).
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await;
            }
        }
    };
}

impl TestApp {
    /// Starts a server with the demo catalogue on a fresh database of the given kind.
    pub async fn spawn(db: Db) -> Self {
        Self::spawn_with(db, |_| {}).await
    }

    /// [`TestApp::spawn`] with a change to the configuration.
    pub async fn spawn_with(db: Db, configure: impl FnOnce(&mut Config)) -> Self {
        init_logs();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let site_dir = dir.path().join("site");
        write_site(&site_dir);
        let mut config = Config::for_data_dir(dir.path().join("data"));
        config.demo = true;
        config.site_dir = site_dir.clone();
        config.db_max_connections = 4;
        // Tests run the deadline scan when they mean to; one test runs the periodic one.
        config.deadline_scan_secs = 0;
        let phone = Phone::start().await;
        config.sms_gateway_url = Some(phone.url.clone());
        configure(&mut config);
        let postgres_db = match db {
            Db::Sqlite => None,
            // A database the test prepared itself; the test drops it.
            Db::Postgres if config.database_url.is_some() => None,
            Db::Postgres => {
                let (url, name) = create_postgres_database().await;
                config.database_url = Some(url);
                Some(name)
            }
        };
        let srv = server::build(config).await.expect("the server starts");
        let state = srv.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let (tx, rx) = oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            server::serve(listener, srv, async {
                let _ = rx.await;
            })
            .await
            .expect("serves until shut down");
        });
        let client = reqwest::Client::builder().build().expect("an HTTP client");
        Self {
            base,
            phone,
            client,
            state,
            db,
            site_dir,
            shutdown: Some(tx),
            served: Some(served),
            postgres_db,
            _dir: dir,
        }
    }

    /// An HTTP client whose connections come from another loopback address, as a second client
    /// machine would (the server listens on 127.0.0.1; Linux routes all of 127/8 to it).
    pub fn client_from(&self, last_octet: u8) -> reqwest::Client {
        let ip = std::net::IpAddr::from([127, 0, 0, last_octet]);
        reqwest::Client::builder().local_address(ip).build().expect("an HTTP client")
    }

    /// Shuts the server down and drops its PostgreSQL database.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("the server task ends cleanly");
        }
        if let Some(name) = self.postgres_db.take() {
            drop_postgres_database(&name).await;
        }
    }

    /// The URL of the server's database, for a test that works on it beside the server.
    pub fn database_url(&self) -> String {
        match &self.state.config.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.state.config.data_dir.join("yiwang.db").display()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("the server answers")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.expect("the server answers")
    }

    /// GETs `path`, requires 200 and decodes the JSON body.
    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON body")
    }
}

/// Writes the server's logs (debug level) to `<target>/tmp/server-logs/<pid>.log`, where the
/// `log_scan` test looks for identity numbers after the suite has run.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("server-logs");
        std::fs::create_dir_all(&dir).expect("log directory");
        let file = std::fs::File::create(dir.join(format!("{}.log", std::process::id()))).expect("log file");
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,hyper=info,h2=info,reqwest=info"))
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    });
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// Creates `t_<uuid>` on the test PostgreSQL server; a server that cannot be reached fails the test.
/// Drops a database of the tests.
pub async fn drop_postgres_database(name: &str) {
    let mut admin = sqlx::PgConnection::connect(&admin_url()).await.expect("PostgreSQL for tests");
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("the test database is dropped");
}

pub async fn create_postgres_database() -> (String, String) {
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL for tests at {admin} cannot be reached ({e}); set TEST_DATABASE_URL"));
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("CREATE DATABASE");
    let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    (url.to_string(), name)
}

/// A stand-in for the built app: an index page and a script with its brotli twin.
fn write_site(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("site dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Yiwang test site</title>").expect("index");
    std::fs::write(dir.join("app.js"), "console.log('plain');").expect("app.js");
    std::fs::write(dir.join("app.js.br"), b"brotli-bytes").expect("app.js.br");
}

/// Requires a problem+json answer with this status and code, and returns the problem.
pub async fn expect_problem(response: Response, status: u16, code: &str) -> Problem {
    assert_eq!(response.status().as_u16(), status, "status of {}", response.url());
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: Problem = response.json().await.expect("a problem document");
    assert_eq!(serde_json::to_value(problem.code).expect("code"), code);
    assert_eq!(problem.status, status);
    assert!(!problem.message.zh.is_empty() && !problem.message.en.is_empty(), "bilingual message");
    problem
}

/// The session token a sign-in answer sets.
pub fn session_token(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("__Host-yiwang_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

impl TestApp {
    /// A request with a session cookie.
    pub fn with_session(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).header("cookie", format!("__Host-yiwang_session={token}"))
    }

    /// Signs in and returns the session token; requires success.
    pub async fn sign_in(&self, id_number: &str, password: &str, totp: Option<String>) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"id_number": id_number, "password": password, "totp": totp}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {}", &id_number[..6]);
        session_token(&response).expect("a session cookie")
    }

    /// Signs in a demo account, with its current authenticator code if it is staff.
    pub async fn sign_in_demo(&self, name: &str) -> String {
        let account = server::demo::demo_accounts().into_iter().find(|a| a.name == name).expect("a demo account");
        let code = account
            .staff
            .and_then(|(_, _, secret)| secret)
            .map(|secret| server::auth::totp::code_at(secret, self.state.clock.unix()).expect("a code"));
        self.sign_in(&account.id_number, server::demo::DEMO_PASSWORD, code).await
    }
}

/// A fake SMS gateway: keeps every text it is given and takes it (200).
#[derive(Clone)]
pub struct Phone {
    pub url: String,
    texts: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl Phone {
    async fn start() -> Self {
        type Texts = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;
        async fn take(
            axum::extract::State(texts): axum::extract::State<Texts>,
            axum::Json(body): axum::Json<serde_json::Value>,
        ) -> axum::http::StatusCode {
            let field = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
            texts.lock().expect("texts").push((field("to"), field("text")));
            axum::http::StatusCode::OK
        }
        let texts = Texts::default();
        let app = axum::Router::new().route("/sms", axum::routing::post(take)).with_state(texts.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}/sms", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, texts }
    }

    /// The texts `mobile` received, oldest first.
    pub fn texts_to(&self, mobile: &str) -> Vec<String> {
        let texts = self.texts.lock().expect("texts");
        texts.iter().filter(|(to, _)| to == mobile).map(|(_, text)| text.clone()).collect()
    }

    /// The one-time code in the last text `mobile` received.
    pub fn last_code(&self, mobile: &str) -> String {
        let text = self.texts_to(mobile).pop().expect("a text to this number");
        let at = text.find("验证码为").expect("a one-time code text") + "验证码为".len();
        text[at..].chars().take(6).collect()
    }
}

impl TestApp {
    /// Asks for a one-time code for `mobile`; requires it to be sent, and returns it as the
    /// phone received it.
    pub async fn mobile_code(&self, mobile: &str) -> String {
        let sent = self.post_json("/api/v1/auth/register/code", &serde_json::json!({"mobile": mobile})).await;
        assert_eq!(sent.status(), StatusCode::ACCEPTED, "a code for {mobile}");
        self.phone.last_code(mobile)
    }

    /// Registers as a person does in the app: a code sent to the body's mobile, read off the
    /// phone, and the current consent given, with the rest of the body as it is.
    pub async fn register(&self, body: &serde_json::Value) -> Response {
        let mut body = body.clone();
        let mobile = body["mobile"].as_str().unwrap_or_default().to_owned();
        body["mobile_code"] = self.mobile_code(&mobile).await.into();
        body["consent_version"] = shared::consent::IDENTITY_NUMBER.version.into();
        self.post_json("/api/v1/auth/register", &body).await
    }
}

/// An audit event of `action` about `subject`, by nobody, now: what a test commits a unit of work
/// with.
pub fn audit_event(action: shared::audit::AuditAction, subject: &str) -> server::store::AuditEvent<'_> {
    server::store::AuditEvent {
        actor_id: None,
        acting_uscc: None,
        on_behalf_of: None,
        action,
        subject,
        detail: "",
        role: None,
        department: None,
        files: &[],
        at: chrono::Utc::now(),
    }
}

/// The identity number of a demo account.
pub fn demo_id(name: &str) -> String {
    server::demo::demo_accounts().into_iter().find(|a| a.name == name).expect("a demo account").id_number
}
