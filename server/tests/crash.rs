//! 断电测试 — no acknowledged submission is ever lost. Each round starts the `yiwang` binary on
//! the same data, has eight agents submit the enterprise's three-item application with their
//! own `Idempotency-Key`s (a third of them sent twice), and `kill -9`s the server at a random
//! moment. While it is down, `yiwang verify-audit` must find the audit chain whole and every
//! application in the database must be whole (three cases, every material, a first step each).
//! Restarted, the server must answer every key that was answered before with the same bytes,
//! a key whose answer the crash cut off must make its application now or replay it, and the
//! applications in the database must be exactly those the answers name, each once.
//!
//! `YIWANG_CRASH_ROUNDS` rounds per database (20 by default); `YIWANG_CRASH_BIN` names another
//! `yiwang` binary (the release build, for the long run in BENCHMARKS.md:
//! `cargo build --release -p server --bin yiwang && YIWANG_CRASH_BIN=target/release/yiwang
//! YIWANG_CRASH_ROUNDS=500 cargo nextest run -p server --test crash --success-output immediate`,
//! which runs both databases at once and prints each one's progress and result as it ends).

mod drive;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use rand::Rng as _;
use serde_json::Value;
use shared::application::ApplicationReceipt;
use sqlx::Connection as _;

use drive::{AGENT, ENTERPRISE, ServerProcess, Signed};

const AGENTS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_survive_kill_9_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let db = Db::Sqlite(data.join("yiwang.db"));
    crash_rounds(&data, &db).await.unwrap_or_else(|e| panic!("{e:#}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_survive_kill_9_on_postgres() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (url, name) = create_postgres_database().await;
    let result = crash_rounds(&dir.path().join("data"), &Db::Postgres(url)).await;
    drop_postgres_database(&name).await;
    result.unwrap_or_else(|e| panic!("{e:#}"));
}

enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Db {
    fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    fn url(&self) -> Option<&str> {
        match self {
            Self::Sqlite(_) => None,
            Self::Postgres(url) => Some(url),
        }
    }
}

/// What the agents were answered, across rounds.
#[derive(Default)]
struct Ledger {
    /// Key → the first answer's body (every answer here is a 201).
    answered: BTreeMap<String, String>,
    /// Keys sent whose answer never came.
    cut_off: BTreeSet<String>,
    /// Keys answered in the round that was just cut short; checked again after the restart.
    answered_last_round: Vec<String>,
    /// Cut-off keys sent again after a restart, in all.
    retried: usize,
    /// Applications the database held after a kill whose answer the kill cut off.
    made_unanswered: usize,
    /// Key → the application number its answer names, for the answers checked so far (a
    /// receipt is read once, not every round).
    application_nos: BTreeMap<String, String>,
}

/// How often a long run says how far it has got.
const PROGRESS_EVERY: usize = 50;

async fn crash_rounds(data: &Path, db: &Db) -> anyhow::Result<()> {
    let rounds: usize = std::env::var("YIWANG_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    // A relative YIWANG_CRASH_BIN is taken from the workspace's root, where cargo is run.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = std::env::var_os("YIWANG_CRASH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_yiwang")), |b| workspace.join(b));
    let bin = bin.as_path();
    // Apart from the API suite's logs: a `--demo` server prints the demo accounts' identity
    // numbers on its console for whoever started it, and this output holds that console.
    let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crash-logs");
    std::fs::create_dir_all(&logs)?;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut application: Option<Arc<Value>> = None;
    let started = Instant::now();
    for round in 0..=rounds {
        let log = logs.join(format!("crash-{}-{}-{round}.log", db.name(), std::process::id()));
        let server = ServerProcess::start(bin, data, db.url(), &["--login-attempts-per-minute", "100000"], &log)?;
        let agent = drive::sign_in(&drive::http_client(), &server.base, AGENT).await?;
        agent.act_for(ENTERPRISE).await?;
        let body = match application.clone() {
            Some(body) => body,
            None => Arc::clone(application.insert(Arc::new(agent.enterprise_application().await?))),
        };
        after_restart(&agent, &body, &ledger).await.with_context(|| format!("after restart {round}"))?;
        check_store(db, &ledger).await.with_context(|| format!("the database after restart {round}"))?;
        if round == rounds {
            break;
        }
        let kill_after = Duration::from_millis(rand::thread_rng().gen_range(50..1500));
        let workers: Vec<_> = (0..AGENTS)
            .map(|w| {
                tokio::spawn(submit_until_cut_off(agent.clone(), Arc::clone(&body), Arc::clone(&ledger), round, w))
            })
            .collect();
        tokio::time::sleep(kill_after).await;
        server.kill()?;
        for w in workers {
            w.await??;
        }
        verify_audit(bin, data, db)?;
        let unnamed = check_store(db, &ledger)
            .await
            .with_context(|| format!("the database after kill {round} at {kill_after:?}"))?;
        let mut so_far = lock(&ledger)?;
        so_far.made_unanswered += unnamed;
        if round > 0 && round % PROGRESS_EVERY == 0 {
            eprintln!(
                "{}: round {round} of {rounds} after {:.0?}, {} applications acknowledged",
                db.name(),
                started.elapsed(),
                so_far.answered.len()
            );
        }
    }
    let ledger = ledger.lock().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
    eprintln!(
        "{}: {rounds} rounds of kill -9 in {:.0?}; {} applications acknowledged; {} requests cut off and \
         sent again after the restart, {} of them already made",
        db.name(),
        started.elapsed(),
        ledger.answered.len(),
        ledger.retried,
        ledger.made_unanswered,
    );
    ensure!(ledger.answered.len() >= rounds, "the rounds submitted too little to test anything");
    ensure!(ledger.retried >= rounds, "every kill cuts off the agents' next requests");
    Ok(())
}

/// One agent submits until the server is gone; every third key is sent again at once and must
/// be answered with the same bytes.
async fn submit_until_cut_off(
    agent: Signed,
    body: Arc<Value>,
    ledger: Arc<Mutex<Ledger>>,
    round: usize,
    worker: usize,
) -> anyhow::Result<()> {
    for n in 0.. {
        let key = format!("crash-{round}-{worker}-{n}");
        let Ok((status, answer)) = agent.submit(&key, &body).await else {
            lock(&ledger)?.cut_off.insert(key);
            return Ok(());
        };
        ensure!(status == 201, "{key} answered {status}: {answer}");
        {
            let mut ledger = lock(&ledger)?;
            ledger.answered.insert(key.clone(), answer.clone());
            ledger.answered_last_round.push(key.clone());
        }
        if n % 3 == 0 {
            match agent.submit(&key, &body).await {
                Ok((status, again)) => ensure!(status == 201 && again == answer, "{key} replayed {status}: {again}"),
                Err(_) => return Ok(()),
            }
        }
    }
    Ok(())
}

fn lock(ledger: &Mutex<Ledger>) -> anyhow::Result<std::sync::MutexGuard<'_, Ledger>> {
    ledger.lock().map_err(|_| anyhow::anyhow!("a worker panicked"))
}

/// The answers of the round before the crash replay byte for byte, and every cut-off key is
/// answered now.
async fn after_restart(agent: &Signed, body: &Value, ledger: &Mutex<Ledger>) -> anyhow::Result<()> {
    let (replays, cut_off) = {
        let mut ledger = lock(ledger)?;
        let replays: Vec<(String, String)> = std::mem::take(&mut ledger.answered_last_round)
            .into_iter()
            .map(|k| {
                let answer = ledger.answered[&k].clone();
                (k, answer)
            })
            .collect();
        (replays, std::mem::take(&mut ledger.cut_off))
    };
    for (key, first) in &replays {
        let (status, again) = agent.submit(key, body).await?;
        ensure!(status == 201 && &again == first, "after the restart {key} answered {status}: {again}, first {first}");
    }
    for key in &cut_off {
        let (status, answer) = agent.submit(key, body).await?;
        ensure!(status == 201, "the cut-off key {key} answered {status}: {answer}");
        let (status, again) = agent.submit(key, body).await?;
        ensure!(status == 201 && again == answer, "the cut-off key {key} replayed {status}: {again}");
        let mut ledger = lock(ledger)?;
        ledger.answered.insert(key.clone(), answer);
        ledger.retried += 1;
    }
    Ok(())
}

/// `yiwang verify-audit` on the stopped server's data finds the chain whole.
fn verify_audit(bin: &Path, data: &Path, db: &Db) -> anyhow::Result<()> {
    let mut command = std::process::Command::new(bin);
    command.arg("--data-dir").arg(data).env_remove("DATABASE_URL");
    if let Some(url) = db.url() {
        command.args(["--database-url", url]);
    }
    let out = command.arg("verify-audit").output()?;
    let report = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success() && report.contains("\"ok\": true"),
        "verify-audit: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// An application's rows: cases, their materials and their first steps.
type Shape = (i64, i64, i64);

/// Every application in the database is whole and has the shape of the first, and when no
/// answer is outstanding the applications are exactly those the answers name. Answers how many
/// applications no answer names (made by requests whose answer was cut off).
async fn check_store(db: &Db, ledger: &Mutex<Ledger>) -> anyhow::Result<usize> {
    let rows = application_shapes(db).await?;
    let (named, outstanding) = {
        let mut ledger = lock(ledger)?;
        let Ledger { answered, application_nos, cut_off, .. } = &mut *ledger;
        for (key, answer) in answered.iter() {
            if application_nos.contains_key(key) {
                continue;
            }
            let receipt: ApplicationReceipt = serde_json::from_str(answer).context("a receipt")?;
            ensure!(receipt.cases.len() == 3, "a receipt with {} cases: {answer}", receipt.cases.len());
            application_nos.insert(key.clone(), receipt.application_no);
        }
        let named: BTreeSet<String> = application_nos.values().cloned().collect();
        (named, cut_off.len())
    };
    let Some(first) = rows.values().next().copied() else {
        ensure!(named.is_empty(), "{} answered applications and none in the database", named.len());
        return Ok(0);
    };
    ensure!(first.0 == 3 && first.1 >= 3 && first.2 == 3, "an application has the shape {first:?}");
    if let Some((no, shape)) = rows.iter().find(|(_, shape)| **shape != first) {
        bail!("{no} is partial: {shape:?} where every application has {first:?}");
    }
    let stored: BTreeSet<String> = rows.into_keys().collect();
    let lost: Vec<_> = named.difference(&stored).collect();
    ensure!(lost.is_empty(), "acknowledged and not in the database: {lost:?}");
    let unnamed = stored.difference(&named).count();
    ensure!(
        unnamed <= outstanding,
        "{unnamed} applications in the database that no answer names, with only {outstanding} answers cut off"
    );
    Ok(unnamed)
}

/// Application number → its shape, straight from the tables (grouped counts: linear in the
/// rows, whatever plan the database picks for tables that grew since they were analysed).
async fn application_shapes(db: &Db) -> anyhow::Result<BTreeMap<String, Shape>> {
    const APPLICATIONS: &str = "SELECT application_no, COUNT(*) FROM applications GROUP BY application_no";
    const CASES: &str = "SELECT application_no, COUNT(*) FROM cases GROUP BY application_no";
    const MATERIALS: &str = "SELECT c.application_no, COUNT(*) FROM case_materials m \
                             JOIN cases c ON c.case_no = m.case_no GROUP BY c.application_no";
    const STEPS: &str = "SELECT c.application_no, COUNT(*) FROM case_events e \
                         JOIN cases c ON c.case_no = e.case_no GROUP BY c.application_no";
    let mut counts: Vec<Vec<(String, i64)>> = Vec::new();
    for sql in [APPLICATIONS, CASES, MATERIALS, STEPS] {
        counts.push(match db {
            Db::Sqlite(path) => {
                let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display())).await?;
                let rows = sqlx::query_as(sql).fetch_all(&mut conn).await?;
                conn.close().await?;
                rows
            }
            Db::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let rows = sqlx::query_as(sql).fetch_all(&mut conn).await?;
                conn.close().await?;
                rows
            }
        });
    }
    let mut shapes: BTreeMap<String, Shape> = counts[0].iter().map(|(no, _)| (no.clone(), (0, 0, 0))).collect();
    for (part, rows) in counts.iter().enumerate().skip(1) {
        for (no, n) in rows {
            let shape = shapes.get_mut(no).with_context(|| format!("rows of {no}, which is not in applications"))?;
            match part {
                1 => shape.0 = *n,
                2 => shape.1 = *n,
                _ => shape.2 = *n,
            }
        }
    }
    Ok(shapes)
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

async fn create_postgres_database() -> (String, String) {
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL for tests at {admin} cannot be reached ({e}); set TEST_DATABASE_URL"));
    let name = format!("crash_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("CREATE DATABASE");
    let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    (url.to_string(), name)
}

async fn drop_postgres_database(name: &str) {
    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await;
    }
}
