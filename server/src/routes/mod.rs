//! 路由 — every route of `/api/v1` in one place, and the OpenAPI document generated from them.
//!
//! Applicants and the app call the catalogue and identifier routes; monitors call `/health`;
//! department systems read `/openapi.json` to learn the contract.

mod applications;
mod auth;
mod catalogue;
mod enterprises;
mod health;
mod identifiers;
pub mod openapi;
mod persons;

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
        (name = "identity", description = "统一身份认证 — accounts, sessions, enterprises and agents"),
        (name = "applying", description = "申办 — one form, materials, submission, receipts and progress"),
        (name = "system", description = "运行状态"),
    ),
    components(schemas(Problem, shared::catalogue::ItemSummary))
)]
struct ApiDoc;

/// The API router with its OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(health::routes())
                .merge(catalogue::routes())
                .merge(identifiers::routes())
                .merge(auth::routes())
                .merge(enterprises::routes())
                .merge(persons::routes())
                .merge(applications::routes()),
        )
        .split_for_parts();
    (router, openapi)
}

/// The whole API: routes, the OpenAPI document at `/api/v1/openapi.json`, and problem answers
/// for unknown paths and methods.
pub fn router() -> Router<AppState> {
    let (router, openapi) = api();
    let document = serde_json::to_value(&openapi).unwrap_or_default();
    let openapi = Arc::new(openapi::complete(document));
    router
        .route("/api/v1/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .method_not_allowed_fallback(|| async { ApiError::code(ProblemCode::MethodNotAllowed) })
        .layer(axum::middleware::from_fn(csrf_guard))
        // Answers may carry personal information from the next release on: never cache them.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// The answer for a path under `/api` that names no route.
pub fn api_not_found() -> axum::response::Response {
    problem_response(&Problem::new(ProblemCode::NotFound))
}

/// Refuses a state-changing request that a browser says came from another site (OWASP CSRF
/// cheat sheet: verifying origin with standard headers). It stands beside the SameSite=Strict
/// session cookie and the JSON-only bodies, which a cross-site form cannot send.
async fn csrf_guard(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_fetch = fetch_site.is_some_and(|v| v != "same-origin" && v != "none");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let foreign_origin = match (origin, host) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, authority)| authority) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    };
    if cross_fetch || foreign_origin {
        tracing::warn!(
            origin = origin.unwrap_or(""),
            fetch_site = fetch_site.unwrap_or(""),
            "cross-site request refused"
        );
        return problem_response(&Problem::new(ProblemCode::CsrfRejected));
    }
    next.run(req).await
}
