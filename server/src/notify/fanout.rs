//! 分发 — turns the outbox's messages into what leaves: a message in each recipient's account,
//! in their language, with its email and SMS deliveries as they chose, and for a department's
//! event a number in its feed and a delivery to each of its webhook endpoints. One batch is one
//! transaction: after a crash it is fanned out again whole, or not at all.

use chrono::{DateTime, Utc};
use shared::account::Mobile;
use shared::application::CaseStatus;
use shared::case::{Notice, NoticeKind};
use shared::notify::{Channel, Email, MessageKind};
use shared::supervision::CardColor;
use shared::text::Lang;

use crate::store::Store;
use crate::store::notify::{CardPayload, CaseFacts, DeliveryTarget, Fanout, NewMessage, Outbound, Recipient};

/// Outbox messages fanned out in one transaction.
const BATCH: i64 = 100;

/// What a message says, in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The email's subject and the list's title.
    pub subject: String,
    /// The email's body and the account's message.
    pub body: String,
    /// The text message: short.
    pub sms: String,
}

/// Fans out one batch; returns how many outbox messages it held (0: the outbox is empty).
pub async fn fan_out(store: &Store, now: DateTime<Utc>, public_url: &str) -> Result<usize, sqlx::Error> {
    if !store.has_unsent().await? {
        return Ok(0);
    }
    let (mut f, batch) = store.begin_fanout(BATCH).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    for m in &batch {
        match &m.message {
            Outbound::Notice(n) => {
                let facts = f.case_facts(&n.case_no).await?;
                let recipients = f.applicants_of(&n.case_no).await?;
                for kind in notice_kinds(n, &facts) {
                    for r in &recipients {
                        let text = notice_text(kind, n, &facts, r.contact.lang(), public_url);
                        write_message(&mut f, m.seq, r, kind, &n.case_no, &text, now).await?;
                    }
                }
            }
            Outbound::Card(card) => {
                let facts = f.case_facts(&card.case_no).await?;
                for r in &f.card_recipients(card.handler.as_deref(), &card.department).await? {
                    let kind = match card.color {
                        CardColor::Yellow => MessageKind::YellowCard,
                        CardColor::Red => MessageKind::RedCard,
                    };
                    let text = card_text(kind, card, &facts, r.contact.lang(), public_url);
                    write_message(&mut f, m.seq, r, kind, &card.case_no, &text, now).await?;
                }
            }
            Outbound::CaseEvent(_) => {}
        }
        if let Some(department) = m.message.department() {
            for endpoint in f.live_endpoints(department).await? {
                f.insert_delivery(m.seq, Channel::Webhook, DeliveryTarget::Endpoint(&endpoint), now).await?;
            }
        }
        f.mark_sent(m.seq, m.message.department(), now).await?;
    }
    f.commit().await?;
    Ok(batch.len())
}

/// The messages a notice makes: its own, and for an approval whose result waits at a hall's
/// window, word that it is ready.
fn notice_kinds(n: &Notice, facts: &CaseFacts) -> Vec<MessageKind> {
    let own = match n.kind {
        NoticeKind::Acceptance => MessageKind::Acceptance,
        NoticeKind::NotAccepted => MessageKind::NotAccepted,
        NoticeKind::Supplement => MessageKind::Supplement,
        NoticeKind::Conclusion => MessageKind::Conclusion,
    };
    let ready = n.kind == NoticeKind::Conclusion && facts.status == CaseStatus::Approved && facts.delivery == "window";
    if ready { vec![own, MessageKind::ResultReady] } else { vec![own] }
}

/// Writes a message to a person, with an email and an SMS delivery where they chose them.
async fn write_message(
    f: &mut Fanout,
    seq: i64,
    r: &Recipient,
    kind: MessageKind,
    case_no: &str,
    text: &Text,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let message = NewMessage {
        id: &id,
        person_id: &r.id,
        kind,
        case_no,
        subject: &text.subject,
        body: &text.body,
        sms: &text.sms,
    };
    f.insert_message(seq, &message, now).await?;
    let email = r.contact.email.as_deref().and_then(|e| Email::parse("email", e).ok());
    if let (true, Some(email)) = (r.contact.notify_email, email) {
        let to = DeliveryTarget::Person { message_id: &id, address: email.as_str() };
        f.insert_delivery(seq, Channel::Email, to, now).await?;
    }
    if let (true, Ok(mobile)) = (r.contact.notify_sms, Mobile::parse(&r.mobile)) {
        let to = DeliveryTarget::Person { message_id: &id, address: mobile.as_str() };
        f.insert_delivery(seq, Channel::Sms, to, now).await?;
    }
    Ok(())
}

/// What a notice says to one person, in their language.
pub fn notice_text(kind: MessageKind, n: &Notice, facts: &CaseFacts, lang: Lang, public_url: &str) -> Text {
    let title = kind.title();
    let item = n.item_name.get(lang);
    let link = format!("{public_url}/cases/{}", n.case_no);
    let mut body = match kind {
        MessageKind::ResultReady => ready_text(facts, lang),
        _ => n.body.get(lang).to_owned(),
    };
    if kind != MessageKind::ResultReady {
        if let Some(reason) = &n.reason {
            body.push_str(&pick(lang, format!("\n\n理由：{reason}"), format!("\n\nReason: {reason}")));
        }
        if !n.materials.is_empty() {
            body.push_str(&pick(lang, "\n\n需补正的材料：".to_owned(), "\n\nMaterials to send:".to_owned()));
            for m in &n.materials {
                body.push_str(&format!("\n- {}: {}", m.name.get(lang), m.reason));
            }
        }
    }
    body.push_str(&pick(
        lang,
        format!("\n\n办件编号：{}\n办理部门：{}\n查看详情：{link}", n.case_no, n.department.zh),
        format!("\n\nCase: {}\nDepartment: {}\nDetails: {link}", n.case_no, n.department.en),
    ));
    Text {
        subject: pick(lang, format!("【一网通办】{}：{item}", title.zh), format!("[Yiwang] {}: {item}", title.en)),
        sms: pick(
            lang,
            format!("【一网通办】{}：您申请的“{item}”，办件编号{}。详情请登录一网通办查看。", title.zh, n.case_no),
            format!("[Yiwang] {}: \"{item}\", case {}. Sign in to Yiwang for details.", title.en, n.case_no),
        ),
        body,
    }
}

/// Where a result waits.
fn ready_text(facts: &CaseFacts, lang: Lang) -> String {
    let address = facts.hall_address.clone().unwrap_or_default();
    pick(
        lang,
        format!(
            "办理结果已可领取：请携带身份证件到{}（{address}）统一出件窗口领取。",
            facts.hall_zh.clone().unwrap_or_default()
        ),
        format!(
            "The result is ready: pick it up with your identity document at the results window of {} ({address}).",
            facts.hall_en.clone().unwrap_or_default()
        ),
    )
}

/// What a card says to a member of staff, in their language.
pub fn card_text(kind: MessageKind, card: &CardPayload, facts: &CaseFacts, lang: Lang, public_url: &str) -> Text {
    let title = kind.title();
    let item = pick(lang, facts.item_name_zh.clone(), facts.item_name_en.clone());
    let due = card.due_on.map(|d| d.to_string()).unwrap_or_default();
    let link = format!("{public_url}/console/cases/{}", card.case_no);
    let (zh, en) = match kind {
        MessageKind::YellowCard => (
            format!("办件{}（{item}）临近承诺时限{due}，请抓紧办理。", card.case_no),
            format!("Case {} ({item}) is close to its due date {due}: please act on it.", card.case_no),
        ),
        _ => (
            format!("办件{}（{item}）已被亮红牌督办，请在督办卡上说明情况。", card.case_no),
            format!("A red card was raised on case {} ({item}): answer it on the card.", card.case_no),
        ),
    };
    Text {
        subject: pick(lang, format!("【一网通办】{}：{item}", title.zh), format!("[Yiwang] {}: {item}", title.en)),
        body: pick(lang, format!("{zh}\n\n查看：{link}"), format!("{en}\n\nOpen: {link}")),
        sms: pick(lang, format!("【一网通办】{zh}"), format!("[Yiwang] {en}")),
    }
}

fn pick(lang: Lang, zh: String, en: String) -> String {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
