//! 事项目录 — the catalogue service: searching published items, reading a guide, and the
//! departments, themes and one-form bundles that organize them.

use shared::FieldError;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::Bundle;
use shared::catalogue::{ItemCode, ServiceItem, Theme};

use crate::store::Store;

/// What a catalogue service call can fail with; [`crate::error`] turns it into an HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Parameters of the search are out of range; each says how.
    #[error("invalid search: {0:?}")]
    Invalid(Vec<FieldError>),
    /// No published version of this item.
    #[error("no published item {0}")]
    ItemNotFound(ItemCode),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// 事项目录服务 — reads of the published catalogue.
#[derive(Clone, Copy)]
pub struct CatalogueService<'a> {
    /// The database.
    pub store: &'a Store,
}

impl CatalogueService<'_> {
    /// 事项检索 — one page of published items matching the query.
    pub async fn search(&self, query: &ItemQuery) -> Result<ItemPage, CatalogueError> {
        query.check().map_err(CatalogueError::Invalid)?;
        Ok(self.store.list_items(query).await?)
    }

    /// 办事指南 — the published version of an item.
    pub async fn guide(&self, code: ItemCode) -> Result<ServiceItem, CatalogueError> {
        self.store.published_item(&code).await?.ok_or(CatalogueError::ItemNotFound(code))
    }

    /// Every department, with how many published items it owns.
    pub async fn departments(&self) -> Result<Vec<DepartmentEntry>, CatalogueError> {
        Ok(self.store.departments().await?)
    }

    /// Every theme.
    pub async fn themes(&self) -> Result<Vec<Theme>, CatalogueError> {
        Ok(self.store.themes().await?)
    }

    /// 办事大厅 — the halls where results are picked up.
    pub async fn halls(&self) -> Result<Vec<shared::case::Hall>, CatalogueError> {
        Ok(self.store.halls().await?)
    }

    /// 一件事 — every one-form bundle.
    pub async fn bundles(&self) -> Result<Vec<Bundle>, CatalogueError> {
        Ok(self.store.bundles().await?)
    }
}
