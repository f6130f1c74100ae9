//! 受理吞吐 — submissions per second through the group-commit writer, end to end over HTTP:
//! one server on a fresh database (SQLite by default, PostgreSQL with `DATABASE_URL`), one
//! signed-in citizen, and `--concurrency` clients submitting `--total` applications of one item,
//! each with its ID card from the e-license library and one uploaded file.
//!
//! `cargo run --release -p server --example submit_bench -- --total 4000 --concurrency 64`

use std::time::Instant;

use clap::Parser;
use serde_json::json;
use server::config::Config;

#[derive(Parser)]
struct Args {
    /// Applications to submit.
    #[arg(long, default_value_t = 2000)]
    total: usize,
    /// Submissions in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// PostgreSQL to run against instead of a fresh SQLite file.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.demo = true;
    config.database_url = args.database_url.clone();
    config.login_attempts_per_minute = 1000;
    // Every client here is one address; raise the per-address connection cap (256) above the
    // concurrency, as the rate limits are raised, by configuration rather than removal.
    config.max_connections_per_address = args.concurrency.max(256) * 2;
    let backend = if config.database_url.is_some() { "postgres" } else { "sqlite" };
    let srv = server::build(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { server::serve(listener, srv, std::future::pending()).await });

    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"id_number": "441900198201013579", "password": server::demo::DEMO_PASSWORD}))
        .send()
        .await?;
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-yiwang_session="))
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?
        .to_owned();
    // A whole one-pixel PNG: uploads are decoded and encoded again.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDAT\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99\x3d\x1d\0\0\0\0IEND\xae\x42\x60\x82".to_vec();
    let upload: serde_json::Value = client
        .post(format!("{base}/api/v1/uploads?name=form.png"))
        .header("cookie", &cookie)
        .body(png)
        .send()
        .await?
        .json()
        .await?;
    let body = json!({
        "items": ["DG-GR-0011"],
        "answers": {
            "fields": {"applicant_name": "王强", "applicant_id_number": "441900198201013579", "phone": "13800138000",
                       "contact_address": "东莞市莞城街道市府路1号", "employment_status": "unemployed"},
            "materials": {"DG-GR-0011-M01": [upload["id"]]}
        }
    });

    let started = Instant::now();
    let per_worker = args.total.div_ceil(args.concurrency);
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (client, base, cookie, body) = (client.clone(), base.clone(), cookie.clone(), body.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            for i in 0..per_worker {
                let t = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/applications"))
                    .header("cookie", &cookie)
                    .header("idempotency-key", format!("bench-{w}-{i}"))
                    .json(&body)
                    .send()
                    .await
                    .expect("the server answers");
                assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(args.total);
    for w in workers {
        latencies.extend(w.await?);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    let line = format!(
        "{backend}: {} submissions, concurrency {}, {:.2} s, {:.0} per second; latency p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        args.concurrency,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
    );
    eprintln!("{line}");
    Ok(())
}
