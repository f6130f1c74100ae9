//! 消息通知与部门对接 — a person's notification settings and what was sent to them; a
//! department's webhook endpoints, their delivery logs and its API tokens (its systems
//! administrator); the department feed (its systems, by API token).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use shared::Problem;
use shared::ids::RecordId;
use shared::notify::{
    ApiToken, ApiTokenCreated, ApiTokenRequest, EndpointDelivery, EventPage, EventQuery, NotificationSettings,
    NotificationView, SentMessage, WebhookCreated, WebhookEndpoint, WebhookRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings, set_settings))
        .routes(routes!(sent))
        .routes(routes!(endpoints, register_endpoint))
        .routes(routes!(disable_endpoint))
        .routes(routes!(endpoint_log))
        .routes(routes!(tokens, issue_token))
        .routes(routes!(revoke_token))
        .routes(routes!(events))
}

/// 通知设置 — how the signed-in person is told: email, SMS, and in which language.
#[utoipa::path(get, path = "/me/notifications", tag = "notifications",
    responses((status = 200, body = NotificationView), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn settings(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<NotificationView>, ApiError> {
    Ok(Json(app.notify().settings(&s).await?))
}

/// Changes how the signed-in person is told; email needs an address.
#[utoipa::path(put, path = "/me/notifications", tag = "notifications", request_body = NotificationSettings,
    responses(
        (status = 200, body = NotificationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed address, or email on without one", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_settings(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<NotificationSettings>,
) -> Result<Json<NotificationView>, ApiError> {
    Ok(Json(app.notify().set_settings(&s, &req).await?))
}

/// 发送给您的消息 — the newest 50 messages to the signed-in person, each with its email and SMS
/// deliveries (addresses masked).
#[utoipa::path(get, path = "/me/messages", tag = "notifications",
    responses((status = 200, body = Vec<SentMessage>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn sent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<SentMessage>>, ApiError> {
    Ok(Json(app.notify().sent(&s).await?))
}

/// 推送地址 — the department's webhook endpoints (its systems administrator).
#[utoipa::path(get, path = "/department/webhooks", tag = "notifications",
    responses(
        (status = 200, body = Vec<WebhookEndpoint>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
    ))]
async fn endpoints(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<WebhookEndpoint>>, ApiError> {
    Ok(Json(app.notify().endpoints(&s).await?))
}

/// 登记推送地址 — registers an endpoint: every event on the department's cases from now on is
/// POSTed to it, signed with the secret this answer shows once (`X-Yiwang-Signature:
/// sha256=<hex HMAC-SHA256 of the body>`).
#[utoipa::path(post, path = "/department/webhooks", tag = "notifications", request_body = WebhookRequest,
    responses(
        (status = 201, body = WebhookCreated),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an https address, or no description", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register_endpoint(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.notify().register_endpoint(&s, &req).await?)))
}

/// 停用推送地址 — switches an endpoint off; what still waits for it is given up.
#[utoipa::path(delete, path = "/department/webhooks/{id}", tag = "notifications",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint of the department switched on", body = Problem, content_type = "application/problem+json"),
    ))]
async fn disable_endpoint(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<StatusCode, ApiError> {
    app.notify().disable_endpoint(&s, &id.to_stored()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 投递记录 — an endpoint's newest 100 deliveries, each with its attempts and their HTTP
/// statuses.
#[utoipa::path(get, path = "/department/webhooks/{id}/deliveries", tag = "notifications",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, body = Vec<EndpointDelivery>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn endpoint_log(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<Json<Vec<EndpointDelivery>>, ApiError> {
    Ok(Json(app.notify().endpoint_log(&s, &id.to_stored()).await?))
}

/// 接口令牌 — the department's API tokens (never the tokens themselves).
#[utoipa::path(get, path = "/department/tokens", tag = "notifications",
    responses(
        (status = 200, body = Vec<ApiToken>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tokens(State(app): State<AppState>, Authenticated(s): Authenticated) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(app.notify().tokens(&s).await?))
}

/// 签发接口令牌 — issues a token for the feed; it is shown in this answer only.
#[utoipa::path(post, path = "/department/tokens", tag = "notifications", request_body = ApiTokenRequest,
    responses(
        (status = 201, body = ApiTokenCreated),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_token(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<ApiTokenRequest>,
) -> Result<(StatusCode, Json<ApiTokenCreated>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.notify().issue_token(&s, &req).await?)))
}

/// 吊销接口令牌 — revokes a token at once.
#[utoipa::path(delete, path = "/department/tokens/{id}", tag = "notifications",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the department's systems administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unrevoked token of the department", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_token(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
) -> Result<StatusCode, ApiError> {
    app.notify().revoke_token(&s, &id.to_stored()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 事件订阅 — the events on the department's cases, oldest first, after the cursor `after`
/// (the `next` of the page before). A department system authenticates with its API token
/// (`Authorization: Bearer ywt_…`) and sees only its department's events. Each event has the
/// id its webhook deliveries carry, for a receiver that takes both to discard a repeat.
#[utoipa::path(get, path = "/events", tag = "notifications", params(EventQuery),
    responses(
        (status = 200, body = EventPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown or revoked one (invalid_api_token)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A negative cursor, or a page size outside 1 to 1000", body = Problem, content_type = "application/problem+json"),
    ))]
async fn events(
    State(app): State<AppState>,
    headers: HeaderMap,
    AppQuery(q): AppQuery<EventQuery>,
) -> Result<Json<EventPage>, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    Ok(Json(app.notify().feed(bearer, &q).await?))
}
