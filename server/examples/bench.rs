//! 性能基准 — starts the release `yiwang` binary as its own process, on a fresh SQLite file and
//! then on a fresh PostgreSQL database, drives it over loopback HTTP from this process, and
//! prints one table per database:
//!
//! - durable submissions of the enterprise's three-item application (its licences from the
//!   library, one uploaded file, an `Idempotency-Key` each): the peak with `--clients` clients
//!   each waiting for its answer, then a fixed rate of 80% of that peak, where the latency of
//!   every request counts from when it was due, so a stall is not hidden by sending less;
//! - the same at twice the peak: what the server accepts, what it sheds with 503, how fast;
//! - progress look-ups of an accepted case (its timeline and deadline): the peak, and a fixed
//!   10,000 a second;
//! - sign-ins flooding beside submissions (argon2 runs on its own bounded pool);
//! - the server's resident memory idle and at its highest under load.
//!
//! `bash .ci/bench` builds both in release and runs it; `--seconds`, `--clients` and
//! `--only sqlite|postgres` shorten a run.

#[path = "../tests/drive/mod.rs"]
mod drive;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use serde_json::{Value, json};
use shared::application::ApplicationReceipt;
use sqlx::Connection as _;

use drive::{AGENT, ENTERPRISE, ServerProcess, Signed};

#[derive(Parser)]
struct Args {
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Clients submitting at once when finding the peak.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// The PostgreSQL server to make a fresh database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Measure one database only.
    #[arg(long, value_parser = ["sqlite", "postgres"])]
    only: Option<String>,
    /// Where the servers keep their data and logs (by default a temporary directory, removed
    /// afterwards).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The server binary (by default the `yiwang` built beside this example).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Only these measurements (by default all), e.g. `--measure progress` to compare two
    /// builds' look-ups quickly.
    #[arg(long, value_enum, value_delimiter = ',')]
    measure: Vec<Measure>,
}

/// The measurements of one database's table.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Measure {
    /// Submissions at the peak, at 80% of it and at twice it.
    Submissions,
    /// Progress look-ups at the peak and at 10,000 a second.
    Progress,
    /// Sign-ins flooding beside submissions.
    SignIns,
}

impl Args {
    fn measures(&self, m: Measure) -> bool {
        self.measure.is_empty() || self.measure.contains(&m)
    }
}

/// Rates of the fixed-rate progress measurement.
const LOOKUP_RATE: f64 = 10_000.0;
/// Clients flooding sign-ins beside the submissions.
const SIGN_IN_CLIENTS: usize = 16;

#[tokio::main]
#[expect(clippy::print_stdout, reason = "the table is the benchmark's output")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .and_then(Path::parent)
            .map(|dir| dir.join("yiwang"))
            .context("where the example runs from")?,
    };
    let temporary = tempfile::tempdir()?;
    let dir = args.data_dir.clone().unwrap_or_else(|| temporary.path().to_owned());
    println!("yiwang benchmark: {}, {} s per measurement, {} clients", bin.display(), args.seconds, args.clients);
    if args.only.as_deref() != Some("postgres") {
        let table = run(&args, &bin, &dir.join("sqlite"), None).await?;
        println!("\nSQLite (WAL; the log fsynced after each group's commit, before its answers)\n{table}");
    }
    if args.only.as_deref() != Some("sqlite") {
        let (url, name) = create_database(&args.postgres).await?;
        let table = run(&args, &bin, &dir.join("postgres"), Some(&url)).await;
        drop_database(&args.postgres, &name).await;
        println!("\nPostgreSQL (synchronous_commit on)\n{}", table?);
    }
    Ok(())
}

/// Every measurement on one database; the table in Markdown.
async fn run(args: &Args, bin: &Path, data: &Path, database_url: Option<&str>) -> anyhow::Result<String> {
    std::fs::create_dir_all(data)?;
    let token_file = data.join("metrics.token");
    std::fs::write(&token_file, METRICS_TOKEN)?;
    let token_file = token_file.to_string_lossy().into_owned();
    let flags = [
        "--login-attempts-per-minute",
        "1000000000",
        "--progress-lookups-per-minute",
        "1000000000",
        "--max-connections-per-address",
        "100000",
        "--metrics-token-file",
        &token_file,
    ];
    let server = Arc::new(ServerProcess::start(bin, data, database_url, &flags, &data.join("server.log"))?);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = server.rss_bytes().unwrap_or_default();
    let client = drive::http_client();
    let agent = drive::sign_in(&client, &server.base, AGENT).await?;
    agent.act_for(ENTERPRISE).await?;
    let body = Arc::new(agent.enterprise_application().await?);
    let peak_rss = RssWatch::start(Arc::clone(&server));
    let seconds = Duration::from_secs(args.seconds);
    let keys = Arc::new(AtomicU64::new(0));
    let submit = {
        let (agent, body, keys) = (agent.clone(), Arc::clone(&body), Arc::clone(&keys));
        move || submit_once(agent.clone(), Arc::clone(&body), Arc::clone(&keys))
    };

    let mut rows = Vec::new();
    let mut writer = WriterStats::default();
    if args.measures(Measure::Submissions) {
        let writer_before = WriterStats::read(&client, &server.base).await;
        let peak = closed_loop(args.clients, seconds, submit.clone()).await;
        writer = WriterStats::read(&client, &server.base).await.since(&writer_before, peak.elapsed);
        let peak_rate = peak.ok_rate();
        rows.push(peak.row(&format!("submissions, peak ({} clients waiting for answers)", args.clients)));
        let at_80 = open_loop(peak_rate * 0.8, seconds, Some(args.clients), submit.clone()).await;
        rows.push(at_80.row(&format!(
            "submissions at 80% of peak ({:.0}/s offered on {} connections)",
            peak_rate * 0.8,
            args.clients
        )));
        // Overload comes from everywhere at once: as many connections as requests in flight.
        let at_200 = open_loop(peak_rate * 2.0, seconds, None, submit.clone()).await;
        rows.push(at_200.row(&format!("submissions at twice the peak ({:.0}/s offered)", peak_rate * 2.0)));
    }
    if args.measures(Measure::Progress) {
        rows.extend(progress(args, &client, &server.base, &agent, &body).await?);
    }
    if args.measures(Measure::SignIns) {
        let sign_in = {
            let (client, base) = (client.clone(), server.base.clone());
            move || sign_in_once(client.clone(), base.clone())
        };
        let (beside, flood) =
            tokio::join!(closed_loop(args.clients, seconds, submit), closed_loop(SIGN_IN_CLIENTS, seconds, sign_in));
        rows.push(flood.row(&format!("sign-ins, {SIGN_IN_CLIENTS} clients, beside submissions")));
        rows.push(beside.row("submissions beside the sign-in flood"));
    }

    let peak_rss = peak_rss.stop().await;
    let mut table = String::from(
        "| measurement | answered/s | 2xx/s | 503/s | other | p50 | p99 |\n|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        table.push_str(&row);
        table.push('\n');
    }
    table.push_str(&format!("\nat the peak, the group-commit writer: {writer}\n"));
    table.push_str(&format!(
        "resident memory: {:.1} MB idle, {:.1} MB at most under load\n",
        idle_rss as f64 / 1e6,
        peak_rss as f64 / 1e6
    ));
    Ok(table)
}

/// Progress look-ups of an accepted case, so each answer works out its deadline, as most do:
/// the peak, and a fixed 10,000 a second.
async fn progress(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    agent: &Signed,
    body: &Value,
) -> anyhow::Result<Vec<String>> {
    let receipt: ApplicationReceipt =
        serde_json::from_str(&submit_text(agent, body, &format!("bench-lookup-{}", std::process::id())).await?)?;
    drive::sign_in(client, base, drive::CLERK).await?.accept(&receipt.cases[0].case_no).await?;
    let lookup_body = json!({"case_no": receipt.cases[0].case_no, "id_number": drive::demo_id("李娜")});
    let url = format!("{base}/api/v1/progress/lookup");
    let first: Value = client.post(&url).json(&lookup_body).send().await?.json().await?;
    anyhow::ensure!(first["deadline"].is_object(), "the case looked up has no deadline: {first}");
    // The request is made once, so the load generator spends its share of the cores on sending.
    let lookup_body = bytes::Bytes::from(serde_json::to_vec(&lookup_body)?);
    let lookup = {
        let client = client.clone();
        move || look_up(client.clone(), url.clone(), lookup_body.clone())
    };
    let seconds = Duration::from_secs(args.seconds);
    Ok(vec![
        closed_loop(args.clients, seconds, lookup.clone()).await.row("progress look-ups, peak"),
        open_loop(LOOKUP_RATE, seconds, Some(args.clients), lookup)
            .await
            .row(&format!("progress look-ups at 10,000/s offered on {} connections", args.clients)),
    ])
}

/// The bearer token the benchmark reads `/metrics` with.
const METRICS_TOKEN: &str = "bench-metrics-token-0123456789";

/// The group-commit writer's totals from `/metrics`.
#[derive(Default)]
struct WriterStats {
    groups: f64,
    submissions: f64,
    busy_seconds: f64,
    span: Duration,
}

impl WriterStats {
    async fn read(client: &reqwest::Client, base: &str) -> Self {
        let text = match client.get(format!("{base}/metrics")).bearer_auth(METRICS_TOKEN).send().await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse::<f64>().ok()))
                .unwrap_or_default()
        };
        Self {
            groups: value("yiwang_group_commit_size_count"),
            submissions: value("yiwang_group_commit_size_sum"),
            busy_seconds: value("yiwang_group_commit_seconds_sum"),
            span: Duration::ZERO,
        }
    }

    fn since(self, before: &Self, span: Duration) -> Self {
        Self {
            groups: self.groups - before.groups,
            submissions: self.submissions - before.submissions,
            busy_seconds: self.busy_seconds - before.busy_seconds,
            span,
        }
    }
}

impl std::fmt::Display for WriterStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.groups == 0.0 {
            return write!(f, "no groups recorded");
        }
        write!(
            f,
            "{:.0} groups/s of {:.1} submissions on average, {:.2} ms per group, busy {:.0}% of the time",
            self.groups / self.span.as_secs_f64(),
            self.submissions / self.groups,
            self.busy_seconds / self.groups * 1e3,
            self.busy_seconds / self.span.as_secs_f64() * 100.0
        )
    }
}

/// What one request came to.
enum Answer {
    Ok,
    Shed,
    Other(u16),
    Unanswered,
}

fn answer(status: u16) -> Answer {
    match status {
        200..=299 => Answer::Ok,
        503 => Answer::Shed,
        other => Answer::Other(other),
    }
}

async fn submit_once(agent: Signed, body: Arc<Value>, keys: Arc<AtomicU64>) -> Answer {
    let key = format!("bench-{}", keys.fetch_add(1, Ordering::Relaxed));
    match agent.submit(&key, &body).await {
        Ok((status, _)) => answer(status),
        Err(_) => Answer::Unanswered,
    }
}

async fn submit_text(agent: &Signed, body: &Value, key: &str) -> anyhow::Result<String> {
    let (status, text) = agent.submit(key, body).await?;
    anyhow::ensure!(status == 201, "submitting answered {status}: {text}");
    Ok(text)
}

async fn look_up(client: reqwest::Client, url: String, body: bytes::Bytes) -> Answer {
    let request = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
    match request.send().await {
        Ok(r) => answer(r.status().as_u16()),
        Err(_) => Answer::Unanswered,
    }
}

async fn sign_in_once(client: reqwest::Client, base: String) -> Answer {
    let body = json!({"id_number": drive::demo_id("王强"), "password": server::demo::DEMO_PASSWORD});
    match client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await {
        Ok(r) => answer(r.status().as_u16()),
        Err(_) => Answer::Unanswered,
    }
}

/// The answers of one measurement.
#[derive(Default)]
struct Tally {
    elapsed: Duration,
    ok: u64,
    shed: u64,
    other: u64,
    /// The other statuses, how often each.
    statuses: std::collections::BTreeMap<u16, u64>,
    no_answer: u64,
    /// Latency of every answered request, sorted.
    latencies: Vec<Duration>,
}

impl Tally {
    fn add(&mut self, answer: Answer, latency: Duration) {
        match answer {
            Answer::Ok => self.ok += 1,
            Answer::Shed => self.shed += 1,
            Answer::Other(status) => {
                self.other += 1;
                *self.statuses.entry(status).or_default() += 1;
            }
            Answer::Unanswered => {
                self.no_answer += 1;
                return;
            }
        }
        self.latencies.push(latency);
    }

    fn ok_rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        self.latencies[((n as f64 * p) as usize).min(n - 1)]
    }

    /// Answers other than 2xx and 503, by status, and requests never answered.
    fn others(&self) -> String {
        let mut parts: Vec<String> = self.statuses.iter().map(|(status, n)| format!("{n}× {status}")).collect();
        if self.no_answer > 0 {
            parts.push(format!("{} unanswered", self.no_answer));
        }
        if parts.is_empty() { "0".to_owned() } else { parts.join(", ") }
    }

    fn row(mut self, name: &str) -> String {
        self.latencies.sort_unstable();
        let secs = self.elapsed.as_secs_f64();
        format!(
            "| {name} | {:.0} | {:.0} | {:.0} | {} | {:.1} ms | {:.1} ms |",
            self.latencies.len() as f64 / secs,
            self.ok as f64 / secs,
            self.shed as f64 / secs,
            self.others(),
            self.percentile(0.50).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
        )
    }
}

/// `clients` clients, each sending its next request when the last is answered, for `length`.
async fn closed_loop<F, Fut>(clients: usize, length: Duration, op: F) -> Tally
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Answer> + Send,
{
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while started.elapsed() < length {
                    let sent = Instant::now();
                    let answer = op().await;
                    tally.add(answer, sent.elapsed());
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for w in workers {
        if let Ok(t) = w.await {
            total.ok += t.ok;
            total.shed += t.shed;
            total.other += t.other;
            for (status, n) in t.statuses {
                *total.statuses.entry(status).or_default() += n;
            }
            total.no_answer += t.no_answer;
            total.latencies.extend(t.latencies);
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Requests sent at a fixed `rate` for `length` whether or not earlier ones were answered; each
/// one's latency counts from when it was due.
///
/// With `connections`, at most that many are in flight at once and the rest wait for one of them
/// to be answered (the wait counts in their latency), as a load balancer keeps a pool of
/// connections to each node. Without, a request that finds every connection busy opens another,
/// as phones each open their own. On one machine the second measures the load generator more
/// than the server: every `connect` searches the ephemeral ports for a free one past tens of
/// thousands in `TIME_WAIT`, so once answers slow a little the generator opens thousands of
/// connections and takes the cores the server needed (BENCHMARKS.md, "Stalls after submissions").
async fn open_loop<F, Fut>(rate: f64, length: Duration, connections: Option<usize>, op: F) -> Tally
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Answer> + Send + 'static,
{
    let started = Instant::now();
    let total = (rate * length.as_secs_f64()) as u64;
    let mut tasks = tokio::task::JoinSet::new();
    let mut tally = Tally::default();
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let in_flight = connections.map(|n| Arc::new(tokio::sync::Semaphore::new(n)));
    let mut sent = 0;
    while sent < total {
        ticker.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate) as u64).min(total);
        while sent < due {
            let at = started + Duration::from_secs_f64(sent as f64 / rate);
            let (op, in_flight) = (op.clone(), in_flight.clone());
            tasks.spawn(async move {
                let _connection = match in_flight {
                    Some(limit) => Some(limit.acquire_owned().await),
                    None => None,
                };
                (op().await, at.elapsed())
            });
            sent += 1;
        }
        while let Some(Ok((answer, latency))) = tasks.try_join_next() {
            tally.add(answer, latency);
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok((answer, latency)) = done {
            tally.add(answer, latency);
        }
    }
    // Until the last answer: where requests waited for a connection, longer than `length`, so
    // the rate answered is what the server kept up with, not what was offered.
    tally.elapsed = started.elapsed().max(length);
    tally
}

/// Samples the server's resident memory ten times a second and keeps the highest.
struct RssWatch {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl RssWatch {
    fn start(server: Arc<ServerProcess>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut highest = 0;
            while !flag.load(Ordering::Relaxed) {
                highest = highest.max(server.rss_bytes().unwrap_or_default());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            highest
        });
        Self { stop, task }
    }

    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or_default()
    }
}

async fn create_database(admin: &str) -> anyhow::Result<(String, String)> {
    let mut conn = sqlx::PgConnection::connect(admin).await.with_context(|| format!("PostgreSQL at {admin}"))?;
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await?;
    let mut url = url::Url::parse(admin)?;
    url.set_path(&name);
    Ok((url.to_string(), name))
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await;
    }
}
