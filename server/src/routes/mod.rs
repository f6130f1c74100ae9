//! 路由 — every route of `/api/v1` in one place, and the OpenAPI document generated from them.
//!
//! Applicants and the app call the catalogue and identifier routes; monitors call `/health`;
//! department systems read `/openapi.json` to learn the contract.

mod applications;
mod auth;
mod cases;
mod catalogue;
mod deadlines;
mod enterprises;
mod health;
mod identifiers;
mod notify;
pub mod openapi;
mod persons;
mod proxies;

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::IntoResponse as _;
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
        (name = "cases", description = "办件 — the front desk and department inboxes, actions on cases, notices, the audit chain"),
        (name = "calendar", description = "工作日历 — working days, holiday notices and due dates"),
        (name = "supervision", description = "效能监察 — yellow and red cards and their 督办"),
        (name = "notifications", description = "消息通知与部门对接 — notices to people, events to department systems by webhook and feed"),
        (name = "system", description = "运行状态"),
    ),
    components(schemas(Problem, shared::catalogue::ItemSummary, shared::case::CaseOrder, shared::case::Queue))
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
                .merge(proxies::routes())
                .merge(applications::routes())
                .merge(cases::routes())
                .merge(deadlines::routes())
                .merge(notify::routes()),
        )
        .split_for_parts();
    (router, openapi)
}

/// `POST /api/v1/test/clock` `{"advance_seconds": n}`: moves the server's clock forward by `n`
/// seconds (0 to 400 days), runs the deadline scan, and answers the new time and the cards the
/// scan raised. Only a server started with `--test-clock` has it; it is not in the OpenAPI
/// document.
pub fn test_clock() -> Router<AppState> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_seconds: i64,
    }
    async fn advance(
        axum::extract::State(app): axum::extract::State<AppState>,
        crate::extract::AppJson(a): crate::extract::AppJson<Advance>,
    ) -> Result<Json<serde_json::Value>, ApiError> {
        if !(0..=400 * 86_400).contains(&a.advance_seconds) {
            return Err(ApiError::fields(vec![shared::FieldError::new(
                "advance_seconds",
                shared::FieldCode::OutOfRange,
            )]));
        }
        app.clock.advance(chrono::Duration::seconds(a.advance_seconds));
        let raised = app.deadlines().scan().await?;
        Ok(Json(serde_json::json!({ "now": app.clock.now(), "raised": raised })))
    }
    Router::new().route("/api/v1/test/clock", axum::routing::post(advance))
}

/// The whole API: routes, the OpenAPI document at `/api/v1/openapi.json`, and problem answers
/// for unknown paths and methods (405 with its `Allow` header). `public_url`, when the server
/// knows the address applicants reach it at, is the only origin state changes are taken from.
pub fn router(public_url: Option<&str>) -> Router<AppState> {
    let (router, openapi) = api();
    let document = serde_json::to_value(&openapi).unwrap_or_default();
    let allowed = Arc::new(allowed_methods(&document));
    let openapi = Arc::new(openapi::complete(document));
    let origin = public_url.and_then(|u| url::Url::parse(u).ok()).map(|u| u.origin().ascii_serialization());
    router
        .route("/api/v1/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .method_not_allowed_fallback(move |path: Option<axum::extract::MatchedPath>| {
            let allow = path.and_then(|p| allowed.get(p.as_str()).cloned()).unwrap_or_default();
            async move {
                let mut response = ApiError::code(ProblemCode::MethodNotAllowed).into_response();
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                response
            }
        })
        .layer(axum::middleware::from_fn(move |req, next| csrf_guard(origin.clone(), req, next)))
        // Answers may carry personal information from the next release on: never cache them.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// A PDF as a download named `file_name` (ASCII: a receipt's or a case's number).
fn pdf_attachment(pdf: Vec<u8>, file_name: &str) -> Result<axum::response::Response, ApiError> {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?);
    Ok(response)
}

/// The methods each documented path takes, as an `Allow` header value.
fn allowed_methods(document: &serde_json::Value) -> std::collections::HashMap<String, String> {
    let mut allowed = std::collections::HashMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        let mut methods: Vec<String> = item.as_object().into_iter().flatten().map(|(m, _)| m.to_uppercase()).collect();
        if methods.iter().any(|m| m == "GET") {
            methods.push("HEAD".to_owned());
        }
        allowed.insert(path.clone(), methods.join(", "));
    }
    allowed.insert("/api/v1/openapi.json".to_owned(), "GET, HEAD".to_owned());
    allowed
}

/// The answer for a path under `/api` that names no route.
pub fn api_not_found() -> axum::response::Response {
    problem_response(&Problem::new(ProblemCode::NotFound))
}

/// Refuses a state-changing request that a browser says came from another site (OWASP CSRF
/// cheat sheet: verifying origin with standard headers). It stands beside the SameSite=Strict
/// session cookie and the JSON-only bodies, which a cross-site form cannot send.
/// With a configured public address, the `Origin` must be exactly its origin, scheme included;
/// without one, it must name the host the request was sent to.
async fn csrf_guard(
    public_origin: Option<String>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_fetch = fetch_site.is_some_and(|v| v != "same-origin" && v != "none");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let foreign_origin = match (origin, host, public_origin.as_deref()) {
        (Some(origin), _, Some(expected)) => origin != expected,
        (Some(origin), Some(host), None) => origin.split_once("://").map(|(_, authority)| authority) != Some(host),
        (Some(_), None, None) => true,
        (None, _, _) => false,
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
