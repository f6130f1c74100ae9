//! 路由 — every route of `/api/v1` in one place, and the OpenAPI document generated from them.
//!
//! Applicants and the app call the catalogue and identifier routes; monitors call `/health`;
//! department systems read `/openapi.json` to learn the contract.

mod catalogue;
mod health;
mod identifiers;

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router};
use shared::{Problem, ProblemCode};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, problem_response};
use crate::state::AppState;

/// The API's description; the paths come from the handlers' `#[utoipa::path]` attributes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Yiwang (一网通办) API", description = "One catalogue, one identity, one form, one front desk."),
    tags(
        (name = "catalogue", description = "事项目录 — service items and their guides"),
        (name = "identifiers", description = "身份标识 — resident identity numbers and credit codes"),
        (name = "system", description = "运行状态"),
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// The API router with its OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new().merge(health::routes()).merge(catalogue::routes()).merge(identifiers::routes()),
        )
        .split_for_parts();
    (router, openapi)
}

/// The whole API: routes, the OpenAPI document at `/api/v1/openapi.json`, and problem answers
/// for unknown paths and methods.
pub fn router() -> Router<AppState> {
    let (router, openapi) = api();
    let openapi = Arc::new(openapi);
    router
        .route("/api/v1/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .method_not_allowed_fallback(|| async { ApiError::code(ProblemCode::MethodNotAllowed) })
        // Answers may carry personal information from the next release on: never cache them.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// The answer for a path under `/api` that names no route.
pub fn api_not_found() -> axum::response::Response {
    problem_response(&Problem::new(ProblemCode::NotFound))
}
