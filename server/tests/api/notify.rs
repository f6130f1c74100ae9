//! 消息通知与部门对接: notices reach applicants by email (a local SMTP sink) and SMS (a fake
//! gateway) in their language, webhooks are signed and retried until taken, deliveries survive
//! a restart, two dispatchers never make the same delivery at once, and the feed reads in order
//! from a cursor, only the token's department's events.

use crate::on_both;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::application::CaseStatus;
use shared::notify::{
    ApiTokenCreated, Channel, DeliveryState, DepartmentEvent, EndpointDelivery, EventData, EventPage, MessageKind,
    NotificationView, SentMessage, WebhookCreated, WebhookEndpoint,
};
use shared::workflow::CaseAction;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::applying::call;
use crate::cases::{act_ok, file_for_enterprise};
use crate::helpers::{Db, TestApp, expect_problem};

/// An enterprise's item at the market regulator (DG-SAMR), whose systems administrator is 钱进.
const SAMR_ITEM: &str = "DG-QY-0007";
/// An item of another department (DG-HC).
const OTHER_ITEM: &str = "DG-QY-0003";
/// The address the agent 陈敏 receives notices at in these tests (the log scan looks for it).
pub(crate) const TEST_EMAIL: &str = "chenmin.notices@example.com";

/// Waits up to 20 s for `done`.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 20 s");
}

/// One email the sink received.
#[derive(Clone, Debug)]
struct Mail {
    to: String,
    subject: String,
    body: String,
}

/// A local SMTP server that takes every email and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("bound").port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let kept = mails.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let (mut to, mut data, mut in_data) = (String::new(), Vec::<String>::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            kept.lock().expect("mails").push(parse_mail(&to, &data));
                            data.clear();
                            let _ = write.write_all(b"250 kept\r\n").await;
                        } else {
                            data.push(line);
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "RCPT" => {
                            to = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, mails)
}

/// Reads a received email's subject (RFC 2047 words decoded) and body (base64 decoded).
fn parse_mail(to: &str, lines: &[String]) -> Mail {
    let blank = lines.iter().position(String::is_empty).unwrap_or(lines.len());
    let (headers, body) = lines.split_at(blank);
    // Folded header lines continue the one before.
    let mut unfolded: Vec<String> = Vec::new();
    for h in headers {
        match (h.starts_with([' ', '\t']), unfolded.last_mut()) {
            (true, Some(last)) => last.push_str(h.trim_start()),
            _ => unfolded.push(h.clone()),
        }
    }
    let header = |name: &str| {
        unfolded
            .iter()
            .find_map(|h| {
                h.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let subject = decode_words(&header("Subject"));
    let body_text = body.iter().skip(1).cloned().collect::<Vec<_>>();
    let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
        let joined: String = body_text.concat();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).expect("base64")).expect("utf-8")
    } else if header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
        quoted_printable(&body_text)
    } else {
        body_text.join("\n")
    };
    Mail { to: to.to_owned(), subject, body }
}

/// Decodes a quoted-printable body: `=` ends a soft line break, `=XX` is a byte.
fn quoted_printable(lines: &[String]) -> String {
    let mut bytes = Vec::new();
    for line in lines {
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line.as_str(), false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'=' && i + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..(i + 3).min(raw.len())]).unwrap_or_default();
                bytes.push(u8::from_str_radix(hex, 16).expect("a QP byte"));
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        if !soft {
            bytes.push(b'\n');
        }
    }
    String::from_utf8(bytes).expect("utf-8")
}

/// Decodes `=?utf-8?b?…?=` words (the whitespace between two of them is not text).
fn decode_words(value: &str) -> String {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        let Some(start) = rest.to_ascii_lowercase().find("=?utf-8?b?") else {
            out.extend(rest.as_bytes());
            break;
        };
        let before = &rest[..start];
        if !before.trim().is_empty() || out.is_empty() {
            out.extend(before.as_bytes());
        }
        let word = &rest[start + 10..];
        let end = word.find("?=").expect("an encoded word ends");
        out.extend(base64::engine::general_purpose::STANDARD.decode(&word[..end]).expect("a word"));
        rest = &word[end + 2..];
    }
    String::from_utf8(out).expect("utf-8")
}

/// What a fake HTTP receiver (an SMS gateway, a webhook endpoint) got.
#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    answered: u16,
}

/// How a fake receiver answers the `n`th request (from 0), and how long it waits first.
type Script = Arc<dyn Fn(usize) -> (u16, Duration) + Send + Sync>;

#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<Mutex<HashSet<String>>>,
    overlaps: Arc<Mutex<Vec<String>>>,
    script: Script,
}

/// Starts a fake receiver; its address and what it got.
async fn receiver(script: Script) -> (String, Receiver) {
    let r = Receiver { got: Arc::default(), in_flight: Arc::default(), overlaps: Arc::default(), script };
    async fn take(State(r): State<Receiver>, headers: HeaderMap, body: axum::body::Bytes) -> AxumStatus {
        let delivery = headers.get("x-yiwang-delivery").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let n = r.got.lock().expect("got").len();
        if !delivery.is_empty() && !r.in_flight.lock().expect("set").insert(delivery.clone()) {
            r.overlaps.lock().expect("overlaps").push(delivery.clone());
        }
        let (status, wait) = (r.script)(n);
        let headers: HashMap<String, String> =
            headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect();
        r.got.lock().expect("got").push(Received { headers, body: body.to_vec(), answered: status });
        tokio::time::sleep(wait).await;
        r.in_flight.lock().expect("set").remove(&delivery);
        AxumStatus::from_u16(status).expect("a status")
    }
    let app = axum::Router::new().route("/hook", axum::routing::post(take)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, r)
}

fn answers(status: u16) -> Script {
    Arc::new(move |_| (status, Duration::ZERO))
}

/// Files the SAMR item for the demo enterprise and has the front desk accept it.
async fn accept(app: &TestApp, agent: &str, clerk: &str, item: &str) -> String {
    let receipt = file_for_enterprise(app, agent, &[item]).await;
    let case_no = receipt.cases[0].case_no.clone();
    act_ok(app, clerk, &case_no, json!({"action": "accept"})).await;
    case_no
}

async fn set_notices(app: &TestApp, token: &str, lang: &str) -> NotificationView {
    let body = json!({"email": TEST_EMAIL, "by_email": true, "by_sms": true, "lang": lang});
    let response = call(app, Method::PUT, "/api/v1/me/notifications", token, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("settings")
}

async fn sent(app: &TestApp, token: &str) -> Vec<SentMessage> {
    let response = call(app, Method::GET, "/api/v1/me/messages", token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("messages")
}

async fn register(app: &TestApp, admin: &str, url: &str) -> WebhookCreated {
    let body = json!({"url": url, "description": "市场监管审批系统"});
    let response = call(app, Method::POST, "/api/v1/department/webhooks", admin, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("an endpoint")
}

async fn log_of(app: &TestApp, admin: &str, endpoint: &str) -> Vec<EndpointDelivery> {
    let path = format!("/api/v1/department/webhooks/{endpoint}/deliveries");
    let response = call(app, Method::GET, &path, admin, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a log")
}

/// The configuration of a server whose notices leave through the sink and the fake gateway,
/// retrying after a second.
fn with_channels(
    smtp_port: u16,
    gateway: &str,
    key_file: &std::path::Path,
) -> impl FnOnce(&mut server::config::Config) {
    let (gateway, key_file) = (gateway.to_owned(), key_file.to_owned());
    move |c| {
        c.smtp_host = Some("127.0.0.1".to_owned());
        c.smtp_port = smtp_port;
        c.smtp_tls = server::config::SmtpTls::None;
        c.sms_gateway_url = Some(gateway);
        c.sms_gateway_key_file = Some(key_file);
        c.dispatch_poll_ms = 100;
        c.delivery_retry_base_secs = 1;
    }
}

async fn a_notice_reaches_the_applicant_by_email_and_sms_in_their_language(db: Db) {
    let (smtp_port, mails) = smtp_sink().await;
    let (gateway, sms) = receiver(answers(200)).await;
    let dir = tempfile::tempdir().expect("a directory");
    let key_file = dir.path().join("sms.key");
    std::fs::write(&key_file, "gateway-key-1\n").expect("a key file");
    let app = TestApp::spawn_with(db, with_channels(smtp_port, &gateway, &key_file)).await;
    let agent = app.sign_in_demo("陈敏").await;
    let clerk = app.sign_in_demo("黄丽").await;

    let missing = json!({"email": null, "by_email": true, "by_sms": true, "lang": "en"});
    let r = call(&app, Method::PUT, "/api/v1/me/notifications", &agent, Some(&missing)).await;
    assert_eq!(expect_problem(r, 422, "validation_failed").await.errors[0].field, "email");
    let bad = json!({"email": "not an address", "by_email": true, "by_sms": true, "lang": "en"});
    expect_problem(
        call(&app, Method::PUT, "/api/v1/me/notifications", &agent, Some(&bad)).await,
        422,
        "validation_failed",
    )
    .await;
    let view = set_notices(&app, &agent, "en").await;
    assert_eq!((view.mobile.as_str(), view.email_configured, view.sms_configured), ("138****8000", true, true));

    let case_no = accept(&app, &agent, &clerk, SAMR_ITEM).await;
    eventually("the email and the SMS", || async {
        !mails.lock().expect("mails").is_empty() && !sms.got.lock().expect("got").is_empty()
    })
    .await;
    let mail = mails.lock().expect("mails")[0].clone();
    assert_eq!(mail.to, TEST_EMAIL);
    assert!(mail.subject.starts_with("[Yiwang] Accepted: "), "{}", mail.subject);
    assert!(mail.body.contains("is complete and in due form") && mail.body.contains(&case_no), "{}", mail.body);
    let text = sms.got.lock().expect("got")[0].clone();
    assert_eq!(text.headers["authorization"], "Bearer gateway-key-1");
    let body: Value = serde_json::from_slice(&text.body).expect("JSON");
    assert_eq!(body["to"], "13800138000");
    assert!(body["text"].as_str().expect("text").starts_with("[Yiwang] Accepted"), "{body}");

    eventually("both deliveries recorded", || async {
        let list = sent(&app, &agent).await;
        list.len() == 1 && list[0].deliveries.iter().all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    let list = sent(&app, &agent).await;
    assert_eq!((list[0].kind, list[0].case_no.as_str()), (MessageKind::Acceptance, case_no.as_str()));
    let mut to: Vec<(Channel, String)> = list[0].deliveries.iter().map(|d| (d.channel, d.to.clone())).collect();
    to.sort_by_key(|(c, _)| c.as_str());
    assert_eq!(to, [(Channel::Email, "c***@example.com".to_owned()), (Channel::Sms, "138****8000".to_owned())]);

    // In Chinese once chosen.
    set_notices(&app, &agent, "zh-CN").await;
    let second = accept(&app, &agent, &clerk, SAMR_ITEM).await;
    eventually("the second email", || async { mails.lock().expect("mails").len() == 2 }).await;
    let mail = mails.lock().expect("mails")[1].clone();
    assert!(mail.subject.starts_with("【一网通办】受理通知："), "{}", mail.subject);
    assert!(mail.body.contains("予以受理") && mail.body.contains(&second), "{}", mail.body);
    app.finish().await;
}

on_both!(a_notice_reaches_the_applicant_by_email_and_sms_in_their_language);

/// The HMAC-SHA256 of `body` under `secret`, as the receiver checks it.
fn expected_signature(secret: &str, body: &[u8]) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(body);
    format!("sha256={}", server::pii::hex(&mac.finalize().into_bytes()))
}

async fn a_failing_webhook_is_retried_until_it_takes_the_event_once(db: Db) {
    // 500, 500, then 200.
    let (url, hook) = receiver(Arc::new(|n| (if n < 2 { 500 } else { 200 }, Duration::ZERO))).await;
    let app = TestApp::spawn_with(db, |c| {
        c.dispatch_poll_ms = 100;
        c.delivery_retry_base_secs = 1;
    })
    .await;
    let admin = app.sign_in_demo("钱进").await;
    let undertaker = app.sign_in_demo("刘洋").await;
    expect_problem(call(&app, Method::GET, "/api/v1/department/webhooks", &undertaker, None).await, 403, "forbidden")
        .await;
    let plain = json!({"url": "http://example.com/hook", "description": "x"});
    let r = call(&app, Method::POST, "/api/v1/department/webhooks", &admin, Some(&plain)).await;
    assert_eq!(expect_problem(r, 422, "validation_failed").await.errors[0].field, "url");
    let created = register(&app, &admin, &url).await;
    assert!(created.secret.starts_with("whsec_"));

    let case_no = accept(&app, &app.sign_in_demo("陈敏").await, &app.sign_in_demo("黄丽").await, SAMR_ITEM).await;
    eventually("the third attempt", || async { hook.got.lock().expect("got").len() >= 3 }).await;
    // Taken once: nothing more comes.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = hook.got.lock().expect("got").clone();
    assert_eq!(got.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 200]);
    let delivery = &got[0].headers["x-yiwang-delivery"];
    for r in &got {
        assert_eq!(&r.headers["x-yiwang-delivery"], delivery, "every retry carries the delivery's id");
        assert_eq!(r.headers["x-yiwang-signature"], expected_signature(&created.secret, &r.body));
        assert_eq!(r.headers["x-yiwang-event"], "case.acted");
        assert_eq!(r.body, got[0].body, "the same event each time");
    }
    let event: DepartmentEvent = serde_json::from_slice(&got[0].body).expect("an event");
    assert_eq!((event.case_no.as_str(), event.department.as_str()), (case_no.as_str(), "DG-SAMR"));
    assert_eq!(event.data, EventData::CaseActed { action: CaseAction::Accept, status: CaseStatus::Undertaking });

    eventually("the log shows it delivered", || async {
        log_of(&app, &admin, &created.endpoint.id).await.first().is_some_and(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    let log = log_of(&app, &admin, &created.endpoint.id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(&log[0].id, delivery);
    assert_eq!(log[0].event_id, event.id);
    assert_eq!(log[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(), [Some(200), Some(500), Some(500)]);
    let listed: Vec<WebhookEndpoint> =
        call(&app, Method::GET, "/api/v1/department/webhooks", &admin, None).await.json().await.expect("endpoints");
    assert_eq!((listed[0].delivered, listed[0].pending, listed[0].gave_up), (1, 0, 0));

    // Switched off, it receives nothing more.
    let off =
        call(&app, Method::DELETE, &format!("/api/v1/department/webhooks/{}", created.endpoint.id), &admin, None).await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    let again =
        call(&app, Method::DELETE, &format!("/api/v1/department/webhooks/{}", created.endpoint.id), &admin, None).await;
    expect_problem(again, 404, "endpoint_not_found").await;
    app.finish().await;
}

on_both!(a_failing_webhook_is_retried_until_it_takes_the_event_once);

/// A server and its twin on the same database.
async fn pair(
    db: Db,
    configure: impl Fn(&mut server::config::Config) + Clone,
) -> (TestApp, TestApp, Option<String>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a directory");
    let data_dir = dir.path().join("data");
    let pg = match db {
        Db::Postgres => Some(crate::helpers::create_postgres_database().await),
        Db::Sqlite => None,
    };
    let url = pg.as_ref().map(|(url, _)| url.clone());
    let with = |c: &mut server::config::Config| {
        c.data_dir = data_dir.clone();
        c.database_url = url.clone();
        configure(c);
    };
    let first = TestApp::spawn_with(db, with).await;
    let second = TestApp::spawn_with(db, with).await;
    (first, second, pg.map(|(_, name)| name), dir)
}

async fn deliveries_pending_at_a_crash_are_made_after_the_restart(db: Db) {
    // The first request hangs until the server is gone; the next are taken.
    let (url, hook) =
        receiver(Arc::new(|n| (200, if n == 0 { Duration::from_secs(30) } else { Duration::ZERO }))).await;
    let dir = tempfile::tempdir().expect("a directory");
    let data_dir = dir.path().join("data");
    let pg = match db {
        Db::Postgres => Some(crate::helpers::create_postgres_database().await),
        Db::Sqlite => None,
    };
    let url_db = pg.as_ref().map(|(u, _)| u.clone());
    let configure = |c: &mut server::config::Config| {
        c.data_dir = data_dir.clone();
        c.database_url = url_db.clone();
        c.dispatch_poll_ms = 100;
        c.delivery_timeout_secs = 1;
        c.delivery_retry_base_secs = 1;
    };
    let app = TestApp::spawn_with(db, configure).await;
    // Sessions live in the database: the nodes after the restart take them (an authenticator
    // code is accepted once, so staff do not sign in again).
    let (admin, agent, clerk) =
        (app.sign_in_demo("钱进").await, app.sign_in_demo("陈敏").await, app.sign_in_demo("黄丽").await);
    let endpoint = register(&app, &admin, &url).await;
    let case_no = accept(&app, &agent, &clerk, SAMR_ITEM).await;
    eventually("the first attempt is under way", || async { !hook.got.lock().expect("got").is_empty() }).await;
    // The server stops mid-attempt; with it stopped, another case is accepted by a node that
    // does not dispatch, so its event waits in the outbox.
    app.finish().await;
    let quiet = TestApp::spawn_with(db, |c| {
        configure(c);
        c.dispatch_poll_ms = 0;
    })
    .await;
    let waiting = accept(&quiet, &agent, &clerk, SAMR_ITEM).await;
    assert!(quiet.state.store.unsent_outbox().await.expect("a count") > 0);
    quiet.finish().await;

    let again = TestApp::spawn_with(db, configure).await;
    eventually("both events taken after the restart", || async {
        let got = hook.got.lock().expect("got");
        let cases: HashSet<String> = got
            .iter()
            .skip(1)
            .filter_map(|r| serde_json::from_slice::<DepartmentEvent>(&r.body).ok())
            .map(|e| e.case_no)
            .collect();
        cases.contains(&case_no) && cases.contains(&waiting)
    })
    .await;
    let got = hook.got.lock().expect("got").clone();
    let first_delivery = &got[0].headers["x-yiwang-delivery"];
    assert!(
        got.iter().skip(1).any(|r| &r.headers["x-yiwang-delivery"] == first_delivery),
        "the cut attempt is made again"
    );
    eventually("both delivered", || async {
        let log = log_of(&again, &admin, &endpoint.endpoint.id).await;
        log.len() == 2 && log.iter().all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    assert_eq!(again.state.store.pending_deliveries().await.expect("a count"), 0);
    again.finish().await;
    if let Some((_, name)) = pg {
        crate::helpers::drop_postgres_database(&name).await;
    }
}

on_both!(deliveries_pending_at_a_crash_are_made_after_the_restart);

async fn two_dispatchers_never_make_the_same_delivery_at_once(db: Db) {
    // Each attempt takes 300 ms: long enough for a second dispatcher to try the same one.
    let (url, hook) = receiver(Arc::new(|_| (200, Duration::from_millis(300)))).await;
    let (a, b, pg, _dir) = pair(db, |c: &mut server::config::Config| {
        c.dispatch_poll_ms = 50;
        c.delivery_retry_base_secs = 1;
    })
    .await;
    let admin = a.sign_in_demo("钱进").await;
    register(&a, &admin, &url).await;
    register(&a, &admin, &url).await;
    let (agent, clerk) = (b.sign_in_demo("陈敏").await, b.sign_in_demo("黄丽").await);
    const CASES: usize = 6;
    for _ in 0..CASES {
        accept(&b, &agent, &clerk, SAMR_ITEM).await;
    }
    eventually("every delivery made", || async { hook.got.lock().expect("got").len() >= 2 * CASES }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = hook.got.lock().expect("got").clone();
    let ids: Vec<&String> = got.iter().map(|r| &r.headers["x-yiwang-delivery"]).collect();
    let distinct: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!((ids.len(), distinct.len()), (2 * CASES, 2 * CASES), "each delivery made exactly once");
    assert!(hook.overlaps.lock().expect("overlaps").is_empty(), "no delivery attempted by two at once");
    a.finish().await;
    b.finish().await;
    if let Some(name) = pg {
        crate::helpers::drop_postgres_database(&name).await;
    }
}

on_both!(two_dispatchers_never_make_the_same_delivery_at_once);

async fn feed(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut request = app.client.get(app.url(&format!("/api/v1/events{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

crate::both! {
    async fn the_feed_reads_the_departments_events_in_order_from_a_cursor(app) {
        let admin = app.sign_in_demo("钱进").await;
        let r = call(app, Method::POST, "/api/v1/department/tokens", &admin, Some(&json!({"name": "审批系统"}))).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: ApiTokenCreated = r.json().await.expect("a token");
        assert!(created.secret.starts_with(&created.token.prefix));
        expect_problem(feed(app, None, "").await, 401, "invalid_api_token").await;
        expect_problem(feed(app, Some("ywt_not-a-token"), "").await, 401, "invalid_api_token").await;
        let token = created.secret.as_str();
        expect_problem(feed(app, Some(token), "?limit=0").await, 422, "validation_failed").await;
        expect_problem(feed(app, Some(token), "?after=-1").await, 422, "validation_failed").await;

        let (agent, clerk) = (app.sign_in_demo("陈敏").await, app.sign_in_demo("黄丽").await);
        let first = accept(app, &agent, &clerk, SAMR_ITEM).await;
        let elsewhere = accept(app, &agent, &clerk, OTHER_ITEM).await;
        let undertaker = app.sign_in_demo("刘洋").await;
        act_ok(app, &undertaker, &first, json!({"action": "undertake", "comment": "材料齐全"})).await;
        let second = accept(app, &agent, &clerk, SAMR_ITEM).await;
        eventually("the events in the feed", || async {
            let page: EventPage = feed(app, Some(token), "").await.json().await.expect("a page");
            page.events.len() == 3
        })
        .await;

        let page: EventPage = feed(app, Some(token), "").await.json().await.expect("a page");
        let seen: Vec<(&str, &EventData)> = page.events.iter().map(|e| (e.case_no.as_str(), &e.data)).collect();
        assert_eq!(seen, [
            (first.as_str(), &EventData::CaseActed { action: CaseAction::Accept, status: CaseStatus::Undertaking }),
            (first.as_str(), &EventData::CaseActed { action: CaseAction::Undertake, status: CaseStatus::Reviewing }),
            (second.as_str(), &EventData::CaseActed { action: CaseAction::Accept, status: CaseStatus::Undertaking }),
        ]);
        assert!(page.events.iter().all(|e| e.department == "DG-SAMR" && e.case_no != elsewhere), "only the department's");
        assert!(page.events.windows(2).all(|w| w[0].cursor < w[1].cursor));
        assert_eq!(page.next, page.events[2].cursor);

        // One at a time from a cursor, and nothing after the last.
        let one: EventPage = feed(app, Some(token), "?limit=1").await.json().await.expect("a page");
        assert_eq!(one.events, page.events[..1]);
        let rest: EventPage = feed(app, Some(token), &format!("?after={}", one.next)).await.json().await.expect("a page");
        assert_eq!(rest.events, page.events[1..]);
        let none: EventPage = feed(app, Some(token), &format!("?after={}", page.next)).await.json().await.expect("a page");
        assert!(none.events.is_empty());
        assert_eq!(none.next, page.next);

        // Revoked, it opens nothing.
        let path = format!("/api/v1/department/tokens/{}", created.token.id);
        assert_eq!(call(app, Method::DELETE, &path, &admin, None).await.status(), StatusCode::NO_CONTENT);
        expect_problem(feed(app, Some(token), "").await, 401, "invalid_api_token").await;
        expect_problem(call(app, Method::DELETE, &path, &admin, None).await, 404, "token_not_found").await;
    }
}

crate::both! {
    async fn a_card_reaches_the_department_by_message_when_its_case_has_no_handler_yet(app) {
        let case_no = accept(app, &app.sign_in_demo("陈敏").await, &app.sign_in_demo("黄丽").await, SAMR_ITEM).await;
        app.state.clock.advance(chrono::Duration::days(40));
        assert_eq!(app.state.deadlines().scan().await.expect("a scan").len(), 2);
        // No one has handled it in the department: its approvers hear of the cards.
        let approver = app.sign_in_demo("吴刚").await;
        eventually("the approver's card messages", || async {
            sent(app, &approver).await.iter().filter(|m| m.case_no == case_no).count() == 2
        })
        .await;
        let mut kinds: Vec<MessageKind> = sent(app, &approver).await.iter().map(|m| m.kind).collect();
        kinds.sort_by_key(|k| k.as_str());
        assert_eq!(kinds, [MessageKind::RedCard, MessageKind::YellowCard]);
        let red = sent(app, &approver).await.into_iter().find(|m| m.kind == MessageKind::RedCard).expect("a red card");
        assert!(red.subject.starts_with("【一网通办】红牌督办：") && red.body.contains(&case_no), "{red:?}");
        assert!(sent(app, &app.sign_in_demo("刘洋").await).await.is_empty(), "the undertaker did not handle it");
    }
}

async fn an_endpoint_that_hangs_does_not_hold_up_another(db: Db) {
    let (slow_url, slow) = receiver(Arc::new(|_| (200, Duration::from_secs(60)))).await;
    let (fast_url, fast) = receiver(answers(204)).await;
    let app = TestApp::spawn_with(db, |c| {
        c.dispatch_poll_ms = 50;
        c.delivery_timeout_secs = 5;
    })
    .await;
    let admin = app.sign_in_demo("钱进").await;
    register(&app, &admin, &slow_url).await;
    register(&app, &admin, &fast_url).await;
    let (agent, clerk) = (app.sign_in_demo("陈敏").await, app.sign_in_demo("黄丽").await);
    const CASES: usize = 8;
    for _ in 0..CASES {
        accept(&app, &agent, &clerk, SAMR_ITEM).await;
    }
    // The hanging endpoint holds at most its own four attempts; the other takes every event.
    eventually("the healthy endpoint takes every event", || async { fast.got.lock().expect("got").len() == CASES })
        .await;
    assert!(slow.got.lock().expect("got").len() <= 4, "an endpoint has at most four attempts in flight");
    app.finish().await;
}

on_both!(an_endpoint_that_hangs_does_not_hold_up_another);
