//! 通知设置与发送给您的消息 — on the account page: how the person is told (email, SMS, which
//! language) and every message sent to them with how it went out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::notify::{DeliveryState, MessageDelivery, NotificationSettings, NotificationView, SentMessage};
use shared::text::Lang;
use shared::{Bilingual, FieldError};

use crate::api::{self, ApiError};
use crate::components::form::error_of;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::receipt::beijing;

/// The settings form and the list of messages; saving the settings refreshes nothing else.
#[component]
pub fn Notifications() -> impl IntoView {
    let i18n = use_i18n();
    let view_res = Fetched::new(api::notification_settings);
    let messages = Fetched::new(api::my_messages);
    view! {
        <section class="card guide-section notifications" aria-labelledby="notices">
            <h2 id="notices">{move || i18n.tr("消息通知", "Notifications")}</h2>
            <p class="muted">{move || i18n.tr(
                "受理、补正、办结、结果待领取等通知都会显示在下方；您还可以选择通过电子邮件和短信接收。",
                "Every notice (accepted, materials to send, concluded, result ready) shows below; you can also have it sent by email and by text message.",
            )}</p>
            {move || match view_res.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || view_res.refetch() /> }.into_any(),
                Some(Ok(v)) => view! { <SettingsForm current=v on_saved=move || messages.refetch() /> }.into_any(),
            }}
            <h3 id="sent-to-you">{move || i18n.tr("发送给您的消息", "Sent to you")}</h3>
            {move || match messages.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || messages.refetch() /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted">{move || i18n.tr("还没有消息。", "No messages yet.")}</p> }.into_any()
                }
                Some(Ok(list)) => view! {
                    <ul class="message-list" aria-labelledby="sent-to-you">
                        {list.into_iter().map(|m| view! { <MessageItem message=m /> }).collect_view()}
                    </ul>
                    <p><button type="button" class="button button--secondary" on:click=move |_| messages.refetch()>
                        {move || i18n.tr("刷新", "Refresh")}
                    </button></p>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn SettingsForm(current: NotificationView, on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let s = current.settings.clone();
    let email = RwSignal::new(s.email.clone().unwrap_or_default());
    let by_email = RwSignal::new(s.by_email);
    let by_sms = RwSignal::new(s.by_sms);
    let lang = RwSignal::new(s.lang);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let email_error = Signal::derive(move || errors.with(|e| error_of(e, "email")));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let email_text = email.get_untracked();
        let req = NotificationSettings {
            email: (!email_text.trim().is_empty()).then_some(email_text),
            by_email: by_email.get_untracked(),
            by_sms: by_sms.get_untracked(),
            lang: lang.get_untracked(),
        };
        // The same check the server makes, at once.
        if let Err(e) = req.check() {
            errors.set(e);
            return;
        }
        errors.set(Vec::new());
        failure.set(None);
        saving.set(true);
        saved.set(false);
        spawn_local(async move {
            match api::set_notification_settings(&req).await {
                Ok(_) => {
                    saved.set(true);
                    on_saved();
                }
                Err(e) => match e.field_errors() {
                    Some(fields) => errors.set(fields),
                    None => failure.set(Some(e)),
                },
            }
            saving.set(false);
        });
    };
    let mobile = current.mobile.clone();
    let demo_note = (!current.email_configured || !current.sms_configured).then(|| {
        Bilingual::new(
            "演示环境：本服务器未连接邮件或短信服务，消息只写入服务器日志。",
            "Demonstration: this server has no mail server or SMS gateway, so messages are only written to its log.",
        )
    });
    view! {
        <form class="form notification-settings" on:submit=save novalidate>
            <label class="choice" for="notify-sms">
                <input type="checkbox" id="notify-sms" prop:checked=move || by_sms.get()
                    on:change=move |ev| by_sms.set(event_target_checked(&ev)) />
                <span>{move || i18n.tr("短信通知", "By text message")}" "<span class="muted">{mobile.clone()}</span></span>
            </label>
            <label class="choice" for="notify-email">
                <input type="checkbox" id="notify-email" prop:checked=move || by_email.get()
                    on:change=move |ev| by_email.set(event_target_checked(&ev)) />
                <span>{move || i18n.tr("邮件通知", "By email")}</span>
            </label>
            <div class="field" class:field--invalid=move || email_error.get().is_some()>
                <label for="notify-address">{move || i18n.tr("电子邮箱", "Email address")}</label>
                <input id="notify-address" name="email" class="input" type="email" autocomplete="email" inputmode="email"
                    bind:value=email
                    aria-invalid=move || email_error.get().is_some().then_some("true")
                    aria-describedby=move || email_error.get().is_some().then_some("notify-address-error") />
                {move || email_error.get().map(|e| view! { <p class="field__error" id="notify-address-error">{i18n.pick(&e)}</p> })}
            </div>
            <fieldset class="field">
                <legend>{move || i18n.tr("通知语言", "Language of messages")}</legend>
                <label class="choice" for="notify-zh">
                    <input type="radio" id="notify-zh" name="notify-lang" prop:checked=move || lang.get() == Lang::Zh
                        on:change=move |_| lang.set(Lang::Zh) />
                    <span>"简体中文"</span>
                </label>
                <label class="choice" for="notify-en">
                    <input type="radio" id="notify-en" name="notify-lang" prop:checked=move || lang.get() == Lang::En
                        on:change=move |_| lang.set(Lang::En) />
                    <span>"English"</span>
                </label>
            </fieldset>
            {demo_note.map(|n| view! { <p class="muted">{move || i18n.pick(&n)}</p> })}
            <p>
                <button type="submit" class="button button--primary" disabled=move || saving.get()>
                    {move || if saving.get() { i18n.tr("保存中…", "Saving…") } else { i18n.tr("保存通知设置", "Save notification settings") }}
                </button>
                <span class="muted" role="status">{move || saved.get().then(|| i18n.tr(" 已保存", " Saved"))}</span>
            </p>
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </form>
    }
}

#[component]
fn MessageItem(message: SentMessage) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/cases/{}", message.case_no);
    let body = message.body.clone();
    view! {
        <li class="message">
            <details>
                <summary>
                    <span class="message__subject">{message.subject.clone()}</span>
                    <span class="message__at muted">{beijing(message.at)}</span>
                </summary>
                <p class="message__body">{body}</p>
                <p><a href=href>{move || i18n.tr("查看办件", "Open the case")}</a></p>
            </details>
            <ul class="message__channels">
                <li class="tag">{move || i18n.tr("站内消息", "In your account")}</li>
                {message.deliveries.into_iter().map(|d| view! { <Delivery d=d /> }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn Delivery(d: MessageDelivery) -> impl IntoView {
    let i18n = use_i18n();
    let channel = d.channel.name();
    let state = d.state.name();
    let class = match d.state {
        DeliveryState::Delivered => "tag tag--good",
        DeliveryState::Pending => "tag",
        DeliveryState::GaveUp => "tag tag--bad",
    };
    let when = d.delivered_at.map(beijing).unwrap_or_default();
    view! {
        <li class=class>
            {move || i18n.pick(&channel)}" "{d.to.clone()}" · "{move || i18n.pick(&state)}" "{when.clone()}
        </li>
    }
}
