//! 驱动 — runs a `yiwang` server as its own process and drives it over loopback HTTP as an
//! enterprise agent would: sign in, act for the enterprise, compile the one form of three items,
//! upload one file, and submit with an `Idempotency-Key`. The crash test (`tests/crash.rs`) and
//! the benchmark (`examples/bench.rs`) share it, so both exercise the same application.

#![allow(dead_code, reason = "the crash test and the benchmark each use part of it")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use shared::application::{FormAnswers, FormResponse, MaterialSource, UploadReceipt};

/// The demo enterprise the agent files for.
pub const ENTERPRISE: &str = "91441900MA4W7CX39E";
/// Items an existing enterprise files together: seal, social insurance and provident fund.
pub const ENTERPRISE_ITEMS: [&str; 3] = ["DG-QY-0004", "DG-QY-0005", "DG-QY-0006"];
/// The demo agent who files for [`ENTERPRISE`].
pub const AGENT: &str = "陈敏";
/// The demo front-desk clerk, who accepts cases for every department.
pub const CLERK: &str = "黄丽";
/// A whole one-pixel PNG: uploads are decoded and encoded again.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDAT\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99\x3d\x1d\0\0\0\0IEND\xae\x42\x60\x82";

/// The identity number of a demo account.
pub fn demo_id(name: &str) -> String {
    server::demo::demo_accounts().into_iter().find(|a| a.name == name).map(|a| a.id_number).unwrap_or_default()
}

/// One `yiwang` process with the demo data, listening on a port of its choosing; its output
/// goes to `log`.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts `bin` on `data_dir` (and `database_url` when given) with `extra` flags, and waits
    /// until it says where it listens.
    pub fn start(
        bin: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
        log: &Path,
    ) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(bin);
        command
            .args(["--demo", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().with_context(|| format!("starting {}", bin.display()))?;
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(base) = text.split("is running at ").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                let base = base.trim_end_matches('/').to_owned();
                return Ok(Self { child, base, log: log.to_owned() });
            }
            if let Some(status) = child.try_wait()? {
                bail!("the server exited with {status} before listening:\n{text}");
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                bail!("the server did not listen within two minutes:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: the process ends at once, whatever it was doing.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// The resident set size of the process, in bytes (from `/proc`).
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client over loopback that keeps many connections open.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(1024).timeout(Duration::from_secs(60)).build().unwrap_or_default()
}

/// A signed-in person.
#[derive(Clone)]
pub struct Signed {
    pub client: reqwest::Client,
    pub base: String,
    cookie: String,
}

/// Signs in with the demo password, and for demo staff the code their authenticator shows now.
pub async fn sign_in(client: &reqwest::Client, base: &str, name: &str) -> anyhow::Result<Signed> {
    let account = server::demo::demo_accounts().into_iter().find(|a| a.name == name).context("a demo account")?;
    let totp = match account.staff.and_then(|(_, _, secret)| secret) {
        Some(secret) => Some(server::auth::totp::code_at(secret, chrono::Utc::now().timestamp())?),
        None => None,
    };
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"id_number": account.id_number, "password": server::demo::DEMO_PASSWORD, "totp": totp}))
        .send()
        .await?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-yiwang_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    match cookie {
        Some(cookie) => Ok(Signed { client: client.clone(), base: base.to_owned(), cookie }),
        None => bail!("signing in as {name} answered {status}: {}", response.text().await.unwrap_or_default()),
    }
}

impl Signed {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).header("cookie", &self.cookie)
    }

    async fn expect(&self, what: &str, response: reqwest::Response, status: u16) -> anyhow::Result<reqwest::Response> {
        if response.status().as_u16() == status {
            Ok(response)
        } else {
            bail!("{what} answered {}: {}", response.status(), response.text().await.unwrap_or_default())
        }
    }

    /// 受理 — a front-desk clerk accepts a case: its deadline starts.
    pub async fn accept(&self, case_no: &str) -> anyhow::Result<()> {
        let response = self
            .request(reqwest::Method::POST, &format!("/api/v1/cases/{case_no}/actions"))
            .json(&json!({"action": "accept"}))
            .send()
            .await?;
        self.expect("accepting", response, 200).await?;
        Ok(())
    }

    /// Acts for the enterprise from now on.
    pub async fn act_for(&self, uscc: &str) -> anyhow::Result<()> {
        let response =
            self.request(reqwest::Method::POST, "/api/v1/auth/acting").json(&json!({"uscc": uscc})).send().await?;
        self.expect("acting for the enterprise", response, 200).await?;
        Ok(())
    }

    /// Uploads the one-pixel PNG.
    pub async fn upload(&self) -> anyhow::Result<UploadReceipt> {
        let response = self
            .request(reqwest::Method::POST, "/api/v1/uploads")
            .query(&[("name", "form.png")])
            .header("content-type", "application/octet-stream")
            .body(PNG.to_vec())
            .send()
            .await?;
        Ok(self.expect("uploading", response, 201).await?.json().await?)
    }

    /// The enterprise's application for [`ENTERPRISE_ITEMS`]: every field the platform does not
    /// fill answered, the enterprise's licences from the library, and one uploaded file for
    /// every material that must be uploaded.
    pub async fn enterprise_application(&self) -> anyhow::Result<Value> {
        let response = self
            .request(reqwest::Method::POST, "/api/v1/applications/form")
            .json(&json!({"items": ENTERPRISE_ITEMS}))
            .send()
            .await?;
        let compiled: FormResponse = self.expect("compiling the form", response, 200).await?.json().await?;
        let fields = enterprise_fields(&compiled);
        let file = self.upload().await?;
        let mut materials = serde_json::Map::new();
        let needed = compiled.form.needed_materials(&FormAnswers::default());
        for m in needed.iter().filter(|m| m.source == MaterialSource::Upload && m.required) {
            materials.insert(m.key.clone(), json!([file.id]));
        }
        Ok(json!({"items": ENTERPRISE_ITEMS, "answers": {"fields": fields, "materials": materials}}))
    }

    /// Submits `body` under `key`: the status and the body of the answer, or the transport error
    /// when none came.
    pub async fn submit(&self, key: &str, body: &Value) -> reqwest::Result<(u16, String)> {
        let response = self
            .request(reqwest::Method::POST, "/api/v1/applications")
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }
}

/// Answers to every field of the enterprise's form the platform does not fill.
pub fn enterprise_fields(compiled: &FormResponse) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    for f in compiled.form.fields.iter().filter(|f| !compiled.form.known.iter().any(|k| k.key == f.field.key)) {
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
    fields
}
