//! 事项目录 — browsing the catalogue and reading a service guide (办事指南).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::Problem;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::Bundle;
use shared::catalogue::{ItemCode, ServiceItem, Theme};
use shared::search::{Synonym, SynonymRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(get_item))
        .routes(routes!(list_departments))
        .routes(routes!(list_themes))
        .routes(routes!(list_bundles))
        .routes(routes!(list_halls))
        .routes(routes!(list_synonyms))
        .routes(routes!(set_synonym, remove_synonym))
}

/// 检索同义词 — the words people use for services, and what they mean in the catalogue's
/// own words: a search for the word finds the items whose names or materials hold a meaning.
#[utoipa::path(get, path = "/catalogue/synonyms", tag = "catalogue", responses((status = 200, body = Vec<Synonym>)))]
async fn list_synonyms(State(app): State<AppState>) -> Result<Json<Vec<Synonym>>, ApiError> {
    Ok(Json(app.catalogue().synonyms().await?))
}

/// Adds or changes a synonym (catalogue administrators); searches use it at once.
#[utoipa::path(put, path = "/catalogue/synonyms/{term}", tag = "catalogue", request_body = SynonymRequest,
    params(("term" = String, Path, min_length = 1, max_length = 20, description = "The word people use")),
    responses(
        (status = 200, body = Synonym),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a catalogue administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What is wrong with the word or a meaning", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_synonym(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(term): AppPath<String>,
    AppJson(request): AppJson<SynonymRequest>,
) -> Result<Json<Synonym>, ApiError> {
    Ok(Json(app.catalogue().set_synonym(&s, &term, &request).await?))
}

/// Removes a synonym (catalogue administrators).
#[utoipa::path(delete, path = "/catalogue/synonyms/{term}", tag = "catalogue",
    params(("term" = String, Path, min_length = 1, max_length = 20, description = "The word people use")),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a catalogue administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such synonym", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove_synonym(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(term): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    app.catalogue().remove_synonym(&s, &term).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 办事大厅 — the halls where a result can be picked up at a window (统一窗口出件).
#[utoipa::path(get, path = "/halls", tag = "catalogue", responses((status = 200, body = Vec<shared::case::Hall>)))]
async fn list_halls(State(app): State<AppState>) -> Result<Json<Vec<shared::case::Hall>>, ApiError> {
    Ok(Json(app.catalogue().halls().await?))
}

/// 一件事 — bundles of items offered as one application (一表申办).
#[utoipa::path(get, path = "/bundles", tag = "catalogue", responses((status = 200, body = Vec<Bundle>)))]
async fn list_bundles(State(app): State<AppState>) -> Result<Json<Vec<Bundle>>, ApiError> {
    Ok(Json(app.catalogue().bundles().await?))
}

/// Searches the published catalogue by text (Chinese or English), service object, theme and
/// department; 20 items a page unless `per_page` says otherwise.
#[utoipa::path(get, path = "/items", tag = "catalogue", params(ItemQuery),
    responses(
        (status = 200, body = ItemPage),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_items(
    State(app): State<AppState>,
    AppQuery(query): AppQuery<ItemQuery>,
) -> Result<Json<ItemPage>, ApiError> {
    Ok(Json(app.catalogue().search(&query).await?))
}

/// The full guide of the published version of an item.
#[utoipa::path(get, path = "/items/{code}", tag = "catalogue",
    params(("code" = String, Path, description = "事项编码, e.g. DG-QY-0001")),
    responses(
        (status = 200, body = ServiceItem),
        (status = 400, description = "Not an item code", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published item has this code", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_item(
    State(app): State<AppState>,
    AppPath(code): AppPath<ItemCode>,
) -> Result<Json<ServiceItem>, ApiError> {
    Ok(Json(app.catalogue().guide(code).await?))
}

/// Every department, with how many published items it owns.
#[utoipa::path(get, path = "/departments", tag = "catalogue", responses((status = 200, body = Vec<DepartmentEntry>)))]
async fn list_departments(State(app): State<AppState>) -> Result<Json<Vec<DepartmentEntry>>, ApiError> {
    Ok(Json(app.catalogue().departments().await?))
}

/// Every theme (life events for persons, business stages for enterprises).
#[utoipa::path(get, path = "/themes", tag = "catalogue", responses((status = 200, body = Vec<Theme>)))]
async fn list_themes(State(app): State<AppState>) -> Result<Json<Vec<Theme>>, ApiError> {
    Ok(Json(app.catalogue().themes().await?))
}
