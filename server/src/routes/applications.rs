//! 申办 — the one form, uploads, submission, drafts, "my applications", progress lookup, and
//! the e-license library as its holder sees it.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::application::{
    ApplicationBrief, ApplicationProgressLookup, ApplicationReceipt, CaseProgress, Draft, FormRequest, FormResponse,
    ProgressLookup, SubmitRequest, UploadReceipt,
};
use shared::ids::{ApplicationNo, RecordId};
use shared::license::{License, LicenseAccess};
use shared::{Problem, ProblemCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::applying::{Submitted, check_idempotency_key};
use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated, ClientIp, DigestedJson};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(one_form))
        .routes(routes!(my_applications, submit))
        .routes(routes!(receipt))
        .routes(routes!(receipt_pdf))
        .routes(routes!(my_uploads, upload))
        .routes(routes!(download))
        .routes(routes!(list_drafts, save_draft))
        .routes(routes!(delete_draft))
        .routes(routes!(progress_lookup))
        .routes(routes!(application_progress_lookup))
        .routes(routes!(my_licenses))
        .routes(routes!(license_access))
        .routes(routes!(suggestions))
        .routes(routes!(memory_consent))
        .routes(routes!(forget_answer))
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// 一表 — the single form of one or several items, for the signed-in applicant.
#[utoipa::path(post, path = "/applications/form", tag = "applying", request_body = FormRequest,
    responses(
        (status = 200, body = FormResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Items that cannot be combined, with the reason", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one_form(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<FormRequest>,
) -> Result<Json<FormResponse>, ApiError> {
    Ok(Json(app.applying().one_form(&s, req).await?))
}

/// 提交申请 — one application with one case per item. An `Idempotency-Key` header makes a
/// retry safe: the same key and body get the first answer byte for byte, another body a 422.
#[utoipa::path(post, path = "/applications", tag = "applying", request_body = SubmitRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 128 visible ASCII characters, new for each application")),
    responses(
        (status = 201, body = ApplicationReceipt),
        (status = 400, description = "Malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem of the form and materials, or a reused key", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    headers: HeaderMap,
    DigestedJson(req, digest): DigestedJson<SubmitRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(check_idempotency_key(v.to_str().unwrap_or_default())?),
    };
    Ok(match app.applying().submit(&s, key, digest, req, channel_of(&headers)).await? {
        Submitted::Created(body) => json_response(StatusCode::CREATED, body),
        Submitted::Replayed(status, body) => {
            json_response(StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED), body)
        }
    })
}

/// 办理渠道 — the channel a request comes from, as its browser tells: a phone (the client hint
/// `Sec-CH-UA-Mobile: ?1`, or "Mobi" in the user agent, as browsers on phones send), a
/// self-service kiosk (whose browser adds `YiwangKiosk` to its user agent), else the web on a
/// desktop. It is a record for staff and statistics, not a permission.
pub fn channel_of(headers: &HeaderMap) -> shared::catalogue::Channel {
    use shared::catalogue::Channel;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let agent = header("user-agent");
    if agent.contains("YiwangKiosk") {
        Channel::Kiosk
    } else if header("sec-ch-ua-mobile") == "?1" || agent.contains("Mobi") {
        Channel::Mobile
    } else {
        Channel::Web
    }
}

/// 我的办件 — the applications of the signed-in person and of their enterprises.
#[utoipa::path(get, path = "/applications", tag = "applying",
    responses((status = 200, body = Vec<ApplicationBrief>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn my_applications(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<ApplicationBrief>>, ApiError> {
    Ok(Json(app.applying().my_applications(&s).await?))
}

/// 申办回执 — the receipt of one of the person's applications.
#[utoipa::path(get, path = "/applications/{application_no}", tag = "applying",
    params(("application_no" = String, Path, description = "申办编号")),
    responses((status = 200, body = ApplicationReceipt), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn receipt(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(no): AppPath<ApplicationNo>,
) -> Result<Json<ApplicationReceipt>, ApiError> {
    Ok(Json(app.applying().receipt(&s, &no).await?))
}

/// 申办回执 PDF — the printable receipt with a QR code that opens the case's progress page.
#[utoipa::path(get, path = "/applications/{application_no}/receipt.pdf", tag = "applying",
    params(("application_no" = String, Path, description = "申办编号")),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn receipt_pdf(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(no): AppPath<ApplicationNo>,
) -> Result<Response, ApiError> {
    let receipt = app.applying().receipt(&s, &no).await?;
    let config = &app.config;
    let (url, font, index) = (config.public_url(), config.receipt_font.clone(), config.receipt_font_index);
    let pdf = tokio::task::spawn_blocking(move || crate::applying::receipt_pdf::render(&receipt, &url, &font, index))
        .await
        .map_err(anyhow::Error::from)??;
    super::pdf_attachment(pdf, &format!("receipt-{no}.pdf"))
}

/// The name of an uploaded file.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// The file's name on the applicant's device.
    name: Option<String>,
}

/// 上传材料 — the request body is the file itself (PDF, JPEG or PNG, by content); it is
/// streamed to disk and kept by its SHA-256.
#[utoipa::path(post, path = "/uploads", tag = "applying", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = UploadReceipt),
        (status = 413, description = "Larger than the limit (10 MiB by default)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG or PNG by content", body = Problem, content_type = "application/problem+json"),
    ))]
async fn upload(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppQuery(q): AppQuery<UploadQuery>,
    body: Body,
) -> Result<(StatusCode, Json<UploadReceipt>), ApiError> {
    let name = q.name.unwrap_or_default();
    Ok((StatusCode::CREATED, Json(app.applying().upload(&s, &name, body).await?)))
}

/// 我的文件 — the files the signed-in person uploaded, newest first (at most 200).
#[utoipa::path(get, path = "/uploads", tag = "applying",
    responses((status = 200, body = Vec<UploadReceipt>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn my_uploads(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<UploadReceipt>>, ApiError> {
    Ok(Json(app.applying().my_uploads(&s).await?))
}

/// Downloads an uploaded file: one's own, or a material of one's application.
#[utoipa::path(get, path = "/uploads/{id}", tag = "applying",
    params(("id" = String, Path, description = "Upload id")),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<Response, ApiError> {
    let (row, file) = app.applying().download(&s, id).await?;
    let encoded: String = url::form_urlencoded::byte_serialize(row.file_name.as_bytes()).collect();
    let disposition = format!("attachment; filename=\"file\"; filename*=UTF-8''{}", encoded.replace('+', "%20"));
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(&row.media_type).map_err(anyhow::Error::from)?);
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(row.size));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// 我的草稿
#[utoipa::path(get, path = "/drafts", tag = "applying",
    responses((status = 200, body = Vec<Draft>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_drafts(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<Draft>>, ApiError> {
    Ok(Json(app.applying().drafts(&s).await?))
}

/// 保存草稿 — without an id a new draft; with one, replaces that draft of the person's. A
/// person keeps at most 50 drafts.
#[utoipa::path(post, path = "/drafts", tag = "applying", request_body = Draft,
    responses(
        (status = 200, body = Draft),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Fifty drafts are kept already (draft_limit_reached)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn save_draft(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(draft): AppJson<Draft>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(app.applying().save_draft(&s, draft).await?))
}

/// Deletes one of the person's drafts.
#[utoipa::path(delete, path = "/drafts/{id}", tag = "applying",
    params(("id" = String, Path, description = "Draft id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_draft(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<StatusCode, ApiError> {
    app.applying().delete_draft(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Progress lookups without sign-in are limited per client address.
fn lookup_allowed(app: &AppState, ip: std::net::IpAddr) -> Result<(), ApiError> {
    app.lookup_limiter.check_key(&ip).map_err(|_| {
        metrics::counter!("yiwang_rate_limited_total", "limiter" => "lookup").increment(1);
        ApiError::code(ProblemCode::RateLimited)
    })
}

/// 进度查询 — no sign-in needed: the case number and the applicant's identity number, in the
/// body. A wrong pair is answered like an unknown case; lookups are rate-limited per address.
#[utoipa::path(post, path = "/progress/lookup", tag = "applying", request_body = ProgressLookup,
    responses(
        (status = 200, body = CaseProgress),
        (status = 404, description = "Unknown case, or the identity number does not match", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
async fn progress_lookup(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<ProgressLookup>,
) -> Result<Json<CaseProgress>, ApiError> {
    lookup_allowed(&app, ip)?;
    let found = app.applying().progress(req).await?;
    let mut progress = found.progress;
    progress.deadline = app.deadlines().deadline_of(&found.record).await?;
    Ok(Json(progress))
}

/// 进度查询 by the application number on the receipt (申办编号): every case of the application,
/// each with its timeline and deadline. As for a case number, a wrong pair is answered like an
/// unknown application, and lookups are rate-limited per address.
#[utoipa::path(post, path = "/progress/lookup/application", tag = "applying", request_body = ApplicationProgressLookup,
    responses(
        (status = 200, body = Vec<CaseProgress>),
        (status = 404, description = "Unknown application, or the identity number does not match", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
async fn application_progress_lookup(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<ApplicationProgressLookup>,
) -> Result<Json<Vec<CaseProgress>>, ApiError> {
    lookup_allowed(&app, ip)?;
    let mut cases = Vec::new();
    for found in app.applying().application_progress(req).await? {
        let mut progress = found.progress;
        progress.deadline = app.deadlines().deadline_of(&found.record).await?;
        cases.push(progress);
    }
    Ok(Json(cases))
}

/// 我的证照 — the licenses the e-license library holds for the person (or, for a legal
/// representative acting for it, the enterprise).
#[utoipa::path(get, path = "/licenses", tag = "applying",
    responses((status = 200, body = Vec<License>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn my_licenses(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<License>>, ApiError> {
    Ok(Json(app.applying().my_licenses(&s).await?))
}

/// 用证记录 — who read the holder's licenses, when, and for which application.
#[utoipa::path(get, path = "/licenses/access", tag = "applying",
    responses((status = 200, body = Vec<LicenseAccess>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn license_access(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<LicenseAccess>>, ApiError> {
    Ok(Json(app.applying().license_access(&s).await?))
}

/// 填写记录 — whether the person lets answers be kept, and what is kept for whom they act now
/// (offered on later forms as suggestions, never filled in silently).
#[utoipa::path(get, path = "/suggestions", tag = "applying",
    responses(
        (status = 200, body = shared::memory::Suggestions),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff keep no answers", body = Problem, content_type = "application/problem+json"),
    ))]
async fn suggestions(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<shared::memory::Suggestions>, ApiError> {
    Ok(Json(app.applying().suggestions(&s).await?))
}

/// Gives or withdraws consent to keeping answers; withdrawing deletes everything kept.
#[utoipa::path(put, path = "/suggestions/consent", tag = "applying", request_body = shared::memory::MemoryConsent,
    responses(
        (status = 200, body = shared::memory::Suggestions),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff keep no answers", body = Problem, content_type = "application/problem+json"),
    ))]
async fn memory_consent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<shared::memory::MemoryConsent>,
) -> Result<Json<shared::memory::Suggestions>, ApiError> {
    Ok(Json(app.applying().set_memory_consent(&s, req).await?))
}

/// Deletes one kept answer.
#[utoipa::path(delete, path = "/suggestions/{key}", tag = "applying",
    params(("key" = String, Path, description = "The field's key")),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff keep no answers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a field key", body = Problem, content_type = "application/problem+json"),
    ))]
async fn forget_answer(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(key): AppPath<shared::memory::FieldKey>,
) -> Result<StatusCode, ApiError> {
    app.applying().forget_answer(&s, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
