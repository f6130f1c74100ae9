//! 事项目录 — the catalogue service: searching published items, reading a guide, and the
//! departments, themes and one-form bundles that organize them.

use shared::FieldError;
use shared::account::Role;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::Bundle;
use shared::audit::AuditAction;
use shared::catalogue::{ItemCode, ServiceItem, Theme};
use shared::search::{Synonym, SynonymRequest};

use crate::auth::service::{Session, audit};
use crate::clock::Clock;
use crate::search::{Filters, SearchError, SearchIndex};
use crate::store::{AuditEvent, Store};

/// What a catalogue service call can fail with; [`crate::error`] turns it into an HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Parameters of the search are out of range; each says how.
    #[error("invalid search: {0:?}")]
    Invalid(Vec<FieldError>),
    /// No published version of this item.
    #[error("no published item {0}")]
    ItemNotFound(ItemCode),
    /// No such synonym.
    #[error("no such synonym")]
    SynonymNotFound,
    /// Editing synonyms is for catalogue administrators.
    #[error("not a catalogue administrator")]
    Forbidden,
    /// The search index failed.
    #[error(transparent)]
    Index(#[from] SearchError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// 事项目录服务 — reads of the published catalogue.
#[derive(Clone, Copy)]
pub struct CatalogueService<'a> {
    /// The database.
    pub store: &'a Store,
    /// This node's search index.
    pub index: &'a SearchIndex,
    /// The current time.
    pub clock: &'a Clock,
}

impl CatalogueService<'_> {
    /// 事项检索 — one page of published items matching the query: by relevance when it has
    /// text (with the nearest items when nothing matches), else by code.
    pub async fn search(&self, query: &ItemQuery) -> Result<ItemPage, CatalogueError> {
        query.check().map_err(CatalogueError::Invalid)?;
        let Some(text) = query.text() else { return Ok(self.store.list_items(query).await?) };
        self.fresh_index().await?;
        let filters =
            Filters { object: query.object, theme: query.theme.as_deref(), department: query.department.as_deref() };
        let found = self.index.search(text, &filters)?;
        let (page, per_page) = (query.page(), query.per_page());
        let total = found.items.len() as u64;
        let start = (page as usize - 1).saturating_mul(per_page as usize);
        let items = found.items.into_iter().skip(start).take(per_page as usize).collect();
        Ok(ItemPage { items, total, page, per_page, suggestions: found.suggestions })
    }

    /// Rebuilds this node's index when the catalogue has moved on since it was built (on
    /// this node or another). Two requests that both see it stale both rebuild: the same
    /// index, and a catalogue changes seldom.
    async fn fresh_index(&self) -> Result<(), CatalogueError> {
        let revision = self.store.catalogue_revision().await?;
        if !self.index.is_at(revision) {
            let (items, synonyms) = (self.store.published_items().await?, self.store.synonyms().await?);
            let started = std::time::Instant::now();
            self.index.rebuild(revision, &items, &synonyms)?;
            tracing::info!(
                revision,
                items = items.len(),
                ms = started.elapsed().as_millis() as u64,
                "search index built"
            );
        }
        Ok(())
    }

    /// 同义词 — the catalogue's search synonyms.
    pub async fn synonyms(&self) -> Result<Vec<Synonym>, CatalogueError> {
        Ok(self.store.synonyms().await?)
    }

    /// Adds or changes a synonym (catalogue administrators), with its audit record.
    pub async fn set_synonym(&self, s: &Session, term: &str, req: &SynonymRequest) -> Result<Synonym, CatalogueError> {
        if !s.roles().contains(&Role::CatalogueAdmin) {
            return Err(CatalogueError::Forbidden);
        }
        let synonym = Synonym::parse(term, req).map_err(CatalogueError::Invalid)?;
        let detail = format!("{} → {}", synonym.term, synonym.means.join(", "));
        let mut uow = self.store.begin().await?;
        uow.set_synonym(&synonym).await?;
        uow.commit(&AuditEvent {
            role: Some(Role::CatalogueAdmin),
            ..audit(Some(&s.row), AuditAction::SynonymSet, "synonym", &detail, self.clock.now())
        })
        .await?;
        Ok(synonym)
    }

    /// Removes a synonym (catalogue administrators), with its audit record.
    pub async fn remove_synonym(&self, s: &Session, term: &str) -> Result<(), CatalogueError> {
        if !s.roles().contains(&Role::CatalogueAdmin) {
            return Err(CatalogueError::Forbidden);
        }
        let term = term.trim().to_lowercase();
        let mut uow = self.store.begin().await?;
        if !uow.remove_synonym(&term).await? {
            return Err(CatalogueError::SynonymNotFound);
        }
        uow.commit(&AuditEvent {
            role: Some(Role::CatalogueAdmin),
            ..audit(Some(&s.row), AuditAction::SynonymRemoved, "synonym", &term, self.clock.now())
        })
        .await?;
        Ok(())
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
