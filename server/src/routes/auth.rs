//! 统一身份认证 — register, sign in and out, who am I, act for an enterprise, staff second factor.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use shared::account::{
    ActingRequest, EnrolmentToken, Identity, LoginRequest, MobileCodeRequest, MobileCodeSent, RegisterRequest,
    RepresentRequest, SecurityEvent, StaffEntry, TotpCode, TotpEnrolRequest, TotpEnrolment,
};
use shared::consent::{ConsentPurpose, ConsentRecord};
use shared::{Problem, ProblemCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::session;
use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, Authenticated, ClientIp, SignedIn};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(send_mobile_code))
        .routes(routes!(consents))
        .routes(routes!(withdraw_consent))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(session_state))
        .routes(routes!(set_acting))
        .routes(routes!(represent))
        .routes(routes!(enrol_totp))
        .routes(routes!(verify_totp))
        .routes(routes!(security_events))
        .routes(routes!(staff_list))
        .routes(routes!(issue_enrolment_token))
}

fn limit(app: &AppState, ip: std::net::IpAddr) -> Result<(), ApiError> {
    app.login_limiter.check_key(&ip).map_err(|_| {
        metrics::counter!("yiwang_rate_limited_total", "limiter" => "login").increment(1);
        ApiError::code(ProblemCode::RateLimited)
    })
}

/// 获取验证码 — sends a one-time code to the mobile number a registration will give; a
/// number gets one a minute and ten a day.
#[utoipa::path(post, path = "/auth/register/code", tag = "identity", request_body = MobileCodeRequest,
    responses(
        (status = 202, body = MobileCodeSent),
        (status = 422, description = "Not a mobile number", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A code went to this number a moment ago, or too many today", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No SMS gateway took the code", body = Problem, content_type = "application/problem+json"),
    ))]
async fn send_mobile_code(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<MobileCodeRequest>,
) -> Result<(StatusCode, Json<MobileCodeSent>), ApiError> {
    limit(&app, ip)?;
    Ok((StatusCode::ACCEPTED, Json(app.identity().send_mobile_code(&req).await?)))
}

/// Registers a citizen by resident identity number, with the one-time code sent to their
/// mobile and their consent to processing the number; sign in afterwards.
#[utoipa::path(post, path = "/auth/register", tag = "identity", request_body = RegisterRequest,
    responses(
        (status = 201, body = Identity),
        (status = 409, description = "Already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, the mobile code wrong or the consent not given; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
async fn register(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<RegisterRequest>,
) -> Result<(StatusCode, Json<Identity>), ApiError> {
    limit(&app, ip)?;
    Ok((StatusCode::CREATED, Json(app.identity().register(req).await?)))
}

/// 我的授权 — the consents the signed-in person has given, newest first.
#[utoipa::path(get, path = "/auth/consents", tag = "identity",
    responses((status = 200, body = Vec<ConsentRecord>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn consents(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<ConsentRecord>>, ApiError> {
    Ok(Json(app.identity().consents(&s).await?))
}

/// 撤回授权 — withdraws the consent to processing the identity number, which closes the
/// account: every session ends (the cookie is cleared) and kept answers are deleted.
#[utoipa::path(delete, path = "/auth/consents/{purpose}", tag = "identity",
    params(("purpose" = ConsentPurpose, Path, description = "What the consent is for")),
    responses(
        (status = 204, headers(("set-cookie" = String, description = "clears the session cookie"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A staff account", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consent holds", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "No such purpose (invalid_path)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn withdraw_consent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(purpose): AppPath<ConsentPurpose>,
) -> Result<impl IntoResponse, ApiError> {
    match purpose {
        ConsentPurpose::IdentityNumber => app.identity().withdraw_identity_consent(&s).await?,
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, session::clear_cookie())])))
}

/// Signs in with identity number and password (staff add `totp`) and sets the session cookie.
/// A wrong number, password or code all get the same 401.
#[utoipa::path(post, path = "/auth/login", tag = "identity", request_body = LoginRequest,
    responses(
        (status = 200, body = Identity, headers(("set-cookie" = String, description = "__Host-yiwang_session"))),
        (status = 401, description = "invalid_credentials, or totp_required for staff", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "login_locked or rate_limited", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    limit(&app, ip)?;
    let (identity, token) = app.identity().login(req, ip, session::token_from(&headers)).await?;
    Ok((AppendHeaders([(SET_COOKIE, session::set_cookie(&token))]), Json(identity)))
}

/// Ends the session on the server and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "identity",
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn logout(State(app): State<AppState>, SignedIn(s): SignedIn) -> Result<impl IntoResponse, ApiError> {
    app.identity().logout(&s).await?;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, session::clear_cookie())])))
}

/// Who is signed in, for whom they act, and (for staff) their department and roles.
#[utoipa::path(get, path = "/auth/me", tag = "identity",
    responses((status = 200, body = Identity), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(app): State<AppState>, SignedIn(s): SignedIn) -> Result<Json<Identity>, ApiError> {
    Ok(Json(app.identity().identity(&s).await?))
}

/// 登录状态 — who is signed in, if anyone: 200 either way (the app asks this on every start).
#[utoipa::path(get, path = "/auth/session", tag = "identity", responses((status = 200, body = shared::account::SessionState)))]
async fn session_state(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<shared::account::SessionState>, ApiError> {
    let session = match session::token_from(&headers) {
        Some(token) => app.identity().session(&token).await?,
        None => None,
    };
    let identity = match session {
        Some(s) => Some(app.identity().identity(&s).await?),
        None => None,
    };
    Ok(Json(shared::account::SessionState { identity }))
}

/// Acts for one of one's enterprises (`uscc`), or for oneself (`null`).
#[utoipa::path(post, path = "/auth/acting", tag = "identity", request_body = ActingRequest,
    responses(
        (status = 200, body = Identity),
        (status = 403, description = "Not linked to this enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No authorization given to this person that holds today", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Both an enterprise and an authorization named", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_acting(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<ActingRequest>,
) -> Result<Json<Identity>, ApiError> {
    Ok(Json(app.identity().set_acting(&s, req).await?))
}

/// A window clerk starts serving an applicant who is present (`id_number`), or stops (`null`);
/// every act meanwhile records the applicant.
#[utoipa::path(post, path = "/auth/represent", tag = "identity", request_body = RepresentRequest,
    responses(
        (status = 200, body = Identity),
        (status = 403, description = "Not a window clerk", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The applicant has no account", body = Problem, content_type = "application/problem+json"),
    ))]
async fn represent(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppJson(req): AppJson<RepresentRequest>,
) -> Result<Json<Identity>, ApiError> {
    Ok(Json(app.identity().represent(&s, req).await?))
}

/// Starts binding an authenticator app (staff): returns the new secret and its `otpauth://`
/// URL. Replacing a bound authenticator takes `current_code` from it; a first binding takes the
/// `enrolment_token` a security administrator issued. The new secret counts only once a code
/// from it is verified, from this session.
#[utoipa::path(post, path = "/auth/totp/enrol", tag = "identity", request_body = TotpEnrolRequest,
    responses(
        (status = 200, body = TotpEnrolment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or the bound authenticator was not passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The current code or the enrolment token is wrong", body = Problem, content_type = "application/problem+json"),
    ))]
async fn enrol_totp(
    State(app): State<AppState>,
    SignedIn(s): SignedIn,
    AppJson(req): AppJson<TotpEnrolRequest>,
) -> Result<Json<TotpEnrolment>, ApiError> {
    Ok(Json(app.identity().enrol_totp(&s, req).await?))
}

/// Verifies an authenticator code (staff): confirms an enrolment and passes the second factor.
#[utoipa::path(post, path = "/auth/totp/verify", tag = "identity", request_body = TotpCode,
    responses((status = 200, body = Identity), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn verify_totp(
    State(app): State<AppState>,
    SignedIn(s): SignedIn,
    AppJson(req): AppJson<TotpCode>,
) -> Result<Json<Identity>, ApiError> {
    Ok(Json(app.identity().verify_totp(&s, &req.code).await?))
}

/// The changes to how the signed-in person signs in (authenticator bound, replaced, reset),
/// newest first: a change one did not make is a sign to call the security administrator.
#[utoipa::path(get, path = "/auth/security-events", tag = "identity",
    responses((status = 200, body = [SecurityEvent]), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn security_events(
    State(app): State<AppState>,
    SignedIn(s): SignedIn,
) -> Result<Json<Vec<SecurityEvent>>, ApiError> {
    Ok(Json(app.identity().security_events(&s).await?))
}

/// Every staff member, with whether an authenticator is bound (security administrators).
#[utoipa::path(get, path = "/staff", tag = "identity",
    responses(
        (status = 200, body = [StaffEntry]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
async fn staff_list(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<Vec<StaffEntry>>, ApiError> {
    Ok(Json(app.identity().staff_list(&s).await?))
}

/// Issues a staff member a one-time enrolment token, shown only in this answer; an
/// authenticator already bound is removed and the member's sessions end (security
/// administrators, never for themselves).
#[utoipa::path(post, path = "/staff/{person_id}/enrolment-token", tag = "identity",
    params(("person_id" = String, Path, description = "The staff member's account id")),
    responses(
        (status = 201, body = EnrolmentToken),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member", body = Problem, content_type = "application/problem+json"),
    ))]
async fn issue_enrolment_token(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(person_id): AppPath<shared::ids::RecordId>,
) -> Result<(StatusCode, Json<EnrolmentToken>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.identity().issue_enrolment_token(&s, person_id).await?)))
}
