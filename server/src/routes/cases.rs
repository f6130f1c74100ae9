//! 办件 — the staff console's inboxes, the case page, actions on a case, notices, and the
//! audit chain's check.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::Problem;
use shared::case::{AuditVerification, CaseDetail, CasePage, CaseQuery, Notice, QueueCount};
use shared::ids::{CaseNo, RecordId};
use shared::workflow::ActionRequest;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::applying::check_idempotency_key;
use crate::cases::{Acted, ActionKey};
use crate::error::ApiError;
use crate::extract::{AppPath, AppQuery, Authenticated, DigestedJson};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases))
        .routes(routes!(queues))
        .routes(routes!(case_detail))
        .routes(routes!(case_file))
        .routes(routes!(act))
        .routes(routes!(notice))
        .routes(routes!(notice_pdf))
        .routes(routes!(verify_audit))
}

/// 待办 — the signed-in staff member's cases: the front desk sees every department's,
/// department staff their own. Paginated, oldest first unless asked otherwise.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseQuery),
    responses(
        (status = 200, body = CasePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a role that works cases", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_cases(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppQuery(q): AppQuery<CaseQuery>,
) -> Result<Json<CasePage>, ApiError> {
    Ok(Json(app.cases().list(&s, q).await?))
}

/// 待办数量 — the queues of the caller's roles with their counts.
#[utoipa::path(get, path = "/cases/queues", tag = "cases",
    responses(
        (status = 200, body = Vec<QueueCount>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a role that works cases", body = Problem, content_type = "application/problem+json"),
    ))]
async fn queues(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<QueueCount>>, ApiError> {
    Ok(Json(app.cases().queues(&s).await?))
}

/// 办件详情 — the case with its form, materials, notices, timeline and the actions the caller
/// may take now; 404 for a case the caller may not see.
#[utoipa::path(get, path = "/cases/{case_no}", tag = "cases",
    params(("case_no" = String, Path, description = "办件编号")),
    responses(
        (status = 200, body = CaseDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn case_detail(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(case_no): AppPath<CaseNo>,
) -> Result<Json<CaseDetail>, ApiError> {
    Ok(Json(app.cases().detail(&s, &case_no).await?))
}

/// 办理 — takes an action on a case. 409 names the case's status and the actions allowed now;
/// 403 when the caller's role never takes the action. An `Idempotency-Key` makes a retry safe.
#[utoipa::path(post, path = "/cases/{case_no}/actions", tag = "cases", request_body = ActionRequest,
    params(
        ("case_no" = String, Path, description = "办件编号"),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 128 visible ASCII characters, new for each action"),
    ),
    responses(
        (status = 200, body = shared::case::ActionOutcome),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role does not take this action", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed now (with case_status and allowed_actions), or the case changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What the action needs is missing or names what it cannot", body = Problem, content_type = "application/problem+json"),
    ))]
async fn act(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(case_no): AppPath<CaseNo>,
    headers: HeaderMap,
    DigestedJson(req, digest): DigestedJson<ActionRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(ActionKey { key: check_idempotency_key(v.to_str().unwrap_or_default())?, body_sha256: digest }),
    };
    let (status, body) = match app.cases().act(&s, &case_no, &req, key).await? {
        Acted::Done(body) => (StatusCode::OK, body),
        Acted::Replayed(status, body) => (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body),
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// 材料预览 — a file of a case, served only while it has the SHA-256 recorded when it was
/// received (409 `file_altered` otherwise); shown inline, for the case page's preview.
#[utoipa::path(get, path = "/cases/{case_no}/files/{id}", tag = "cases",
    params(("case_no" = String, Path, description = "办件编号"), ("id" = String, Path, description = "The upload's id")),
    responses(
        (status = 200, content_type = "application/octet-stream", description = "The file, with its SHA-256 in X-Content-SHA256"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stored file no longer matches its recorded hash", body = Problem, content_type = "application/problem+json"),
    ))]
async fn case_file(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath((case_no, id)): AppPath<(CaseNo, RecordId)>,
) -> Result<Response, ApiError> {
    let (file, bytes) = app.cases().case_file(&s, &case_no, &id.to_stored()).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(&file.media_type).map_err(anyhow::Error::from)?);
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("x-content-sha256", HeaderValue::from_str(&file.sha256).map_err(anyhow::Error::from)?);
    // A PDF or picture from an applicant runs nothing and loads nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(response)
}

/// 通知书 — a notice issued on a case, for whoever may see the case.
#[utoipa::path(get, path = "/notices/{id}", tag = "cases",
    params(("id" = String, Path, description = "The notice's id")),
    responses(
        (status = 200, body = Notice),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn notice(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<Json<Notice>, ApiError> {
    Ok(Json(app.cases().notice(&s, &id.to_stored()).await?))
}

/// 通知书 PDF — the notice as printed, with the case number and a QR code to its progress.
#[utoipa::path(get, path = "/notices/{id}/pdf", tag = "cases",
    params(("id" = String, Path, description = "The notice's id")),
    responses(
        (status = 200, content_type = "application/pdf"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn notice_pdf(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<Response, ApiError> {
    let notice = app.cases().notice(&s, &id.to_stored()).await?;
    let config = &app.config;
    let (url, font, index) = (config.public_url(), config.receipt_font.clone(), config.receipt_font_index);
    let case_no = notice.case_no.clone();
    let pdf =
        tokio::task::spawn_blocking(move || crate::applying::receipt_pdf::render_notice(&notice, &url, &font, index))
            .await
            .map_err(anyhow::Error::from)??;
    super::pdf_attachment(pdf, &format!("notice-{case_no}.pdf"))
}

/// 留痕校验 — recomputes the audit trail's hash chain and names the first event that does not
/// match (supervisors).
#[utoipa::path(get, path = "/audit/verify", tag = "cases",
    responses(
        (status = 200, body = AuditVerification),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
async fn verify_audit(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<AuditVerification>, ApiError> {
    Ok(Json(app.cases().verify_audit(&s).await?))
}
