//! 接口客户端 — the only module that talks HTTP. Every call returns `Result<T, ApiError>`, with a
//! problem+json answer decoded into the `shared` type so the page can say what went wrong.

use crate::json::{Malformed, from_json};
use gloo_net::http::Request;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::Problem;
use shared::account::{
    ActingRequest, AgentEntry, EnrolmentToken, GrantAgentRequest, Identity, LoginRequest, RegisterRequest,
    RepresentRequest, SecurityEvent, StaffEntry, TotpCode, TotpEnrolRequest, TotpEnrolment,
};
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::{
    ApplicationBrief, ApplicationReceipt, CaseProgress, Draft, FormRequest, FormResponse, ProgressLookup,
    SubmitRequest, UploadReceipt,
};
use shared::catalogue::{ServiceItem, Theme};
use shared::license::{License, LicenseAccess};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server could not be reached (offline, server down, connection cut).
    Network,
    /// The server answered with a problem document.
    Problem(Box<Problem>),
    /// The server answered something this app cannot read.
    Unexpected,
}

const BASE: &str = "/api/v1";

impl ApiError {
    /// The fields a `validation_failed` answer names, if it is one.
    pub fn field_errors(&self) -> Option<Vec<shared::FieldError>> {
        match self {
            Self::Problem(p) if p.code == shared::ProblemCode::ValidationFailed && !p.errors.is_empty() => {
                Some(p.errors.clone())
            }
            _ => None,
        }
    }

    /// The problem's stable code, if the server answered with one.
    pub fn code(&self) -> Option<shared::ProblemCode> {
        match self {
            Self::Problem(p) => Some(p.code),
            _ => None,
        }
    }
}

/// A 2xx answer decoded into `T`; any other answer as the problem it reports.
fn answer<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        return from_json(text).map_err(|_| ApiError::Unexpected);
    }
    Err(problem(status, text))
}

/// The error a non-2xx answer stands for.
fn problem(status: u16, text: &str) -> ApiError {
    match decode_problem(text) {
        Ok(problem) => ApiError::Problem(Box::new(problem)),
        // A gateway in front of the server answers 502–504 without a problem document.
        Err(_) if (502..=504).contains(&status) => ApiError::Network,
        Err(_) => ApiError::Unexpected,
    }
}

/// A problem answer as the pages of this bundle read it.
#[cfg(not(feature = "guides"))]
fn decode_problem(text: &str) -> Result<Problem, Malformed> {
    from_json(text)
}

/// A problem answer as the guides read it: its type, title, status, detail, code and message,
/// without the field errors and case details they never show ([`shared::ProblemBrief`]).
#[cfg(feature = "guides")]
fn decode_problem(text: &str) -> Result<Problem, Malformed> {
    from_json::<shared::ProblemBrief>(text).map(Problem::from)
}

/// Sends a request and reads its answer's status and body (`null` for 204). This is all of a
/// call but the decoding into its answer's type, kept out of the generic functions so that each
/// answer type adds only its own decoding to the bundle.
async fn exchange(request: Request) -> Result<(u16, String), ApiError> {
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    if status == 204 {
        return Ok((status, "null".to_owned()));
    }
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    Ok((status, text))
}

async fn decode<T: DeserializeOwned>(request: Request) -> Result<T, ApiError> {
    let (status, text) = exchange(request).await?;
    answer(status, &text)
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(Request::get(path).build().map_err(|_| ApiError::Unexpected)?).await
}

async fn send<B: Serialize, T: DeserializeOwned>(method: &str, path: &str, body: Option<&B>) -> Result<T, ApiError> {
    let builder = match method {
        "POST" => Request::post(path),
        "DELETE" => Request::delete(path),
        "PUT" => Request::put(path),
        _ => Request::get(path),
    };
    let request = match body {
        Some(body) => builder.json(body).map_err(|_| ApiError::Unexpected)?,
        None => builder.build().map_err(|_| ApiError::Unexpected)?,
    };
    decode(request).await
}

/// `POST /auth/register`
pub async fn register(req: &RegisterRequest) -> Result<Identity, ApiError> {
    send("POST", &format!("{BASE}/auth/register"), Some(req)).await
}

/// `POST /auth/register/code`: texts a one-time code to the mobile.
pub async fn send_mobile_code(
    req: &shared::account::MobileCodeRequest,
) -> Result<shared::account::MobileCodeSent, ApiError> {
    send("POST", &format!("{BASE}/auth/register/code"), Some(req)).await
}

/// `GET /auth/consents`
pub async fn consents() -> Result<Vec<shared::consent::ConsentRecord>, ApiError> {
    get(&format!("{BASE}/auth/consents")).await
}

/// `DELETE /auth/consents/identity_number`: closes the account.
pub async fn withdraw_identity_consent() -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/auth/consents/identity_number"), None).await
}

/// `POST /auth/login`: sets the session cookie.
pub async fn login(req: &LoginRequest) -> Result<Identity, ApiError> {
    send("POST", &format!("{BASE}/auth/login"), Some(req)).await
}

/// `POST /auth/logout`
pub async fn logout() -> Result<(), ApiError> {
    send::<(), ()>("POST", &format!("{BASE}/auth/logout"), None).await
}

/// `GET /auth/session`: `Ok(None)` when nobody is signed in.
#[cfg(not(feature = "guides"))]
pub async fn me() -> Result<Option<Identity>, ApiError> {
    let state: shared::account::SessionState = get(&format!("{BASE}/auth/session")).await?;
    Ok(state.identity)
}

/// `GET /auth/session`, of which the guides bundle decodes what its header shows.
#[cfg(feature = "guides")]
pub async fn me() -> Result<Option<crate::auth::Me>, ApiError> {
    let state: shared::account::SessionSummary = get(&format!("{BASE}/auth/session")).await?;
    Ok(state.identity)
}

/// `POST /auth/acting`
pub async fn set_acting(uscc: Option<String>) -> Result<Identity, ApiError> {
    send("POST", &format!("{BASE}/auth/acting"), Some(&ActingRequest { uscc, proxy: None })).await
}

/// `POST /auth/acting` with an authorization: apply for the person who gave it.
pub async fn act_as_proxy(grant_id: String) -> Result<Identity, ApiError> {
    send("POST", &format!("{BASE}/auth/acting"), Some(&ActingRequest { uscc: None, proxy: Some(grant_id) })).await
}

/// `GET /proxies`
pub async fn proxies() -> Result<shared::proxy::Proxies, ApiError> {
    get(&format!("{BASE}/proxies")).await
}

/// `POST /proxies`
pub async fn grant_proxy(req: &shared::proxy::GrantProxyRequest) -> Result<shared::proxy::ProxyGrant, ApiError> {
    send("POST", &format!("{BASE}/proxies"), Some(req)).await
}

/// `DELETE /proxies/{id}`
pub async fn revoke_proxy(id: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/proxies/{}", encode_segment(id)), None).await
}

/// `POST /auth/represent`: a window clerk serves the applicant present (identity number and
/// name; a mobile number for one without an account; an enterprise they represent), or stops
/// (`None`).
pub async fn represent(applicant: Option<RepresentRequest>) -> Result<Identity, ApiError> {
    let stop = RepresentRequest { id_number: None, name: None, walk_in_mobile: None, uscc: None };
    send("POST", &format!("{BASE}/auth/represent"), Some(&applicant.unwrap_or(stop))).await
}

/// `POST /auth/totp/enrol`: with a current code to replace the authenticator, or with an
/// enrolment token to bind a first one.
pub async fn enrol_totp(req: TotpEnrolRequest) -> Result<TotpEnrolment, ApiError> {
    send("POST", &format!("{BASE}/auth/totp/enrol"), Some(&req)).await
}

/// `GET /auth/security-events`
pub async fn security_events() -> Result<Vec<SecurityEvent>, ApiError> {
    get(&format!("{BASE}/auth/security-events")).await
}

/// `GET /staff` (security administrators)
pub async fn staff_list() -> Result<Vec<StaffEntry>, ApiError> {
    get(&format!("{BASE}/staff")).await
}

/// `POST /staff/{person_id}/enrolment-token` (security administrators)
pub async fn issue_enrolment_token(person_id: &str) -> Result<EnrolmentToken, ApiError> {
    send::<(), _>("POST", &format!("{BASE}/staff/{}/enrolment-token", encode_segment(person_id)), None).await
}

/// `POST /auth/totp/verify`
pub async fn verify_totp(code: String) -> Result<Identity, ApiError> {
    send("POST", &format!("{BASE}/auth/totp/verify"), Some(&TotpCode { code })).await
}

/// `GET /enterprises/{uscc}/agents`
pub async fn agents(uscc: &str) -> Result<Vec<AgentEntry>, ApiError> {
    get(&format!("{BASE}/enterprises/{}/agents", encode_segment(uscc))).await
}

/// `POST /enterprises/{uscc}/agents`
pub async fn grant_agent(uscc: &str, id_number: String, name: String) -> Result<AgentEntry, ApiError> {
    let req = GrantAgentRequest { id_number, name };
    send("POST", &format!("{BASE}/enterprises/{}/agents", encode_segment(uscc)), Some(&req)).await
}

/// `DELETE /enterprises/{uscc}/agents/{person_id}`
pub async fn revoke_agent(uscc: &str, person_id: &str) -> Result<(), ApiError> {
    let path = format!("{BASE}/enterprises/{}/agents/{}", encode_segment(uscc), encode_segment(person_id));
    send::<(), ()>("DELETE", &path, None).await
}

/// `GET /items`: one page of the catalogue.
pub async fn items(query: &ItemQuery) -> Result<ItemPage, ApiError> {
    let qs = serde_urlencoded::to_string(query).map_err(|_| ApiError::Unexpected)?;
    get(&format!("{BASE}/items?{qs}")).await
}

/// `GET /items/{code}`: the guide of one item.
pub async fn item(code: &str) -> Result<ServiceItem, ApiError> {
    let code = encode_segment(code);
    get(&format!("{BASE}/items/{code}")).await
}

/// `GET /departments`
pub async fn departments() -> Result<Vec<DepartmentEntry>, ApiError> {
    get(&format!("{BASE}/departments")).await
}

/// `GET /themes`
pub async fn themes() -> Result<Vec<Theme>, ApiError> {
    get(&format!("{BASE}/themes")).await
}

/// `GET /bundles`: the one-form bundles (一件事).
#[cfg(not(feature = "guides"))]
pub async fn bundles() -> Result<Vec<shared::application::Bundle>, ApiError> {
    get(&format!("{BASE}/bundles")).await
}

/// `GET /bundles`, as the home page lists them ([`shared::application::BundleBrief`]).
#[cfg(feature = "guides")]
pub async fn bundle_briefs() -> Result<Vec<shared::application::BundleBrief>, ApiError> {
    get(&format!("{BASE}/bundles")).await
}

/// `GET /bundles`, as the home page lists them: this bundle decodes whole bundles for the form,
/// and takes the briefs from them rather than carry a second decoder.
#[cfg(not(feature = "guides"))]
pub async fn bundle_briefs() -> Result<Vec<shared::application::BundleBrief>, ApiError> {
    Ok(bundles().await?.iter().map(shared::application::BundleBrief::from).collect())
}

/// `GET /halls`: where results can be picked up.
pub async fn halls() -> Result<Vec<shared::case::Hall>, ApiError> {
    get(&format!("{BASE}/halls")).await
}

/// `POST /applications/form`: the one form of these items for the signed-in applicant.
pub async fn one_form(items: Vec<String>) -> Result<FormResponse, ApiError> {
    send("POST", &format!("{BASE}/applications/form"), Some(&FormRequest { items })).await
}

/// `POST /applications` with an `Idempotency-Key`, so that a retry after a lost answer never
/// files twice.
pub async fn submit(req: &SubmitRequest, idempotency_key: &str) -> Result<ApplicationReceipt, ApiError> {
    let request = Request::post(&format!("{BASE}/applications"))
        .header("idempotency-key", idempotency_key)
        .json(req)
        .map_err(|_| ApiError::Unexpected)?;
    decode(request).await
}

/// `GET /applications`: my applications and my enterprises'.
pub async fn my_applications() -> Result<Vec<ApplicationBrief>, ApiError> {
    get(&format!("{BASE}/applications")).await
}

/// `GET /applications/{no}`: one receipt.
pub async fn receipt(application_no: &str) -> Result<ApplicationReceipt, ApiError> {
    get(&format!("{BASE}/applications/{}", encode_segment(application_no))).await
}

/// The address of an application's PDF receipt.
pub fn receipt_pdf_href(application_no: &str) -> String {
    format!("{BASE}/applications/{}/receipt.pdf", encode_segment(application_no))
}

/// `GET /drafts`
pub async fn drafts() -> Result<Vec<Draft>, ApiError> {
    get(&format!("{BASE}/drafts")).await
}

/// `POST /drafts`
pub async fn save_draft(draft: &Draft) -> Result<Draft, ApiError> {
    send("POST", &format!("{BASE}/drafts"), Some(draft)).await
}

/// `DELETE /drafts/{id}`
pub async fn delete_draft(id: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/drafts/{}", encode_segment(id)), None).await
}

/// `POST /progress/lookup`: the identity number travels in the body, never in the address.
pub async fn progress(req: &ProgressLookup) -> Result<CaseProgress, ApiError> {
    send("POST", &format!("{BASE}/progress/lookup"), Some(req)).await
}

/// `POST /progress/lookup/application`: every case of an application.
pub async fn application_progress(
    req: &shared::application::ApplicationProgressLookup,
) -> Result<Vec<CaseProgress>, ApiError> {
    send("POST", &format!("{BASE}/progress/lookup/application"), Some(req)).await
}

/// `GET /licenses`
pub async fn licenses() -> Result<Vec<License>, ApiError> {
    get(&format!("{BASE}/licenses")).await
}

/// `GET /licenses/access`: who used my data.
pub async fn license_access() -> Result<Vec<LicenseAccess>, ApiError> {
    get(&format!("{BASE}/licenses/access")).await
}

/// `GET /uploads`: my files, newest first.
pub async fn my_uploads() -> Result<Vec<UploadReceipt>, ApiError> {
    get(&format!("{BASE}/uploads")).await
}

/// `POST /uploads`: sends one file, reporting the share sent so far (0.0 to 1.0) as it goes.
/// `fetch` cannot report upload progress, so this one call uses `XMLHttpRequest`.
pub async fn upload(file: web_sys::File, on_progress: impl Fn(f64) + 'static) -> Result<UploadReceipt, ApiError> {
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::Unexpected)?;
    let url = format!("{BASE}/uploads?{}", serde_urlencoded::to_string([("name", file.name())]).unwrap_or_default());
    xhr.open_with_async("POST", &url, true).map_err(|_| ApiError::Unexpected)?;
    xhr.set_request_header("content-type", "application/octet-stream").map_err(|_| ApiError::Unexpected)?;
    let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress(e.loaded() / e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(&file)).map_err(|_| ApiError::Network)?;
    let outcome = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(progress);
    outcome.map_err(|_| ApiError::Network)?;
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    answer(status, &text)
}

/// `GET /cases/{no}`: a case as the caller may see it, with the actions they may take.
pub async fn case_detail(case_no: &str) -> Result<shared::case::CaseDetail, ApiError> {
    get(&format!("{BASE}/cases/{}", encode_segment(case_no))).await
}

/// `POST /cases/{no}/actions` with an `Idempotency-Key`, so that a retry is taken once.
pub async fn case_action(
    case_no: &str,
    req: &shared::workflow::ActionRequest,
    idempotency_key: &str,
) -> Result<shared::case::ActionOutcome, ApiError> {
    let request = Request::post(&format!("{BASE}/cases/{}/actions", encode_segment(case_no)))
        .header("idempotency-key", idempotency_key)
        .json(req)
        .map_err(|_| ApiError::Unexpected)?;
    decode(request).await
}

/// The address of a notice's PDF.
pub fn notice_pdf_href(id: &str) -> String {
    format!("{BASE}/notices/{}/pdf", encode_segment(id))
}

/// The address of a case's file, served only while it matches its recorded hash.
#[cfg(feature = "console")]
pub fn case_file_href(case_no: &str, upload_id: &str) -> String {
    format!("{BASE}/cases/{}/files/{}", encode_segment(case_no), encode_segment(upload_id))
}

/// `GET /cases/queues`: the caller's queues with their counts.
#[cfg(feature = "console")]
pub async fn case_queues() -> Result<Vec<shared::case::QueueCount>, ApiError> {
    get(&format!("{BASE}/cases/queues")).await
}

/// `GET /cases?…`: one page of the caller's cases.
#[cfg(feature = "console")]
pub async fn cases(query: &shared::case::CaseQuery) -> Result<shared::case::CasePage, ApiError> {
    let query = serde_urlencoded::to_string(query).map_err(|_| ApiError::Unexpected)?;
    get(&format!("{BASE}/cases?{query}")).await
}

/// `GET /audit/verify` (supervisors).
#[cfg(feature = "console")]
pub async fn verify_audit() -> Result<shared::case::AuditVerification, ApiError> {
    get(&format!("{BASE}/audit/verify")).await
}

/// Percent-encodes a path segment, so a code typed into the address bar stays one segment.
fn encode_segment(segment: &str) -> String {
    serde_urlencoded::to_string([("", segment)])
        .map(|s| s.trim_start_matches('=').replace('+', "%20"))
        .unwrap_or_default()
}

/// `GET /suggestions`: the consent to keep answers, and what is kept.
pub async fn suggestions() -> Result<shared::memory::Suggestions, ApiError> {
    get(&format!("{BASE}/suggestions")).await
}

/// `PUT /suggestions/consent`
pub async fn set_memory_consent(remember: bool) -> Result<shared::memory::Suggestions, ApiError> {
    send("PUT", &format!("{BASE}/suggestions/consent"), Some(&shared::memory::MemoryConsent { remember })).await
}

/// `DELETE /suggestions/{key}`
pub async fn forget_answer(key: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/suggestions/{}", encode_segment(key)), None).await
}

/// `GET /cards?…`: the cards the caller may see (supervisors, department staff).
#[cfg(feature = "console")]
pub async fn cards(query: &shared::supervision::CardQuery) -> Result<shared::supervision::CardPage, ApiError> {
    let query = serde_urlencoded::to_string(query).map_err(|_| ApiError::Unexpected)?;
    get(&format!("{BASE}/cards?{query}")).await
}

/// `POST /cards/{id}/acts`: answers a card, or accepts or returns its answer.
#[cfg(feature = "console")]
pub async fn card_act(
    id: &str,
    req: &shared::supervision::CardActRequest,
) -> Result<shared::supervision::Card, ApiError> {
    send("POST", &format!("{BASE}/cards/{}/acts", encode_segment(id)), Some(req)).await
}

/// `GET /calendar/{year}`: every day of a year, and the notice it follows.
#[cfg(feature = "console")]
pub async fn calendar_year(year: i32) -> Result<shared::calendar::CalendarYear, ApiError> {
    get(&format!("{BASE}/calendar/{year}")).await
}

/// `PUT /calendar/{year}`: a catalogue administrator enters a year's holiday notice.
#[cfg(feature = "console")]
pub async fn enter_notice(notice: &shared::calendar::YearNotice) -> Result<shared::calendar::CalendarYear, ApiError> {
    send("PUT", &format!("{BASE}/calendar/{}", notice.year), Some(notice)).await
}

/// `GET /me/notifications`
pub async fn notification_settings() -> Result<shared::notify::NotificationView, ApiError> {
    get(&format!("{BASE}/me/notifications")).await
}

/// `PUT /me/notifications`
pub async fn set_notification_settings(
    req: &shared::notify::NotificationSettings,
) -> Result<shared::notify::NotificationView, ApiError> {
    send("PUT", &format!("{BASE}/me/notifications"), Some(req)).await
}

/// `GET /me/messages`
pub async fn my_messages() -> Result<Vec<shared::notify::SentMessage>, ApiError> {
    get(&format!("{BASE}/me/messages")).await
}

/// `GET /department/webhooks`
#[cfg(feature = "console")]
pub async fn webhooks() -> Result<Vec<shared::notify::WebhookEndpoint>, ApiError> {
    get(&format!("{BASE}/department/webhooks")).await
}

/// `POST /department/webhooks`
#[cfg(feature = "console")]
pub async fn register_webhook(
    req: &shared::notify::WebhookRequest,
) -> Result<shared::notify::WebhookCreated, ApiError> {
    send("POST", &format!("{BASE}/department/webhooks"), Some(req)).await
}

/// `DELETE /department/webhooks/{id}`
#[cfg(feature = "console")]
pub async fn disable_webhook(id: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/department/webhooks/{}", encode_segment(id)), None).await
}

/// `GET /department/webhooks/{id}/deliveries`
#[cfg(feature = "console")]
pub async fn webhook_log(id: &str) -> Result<Vec<shared::notify::EndpointDelivery>, ApiError> {
    get(&format!("{BASE}/department/webhooks/{}/deliveries", encode_segment(id))).await
}

/// `GET /department/tokens`
#[cfg(feature = "console")]
pub async fn api_tokens() -> Result<Vec<shared::notify::ApiToken>, ApiError> {
    get(&format!("{BASE}/department/tokens")).await
}

/// `POST /department/tokens`
#[cfg(feature = "console")]
pub async fn issue_api_token(
    req: &shared::notify::ApiTokenRequest,
) -> Result<shared::notify::ApiTokenCreated, ApiError> {
    send("POST", &format!("{BASE}/department/tokens"), Some(req)).await
}

/// `DELETE /department/tokens/{id}`
#[cfg(feature = "console")]
pub async fn revoke_api_token(id: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/department/tokens/{}", encode_segment(id)), None).await
}

/// `GET /catalogue/synonyms`
#[cfg(feature = "console")]
pub async fn synonyms() -> Result<Vec<shared::search::Synonym>, ApiError> {
    get(&format!("{BASE}/catalogue/synonyms")).await
}

/// `PUT /catalogue/synonyms/{term}`
#[cfg(feature = "console")]
pub async fn set_synonym(
    term: &str,
    req: &shared::search::SynonymRequest,
) -> Result<shared::search::Synonym, ApiError> {
    send("PUT", &format!("{BASE}/catalogue/synonyms/{}", encode_segment(term)), Some(req)).await
}

/// `DELETE /catalogue/synonyms/{term}`
#[cfg(feature = "console")]
pub async fn remove_synonym(term: &str) -> Result<(), ApiError> {
    send::<(), ()>("DELETE", &format!("{BASE}/catalogue/synonyms/{}", encode_segment(term)), None).await
}

/// Run under Node by `.ci/run` (`cargo test -p app --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use shared::application::FormAnswers;
    use shared::{Bilingual, FieldCode, FieldError, ProblemCode};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn a_2xx_answer_is_its_type_and_any_other_the_problem_it_reports() {
        assert_eq!(answer::<Vec<String>>(200, r#"["a", "b"]"#), Ok(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(answer::<()>(204, "null"), Ok(()));
        assert_eq!(answer::<FormAnswers>(200, "{\"fields\": "), Err(ApiError::Unexpected));
        assert_eq!(answer::<FormAnswers>(200, r#"{"fields": 3}"#), Err(ApiError::Unexpected));
        let mut validation = Problem::new(ProblemCode::ValidationFailed);
        validation.errors = vec![FieldError {
            field: "applicant.mobile".to_owned(),
            code: FieldCode::Required,
            message: Bilingual::new("请填写手机号", "Mobile is required"),
        }];
        let text = serde_json::to_string(&validation).expect("a problem encodes");
        // The guides read a problem's brief, without its field errors.
        let errors = if cfg!(feature = "guides") { 0 } else { 1 };
        assert!(matches!(answer::<()>(422, &text), Err(ApiError::Problem(p)) if p.errors.len() == errors));
        assert_eq!(problem(503, "<html>busy</html>"), ApiError::Network);
        assert_eq!(problem(500, "not json"), ApiError::Unexpected);
    }
}
