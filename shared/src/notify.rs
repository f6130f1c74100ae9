//! 消息通知与部门对接 — what the platform tells people (a message in their account, by email and
//! by SMS where they chose), and what it tells department systems (审批业务系统对接: each event by
//! signed webhook, or read from a feed with the department's API token).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::application::CaseStatus;
use crate::problem::FieldCode;
use crate::supervision::{CardCause, CardColor};
use crate::text::Lang;
use crate::workflow::CaseAction;
use crate::{Bilingual, FieldError};

/// Events on one page of the feed, unless the client asks for fewer.
pub const EVENT_PAGE_DEFAULT: u32 = 100;
/// Most events on one page of the feed.
pub const EVENT_PAGE_MAX: u32 = 1000;
/// Longest description of a webhook endpoint or name of an API token, in characters.
pub const MAX_LABEL_CHARS: usize = 100;
/// Longest webhook address, in bytes.
pub const MAX_WEBHOOK_URL_BYTES: usize = 2000;
/// The header that carries a webhook body's HMAC-SHA256 under its endpoint's secret.
pub const SIGNATURE_HEADER: &str = "X-Yiwang-Signature";
/// The header that carries a delivery's id (the same on every retry of it).
pub const DELIVERY_HEADER: &str = "X-Yiwang-Delivery";
/// The header that carries an event's type.
pub const EVENT_TYPE_HEADER: &str = "X-Yiwang-Event";

/// 电子邮箱 — an email address, checked the way mail servers will take it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a local part of visible characters without spaces, quotes or
    /// brackets, and a domain of letters, digits and hyphens with a dot in it.
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let address = input.trim();
        let bad = || FieldError {
            field: field.to_owned(),
            code: FieldCode::InvalidEmail,
            message: Bilingual::new(
                "请填写有效的电子邮箱，例如 name@example.com",
                "Enter an email address such as name@example.com",
            ),
        };
        let (local, domain) = address.split_once('@').ok_or_else(bad)?;
        let local_ok = (1..=64).contains(&local.len())
            && local.chars().all(|c| c.is_ascii_graphic() && !"\"(),:;<>@[\\]`".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = domain.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| {
                (1..=63).contains(&l.len())
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok && address.len() <= 254 {
            Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
        } else {
            Err(bad())
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shown as z***@example.com, in logs and lists.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse("email", &s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// 通知渠道 — how a message leaves.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// 电子邮件
    Email,
    /// 短信
    Sms,
    /// A department system's webhook endpoint.
    Webhook,
}

stored_name!(Channel);

impl Channel {
    /// The channel's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Email => Bilingual::new("电子邮件", "Email"),
            Self::Sms => Bilingual::new("短信", "SMS"),
            Self::Webhook => Bilingual::new("推送地址", "Webhook"),
        }
    }
}

/// Where a delivery stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first attempt or its next retry.
    Pending,
    /// The receiver took it (an SMTP server, the SMS gateway or the endpoint answered 2xx).
    Delivered,
    /// Retried for the whole retry period without success.
    GaveUp,
}

stored_name!(DeliveryState);

impl DeliveryState {
    /// The state's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::Pending => Bilingual::new("发送中", "Sending"),
            Self::Delivered => Bilingual::new("已送达", "Delivered"),
            Self::GaveUp => Bilingual::new("发送失败", "Could not be delivered"),
        }
    }
}

/// 消息类型 — what a message to a person is about.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageKind {
    /// 受理通知
    Acceptance,
    /// 不予受理通知
    NotAccepted,
    /// 补正材料告知
    Supplement,
    /// 办结通知
    Conclusion,
    /// 结果待领取 — the result waits at a hall's window.
    ResultReady,
    /// 黄牌预警 — to the case's handler.
    YellowCard,
    /// 红牌督办 — to the case's handler.
    RedCard,
}

stored_name!(MessageKind);

impl MessageKind {
    /// The message's subject line, before the item's name.
    pub fn title(self) -> Bilingual {
        match self {
            Self::Acceptance => Bilingual::new("受理通知", "Accepted"),
            Self::NotAccepted => Bilingual::new("不予受理通知", "Not accepted"),
            Self::Supplement => Bilingual::new("补正材料告知", "Materials to supplement"),
            Self::Conclusion => Bilingual::new("办结通知", "Concluded"),
            Self::ResultReady => Bilingual::new("结果待领取", "Result ready for pickup"),
            Self::YellowCard => Bilingual::new("黄牌预警", "Yellow card: the deadline is near"),
            Self::RedCard => Bilingual::new("红牌督办", "Red card: under supervision"),
        }
    }
}

/// `GET|PUT /api/v1/me/notifications`: how a person wants to be told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// 电子邮箱; required when `by_email` is on.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 254))]
    pub email: Option<String>,
    /// Send each message by email.
    pub by_email: bool,
    /// Send each message by SMS to the registered mobile number.
    pub by_sms: bool,
    /// The language messages are written in.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "zh-CN"))]
    pub lang: Lang,
}

impl NotificationSettings {
    /// Checks the settings; the email address comes back parsed.
    pub fn check(&self) -> Result<Option<Email>, Vec<FieldError>> {
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Email::parse("email", raw).map_err(|e| vec![e])?),
        };
        if self.by_email && email.is_none() {
            return Err(vec![FieldError {
                field: "email".to_owned(),
                code: FieldCode::Empty,
                message: Bilingual::new("开启邮件通知需要填写电子邮箱", "Enter an email address to be told by email"),
            }]);
        }
        Ok(email)
    }
}

/// `GET /api/v1/me/notifications`: the settings and where they send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationView {
    /// The settings.
    pub settings: NotificationSettings,
    /// The registered mobile number SMS goes to, masked.
    pub mobile: String,
    /// Whether this server sends email through a mail server (otherwise it only writes each
    /// email to its log: a demonstration).
    pub email_configured: bool,
    /// Whether it sends SMS through a gateway.
    pub sms_configured: bool,
}

/// One channel's delivery of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDelivery {
    /// Email or SMS.
    pub channel: Channel,
    /// Where to, masked.
    pub to: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// 发送给您的消息 — a message as its person reads it, with how it was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentMessage {
    /// Its id.
    pub id: String,
    /// What about.
    pub kind: MessageKind,
    /// 办件编号
    pub case_no: String,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Its subject line.
    pub subject: String,
    /// What it says.
    pub body: String,
    /// Its email and SMS deliveries.
    pub deliveries: Vec<MessageDelivery>,
}

/// What a department event says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum EventData {
    /// Someone acted on the case (受理, 承办, 批准, …): the action and the status it left.
    #[serde(rename = "case.acted")]
    CaseActed {
        /// The act.
        action: CaseAction,
        /// The case's status after it.
        status: CaseStatus,
    },
    /// The case moved without an act on it: an earlier stage of its bundle concluded
    /// (`submitted`: it starts) or was refused (`discontinued`).
    #[serde(rename = "case.moved")]
    CaseMoved {
        /// The case's status now.
        status: CaseStatus,
    },
    /// A yellow or red card was raised against the department on the case.
    #[serde(rename = "card.raised")]
    CardRaised {
        /// The card's id.
        card_id: String,
        /// Yellow or red.
        color: CardColor,
        /// Why.
        cause: CardCause,
        /// The due date it was raised against.
        due_on: Option<NaiveDate>,
    },
}

impl EventData {
    /// The event's type, as `data.type` and the `X-Yiwang-Event` header name it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::CaseActed { .. } => "case.acted",
            Self::CaseMoved { .. } => "case.moved",
            Self::CardRaised { .. } => "card.raised",
        }
    }
}

/// 部门事件 — one event on a department's case, as its systems receive it (webhook body and
/// feed entry alike).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentEvent {
    /// The event's id: the same in the feed and in every webhook delivery of it, for a
    /// receiver to discard a repeat.
    pub id: String,
    /// Its place in the department's feed: pass it as `after` to read on from it.
    pub cursor: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The department's code.
    pub department: String,
    /// 办件编号
    pub case_no: String,
    /// 申办编号
    pub application_no: String,
    /// What happened.
    pub data: EventData,
}

/// `GET /api/v1/events`: a page of the feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    /// The events after the cursor asked for, oldest first.
    pub events: Vec<DepartmentEvent>,
    /// The cursor to ask with next (the last event's, or the one asked with if none came).
    pub next: i64,
}

/// `GET /api/v1/events`: where to read from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// The cursor of the last event read (`next` of the page before); from the start when
    /// absent.
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after: Option<i64>,
    /// Most events to answer.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000))]
    pub limit: Option<u32>,
}

impl EventQuery {
    /// The cursor and the page size, checked.
    pub fn check(&self) -> Result<(i64, u32), Vec<FieldError>> {
        let mut errors = Vec::new();
        let after = self.after.unwrap_or(0);
        if after < 0 {
            errors.push(FieldError::new("after", FieldCode::OutOfRange));
        }
        let limit = self.limit.unwrap_or(EVENT_PAGE_DEFAULT);
        if !(1..=EVENT_PAGE_MAX).contains(&limit) {
            errors.push(FieldError::new("limit", FieldCode::OutOfRange));
        }
        if errors.is_empty() { Ok((after, limit)) } else { Err(errors) }
    }
}

/// `POST /api/v1/department/webhooks`: an endpoint to register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where events are POSTed: an `https://` address (`http://` only to the loopback
    /// interface, for a relay on the same host).
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub url: String,
    /// What system receives them.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub description: String,
}

impl WebhookRequest {
    /// Checks the address and the description; returns them trimmed.
    pub fn check(&self) -> Result<(String, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let url = self.url.trim();
        if !webhook_url_ok(url) {
            errors.push(FieldError::new("url", FieldCode::InvalidWebhookUrl));
        }
        match check_label("description", &self.description) {
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
        if errors.is_empty() { Ok((url.to_owned(), self.description.trim().to_owned())) } else { Err(errors) }
    }
}

/// Whether `url` is an address a webhook may go to: https anywhere, http only to loopback; no
/// credentials in it and no fragment.
pub fn webhook_url_ok(url: &str) -> bool {
    if url.len() > MAX_WEBHOOK_URL_BYTES || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || url.contains('#') {
        return false;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
    let loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    port_ok
        && host_ok
        && match scheme {
            "https" => true,
            "http" => loopback,
            _ => false,
        }
}

/// A label of 1 to [`MAX_LABEL_CHARS`] characters, none invisible.
fn check_label(field: &str, input: &str) -> Result<String, FieldError> {
    let label = input.trim();
    let n = label.chars().count();
    if n == 0 {
        return Err(FieldError::new(field, FieldCode::Empty));
    }
    if n > MAX_LABEL_CHARS || label.chars().any(crate::text::is_invisible) {
        return Err(FieldError {
            field: field.to_owned(),
            code: FieldCode::Invalid,
            message: Bilingual::new(
                format!("请填写1至{MAX_LABEL_CHARS}个字，不含不可见字符"),
                format!("Write 1 to {MAX_LABEL_CHARS} characters, none of them invisible"),
            ),
        });
    }
    Ok(label.to_owned())
}

/// A registered webhook endpoint, with how its deliveries stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: String,
    /// Where events go.
    pub url: String,
    /// What receives them.
    pub description: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was switched off; it receives nothing after.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Deliveries waiting or being retried.
    pub pending: u64,
    /// Deliveries the endpoint took.
    pub delivered: u64,
    /// Deliveries given up.
    pub gave_up: u64,
}

/// `POST /api/v1/department/webhooks` answer: the endpoint and its signing secret, shown
/// this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The secret the `X-Yiwang-Signature` HMAC is made with. It is not shown again.
    pub secret: String,
}

/// One attempt to deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub took_ms: u64,
}

/// One event's delivery to an endpoint, with its attempts: a line of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointDelivery {
    /// The delivery's id (`X-Yiwang-Delivery`).
    pub id: String,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// 办件编号
    pub case_no: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the endpoint took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Each attempt, newest first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// `POST /api/v1/department/tokens`: a token to issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiTokenRequest {
    /// What system uses it.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: String,
}

impl ApiTokenRequest {
    /// Checks the name; returns it trimmed.
    pub fn check(&self) -> Result<String, Vec<FieldError>> {
        check_label("name", &self.name).map_err(|e| vec![e])
    }
}

/// 接口令牌 — a department system's token for the feed, as lists show it (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Its id.
    pub id: String,
    /// What system uses it.
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; it opens nothing after.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/department/tokens` answer: the token, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenCreated {
    /// The token as lists show it.
    pub token: ApiToken,
    /// The token itself, for `Authorization: Bearer …`. It is not shown again.
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_masked() {
        let e = Email::parse("email", " Zhang.San@Example.COM ").expect("an address");
        assert_eq!(e.as_str(), "Zhang.San@example.com");
        assert_eq!(e.masked(), "Z***@example.com");
        for bad in ["", "a", "a@b", "a@@b.cn", "a b@c.cn", "a@b..cn", "<a>@b.cn", "a@-b.cn", "a@b.c1", ".a@b.cn"] {
            assert_eq!(Email::parse("email", bad).map_err(|e| e.code), Err(FieldCode::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn email_notices_need_an_address() {
        let mut s = NotificationSettings { email: None, by_email: true, by_sms: false, lang: Lang::En };
        assert_eq!(s.check().map_err(|e| e[0].code), Err(FieldCode::Empty));
        s.email = Some("li@example.cn".to_owned());
        assert_eq!(s.check().expect("fine").map(|e| e.masked()), Some("l***@example.cn".to_owned()));
    }

    #[test]
    fn webhooks_go_to_https_or_to_loopback_over_http() {
        for ok in [
            "https://dept.example.gov.cn/yiwang/events",
            "https://10.1.2.3:8443/hook?x=1",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/hook",
        ] {
            assert!(webhook_url_ok(ok), "{ok}");
        }
        for bad in [
            "http://dept.example.gov.cn/hook",
            "ftp://127.0.0.1/x",
            "https://user:pw@example.cn/",
            "https:///path",
            "https://exa mple.cn/",
            "https://example.cn/#frag",
            "example.cn/hook",
            "https://example.cn:99999/",
        ] {
            assert!(!webhook_url_ok(bad), "{bad}");
        }
    }

    #[test]
    fn events_name_their_type_as_they_serialize_it() {
        let data = EventData::CaseMoved { status: CaseStatus::Submitted };
        let json = serde_json::to_value(&data).expect("json");
        assert_eq!(json["type"], data.type_name());
    }
}
