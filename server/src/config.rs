//! 配置 — the server's configuration, from command-line flags or the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How the server is run. Every flag has an environment variable; with none set, the server
/// runs on an embedded SQLite database under `./data` and needs nothing else installed.
#[derive(Clone, clap::Parser)]
#[command(name = "yiwang", version, about = "Yiwang (一网通办) government service platform")]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "YIWANG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Where the embedded SQLite database and stored files live.
    #[arg(long, env = "YIWANG_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Load the demo catalogue (the items of Dongguan's service halls) on start.
    #[arg(long, env = "YIWANG_DEMO")]
    pub demo: bool,

    /// The built app (index.html, app.js, app_bg.wasm, style.css and their .br/.gz files).
    #[arg(long, env = "YIWANG_SITE_DIR", default_value = "target/site")]
    pub site_dir: PathBuf,

    /// Most database connections this node's pool opens (the progress look-up keeps four more of
    /// its own, `store/hot_reads.rs`).
    #[arg(long, env = "YIWANG_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// Base64 of the 32-byte key that protects identity numbers at rest. Without it, a key file
    /// `pii.key` is made in the data directory on first start; several nodes must share one key.
    #[arg(long, env = "YIWANG_PII_KEY", hide_env_values = true)]
    pub pii_key: Option<String>,

    /// Sign-in and registration attempts allowed per client address per minute.
    #[arg(long, env = "YIWANG_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 30)]
    pub login_attempts_per_minute: u32,

    /// Progress look-ups without sign-in (a case number with an identity number) allowed per
    /// client address per minute.
    #[arg(long, env = "YIWANG_PROGRESS_LOOKUPS_PER_MINUTE", default_value_t = 30)]
    pub progress_lookups_per_minute: u32,

    /// Largest uploaded file, in bytes (10 MiB by default).
    #[arg(long, env = "YIWANG_MAX_UPLOAD_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Look-ups of a person by identity number and name (granting an agent, serving an
    /// applicant at a window) one signed-in person may make per minute.
    #[arg(long, env = "YIWANG_PERSON_LOOKUPS_PER_MINUTE", default_value_t = 10)]
    pub person_lookups_per_minute: u32,

    /// Seconds a request may take, body included, before it is answered 408 and its work
    /// dropped (a body that stalls leaves nothing behind).
    #[arg(long, env = "YIWANG_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds a connection may take to send a request's headers before it is closed.
    #[arg(long, env = "YIWANG_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// The load balancers or reverse proxies in front of this node (comma-separated addresses).
    /// A request from one of them is keyed — rate limits, sign-in lockout — by the client
    /// address its `X-Forwarded-For` names, and they are exempt from the per-address connection
    /// limit; from anyone else that header is ignored, so it cannot be forged.
    #[arg(long = "trusted-proxy", env = "YIWANG_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Requests this node works on at once. Past that it sheds load: 503 `overloaded` with
    /// `Retry-After`, answered at once, instead of a queue that grows until requests time out.
    #[arg(long, env = "YIWANG_MAX_REQUESTS_IN_FLIGHT", default_value_t = 1024)]
    pub max_requests_in_flight: usize,

    /// A file whose first line is the token (at least 16 characters) that `GET /metrics` asks
    /// for as `Authorization: Bearer`. Without it the metrics are not served.
    #[arg(long, env = "YIWANG_METRICS_TOKEN_FILE")]
    pub metrics_token_file: Option<PathBuf>,

    /// Connections one client address may hold open at once; more are closed at once.
    #[arg(long, env = "YIWANG_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,

    /// Files one person may upload in a day (Asia/Shanghai); more are refused (429) so that no
    /// one fills the disk.
    #[arg(long, env = "YIWANG_MAX_UPLOADS_PER_DAY", default_value_t = 500)]
    pub max_uploads_per_day: u32,

    /// Bytes one person may keep stored in uploads (1 GiB by default: a hundred full-size scans
    /// for each of several applications); an upload past it is refused (413).
    #[arg(long, env = "YIWANG_MAX_STORED_BYTES_PER_PERSON", default_value_t = 1024 * 1024 * 1024)]
    pub max_stored_bytes_per_person: u64,

    /// Days after which an upload that no application holds is deleted, and a draft not saved
    /// since then with it.
    #[arg(long, env = "YIWANG_UNATTACHED_UPLOAD_DAYS", default_value_t = 30)]
    pub unattached_upload_days: u32,

    /// The address applicants reach the site at, for links printed on receipts (QR codes);
    /// `http://` and the bind address when not set.
    #[arg(long, env = "YIWANG_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The CJK font PDF receipts are set in (a TrueType/OpenType file or collection).
    #[arg(long, env = "YIWANG_RECEIPT_FONT", default_value = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")]
    pub receipt_font: PathBuf,

    /// Which font of the collection: 2 is Noto Sans CJK SC (Simplified Chinese).
    #[arg(long, env = "YIWANG_RECEIPT_FONT_INDEX", default_value_t = 2)]
    pub receipt_font_index: u32,

    /// `text` for people, `json` for log collectors.
    #[arg(long, env = "YIWANG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Seconds between two runs of the deadline scan on this node (0: this node never runs it;
    /// another node does).
    #[arg(long, env = "YIWANG_DEADLINE_SCAN_SECS", default_value_t = 60)]
    pub deadline_scan_secs: u64,

    /// Lets `POST /api/v1/test/clock` move the server's clock forward and run the deadline scan:
    /// for the end-to-end journeys only. Without it the route does not exist.
    #[arg(long, env = "YIWANG_TEST_CLOCK")]
    pub test_clock: bool,

    /// The SMTP server email notices leave through. Without it each email is only written to
    /// the log (masked): a demonstration.
    #[arg(long, env = "YIWANG_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// Its port.
    #[arg(long, env = "YIWANG_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// How the connection to it is protected: STARTTLS (required), TLS from the start (port
    /// 465), or none (a relay on the same host).
    #[arg(long, env = "YIWANG_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,

    /// A file with the SMTP user on its first line and the password on its second.
    #[arg(long, env = "YIWANG_SMTP_CREDENTIALS_FILE")]
    pub smtp_credentials_file: Option<PathBuf>,

    /// Who email notices are from.
    #[arg(long, env = "YIWANG_SMTP_FROM", default_value = "一网通办 <noreply@yiwang.localhost>")]
    pub smtp_from: String,

    /// The SMS gateway's address. Without it each text message is only written to the log
    /// (masked): a demonstration.
    #[arg(long, env = "YIWANG_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,

    /// A file holding the SMS gateway's key.
    #[arg(long, env = "YIWANG_SMS_GATEWAY_KEY_FILE")]
    pub sms_gateway_key_file: Option<PathBuf>,

    /// The request format the SMS gateway takes.
    #[arg(long, env = "YIWANG_SMS_ADAPTER", value_enum, default_value_t = SmsAdapter::Json)]
    pub sms_adapter: SmsAdapter,

    /// Milliseconds between two looks at the outbox when nothing woke the dispatcher
    /// (0: this node does not dispatch; another does).
    #[arg(long, env = "YIWANG_DISPATCH_POLL_MS", default_value_t = 1000)]
    pub dispatch_poll_ms: u64,

    /// Seconds one delivery attempt (an email, an SMS, a webhook POST) may take.
    #[arg(long, env = "YIWANG_DELIVERY_TIMEOUT_SECS", default_value_t = 10)]
    pub delivery_timeout_secs: u64,

    /// Seconds before the first retry of a failed delivery; each retry waits twice as long as
    /// the one before, up to an hour.
    #[arg(long, env = "YIWANG_DELIVERY_RETRY_BASE_SECS", default_value_t = 10)]
    pub delivery_retry_base_secs: u64,

    /// Hours a failing delivery is retried before it is given up.
    #[arg(long, env = "YIWANG_DELIVERY_RETRY_HOURS", default_value_t = 24)]
    pub delivery_retry_hours: u64,

    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A task the binary runs instead of serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// Recompute the audit trail's hash chain and name the first event that does not match
    /// (exits 1 when one does not).
    VerifyAudit,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// None: only for a relay on the same host.
    None,
    /// STARTTLS, required (port 587).
    Starttls,
    /// TLS from the start (port 465).
    Tls,
}

/// The request format an SMS gateway takes: each is one adapter in `notify::channels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsAdapter {
    /// `POST` JSON `{"id", "to", "text"}` with a bearer key (docs/notifications.md).
    Json,
}

/// The shape of log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// The address printed on receipts: `--public-url`, else the bind address.
    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// The defaults, as a fresh machine runs them; tests start from this.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            demo: false,
            site_dir: PathBuf::from("target/site"),
            db_max_connections: 16,
            pii_key: None,
            login_attempts_per_minute: 30,
            progress_lookups_per_minute: 30,
            max_upload_bytes: 10 * 1024 * 1024,
            max_uploads_per_day: 500,
            person_lookups_per_minute: 10,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections_per_address: 256,
            trusted_proxies: Vec::new(),
            max_requests_in_flight: 1024,
            metrics_token_file: None,
            max_stored_bytes_per_person: 1024 * 1024 * 1024,
            unattached_upload_days: 30,
            public_url: None,
            receipt_font: PathBuf::from("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            receipt_font_index: 2,
            log_format: LogFormat::Text,
            deadline_scan_secs: 60,
            test_clock: false,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_credentials_file: None,
            smtp_from: "一网通办 <noreply@yiwang.localhost>".to_owned(),
            sms_gateway_url: None,
            sms_gateway_key_file: None,
            sms_adapter: SmsAdapter::Json,
            dispatch_poll_ms: 1000,
            delivery_timeout_secs: 10,
            delivery_retry_base_secs: 10,
            delivery_retry_hours: 24,
            command: None,
        }
    }
}

/// The database URL with any password replaced by `***`, for logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparseable database URL>".to_owned(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("demo", &self.demo)
            .field("site_dir", &self.site_dir)
            .field("db_max_connections", &self.db_max_connections)
            .field("pii_key", &self.pii_key.as_ref().map(|_| "<redacted>"))
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field("progress_lookups_per_minute", &self.progress_lookups_per_minute)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_requests_in_flight", &self.max_requests_in_flight)
            .field("log_format", &self.log_format)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_debug_output() {
        let mut config = Config::for_data_dir("d".into());
        config.database_url = Some("postgres://yiwang:s3cret@db:5432/yiwang".into());
        config.pii_key = Some("c2VjcmV0IGtleQ==".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("yiwang:***@db"), "{shown}");
    }
}
