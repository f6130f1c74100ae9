//! 事项目录的存储 — departments, themes, service item versions and one-form bundles.

use std::collections::HashMap;
use std::sync::Arc;

use shared::Bilingual;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery};
use shared::application::Bundle;
use shared::catalogue::{Department, ItemCode, ItemStatus, ServiceItem, ServiceObject, Theme};
use shared::search::Synonym;

use super::hot_reads::sqlite_row;
use super::{AuditEvent, Pool, Store, UnitOfWork};
use crate::{on_pool, on_tx};

#[derive(sqlx::FromRow)]
struct GuideRow {
    #[sqlx(json)]
    guide: ServiceItem,
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name_zh: String,
    name_en: String,
    items: i64,
}

#[derive(sqlx::FromRow)]
struct ThemeRow {
    key: String,
    name_zh: String,
    name_en: String,
    #[sqlx(try_from = "String")]
    service_object: ServiceObject,
}

#[derive(sqlx::FromRow)]
struct BundleRow {
    code: String,
    name_zh: String,
    name_en: String,
    #[sqlx(try_from = "String")]
    service_object: ServiceObject,
    #[sqlx(json)]
    items: Vec<ItemCode>,
    #[sqlx(json)]
    stages: Vec<Vec<ItemCode>>,
    #[sqlx(json)]
    conditional: Vec<shared::application::ConditionalItem>,
}

/// The filter clause every catalogue list shares; `''` in a parameter means "any".
const FILTERS: &str = "status = 'published'
      AND ($1 = '' OR service_object = $1)
      AND ($2 = '' OR theme = $2)
      AND ($3 = '' OR department_code = $3)";

#[derive(sqlx::FromRow)]
struct SynonymRow {
    term: String,
    #[sqlx(json)]
    means: Vec<String>,
}

impl Store {
    /// Adds or renames a department.
    pub async fn upsert_department(&self, d: &Department) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO departments (code, name_zh, name_en) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en",
        )
        .bind(&d.code)
        .bind(&d.name.zh)
        .bind(&d.name.en)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Adds or renames a theme.
    pub async fn upsert_theme(&self, t: &Theme) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO themes (key, name_zh, name_en, service_object) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                                            service_object = excluded.service_object",
        )
        .bind(&t.key)
        .bind(&t.name.zh)
        .bind(&t.name.en)
        .bind(t.service_object.as_str())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// 发布 — makes `item` the published version of its code; the version published before it
    /// becomes superseded, in the same transaction as the change's audit `event`, so applicants
    /// never see two or none. A version is written once: publishing a version already stored
    /// fails on the table's key and changes nothing, since cases were filed under it and every
    /// node keeps it as read ([`ItemVersions`]); a change to an item is a new version.
    #[tracing::instrument(skip_all, fields(code = %item.code, version = item.version))]
    pub async fn publish_item(&self, item: &ServiceItem, event: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        let mut item = item.clone();
        item.status = ItemStatus::Published;
        let mut uow = self.begin().await?;
        on_tx!(uow.tx(), |c| {
            sqlx::query("UPDATE service_items SET status = $3 WHERE code = $1 AND status = $4 AND version <> $2")
                .bind(item.code.as_str())
                .bind(i64::from(item.version))
                .bind(ItemStatus::Superseded.as_str())
                .bind(ItemStatus::Published.as_str())
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO service_items (code, version, status, service_object, theme, department_code,
                                            name_zh, name_en, search_text, guide)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(item.code.as_str())
            .bind(i64::from(item.version))
            .bind(ItemStatus::Published.as_str())
            .bind(item.service_object.as_str())
            .bind(&item.theme.key)
            .bind(&item.department.code)
            .bind(&item.name.zh)
            .bind(&item.name.en)
            .bind(item.search_text())
            .bind(sqlx::types::Json(&item))
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        uow.next_catalogue_revision().await?;
        uow.commit(event).await
    }

    /// 事项目录 — one page of published items of the query's filters, by code; its text is
    /// not looked at (the search index finds items by text, [`crate::search`]). The query must
    /// have passed [`ItemQuery::check`].
    pub async fn list_items(&self, q: &ItemQuery) -> Result<ItemPage, sqlx::Error> {
        let object = q.object.map(ServiceObject::as_str).unwrap_or_default();
        let theme = q.theme.as_deref().unwrap_or_default();
        let department = q.department.as_deref().unwrap_or_default();
        let (page, per_page) = (q.page(), q.per_page());
        let count_sql = format!("SELECT COUNT(*) FROM service_items WHERE {FILTERS}");
        let list_sql = format!("SELECT guide FROM service_items WHERE {FILTERS} ORDER BY code LIMIT $4 OFFSET $5");
        let (total, rows): (i64, Vec<GuideRow>) = on_pool!(&self.pool, |p| {
            let total = sqlx::query_scalar(&count_sql).bind(object).bind(theme).bind(department).fetch_one(p).await?;
            let rows = sqlx::query_as(&list_sql)
                .bind(object)
                .bind(theme)
                .bind(department)
                .bind(i64::from(per_page))
                .bind(i64::from(page - 1) * i64::from(per_page))
                .fetch_all(p)
                .await?;
            (total, rows)
        });
        let items = rows.into_iter().map(|row| row.guide.summary()).collect();
        Ok(ItemPage { items, total: total.max(0) as u64, page, per_page, suggestions: Vec::new() })
    }

    /// The catalogue's revision: it moves on with every publish and synonym change.
    pub async fn catalogue_revision(&self) -> Result<i64, sqlx::Error> {
        const SQL: &str = "SELECT revision FROM catalogue_revision WHERE id = 1";
        match &self.pool {
            Pool::Sqlite(_) => {
                let revision = self.hot.on_sqlite(|c| sqlite_row(c, SQL, [], |c| c.get("revision"))).await?;
                revision.ok_or(sqlx::Error::RowNotFound)
            }
            Pool::Postgres(p) => sqlx::query_scalar(SQL).fetch_one(p).await,
        }
    }

    /// Every published item's guide, for the search index.
    pub async fn published_items(&self) -> Result<Vec<ServiceItem>, sqlx::Error> {
        let rows: Vec<GuideRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT guide FROM service_items WHERE status = 'published' ORDER BY code"
        )
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().map(|r| r.guide).collect())
    }

    /// 同义词 — every synonym, by term.
    pub async fn synonyms(&self) -> Result<Vec<Synonym>, sqlx::Error> {
        let rows: Vec<SynonymRow> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT term, means FROM search_synonyms ORDER BY term")
                .fetch_all(p)
                .await?);
        Ok(rows.into_iter().map(|r| Synonym { term: r.term, means: r.means }).collect())
    }

    /// 目录快照 — the published items, halls and bundles as of the catalogue's current
    /// revision: one read of the revision number while the catalogue is unchanged, a fresh copy
    /// from the database when it has moved on.
    pub async fn catalogue(&self) -> Result<Arc<PublishedCatalogue>, sqlx::Error> {
        let revision = self.catalogue_revision().await?;
        if let Some(copy) = self.published.at(revision) {
            return Ok(copy);
        }
        // Read after the revision: a change in between leaves a newer copy under the older
        // number, which the next use reads again.
        let copy = PublishedCatalogue {
            items: self.published_items().await?.into_iter().map(|i| (i.code.as_str().to_owned(), i)).collect(),
            halls: self.halls().await?,
            bundles: self.bundles().await?,
        };
        Ok(self.published.keep(revision, copy))
    }

    /// 办事指南 — the published version of an item, if there is one.
    pub async fn published_item(&self, code: &ItemCode) -> Result<Option<ServiceItem>, sqlx::Error> {
        let row: Option<GuideRow> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT guide FROM service_items WHERE code = $1 AND status = $2")
                .bind(code.as_str())
                .bind(ItemStatus::Published.as_str())
                .fetch_optional(p)
                .await?);
        Ok(row.map(|r| r.guide))
    }

    /// One version of an item, whatever its status: the one a case was filed under. Read once
    /// per node and then kept ([`ItemVersions`]), since a stored version never changes.
    pub async fn item_version(&self, code: &str, version: i64) -> Result<Option<Arc<ServiceItem>>, sqlx::Error> {
        if let Some(item) = self.item_versions.get(code, version) {
            return Ok(Some(item));
        }
        let row: Option<GuideRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT guide FROM service_items WHERE code = $1 AND version = $2"
        )
        .bind(code)
        .bind(version)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|r| self.item_versions.keep(r.guide)))
    }

    /// Adds or renames a hall where results are picked up; the catalogue's revision moves on.
    pub async fn upsert_hall(&self, h: &shared::case::Hall) -> Result<(), sqlx::Error> {
        let mut uow = self.begin().await?;
        on_tx!(uow.tx(), |c| {
            sqlx::query(
            "INSERT INTO halls (code, name_zh, name_en, address) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, address = excluded.address"
        )
        .bind(&h.code)
        .bind(&h.name.zh)
        .bind(&h.name.en)
        .bind(&h.address)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        uow.next_catalogue_revision().await?;
        uow.commit_recorded().await
    }

    /// Every hall, by code.
    pub async fn halls(&self) -> Result<Vec<shared::case::Hall>, sqlx::Error> {
        let rows: Vec<(String, String, String, String)> =
            on_pool!(&self.pool, |p| sqlx::query_as("SELECT code, name_zh, name_en, address FROM halls ORDER BY code")
                .fetch_all(p)
                .await?);
        Ok(rows
            .into_iter()
            .map(|(code, zh, en, address)| shared::case::Hall { code, name: shared::Bilingual::new(zh, en), address })
            .collect())
    }

    /// Every department, with how many published items each owns.
    pub async fn departments(&self) -> Result<Vec<DepartmentEntry>, sqlx::Error> {
        let rows: Vec<DepartmentRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT d.code, d.name_zh, d.name_en,
                    (SELECT COUNT(*) FROM service_items s
                      WHERE s.department_code = d.code AND s.status = 'published') AS items
               FROM departments d ORDER BY d.code",
        )
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| DepartmentEntry {
                code: r.code,
                name: Bilingual::new(r.name_zh, r.name_en),
                items: r.items.max(0) as u64,
            })
            .collect())
    }

    /// Every theme, persons' first.
    pub async fn themes(&self) -> Result<Vec<Theme>, sqlx::Error> {
        let rows: Vec<ThemeRow> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT key, name_zh, name_en, service_object FROM themes ORDER BY service_object DESC, key",
        )
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| Theme { key: r.key, name: Bilingual::new(r.name_zh, r.name_en), service_object: r.service_object })
            .collect())
    }

    /// Adds or replaces a one-form bundle; the catalogue's revision moves on.
    pub async fn upsert_bundle(&self, b: &Bundle, position: i64) -> Result<(), sqlx::Error> {
        let mut uow = self.begin().await?;
        on_tx!(uow.tx(), |c| sqlx::query(
            "INSERT INTO bundles (code, name_zh, name_en, service_object, items, position, stages, conditional)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en,
                 service_object = excluded.service_object, items = excluded.items, position = excluded.position,
                 stages = excluded.stages, conditional = excluded.conditional",
        )
        .bind(&b.code)
        .bind(&b.name.zh)
        .bind(&b.name.en)
        .bind(b.service_object.as_str())
        .bind(sqlx::types::Json(&b.items))
        .bind(position)
        .bind(sqlx::types::Json(&b.stages))
        .bind(sqlx::types::Json(&b.conditional))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        uow.next_catalogue_revision().await?;
        uow.commit_recorded().await
    }

    /// Every one-form bundle, in catalogue order; a bundle naming a malformed code is an error.
    pub async fn bundles(&self) -> Result<Vec<Bundle>, sqlx::Error> {
        let rows: Vec<BundleRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
            "SELECT code, name_zh, name_en, service_object, items, stages, conditional FROM bundles ORDER BY position, code"
        )
        .fetch_all(p)
        .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Bundle {
                code: r.code,
                name: Bilingual::new(r.name_zh, r.name_en),
                service_object: r.service_object,
                items: r.items,
                conditional: r.conditional,
                stages: r.stages,
            })
            .collect())
    }
}

impl UnitOfWork {
    /// Moves the catalogue's revision on, so that every node rebuilds its search index.
    pub async fn next_catalogue_revision(&mut self) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1")
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Adds or replaces a synonym; the revision moves on.
    pub async fn set_synonym(&mut self, s: &Synonym) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO search_synonyms (term, means) VALUES ($1, $2)
             ON CONFLICT (term) DO UPDATE SET means = excluded.means"
        )
        .bind(&s.term)
        .bind(sqlx::types::Json(&s.means))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        self.next_catalogue_revision().await
    }

    /// Removes a synonym; whether there was one. The revision moves on when there was.
    pub async fn remove_synonym(&mut self, term: &str) -> Result<bool, sqlx::Error> {
        let removed = on_tx!(self.tx(), |c| sqlx::query("DELETE FROM search_synonyms WHERE term = $1")
            .bind(term)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        if removed > 0 {
            self.next_catalogue_revision().await?;
        }
        Ok(removed > 0)
    }
}

/// 已发布目录 — what the catalogue publishes as of one revision: the items applicants file
/// for, the halls results are picked up at, and the one-form bundles. Every change to any of
/// them moves the revision on, on whichever node makes it (the revision is in the database).
#[derive(Debug)]
pub struct PublishedCatalogue {
    items: HashMap<String, ServiceItem>,
    /// Every hall, by code.
    pub halls: Vec<shared::case::Hall>,
    /// Every one-form bundle, in catalogue order.
    pub bundles: Vec<Bundle>,
}

impl PublishedCatalogue {
    /// The published version of an item.
    pub fn item(&self, code: &str) -> Option<&ServiceItem> {
        self.items.get(code)
    }
}

/// This node's copy of the [`PublishedCatalogue`] and the revision it is of, so that a
/// submission or a progress lookup reads one number instead of every item's guide, and reads
/// and parses the guides again only when the catalogue has changed.
#[derive(Debug, Default)]
pub struct PublishedCopy(std::sync::RwLock<Option<(i64, Arc<PublishedCatalogue>)>>);

impl PublishedCopy {
    /// The copy, if it is of `revision`.
    fn at(&self, revision: i64) -> Option<Arc<PublishedCatalogue>> {
        let slot = self.0.read().ok()?;
        slot.as_ref().filter(|(r, _)| *r == revision).map(|(_, copy)| Arc::clone(copy))
    }

    /// Keeps `copy` as the catalogue of `revision`.
    fn keep(&self, revision: i64, copy: PublishedCatalogue) -> Arc<PublishedCatalogue> {
        let copy = Arc::new(copy);
        if let Ok(mut slot) = self.0.write() {
            *slot = Some((revision, Arc::clone(&copy)));
        }
        copy
    }
}

/// 事项版本 — the item versions cases were filed under, as this node read them: a progress
/// lookup, a case's page or a deadline reads a guide once, not on every answer, and reads not
/// even the catalogue's revision. A stored version is never rewritten (see
/// [`Store::publish_item`]), so a kept copy cannot go stale and needs no revision to check;
/// past [`ItemVersions::CAPACITY`] the least recently used are dropped, so a catalogue of many
/// versions does not grow the node's memory without bound.
#[derive(Debug)]
pub struct ItemVersions(std::sync::Mutex<lru::LruCache<(String, i64), Arc<ServiceItem>>>);

impl ItemVersions {
    /// How many versions a node keeps: a city's catalogue has a few thousand items, and the
    /// cases looked up are mostly of the last versions of the busiest of them.
    pub const CAPACITY: std::num::NonZeroUsize = std::num::NonZeroUsize::new(2048).expect("not zero");

    /// The kept copy of `code`'s `version`, if this node has read it.
    fn get(&self, code: &str, version: i64) -> Option<Arc<ServiceItem>> {
        let mut kept = self.0.lock().ok()?;
        kept.get(&(code.to_owned(), version)).cloned()
    }

    /// Keeps `item` and hands it back.
    fn keep(&self, item: ServiceItem) -> Arc<ServiceItem> {
        let item = Arc::new(item);
        if let Ok(mut kept) = self.0.lock() {
            kept.put((item.code.as_str().to_owned(), i64::from(item.version)), Arc::clone(&item));
        }
        item
    }
}

impl Default for ItemVersions {
    fn default() -> Self {
        Self(std::sync::Mutex::new(lru::LruCache::new(Self::CAPACITY)))
    }
}
