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

/// A request that takes longer than this is answered 408 and its work dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

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
    let request_id = HeaderName::from_static("x-request-id");
    let site = ServiceBuilder::new().layer(site::cache_control()).service(site::service(&state.config.site_dir));
    let mut router = routes::router().with_state(state).fallback_service(site);
    for layer in site::security_headers() {
        router = router.layer(layer);
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let matched = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(),
                                    matched_path = matched.as_deref().unwrap_or(""), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::custom(|_| problem_response(&Problem::new(ProblemCode::Internal))))
            .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
            .layer(CompressionLayer::new()),
    )
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and closes the database.
pub async fn serve(
    listener: TcpListener,
    server: Server,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = server.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await?;
    server.state.store.close().await;
    Ok(())
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
