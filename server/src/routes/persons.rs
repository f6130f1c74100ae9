//! 个人信息 — the audited unmasking of an identity number by staff who need it.

use axum::Json;
use axum::extract::State;
use shared::Problem;
use shared::account::{UnmaskRequest, UnmaskResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unmask_id_number))
}

/// Shows a person's full identity number to a window clerk or supervisor, with a stated reason
/// that goes into the audit trail.
#[utoipa::path(post, path = "/persons/unmask", tag = "identity", request_body = UnmaskRequest,
    responses(
        (status = 200, body = UnmaskResponse),
        (status = 403, description = "The role may not unmask", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ))]
async fn unmask_id_number(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<UnmaskRequest>,
) -> Result<Json<UnmaskResponse>, ApiError> {
    Ok(Json(app.identity().unmask(&s, req).await?))
}
