//! 运行指标 — Prometheus metrics, recorded with the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` at `GET /metrics`, which answers only the bearer of the token
//! in `--metrics-token-file` (and does not exist without one), never the public.
//!
//! What is recorded (every name starts `yiwang_`):
//! - `http_requests_total{method, route, status}` and `http_request_duration_seconds{method, route}`:
//!   each request by its route's pattern (`/api/v1/items/{code}`), so that labels stay few;
//! - `requests_shed_total`: requests answered 503 `overloaded`; `requests_in_flight` (gauge);
//! - `rate_limited_total{limiter}`: requests a rate limit refused (`login`, `lookup`);
//! - `group_commit_size` and `group_commit_seconds`: the submissions each group commit wrote
//!   and how long its transaction took; `submission_queue_depth` (gauge) those waiting;
//!   `group_commit_fallbacks_total`: groups that failed and were written again one submission
//!   at a time;
//! - `db_pool_connections{state}`: the database pool's idle and busy connections;
//! - `sqlite_checkpoint_seconds` and `sqlite_wal_pages` (gauge): on SQLite, each checkpoint's
//!   time and the pages in the write-ahead log ([`crate::store`]'s checkpoint task);
//! - `sqlite_write_gate_wait_seconds`: on SQLite, how long each change waited for its turn to
//!   write (the store's write gate);
//! - `wal_sync_seconds` and `wal_sync_groups`: on SQLite, each fsync of the write-ahead log that
//!   makes committed groups durable, and how many groups it served (the submission writer).

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds: from a cached catalogue read to a timeout.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Upper bounds of the buckets of counts: submissions per group, groups per fsync.
const GROUP_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
/// How often samples are folded into the histograms, scraped or not.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder: installed once, shared by every server the process runs.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Suffix("size".into()), &GROUP_BUCKETS)
            })
            .and_then(|b| {
                b.set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Suffix("groups".into()), &GROUP_BUCKETS)
            })
            .and_then(|b| b.install_recorder())
            .unwrap_or_else(|e| {
                // Another recorder is installed (an embedding program's): render an empty one.
                tracing::warn!(error = %e, "metrics are recorded elsewhere");
                PrometheusBuilder::new().build_recorder().handle()
            });
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            })
            .map_err(|e| tracing::warn!(error = %e, "no metrics upkeep thread"))
            .ok();
        handle
    })
}

/// Counts and times every request by method, route pattern and status.
pub async fn record_request(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None if crate::middleware::is_api_path(req.uri().path()) => "unmatched".to_owned(),
        None => "site".to_owned(),
    };
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("yiwang_http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("yiwang_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// `GET /metrics`: the Prometheus text format, for the bearer of the metrics token.
pub async fn scrape(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = app.metrics_token.as_deref() else { return StatusCode::NOT_FOUND.into_response() };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(presented.as_bytes(), token.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    let (size, idle) = app.store.pool_usage();
    metrics::gauge!("yiwang_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("yiwang_db_pool_connections", "state" => "busy").set(f64::from(size.saturating_sub(idle)));
    let in_flight = app.config.max_requests_in_flight.max(1).saturating_sub(app.in_flight.available_permits());
    metrics::gauge!("yiwang_requests_in_flight").set(in_flight as f64);
    metrics::gauge!("yiwang_submission_queue_depth").set(app.writer.queue_depth() as f64);
    let text = handle().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// Compares two secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the metrics token from its file: its first line, at least 16 characters.
pub fn read_token(file: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(file).with_context(|| format!("metrics token {}", file.display()))?;
    let token = text.lines().next().unwrap_or_default().trim().to_owned();
    anyhow::ensure!(token.len() >= 16, "{}: the metrics token needs at least 16 characters", file.display());
    Ok(token)
}
