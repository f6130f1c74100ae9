//! 请求守卫 — what every request passes through before a handler: a request id of our own,
//! limits on the address, the headers and the declared body size answered before anything is
//! read, and a problem document for every error answer, whichever layer made it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use shared::{Problem, ProblemCode};

use crate::error::{PROBLEM_JSON, problem_response};
use crate::state::AppState;

/// Longest request target read (RFC 9110 §4.1 recommends supporting 8,000 octets).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes read, names and values together.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The request id header; always one the server made.
pub const REQUEST_ID: &str = "x-request-id";

/// Drops a request id the client sent: the id in logs and answers is always the server's own,
/// so a client cannot forge or inject log lines through it.
pub async fn own_request_id(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(REQUEST_ID);
    next.run(req).await
}

/// Answers at once, before any body is read: 414 for an overlong address, 431 for overlarge
/// headers, and 413 for a body whose declared length is more than its route takes.
pub async fn request_limits(
    axum::extract::State(app): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return problem_response(&Problem::new(ProblemCode::UriTooLong));
    }
    let header_len: usize = req.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if header_len > MAX_HEADER_BYTES {
        return problem_response(&Problem::new(ProblemCode::HeadersTooLarge));
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(str::parse::<u64>);
    let limit = if req.uri().path() == "/api/v1/uploads" {
        app.config.max_upload_bytes
    } else {
        crate::extract::MAX_JSON_BODY as u64
    };
    match declared {
        Some(Err(_)) => return problem_response(&Problem::new(ProblemCode::BadRequest)),
        Some(Ok(n)) if n > limit => return problem_response(&Problem::new(ProblemCode::PayloadTooLarge)),
        _ => {}
    }
    next.run(req).await
}

/// Seconds a client is asked to wait when the node sheds load.
pub const OVERLOADED_RETRY_AFTER_SECS: u32 = 1;

/// 限流降级 — works on at most `--max-requests-in-flight` requests at once and answers the
/// rest at once with 503 `overloaded` and `Retry-After`, so that past capacity the answers stay
/// fast and the requests taken finish in time, instead of every request waiting in a queue
/// that grows until they all time out.
pub async fn shed_load(
    axum::extract::State(app): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = app.in_flight.try_acquire() else {
        metrics::counter!("yiwang_requests_shed_total").increment(1);
        let mut response = problem_response(&Problem::new(ProblemCode::Overloaded));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(OVERLOADED_RETRY_AFTER_SECS));
        return response;
    };
    next.run(req).await
}

/// The problem code of an error status that a layer answered without a problem document.
fn code_for(status: StatusCode) -> ProblemCode {
    match status.as_u16() {
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        408 => ProblemCode::RequestTimeout,
        413 => ProblemCode::PayloadTooLarge,
        414 => ProblemCode::UriTooLong,
        415 => ProblemCode::UnsupportedMediaType,
        429 => ProblemCode::RateLimited,
        431 => ProblemCode::HeadersTooLarge,
        503 => ProblemCode::ServiceUnavailable,
        500..=599 => ProblemCode::Internal,
        _ => ProblemCode::BadRequest,
    }
}

/// Turns any error answer that is not a problem document yet (a timeout's empty 408, a static
/// file's 404, a layer's plain-text rejection) into one, keeping its status and headers.
pub async fn problem_for_every_error(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let mut problem = Problem::new(code_for(status));
    problem.status = status.as_u16();
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    Response::from_parts(parts, Body::from(body))
}

/// Whether a path, read as a browser or a proxy might read it (percent-decoded, any case,
/// repeated slashes as one), is under `/api`: such a path never gets the app's page.
pub fn is_api_path(raw: &str) -> bool {
    let decoded: String = percent_decode(raw).to_ascii_lowercase();
    let mut collapsed = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if c == '\\' { '/' } else { c };
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    collapsed == "/api" || collapsed.starts_with("/api/")
}

/// Percent-decodes a path (repeatedly, so that `%252f` is a slash too); bytes that are not
/// UTF-8 are kept as replacement characters.
fn percent_decode(raw: &str) -> String {
    let mut current = raw.to_owned();
    for _ in 0..3 {
        let next = percent_encoding_decode(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn percent_encoding_decode(s: &str) -> String {
    form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_recognized_however_written() {
        for path in
            ["/api", "/api/v1/nope", "/API/v1/items", "//api/v1/nope", "/api%2fv1/nope", "/%61pi/v1", "/api%252fv1"]
        {
            assert!(is_api_path(path), "{path}");
        }
        for path in ["/", "/apply", "/applications/YW1", "/items/api", "/apiary"] {
            assert!(!is_api_path(path), "{path}");
        }
    }
}
