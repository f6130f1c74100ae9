//! 身份标识校验 — lets a form or a department system check an identifier with the same parser
//! the server applies everywhere else.

use axum::Json;
use axum::extract::State;
use shared::Problem;
use shared::api::{IdentifierCheck, IdentifierCheckRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check_identifier))
}

/// Checks a resident identity number (GB 11643) or a unified social credit code (GB 32100).
/// A valid one is described (a resident identity number only masked); an invalid one gets a
/// 422 whose `errors[0]` says exactly what is wrong.
#[utoipa::path(post, path = "/identifiers/check", tag = "identifiers", request_body = IdentifierCheckRequest,
    responses(
        (status = 200, body = IdentifierCheck),
        (status = 422, description = "The identifier is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
async fn check_identifier(
    State(app): State<AppState>,
    AppJson(req): AppJson<IdentifierCheckRequest>,
) -> Result<Json<IdentifierCheck>, ApiError> {
    req.check(app.clock.today()).map(Json).map_err(|e| ApiError::fields(vec![e]))
}
