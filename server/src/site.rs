//! 前端静态文件 — serves the built app: precompressed brotli or gzip files when the browser
//! takes them, `index.html` for every client-side route (`console/index.html` for the staff
//! console's, under `/console`), and a problem for unknown API paths.

use std::convert::Infallible;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::routes::api_not_found;

/// The site service: the app's files, with client-side routes falling back to `index.html`.
pub fn service(
    dir: &Path,
) -> impl tower::Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static
{
    let index = ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index);
    let console_index = ServeFile::new(dir.join("console").join("index.html")).precompressed_br().precompressed_gzip();
    let console = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(console_index);
    tower::service_fn(move |req: Request| {
        let (files, console) = (files.clone(), console.clone());
        async move {
            let path = req.uri().path();
            if crate::middleware::is_api_path(path) {
                return Ok(api_not_found());
            }
            let response = if path == "/console" || path.starts_with("/console/") {
                console.oneshot(req).await?.map(Body::new)
            } else {
                files.oneshot(req).await?.map(Body::new)
            };
            Ok(response)
        }
    })
}

/// The security headers every response carries.
///
/// The CSP allows only this origin's scripts, plus compiling WebAssembly
/// (`'wasm-unsafe-eval'`), which the app needs and which allows no JavaScript `eval`.
pub fn security_headers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                       img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    let headers: [(HeaderName, &'static str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
    ];
    headers
        .into_iter()
        .map(|(name, value)| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
        .collect()
}

/// Whether the app has been built into `dir`.
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

/// `Cache-Control` for the app's files: always revalidate, since their names carry no hash.
pub fn cache_control() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
}
