//! 提取器 — request extractors whose rejections are our problem documents, naming the field at
//! fault, rather than axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shared::{Bilingual, FieldError, ProblemCode};

use crate::auth::service::Session;
use crate::auth::session;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body accepted by [`AppJson`].
pub const MAX_JSON_BODY: usize = 256 * 1024;

/// A JSON body, read through `serde_path_to_error` so a wrong value is reported by its field.
pub struct AppJson<T>(pub T);

/// A query string, read the same way.
pub struct AppQuery<T>(pub T);

fn field_error(path: &serde_path_to_error::Path, detail: &str) -> FieldError {
    let field = path.to_string();
    let field = if field == "." { String::new() } else { field };
    FieldError {
        code: shared::FieldCode::InvalidValue,
        message: Bilingual::new(format!("“{field}”的值无效：{detail}"), format!("'{field}' is not valid: {detail}")),
        field,
    }
}

/// Reads a JSON request's body: refuses another media type, and more than [`MAX_JSON_BODY`].
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !is_json {
        return Err(ApiError::code(ProblemCode::UnsupportedMediaType));
    }
    let req = req.map(|body| axum::body::Body::new(http_body_util_limited(body)));
    Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            ApiError::code(ProblemCode::PayloadTooLarge)
        }
        // A body that breaks off or is malformed (a bad chunk) is no sign of size.
        BytesRejection::FailedToBufferBody(_) => ApiError::code(ProblemCode::BadRequest),
        _ => ApiError::code(ProblemCode::InvalidJson),
    })
}

/// Parses JSON, naming the field at fault. Every body this API takes is a JSON object: an array
/// in its place (which serde would read field by field, in order) is refused.
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::fields(vec![FieldError {
            field: String::new(),
            code: shared::FieldCode::InvalidValue,
            message: Bilingual::new("提交的数据应为 JSON 对象", "The body must be a JSON object"),
        }]));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(de) {
        Ok(value) => Ok(value),
        Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
            Err(ApiError::fields(vec![field_error(e.path(), &e.inner().to_string())]))
        }
        Err(e) => Err(ApiError::with_message(
            ProblemCode::InvalidJson,
            Bilingual::new(
                format!("提交的数据不是有效的 JSON：{}", e.inner()),
                format!("The body is not valid JSON: {}", e.inner()),
            ),
        )),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(Self)
    }
}

/// A JSON body with the digest of its bytes, for requests that remember what they were sent
/// (idempotent submissions).
pub struct DigestedJson<T>(pub T, pub String);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for DigestedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        let value = parse_json(&bytes)?;
        Ok(Self(value, crate::applying::body_digest(&bytes)))
    }
}

/// Limits a body to [`MAX_JSON_BODY`] bytes; reading more fails, which becomes a 413.
fn http_body_util_limited(body: axum::body::Body) -> http_body_util::Limited<axum::body::Body> {
    http_body_util::Limited::new(body, MAX_JSON_BODY)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            let mut problem = shared::Problem::new(ProblemCode::InvalidQuery);
            problem.errors = vec![field_error(e.path(), &e.inner().to_string())];
            ApiError::Client(Box::new(problem))
        })
    }
}

/// 路径参数 — the parameters of a path, each parsed into its type before any service runs: a
/// malformed one is a 400 `invalid_path` naming the parameter and saying what is wrong.
pub struct AppPath<T>(pub T);

/// A type a path parameter is parsed into.
pub trait PathValue: Sized {
    /// Parses the parameter `name`'s value.
    fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError>;
}

/// The parameters of a path, in order.
pub trait PathParams: Sized {
    /// Parses the parameters as the route names them.
    fn from_params(params: &[(&str, &str)]) -> Result<Self, FieldError>;
}

/// Free text (a synonym): the service checks it.
impl PathValue for String {
    fn parse_path(_name: &str, raw: &str) -> Result<Self, FieldError> {
        Ok(raw.to_owned())
    }
}

impl PathValue for shared::consent::ConsentPurpose {
    fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError> {
        raw.parse().map_err(|_| {
            FieldError::with_message(
                name,
                shared::FieldCode::InvalidValue,
                shared::Bilingual::new(
                    "没有这种授权（可选：identity_number）",
                    "No such consent: identity_number is one",
                ),
            )
        })
    }
}

impl PathValue for shared::Uscc {
    fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw).map_err(|e| FieldError::uscc(name, &e))
    }
}

impl PathValue for shared::catalogue::ItemCode {
    fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw).map_err(|e| FieldError::with_message(name, e.code(), e.message()))
    }
}

impl PathValue for i32 {
    fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError> {
        // Digits with an optional minus: no plus sign, no spaces.
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        plain.then(|| raw.parse().ok()).flatten().ok_or_else(|| FieldError::new(name, shared::FieldCode::NotInteger))
    }
}

macro_rules! path_value_by_code {
    ($($t:ty),*) => {$(
        impl PathValue for $t {
            fn parse_path(name: &str, raw: &str) -> Result<Self, FieldError> {
                Self::parse(raw).map_err(|code| FieldError::new(name, code))
            }
        }
    )*};
}

path_value_by_code!(shared::ids::ApplicationNo, shared::ids::CaseNo, shared::ids::RecordId, shared::memory::FieldKey);

fn param<'a>(params: &[(&str, &'a str)], index: usize) -> Result<(String, &'a str), FieldError> {
    params
        .get(index)
        .map(|(name, value)| ((*name).to_owned(), *value))
        .ok_or_else(|| FieldError::new(format!("{index}"), shared::FieldCode::Required))
}

impl<T: PathValue> PathParams for T {
    fn from_params(params: &[(&str, &str)]) -> Result<Self, FieldError> {
        let (name, raw) = param(params, 0)?;
        T::parse_path(&name, raw)
    }
}

impl<A: PathValue, B: PathValue> PathParams for (A, B) {
    fn from_params(params: &[(&str, &str)]) -> Result<Self, FieldError> {
        let (a, raw_a) = param(params, 0)?;
        let (b, raw_b) = param(params, 1)?;
        Ok((A::parse_path(&a, raw_a)?, B::parse_path(&b, raw_b)?))
    }
}

impl<T: PathParams + Send, S: Send + Sync> FromRequestParts<S> for AppPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Fails for a parameter that is not UTF-8 once percent-decoded.
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::code(ProblemCode::InvalidPath))?;
        let params: Vec<(&str, &str)> = raw.iter().collect();
        T::from_params(&params).map(Self).map_err(|e| {
            let mut problem = shared::Problem::new(ProblemCode::InvalidPath);
            problem.errors = vec![e];
            ApiError::Client(Box::new(problem))
        })
    }
}

/// 客户端地址 — the peer address a request came from, for rate limits.
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let peer = peer.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(Self(client_address(peer, forwarded, &app.config.trusted_proxies)))
    }
}

/// The client a request is from: its peer, unless the peer is a trusted proxy, in which case
/// the nearest address in `X-Forwarded-For` (read from the right, as each proxy appends the
/// address it heard from) that is not itself a trusted proxy. Entries left of that one were
/// written by the client and prove nothing; an unreadable entry stops the walk at the peer
/// before it.
pub fn client_address<'a>(
    peer: std::net::IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// 已登录 — any valid session, including a staff member's before the second factor.
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let token = session::token_from(&parts.headers).ok_or_else(|| ApiError::code(ProblemCode::Unauthenticated))?;
        let session =
            app.identity().session(&token).await?.ok_or_else(|| ApiError::code(ProblemCode::Unauthenticated))?;
        Ok(Self(session))
    }
}

/// 已认证 — a session that may act: a citizen's, or a staff member's past the second factor.
pub struct Authenticated(pub Session);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let SignedIn(session) = SignedIn::from_request_parts(parts, app).await?;
        if !session.fully_authenticated() {
            return Err(ApiError::code(ProblemCode::TotpRequired));
        }
        Ok(Self(session))
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::client_address;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn the_client_is_the_nearest_untrusted_forwarded_address_behind_a_trusted_proxy() {
        let (balancer, edge) = (ip("10.0.0.2"), ip("10.0.0.3"));
        let trusted = [balancer, edge];
        // Through two proxies; the client's own claim on the left is not believed.
        let chain = ["1.2.3.4, 198.51.100.7", "10.0.0.3"];
        assert_eq!(client_address(balancer, chain.into_iter(), &trusted), ip("198.51.100.7"));
        assert_eq!(client_address(balancer, ["2001:db8::7"].into_iter(), &trusted), ip("2001:db8::7"));
        // From anyone else the header is ignored.
        assert_eq!(client_address(ip("203.0.113.9"), chain.into_iter(), &trusted), ip("203.0.113.9"));
        // No header, or an unreadable entry: the nearest address known.
        assert_eq!(client_address(balancer, std::iter::empty(), &trusted), balancer);
        assert_eq!(client_address(balancer, ["198.51.100.7, garbage, 10.0.0.3"].into_iter(), &trusted), edge);
        assert_eq!(client_address(balancer, ["198.51.100.7:443"].into_iter(), &trusted), balancer);
    }
}
