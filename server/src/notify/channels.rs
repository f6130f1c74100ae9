//! 通知渠道 — how a delivery leaves: email over SMTP (through `lettre`), SMS through a gateway's
//! HTTP adapter, and webhooks signed with HMAC-SHA256. Each says whether a failure is worth a
//! retry; none logs an address unmasked.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use shared::account::Mobile;
use shared::notify::{DELIVERY_HEADER, EVENT_TYPE_HEADER, Email, SIGNATURE_HEADER};

use crate::config::{Config, SmsAdapter, SmtpTls};

/// Why an attempt failed, and whether to try again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status the receiver answered, if it answered over HTTP.
    pub status: Option<u16>,
    /// What went wrong, for the delivery log (no address in it).
    pub error: String,
    /// Whether trying again cannot help (a mailbox that does not exist, a number the gateway
    /// refuses): the delivery is given up at once.
    pub permanent: bool,
}

impl Failure {
    fn transient(error: impl Into<String>) -> Self {
        Self { status: None, error: error.into(), permanent: false }
    }
}

/// 邮件 — the mail server, or, with none configured, the log (a demonstration: each email is
/// written to the server's log with its address masked, and counts as delivered).
pub enum Mailer {
    /// An SMTP server.
    Smtp {
        /// The connection pool to it.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// Who the emails are from.
        from: Mailbox,
    },
    /// No mail server: the log.
    Log,
}

impl Mailer {
    /// The mailer `--smtp-host` and the flags beside it describe.
    pub fn from_config(c: &Config) -> anyhow::Result<Self> {
        let Some(host) = c.smtp_host.as_deref() else { return Ok(Self::Log) };
        let tls = match c.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(TlsParameters::new(host.to_owned())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(host.to_owned())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(c.smtp_port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(c.delivery_timeout_secs)));
        if let Some(file) = &c.smtp_credentials_file {
            builder = builder.credentials(read_credentials(file)?);
        }
        let from: Mailbox = c.smtp_from.parse().with_context(|| format!("--smtp-from {:?}", c.smtp_from))?;
        Ok(Self::Smtp { transport: builder.build(), from })
    }

    /// Whether email leaves through a mail server.
    pub fn configured(&self) -> bool {
        matches!(self, Self::Smtp { .. })
    }

    /// Sends one email; `id` becomes its Message-ID, the same on every retry.
    pub async fn send(&self, id: &str, to: &Email, subject: &str, body: &str) -> Result<Option<u16>, Failure> {
        match self {
            Self::Log => {
                tracing::info!(to = %to.masked(), subject, delivery = id, "email (no mail server configured: logged only)");
                Ok(None)
            }
            Self::Smtp { transport, from } => {
                let to_box: Mailbox = to.as_str().parse().map_err(|e| Failure {
                    status: None,
                    error: format!("address refused: {e}"),
                    permanent: true,
                })?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to_box)
                    .subject(subject)
                    .message_id(Some(format!("<{id}@yiwang>")))
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned())
                    .map_err(|e| Failure { status: None, error: format!("email not built: {e}"), permanent: true })?;
                transport.send(message).await.map(|_| None).map_err(|e| Failure {
                    status: None,
                    permanent: e.is_permanent(),
                    error: format!("SMTP: {e}"),
                })
            }
        }
    }
}

/// Reads `user` and `password` from the first two lines of a file.
fn read_credentials(file: &Path) -> anyhow::Result<Credentials> {
    let text = std::fs::read_to_string(file).with_context(|| format!("SMTP credentials {}", file.display()))?;
    let mut lines = text.lines();
    match (lines.next(), lines.next()) {
        (Some(user), Some(password)) if !user.trim().is_empty() => {
            Ok(Credentials::new(user.trim().to_owned(), password.trim_end_matches(['\r', '\n']).to_owned()))
        }
        _ => anyhow::bail!("{}: write the user on the first line and the password on the second", file.display()),
    }
}

/// 短信网关 — the SMS gateway, or with none configured the log (a demonstration).
pub enum SmsGateway {
    /// A gateway speaking the JSON adapter (see docs/notifications.md): `POST <url>` with
    /// `Authorization: Bearer <key>` and `{"id", "to", "text"}`; any 2xx means accepted.
    Json {
        /// Where to POST.
        url: String,
        /// The gateway's key.
        key: String,
    },
    /// No gateway: the log.
    Log,
}

impl SmsGateway {
    /// The gateway `--sms-gateway-url` and the flags beside it describe.
    pub fn from_config(c: &Config) -> anyhow::Result<Self> {
        let Some(url) = c.sms_gateway_url.clone() else { return Ok(Self::Log) };
        let key = match &c.sms_gateway_key_file {
            Some(file) => std::fs::read_to_string(file)
                .with_context(|| format!("SMS gateway key {}", file.display()))?
                .trim()
                .to_owned(),
            None => String::new(),
        };
        Ok(match c.sms_adapter {
            SmsAdapter::Json => Self::Json { url, key },
        })
    }

    /// Whether SMS leaves through a gateway.
    pub fn configured(&self) -> bool {
        !matches!(self, Self::Log)
    }

    /// Sends one text message; `id` goes with it for the gateway to discard a repeat.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        id: &str,
        to: &Mobile,
        text: &str,
    ) -> Result<Option<u16>, Failure> {
        match self {
            Self::Log => {
                tracing::info!(to = %to.masked(), delivery = id, "SMS (no gateway configured: logged only)");
                Ok(None)
            }
            Self::Json { url, key } => {
                tracing::debug!(to = %to.masked(), delivery = id, "SMS to the gateway");
                let body = serde_json::json!({"id": id, "to": to.as_str(), "text": text});
                let mut request = http.post(url).json(&body);
                if !key.is_empty() {
                    request = request.bearer_auth(key);
                }
                let response = request.send().await.map_err(|e| Failure::transient(http_error(&e)))?;
                answer(response.status())
            }
        }
    }
}

/// A 2xx is taken; 408, 429 and 5xx are worth a retry; any other 4xx is not.
fn answer(status: reqwest::StatusCode) -> Result<Option<u16>, Failure> {
    if status.is_success() {
        return Ok(Some(status.as_u16()));
    }
    let code = status.as_u16();
    Err(Failure {
        status: Some(code),
        error: format!("answered {status}"),
        permanent: status.is_client_error() && !matches!(code, 408 | 429),
    })
}

/// A failed HTTP request described without its address (which may hold a key).
fn http_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() { what.to_owned() } else { format!("{what}: {cause}") }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`, as `X-Yiwang-Signature` carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", crate::pii::hex(&mac.finalize().into_bytes()))
}

/// POSTs an event to an endpoint, signed. Every answer but a 2xx is retried: an endpoint that
/// is down or misconfigured today may be fixed tomorrow.
pub async fn post_webhook(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery_id: &str,
    event_type: &str,
    body: Vec<u8>,
) -> Result<Option<u16>, Failure> {
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature(secret, &body))
        .header(DELIVERY_HEADER, delivery_id)
        .header(EVENT_TYPE_HEADER, event_type)
        .body(body)
        .send()
        .await
        .map_err(|e| Failure::transient(http_error(&e)))?;
    answer(response.status()).map_err(|f| Failure { permanent: false, ..f })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn client_errors_are_final_but_throttling_and_outages_are_not() {
        assert!(answer(reqwest::StatusCode::NO_CONTENT).is_ok());
        assert!(answer(reqwest::StatusCode::BAD_REQUEST).expect_err("a failure").permanent);
        assert!(!answer(reqwest::StatusCode::TOO_MANY_REQUESTS).expect_err("a failure").permanent);
        assert!(!answer(reqwest::StatusCode::BAD_GATEWAY).expect_err("a failure").permanent);
    }
}
