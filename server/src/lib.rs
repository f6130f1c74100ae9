//! Yiwang's server: the JSON API under `/api/v1`, storage on embedded SQLite or PostgreSQL, and
//! the built app. `main.rs` only parses flags; everything else lives here so tests can start the
//! real server.

pub mod applying;
pub mod auth;
pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod pii;
pub mod routes;
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
    let store = Store::open(&config).await?;
    let swept = applying::uploads::sweep_temporary_files(&config.data_dir)?;
    if swept > 0 {
        tracing::info!(files = swept, "removed the temporary files of interrupted uploads");
    }
    let pii = pii::PiiKeys::load(config.pii_key.as_deref(), &config.data_dir)?;
    if config.demo {
        let demo = demo::DemoCatalogue::load()?;
        let published = demo.install(&store).await?;
        tracing::info!(items = demo.items.len(), newly_published = published, "demo catalogue loaded");
    }
    if !site::is_built(&config.site_dir) {
        tracing::warn!(site_dir = %config.site_dir.display(), "the app is not built here; run `bash .ci/build-app`");
    }
    let demo_mode = config.demo;
    let state = AppState::new(store, config, pii);
    let demo_accounts = if demo_mode { demo::install_accounts(&state).await? } else { Vec::new() };
    let router = app_router(state.clone());
    Ok(Server { state, router, demo_accounts })
}

fn app_router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(middleware::REQUEST_ID);
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    let site = ServiceBuilder::new().layer(site::cache_control()).service(site::service(&state.config.site_dir));
    // Innermost first: limits answered before a body is read, the timeout around the handler
    // (and the reading of its body), panics caught, and every error made a problem document.
    let mut router = routes::router().with_state(state.clone()).fallback_service(site).layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(middleware::problem_for_every_error))
            .layer(CatchPanicLayer::custom(|_| problem_response(&Problem::new(ProblemCode::Internal))))
            .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
            .layer(axum::middleware::from_fn_with_state(state, middleware::request_limits))
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
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let matched = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
                let id = req.headers().get(middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(),
                                    matched_path = matched.as_deref().unwrap_or(""), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id)),
    )
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and closes the database.
pub async fn serve(
    listener: TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = server.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let housekeeping = tokio::spawn(housekeeping(server.state.clone()));
    let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
    housekeeping.abort();
    server.state.store.close().await;
    Ok(served?)
}

/// How often periodic work runs.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60 * 60);

/// Periodic work of this node: expiring uploads no application holds. Running it on several
/// nodes at once is harmless (each deletion is one transaction and deleting twice finds nothing).
async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        every.tick().await;
        if let Err(e) = state.expire_unattached_uploads().await {
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
