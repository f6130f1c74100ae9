//! 委托代办 — a citizen's authorizations of others to apply for them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::Problem;
use shared::ids::RecordId;
use shared::proxy::{GrantProxyRequest, Proxies, ProxyGrant};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_proxies, grant_proxy)).routes(routes!(revoke_proxy))
}

/// The authorizations the signed-in person gave, and those given to them that hold today.
#[utoipa::path(get, path = "/proxies", tag = "identity",
    responses(
        (status = 200, body = Proxies),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff accounts give and take none", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_proxies(State(app): State<AppState>, Authenticated(s): Authenticated) -> Result<Json<Proxies>, ApiError> {
    Ok(Json(app.identity().proxies(&s).await?))
}

/// 委托他人代办 — authorizes a registered person to apply for the signed-in person, for the
/// items named (items for persons) until a date within a year.
#[utoipa::path(post, path = "/proxies", tag = "identity", request_body = GrantProxyRequest,
    responses(
        (status = 201, body = ProxyGrant),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No registered person of that name and number", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Items or the period are wrong, each said", body = Problem, content_type = "application/problem+json"),
    ))]
async fn grant_proxy(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<GrantProxyRequest>,
) -> Result<(StatusCode, Json<ProxyGrant>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.identity().grant_proxy(&s, req).await?)))
}

/// 撤销委托 — revokes one of the signed-in person's authorizations; the proxy stops applying
/// under it at once.
#[utoipa::path(delete, path = "/proxies/{id}", tag = "identity",
    params(("id" = String, Path, description = "The authorization's id")),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the person's, or already revoked", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_proxy(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<StatusCode, ApiError> {
    app.identity().revoke_proxy(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
