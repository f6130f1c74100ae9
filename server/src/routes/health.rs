//! 运行状态 — whether this node and its database answer.

use axum::Json;
use axum::extract::State;
use shared::Problem;
use shared::api::Health;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Reports whether the server and its database answer.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn health(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    app.store.ping().await.map_err(ApiError::Unavailable)?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        database: app.store.backend().as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}
