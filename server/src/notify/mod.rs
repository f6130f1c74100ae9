//! 消息通知与部门对接 — how people choose to be told and what was sent to them; the webhook
//! endpoints and API tokens a department's systems administrator registers; the department
//! feed. The outbox is turned into deliveries by [`fanout`] and delivered by [`dispatch`]
//! through [`channels`].

pub mod channels;
pub mod dispatch;
mod error;
pub mod fanout;

use base64::Engine as _;
use chrono::DateTime;
use sha2::{Digest, Sha256};
use shared::account::{Mobile, Role};
use shared::audit::AuditAction;
use shared::notify::{
    ApiToken, ApiTokenCreated, ApiTokenRequest, DeliveryAttempt, DepartmentEvent, EndpointDelivery, EventData,
    EventPage, EventQuery, MessageDelivery, NotificationSettings, NotificationView, SentMessage, WebhookCreated,
    WebhookEndpoint, WebhookRequest,
};

pub use self::error::NotifyError;
use crate::auth::service::Session;
use crate::clock::Clock;
use crate::pii::PiiKeys;
use crate::store::notify::{ContactRow, EndpointRow, FeedRow, NewEndpoint, NewToken, Outbound, TokenRow};
use crate::store::{AuditEvent, Store};

/// Messages the account's list shows.
const SENT_LIST: i64 = 50;
/// Deliveries an endpoint's log shows.
const LOG_LIST: i64 = 100;

/// How deliveries leave this node.
pub struct Channels {
    /// Email.
    pub mailer: channels::Mailer,
    /// SMS.
    pub sms: channels::SmsGateway,
    /// Webhooks and the SMS gateway (its timeout is the delivery timeout).
    pub http: reqwest::Client,
}

impl Channels {
    /// The channels the configuration describes.
    pub fn from_config(c: &crate::config::Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(c.delivery_timeout_secs))
            .user_agent(concat!("Yiwang/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { mailer: channels::Mailer::from_config(c)?, sms: channels::SmsGateway::from_config(c)?, http })
    }
}

/// The notification and department-docking service.
pub struct NotifyService<'a> {
    pub(crate) store: &'a Store,
    pub(crate) clock: &'a Clock,
    pub(crate) pii: &'a PiiKeys,
    pub(crate) channels: &'a Channels,
}

impl NotifyService<'_> {
    /// How the person is told.
    pub async fn settings(&self, s: &Session) -> Result<NotificationView, NotifyError> {
        let (contact, mobile) = self.store.contact_of(&s.row.person_id).await?.ok_or(NotifyError::Forbidden)?;
        Ok(NotificationView {
            settings: NotificationSettings {
                email: contact.email.clone(),
                by_email: contact.notify_email,
                by_sms: contact.notify_sms,
                lang: contact.lang(),
            },
            mobile: Mobile::parse(&mobile).map(|m| m.masked()).unwrap_or_default(),
            email_configured: self.channels.mailer.configured(),
            sms_configured: self.channels.sms.configured(),
        })
    }

    /// Changes how the person is told; on the audit trail (without the address).
    pub async fn set_settings(&self, s: &Session, req: &NotificationSettings) -> Result<NotificationView, NotifyError> {
        let email = req.check().map_err(NotifyError::Invalid)?;
        let row = ContactRow {
            email: email.as_ref().map(|e| e.as_str().to_owned()),
            notify_email: req.by_email,
            notify_sms: req.by_sms,
            lang: req.lang.tag().to_owned(),
        };
        let detail = format!("email={} sms={} lang={}", req.by_email, req.by_sms, req.lang.tag());
        let mut uow = self.store.begin().await?;
        uow.set_notification_settings(&s.row.person_id, &row).await?;
        uow.commit(&crate::auth::service::audit(
            Some(&s.row),
            AuditAction::NotificationSettingsChanged,
            &s.row.person_id,
            &detail,
            self.clock.now(),
        ))
        .await?;
        self.settings(s).await
    }

    /// 发送给您的消息 — the newest messages to the person, with how each was sent.
    pub async fn sent(&self, s: &Session) -> Result<Vec<SentMessage>, NotifyError> {
        let messages = self.store.messages_of(&s.row.person_id, SENT_LIST).await?;
        let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
        let deliveries = self.store.deliveries_of_messages(&ids).await?;
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            let mine = deliveries.iter().filter(|d| d.message_id.as_deref() == Some(m.id.as_str()));
            let deliveries = mine
                .map(|d| MessageDelivery {
                    channel: d.channel,
                    to: masked_address(d.channel, d.address.as_deref().unwrap_or_default()),
                    state: d.state,
                    attempts: u32::try_from(d.attempts).unwrap_or(u32::MAX),
                    delivered_at: d.delivered_at.map(Into::into),
                })
                .collect();
            out.push(SentMessage {
                id: m.id,
                kind: m.kind,
                case_no: m.case_no,
                at: m.at.into(),
                subject: m.subject,
                body: m.body,
                deliveries,
            });
        }
        Ok(out)
    }

    /// The department a systems administrator registers systems for.
    fn admin_department<'s>(&self, s: &'s Session) -> Result<&'s str, NotifyError> {
        match &s.staff {
            Some(staff) if staff.roles.contains(&Role::DepartmentAdmin) => Ok(&staff.department_code),
            _ => Err(NotifyError::Forbidden),
        }
    }

    /// The department's webhook endpoints.
    pub async fn endpoints(&self, s: &Session) -> Result<Vec<WebhookEndpoint>, NotifyError> {
        let department = self.admin_department(s)?;
        Ok(self.store.endpoints_of(department).await?.into_iter().map(endpoint).collect())
    }

    /// 登记推送地址 — registers an endpoint; its signing secret is shown this once.
    pub async fn register_endpoint(&self, s: &Session, req: &WebhookRequest) -> Result<WebhookCreated, NotifyError> {
        let department = self.admin_department(s)?;
        let (url, description) = req.check().map_err(NotifyError::Invalid)?;
        let id = uuid::Uuid::now_v7().to_string();
        let secret = format!("whsec_{}", random_token());
        let sealed = self.pii.seal_text(&secret);
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        uow.insert_endpoint(&NewEndpoint {
            id: &id,
            department_code: department,
            url: &url,
            description: &description,
            secret_sealed: &sealed,
            created_by: &s.row.person_id,
            at: now,
        })
        .await?;
        uow.commit(&self.admin_event(s, AuditAction::WebhookRegistered, &id, &url)).await?;
        let endpoint =
            self.endpoints(s).await?.into_iter().find(|e| e.id == id).ok_or(NotifyError::EndpointNotFound)?;
        Ok(WebhookCreated { endpoint, secret })
    }

    /// 停用推送地址 — switches an endpoint off: it receives nothing more, and what waits for it
    /// is given up.
    pub async fn disable_endpoint(&self, s: &Session, id: &str) -> Result<(), NotifyError> {
        let department = self.admin_department(s)?;
        let mut uow = self.store.begin().await?;
        if !uow.disable_endpoint(department, id, self.clock.now()).await? {
            return Err(NotifyError::EndpointNotFound);
        }
        uow.commit(&self.admin_event(s, AuditAction::WebhookDisabled, id, "")).await?;
        Ok(())
    }

    /// An endpoint's delivery log, newest first.
    pub async fn endpoint_log(&self, s: &Session, id: &str) -> Result<Vec<EndpointDelivery>, NotifyError> {
        let department = self.admin_department(s)?;
        if self.store.endpoint_department(id).await?.as_deref() != Some(department) {
            return Err(NotifyError::EndpointNotFound);
        }
        let (rows, attempts) = self.store.endpoint_log(id, LOG_LIST).await?;
        rows.into_iter()
            .map(|(d, event)| {
                let data = department_event(&event)?.data;
                Ok(EndpointDelivery {
                    attempts: attempts
                        .iter()
                        .filter(|a| a.delivery_id == d.id)
                        .map(|a| DeliveryAttempt {
                            at: a.at.into(),
                            status: a.status.and_then(|s| u16::try_from(s).ok()),
                            error: a.error.clone(),
                            took_ms: u64::try_from(a.took_ms).unwrap_or_default(),
                        })
                        .collect(),
                    id: d.id,
                    event_id: event.event_id,
                    event_type: data.type_name().to_owned(),
                    case_no: event.case_no,
                    state: d.state,
                    next_attempt_at: (d.state == shared::notify::DeliveryState::Pending).then(|| d.next_at.into()),
                    delivered_at: d.delivered_at.map(Into::into),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(NotifyError::from)
    }

    /// The department's API tokens.
    pub async fn tokens(&self, s: &Session) -> Result<Vec<ApiToken>, NotifyError> {
        let department = self.admin_department(s)?;
        Ok(self.store.tokens_of(department).await?.into_iter().map(token).collect())
    }

    /// 签发接口令牌 — issues a token; only its hash is kept, so it is shown this once.
    pub async fn issue_token(&self, s: &Session, req: &ApiTokenRequest) -> Result<ApiTokenCreated, NotifyError> {
        let department = self.admin_department(s)?;
        let name = req.check().map_err(NotifyError::Invalid)?;
        let id = uuid::Uuid::now_v7().to_string();
        let secret = format!("ywt_{}", random_token());
        let prefix: String = secret.chars().take(12).collect();
        let mut uow = self.store.begin().await?;
        uow.insert_token(&NewToken {
            id: &id,
            department_code: department,
            name: &name,
            prefix: &prefix,
            token_hash: &token_hash(&secret),
            created_by: &s.row.person_id,
            at: self.clock.now(),
        })
        .await?;
        uow.commit(&self.admin_event(s, AuditAction::ApiTokenIssued, &id, &name)).await?;
        let token = self.tokens(s).await?.into_iter().find(|t| t.id == id).ok_or(NotifyError::TokenNotFound)?;
        Ok(ApiTokenCreated { token, secret })
    }

    /// 吊销接口令牌 — revokes a token: it opens nothing from now on.
    pub async fn revoke_token(&self, s: &Session, id: &str) -> Result<(), NotifyError> {
        let department = self.admin_department(s)?;
        let mut uow = self.store.begin().await?;
        if !uow.revoke_token(department, id, self.clock.now()).await? {
            return Err(NotifyError::TokenNotFound);
        }
        uow.commit(&self.admin_event(s, AuditAction::ApiTokenRevoked, id, "")).await?;
        Ok(())
    }

    /// 事件订阅 — the events of the token's department after `after`, oldest first.
    pub async fn feed(&self, bearer: Option<&str>, q: &EventQuery) -> Result<EventPage, NotifyError> {
        let token = bearer.ok_or(NotifyError::InvalidToken)?;
        let department =
            self.store.use_token(&token_hash(token), self.clock.now()).await?.ok_or(NotifyError::InvalidToken)?;
        let (after, limit) = q.check().map_err(NotifyError::Invalid)?;
        let rows = self.store.feed(&department, after, i64::from(limit)).await?;
        let events = rows.iter().map(department_event).collect::<Result<Vec<_>, _>>()?;
        let next = events.last().map_or(after, |e| e.cursor);
        Ok(EventPage { events, next })
    }

    fn admin_event<'e>(
        &self,
        s: &'e Session,
        action: AuditAction,
        subject: &'e str,
        detail: &'e str,
    ) -> AuditEvent<'e> {
        AuditEvent {
            role: Some(Role::DepartmentAdmin),
            department: s.staff.as_ref().map(|st| st.department_code.as_str()),
            ..crate::auth::service::audit(Some(&s.row), action, subject, detail, self.clock.now())
        }
    }
}

/// An event of the feed as its department's systems receive it.
pub fn department_event(row: &FeedRow) -> Result<DepartmentEvent, sqlx::Error> {
    let data = match Outbound::decode(row.seq, &row.topic, row.payload.clone())? {
        Outbound::CaseEvent(e) => match e.action {
            Some(action) => EventData::CaseActed { action, status: e.status },
            None => EventData::CaseMoved { status: e.status },
        },
        Outbound::Card(c) => {
            EventData::CardRaised { card_id: c.card, color: c.color, cause: c.cause, due_on: c.due_on }
        }
        Outbound::Notice(_) => {
            return Err(sqlx::Error::Decode(format!("outbox message {} is a notice in the feed", row.seq).into()));
        }
    };
    Ok(DepartmentEvent {
        id: row.event_id.clone(),
        cursor: row.event_no,
        at: DateTime::from(row.at),
        department: row.department_code.clone(),
        case_no: row.case_no.clone(),
        application_no: row.application_no.clone(),
        data,
    })
}

fn endpoint(r: EndpointRow) -> WebhookEndpoint {
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    WebhookEndpoint {
        id: r.id,
        url: r.url,
        description: r.description,
        created_at: r.created_at.into(),
        disabled_at: r.disabled_at.map(Into::into),
        pending: count(r.pending),
        delivered: count(r.delivered),
        gave_up: count(r.gave_up),
    }
}

fn token(r: TokenRow) -> ApiToken {
    ApiToken {
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        created_at: r.created_at.into(),
        last_used_at: r.last_used_at.map(Into::into),
        revoked_at: r.revoked_at.map(Into::into),
    }
}

/// 32 random bytes, base64url.
fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// What is kept of an API token: its SHA-256 (the token is random, so no slow hash is needed).
fn token_hash(token: &str) -> String {
    crate::pii::hex(&Sha256::digest(token.as_bytes()))
}

/// An address as lists show it.
fn masked_address(channel: shared::notify::Channel, address: &str) -> String {
    match channel {
        shared::notify::Channel::Email => {
            shared::notify::Email::parse("email", address).map(|e| e.masked()).unwrap_or_default()
        }
        shared::notify::Channel::Sms => Mobile::parse(address).map(|m| m.masked()).unwrap_or_default(),
        shared::notify::Channel::Webhook => String::new(),
    }
}
