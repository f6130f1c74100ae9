//! Yiwang's server: the JSON API under `/api/v1`, storage on embedded SQLite or PostgreSQL, and
//! the built app. `main.rs` only parses flags; everything else lives here so tests can start the
//! real server.

pub mod applying;
pub mod auth;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod deadlines;
pub mod demo;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod notify;
pub mod pii;
pub mod routes;
pub mod search;
pub mod site;
pub mod state;
pub mod store;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use shared::{Problem, ProblemCode};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, LogFormat};
use crate::error::problem_response;
use crate::state::AppState;
use crate::store::Store;

/// A configured server, ready to serve.
pub struct Server {
    /// The shared state, for tests that look behind the API.
    pub state: AppState,
    /// Every route, with its middleware.
    pub router: Router,
    /// The demo accounts, when started with `--demo`.
    pub demo_accounts: Vec<demo::DemoAccount>,
}

/// Opens the database, applies migrations, loads the demo catalogue if asked, and builds the
/// router.
pub async fn build(config: Config) -> anyhow::Result<Server> {
    let pii = pii::PiiKeys::load(config.pii_key.as_deref(), &config.data_dir)?;
    let store = Store::open(&config, pii.audit_chain_key()).await?;
    let swept = applying::uploads::sweep_temporary_files(&config.data_dir)?;
    if swept > 0 {
        tracing::info!(files = swept, "removed the temporary files of interrupted uploads");
    }
    if config.demo {
        let demo = demo::DemoCatalogue::load()?;
        let published = demo.install(&store).await?;
        tracing::info!(items = demo.items.len(), newly_published = published, "demo catalogue loaded");
    }
    if !site::is_built(&config.site_dir) {
        tracing::warn!(site_dir = %config.site_dir.display(), "the app is not built here; run `bash .ci/build-app`");
    }
    seal_plain_answers(&store, &pii).await?;
    let demo_mode = config.demo;
    let channels = notify::Channels::from_config(&config)?;
    let metrics_token = config.metrics_token_file.as_deref().map(metrics::read_token).transpose()?;
    if metrics_token.is_some() {
        metrics::handle();
    }
    let state = AppState::new(store, config, pii, channels, metrics_token);
    state.deadlines().load().await?;
    let demo_accounts = if demo_mode { demo::install_accounts(&state).await? } else { Vec::new() };
    let router = app_router(state.clone());
    Ok(Server { state, router, demo_accounts })
}

/// Seals, once, the answers stored in plain JSON by versions before they were sealed.
pub async fn seal_plain_answers(store: &Store, pii: &pii::PiiKeys) -> anyhow::Result<()> {
    const NAME: &str = "0008_seal_answers";
    if store.data_migration_done(NAME).await? {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let sealed = store.seal_plain_answers(NAME, now, |plain| pii.seal_text(plain)).await?;
    tracing::info!(rows = sealed, "sealed the answers of earlier applications and drafts");
    Ok(())
}

fn app_router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(middleware::REQUEST_ID);
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    let site = ServiceBuilder::new().layer(site::cache_control()).service(site::service(&state.config.site_dir));
    // Innermost first: limits answered before a body is read, the timeout around the handler
    // (and the reading of its body), panics caught, and every error made a problem document.
    let public_url = state.config.public_url.clone();
    let mut api = routes::router(public_url.as_deref());
    if state.config.test_clock {
        tracing::warn!("the test clock is on: POST /api/v1/test/clock moves this server's time");
        api = api.merge(routes::test_clock());
    }
    let api = api.route("/metrics", axum::routing::get(metrics::scrape));
    let mut router = api.with_state(state.clone()).fallback_service(site).layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(metrics::record_request))
            .layer(axum::middleware::from_fn(middleware::problem_for_every_error))
            .layer(CatchPanicLayer::custom(|_| problem_response(&Problem::new(ProblemCode::Internal))))
            .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
            .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_limits))
            .layer(axum::middleware::from_fn_with_state(state, middleware::shed_load))
            .layer(CompressionLayer::new()),
    );
    // Around all of that, so that every answer carries them, the problems above included.
    for layer in site::security_headers() {
        router = router.layer(layer);
    }
    router.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(middleware::own_request_id))
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<_>| {
                        let matched =
                            req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
                        let id =
                            req.headers().get(middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(),
                                    matched_path = matched.as_deref().unwrap_or(""), request_id = %id)
                    })
                    .on_failure(log_failure),
            )
            .layer(PropagateRequestIdLayer::new(request_id)),
    )
}

/// Logs an answer in the 5xx range or a failed body. A 503 is the server shedding load on
/// purpose (it carries `Retry-After` and is counted in `/metrics`): at twice the peak rate there
/// are tens of thousands a minute, which at ERROR would bury the errors that need a person.
fn log_failure(failure: ServerErrorsFailureClass, latency: Duration, _span: &tracing::Span) {
    let latency_ms = latency.as_millis();
    match failure {
        ServerErrorsFailureClass::StatusCode(status) if status == axum::http::StatusCode::SERVICE_UNAVAILABLE => {
            tracing::debug!(%status, latency_ms, "answered 503: overloaded");
        }
        ServerErrorsFailureClass::StatusCode(status) => tracing::error!(%status, latency_ms, "answered a server error"),
        ServerErrorsFailureClass::Error(error) => tracing::error!(%error, latency_ms, "the response failed"),
    }
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and closes the database.
///
/// Connections are accepted here rather than by `axum::serve` for two limits it does not set:
/// a connection must send its headers within `--header-timeout-secs` (a client that opens
/// connections and never finishes a request would otherwise hold them for ever), and one
/// client address may hold at most `--max-connections-per-address` at once.
pub async fn serve(
    listener: TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let config = &server.state.config;
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(config.header_timeout_secs));
    let slots = connection_slots::Slots::new(config.max_connections_per_address);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let housekeeping = tokio::spawn(housekeeping(server.state.clone()));
    let deadline_scan = deadlines::spawn_scan(server.state.clone(), Duration::from_secs(config.deadline_scan_secs));
    let dispatcher = notify::dispatch::spawn(server.state.clone());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A trusted proxy carries many clients' connections: it is not held to one client's share.
        let slot = if config.trusted_proxies.contains(&peer.ip()) {
            None
        } else {
            let Some(slot) = slots.take(peer.ip()) else {
                tracing::warn!(address = %peer.ip(), "connection refused: too many from this address");
                continue;
            };
            Some(slot)
        };
        let router = server.router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let header_timeout = Duration::from_secs(config.header_timeout_secs);
        tokio::spawn(async move {
            // hyper's header timeout starts with the first byte: a connection that sends none
            // is closed here.
            let mut first = [0u8; 1];
            if let Ok(Ok(1..)) = tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                // One that ends in an error (a reset, a timeout) is the client's business.
                let _ = watcher.watch(connection.into_owned()).await;
            }
            drop(slot);
        });
    }
    drop(listener);
    // Requests in flight finish within their timeout; a dashboard's stream is cut then.
    let grace = Duration::from_secs(server.state.config.request_timeout_secs);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::info!("connections still open at shutdown were closed");
    }
    housekeeping.abort();
    if let Some(scan) = deadline_scan {
        scan.abort();
    }
    if let Some(dispatcher) = dispatcher {
        // Attempts in flight may be cut: their leases run out and another node, or this one
        // after a restart, makes them again.
        dispatcher.abort();
    }
    server.state.store.close().await;
    Ok(())
}

mod connection_slots {
    //! Counts the open connections of each client address.

    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::sync::{Arc, Mutex};

    /// The open connections per address, and how many one address may hold.
    #[derive(Clone)]
    pub(super) struct Slots {
        open: Arc<Mutex<HashMap<IpAddr, usize>>>,
        max: usize,
    }

    /// One open connection; dropping it frees its slot.
    pub(super) struct Slot {
        slots: Slots,
        ip: IpAddr,
    }

    impl Slots {
        pub(super) fn new(max: usize) -> Self {
            Self { open: Arc::default(), max }
        }

        /// A slot for a new connection from `ip`, unless it holds `max` already.
        pub(super) fn take(&self, ip: IpAddr) -> Option<Slot> {
            let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = open.entry(ip).or_insert(0);
            if *count >= self.max {
                return None;
            }
            *count += 1;
            Some(Slot { slots: self.clone(), ip })
        }
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            let mut open = self.slots.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(count) = open.get_mut(&self.ip) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&self.ip);
                }
            }
        }
    }
}

/// How often periodic work runs.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60 * 60);

/// Periodic work of this node: expiring uploads no application holds. Running it on several
/// nodes at once is harmless (each deletion is one transaction and deleting twice finds nothing).
async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        every.tick().await;
        // Forget the rate limiters' keys that have not been seen for a while.
        state.login_limiter.retain_recent();
        state.lookup_limiter.retain_recent();
        state.person_lookup_limiter.retain_recent();
        if let Err(e) = state.applying().expire_unattached_uploads().await {
            tracing::warn!(error = ?e, "expiring unattached uploads failed; retrying in an hour");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Sets up structured logging; `RUST_LOG` overrides the default level.
pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
