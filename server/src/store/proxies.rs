//! 委托代办的存储 — the authorizations persons give others to apply for them.

use chrono::{DateTime, NaiveDate, Utc};
use shared::proxy::ProxyItem;

use super::{Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

/// One authorization as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProxyRow {
    /// Its id.
    pub id: String,
    /// 委托人
    pub principal_id: String,
    /// 受托人
    pub proxy_id: String,
    /// The items it covers.
    #[sqlx(json)]
    pub items: Vec<ProxyItem>,
    /// The last day it holds.
    pub valid_until: NaiveDate,
    /// When it was given.
    pub granted_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

impl ProxyRow {
    /// When it was given.
    pub fn granted(&self) -> DateTime<Utc> {
        self.granted_at.into()
    }

    /// When it was revoked, if it was.
    pub fn revoked(&self) -> Option<DateTime<Utc>> {
        self.revoked_at.map(Into::into)
    }
}

const COLUMNS: &str = "id, principal_id, proxy_id, items, valid_until, granted_at, revoked_at";

impl Store {
    /// One authorization.
    pub async fn proxy(&self, id: &str) -> Result<Option<ProxyRow>, sqlx::Error> {
        let sql = format!("SELECT {COLUMNS} FROM person_proxies WHERE id = $1");
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
    }

    /// The authorizations a person gave, newest first (at most `limit`).
    pub async fn proxies_given(&self, principal_id: &str, limit: i64) -> Result<Vec<ProxyRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM person_proxies WHERE principal_id = $1 ORDER BY granted_at DESC, id LIMIT $2"
        );
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(principal_id).bind(limit).fetch_all(p).await)
    }

    /// The authorizations given to a person that are not revoked and hold on `today`.
    pub async fn proxies_received(&self, proxy_id: &str, today: NaiveDate) -> Result<Vec<ProxyRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM person_proxies
              WHERE proxy_id = $1 AND revoked_at IS NULL AND valid_until >= $2 ORDER BY granted_at DESC, id"
        );
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(proxy_id).bind(today).fetch_all(p).await)
    }
}

impl UnitOfWork {
    /// Whether an authorization holds on `today`, read under a share lock on PostgreSQL so that a
    /// revocation waits for the write that relies on it.
    pub async fn proxy_holds(&mut self, id: &str, today: NaiveDate) -> Result<bool, sqlx::Error> {
        let sql = "SELECT id FROM person_proxies WHERE id = $1 AND revoked_at IS NULL AND valid_until >= $2";
        let found: Option<String> = match self.tx() {
            super::Tx::Postgres(t) => {
                sqlx::query_scalar(&format!("{sql} FOR SHARE")).bind(id).bind(today).fetch_optional(&mut **t).await?
            }
            super::Tx::Sqlite(t) => sqlx::query_scalar(sql).bind(id).bind(today).fetch_optional(&mut **t).await?,
        };
        Ok(found.is_some())
    }

    /// Records an authorization.
    pub async fn insert_proxy(&mut self, row: &ProxyRow) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO person_proxies (id, principal_id, proxy_id, items, valid_until, granted_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL)"
        )
        .bind(&row.id)
        .bind(&row.principal_id)
        .bind(&row.proxy_id)
        .bind(sqlx::types::Json(&row.items))
        .bind(row.valid_until)
        .bind(row.granted_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes one of the principal's authorizations; `false` if it is not theirs or already
    /// revoked. A session applying under it keeps naming it, so that its next application is
    /// refused rather than filed in the proxy's own name.
    pub async fn revoke_proxy(&mut self, id: &str, principal_id: &str, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let revoked = on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE person_proxies SET revoked_at = $3 WHERE id = $1 AND principal_id = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(principal_id)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(revoked > 0)
    }
}
