//! 事项目录 — browsing the catalogue and reading a service guide (办事指南).

use axum::Json;
use axum::extract::State;
use shared::Problem;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::Bundle;
use shared::catalogue::{ItemCode, ServiceItem, Theme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppPath, AppQuery};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(get_item))
        .routes(routes!(list_departments))
        .routes(routes!(list_themes))
        .routes(routes!(list_bundles))
        .routes(routes!(list_halls))
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
