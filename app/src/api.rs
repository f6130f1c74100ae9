//! 接口客户端 — the only module that talks HTTP. Every call returns `Result<T, ApiError>`, with a
//! problem+json answer decoded into the `shared` type so the page can say what went wrong.

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use shared::Problem;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::catalogue::{ServiceItem, Theme};

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

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json::<T>().await.map_err(|_| ApiError::Unexpected);
    }
    match response.json::<Problem>().await {
        Ok(problem) => Err(ApiError::Problem(Box::new(problem))),
        // A gateway in front of the server answers 502–504 without a problem document.
        Err(_) if (502..=504).contains(&response.status()) => Err(ApiError::Network),
        Err(_) => Err(ApiError::Unexpected),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path).send().await.map_err(|_| ApiError::Network)?;
    decode(response).await
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

/// Percent-encodes a path segment, so a code typed into the address bar stays one segment.
fn encode_segment(segment: &str) -> String {
    serde_urlencoded::to_string([("", segment)])
        .map(|s| s.trim_start_matches('=').replace('+', "%20"))
        .unwrap_or_default()
}
