//! 企业与经办人 — the enterprises one acts for, and their legal representative's authorizations.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::account::{AgentEntry, EnterpriseLink, GrantAgentRequest};
use shared::ids::RecordId;
use shared::{Problem, Uscc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_enterprises))
        .routes(routes!(list_agents, grant_agent))
        .routes(routes!(revoke_agent))
}

/// The enterprises the signed-in person may act for, and how.
#[utoipa::path(get, path = "/enterprises", tag = "identity",
    responses((status = 200, body = Vec<EnterpriseLink>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn my_enterprises(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<EnterpriseLink>>, ApiError> {
    Ok(Json(app.identity().my_enterprises(&s).await?))
}

/// The agents of an enterprise; only its legal representative sees them.
#[utoipa::path(get, path = "/enterprises/{uscc}/agents", tag = "identity",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses(
        (status = 200, body = Vec<AgentEntry>),
        (status = 403, description = "An agent, not the legal representative", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one's enterprise", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_agents(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(uscc): AppPath<Uscc>,
) -> Result<Json<Vec<AgentEntry>>, ApiError> {
    Ok(Json(app.identity().agents(&s, &uscc).await?))
}

/// Authorizes a registered person as an agent of the enterprise (legal representative only).
#[utoipa::path(post, path = "/enterprises/{uscc}/agents", tag = "identity", request_body = GrantAgentRequest,
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses(
        (status = 201, body = AgentEntry),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Enterprise or person not found", body = Problem, content_type = "application/problem+json"),
    ))]
async fn grant_agent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(uscc): AppPath<Uscc>,
    AppJson(req): AppJson<GrantAgentRequest>,
) -> Result<(StatusCode, Json<AgentEntry>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.identity().grant_agent(&s, &uscc, req).await?)))
}

/// Withdraws an agent's authorization (legal representative only); their sessions stop acting
/// for the enterprise at once.
#[utoipa::path(delete, path = "/enterprises/{uscc}/agents/{person_id}", tag = "identity",
    params(("uscc" = String, Path, description = "统一社会信用代码"), ("person_id" = String, Path, description = "The agent's account id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_agent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath((uscc, person_id)): AppPath<(Uscc, RecordId)>,
) -> Result<StatusCode, ApiError> {
    app.identity().revoke_agent(&s, &uscc, person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
