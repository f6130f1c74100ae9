//! 委托代办 — a citizen authorizes another registered person to apply for them, for named items
//! and until a date (see [`shared::proxy`]); revokes it; and the proxy applies under it.

use shared::audit::AuditAction;
use shared::catalogue::{ItemCode, ServiceObject};
use shared::ids::RecordId;
use shared::proxy::{GrantProxyRequest, Proxies, ProxyGrant, ProxyItem, ProxyParty};
use shared::{FieldCode, FieldError};

use super::error::{IdentityError, Whom};
use super::service::{IdentityService, Session, audit};
use crate::store::proxies::ProxyRow;

/// Authorizations listed at most.
const PROXIES_LISTED: i64 = 100;

impl IdentityService<'_> {
    /// Staff accounts are for work: they neither give nor take authorizations.
    pub(super) fn as_citizen(s: &Session) -> Result<(), IdentityError> {
        if s.staff.is_some() { Err(IdentityError::Forbidden) } else { Ok(()) }
    }

    /// 我的委托 — the authorizations one gave, and those given to one that hold today.
    pub async fn proxies(&self, s: &Session) -> Result<Proxies, IdentityError> {
        Self::as_citizen(s)?;
        let mut granted = Vec::new();
        for row in self.store.proxies_given(&s.row.person_id, PROXIES_LISTED).await? {
            granted.push(self.proxy_grant(row).await?);
        }
        let mut received = Vec::new();
        for row in self.store.proxies_received(&s.row.person_id, self.clock.today()).await? {
            received.push(self.proxy_grant(row).await?);
        }
        Ok(Proxies { granted, received })
    }

    /// 委托他人代办 — authorizes a registered person (found by number *and* name) for items
    /// for persons, until a date within a year.
    pub async fn grant_proxy(&self, s: &Session, req: GrantProxyRequest) -> Result<ProxyGrant, IdentityError> {
        Self::as_citizen(s)?;
        let mut errors = req.check(self.clock.today());
        if req.items.len() > shared::proxy::MAX_PROXY_ITEMS {
            return Err(IdentityError::Invalid(errors));
        }
        let mut items = Vec::new();
        for (i, raw) in req.items.iter().enumerate() {
            let Ok(code) = ItemCode::parse(raw) else { continue };
            match self.store.published_item(&code).await? {
                Some(item) if item.service_object == ServiceObject::Person => {
                    if !items.iter().any(|p: &ProxyItem| p.code == code) {
                        items.push(ProxyItem { code, name: item.name });
                    }
                }
                Some(_) => errors.push(FieldError::new(format!("items[{i}]"), FieldCode::NeedsPerson)),
                None => errors.push(FieldError::new(format!("items[{i}]"), FieldCode::ItemNotPublished)),
            }
        }
        if !errors.is_empty() {
            return Err(IdentityError::Invalid(errors));
        }
        let proxy = self
            .registered_person(s, &req.id_number, &req.name)
            .await?
            .ok_or(IdentityError::Unregistered(Whom::Proxy))?;
        if proxy.id == s.row.person_id {
            return Err(IdentityError::Invalid(vec![FieldError::new("id_number", FieldCode::SelfGrant)]));
        }
        let now = self.clock.now();
        let row = ProxyRow {
            id: uuid::Uuid::new_v4().to_string(),
            principal_id: s.row.person_id.clone(),
            proxy_id: proxy.id.clone(),
            items,
            valid_until: req.valid_until,
            granted_at: now.into(),
            revoked_at: None,
        };
        let mut uow = self.store.begin().await?;
        uow.insert_proxy(&row).await?;
        uow.commit(&audit(Some(&s.row), AuditAction::ProxyGranted, &row.id, &proxy.id, now)).await?;
        self.proxy_grant(row).await
    }

    /// 撤销委托 — the principal revokes an authorization; a proxy applying under it is refused
    /// from then on (and told so) until they switch back to themselves.
    pub async fn revoke_proxy(&self, s: &Session, id: RecordId) -> Result<(), IdentityError> {
        Self::as_citizen(s)?;
        let id = id.to_stored();
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        if !uow.revoke_proxy(&id, &s.row.person_id, now).await? {
            return Err(IdentityError::ProxyNotFound);
        }
        uow.commit(&audit(Some(&s.row), AuditAction::ProxyRevoked, &id, "", now)).await?;
        Ok(())
    }

    /// An authorization given to `proxy_id`, whether or not it still holds.
    pub(super) async fn proxy_given_to(&self, id: &str, proxy_id: &str) -> Result<Option<ProxyGrant>, IdentityError> {
        match self.store.proxy(id).await? {
            Some(row) if row.proxy_id == proxy_id => Ok(Some(self.proxy_grant(row).await?)),
            _ => Ok(None),
        }
    }

    /// An authorization that `proxy_id` may apply under today, if it is one.
    pub(super) async fn usable_proxy(&self, id: &str, proxy_id: &str) -> Result<Option<ProxyGrant>, IdentityError> {
        let grant = self.proxy_given_to(id, proxy_id).await?;
        Ok(grant.filter(|g| g.holds_on(self.clock.today())))
    }

    /// An authorization with both persons named.
    async fn proxy_grant(&self, row: ProxyRow) -> Result<ProxyGrant, IdentityError> {
        let party = |id: &str| {
            let id = id.to_owned();
            async move {
                let p = self.store.person(&id).await?.ok_or(IdentityError::PersonNotFound)?;
                Ok::<_, IdentityError>(ProxyParty {
                    person_id: p.id,
                    name: p.name,
                    id_number_masked: p.id_number_masked,
                })
            }
        };
        Ok(ProxyGrant {
            principal: party(&row.principal_id).await?,
            proxy: party(&row.proxy_id).await?,
            granted_at: row.granted(),
            revoked_at: row.revoked(),
            id: row.id,
            items: row.items,
            valid_until: row.valid_until,
        })
    }
}
