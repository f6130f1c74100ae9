//! 系统对接 — the department's systems administrator registers the webhook endpoints its
//! systems receive events at (the signing secret shown once), reads each endpoint's delivery
//! log, and issues and revokes the API tokens its systems read the event feed with (each shown
//! once: only its hash is kept).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldError;
use shared::notify::{
    ApiToken, ApiTokenRequest, DeliveryState, EndpointDelivery, SIGNATURE_HEADER, WebhookEndpoint, WebhookRequest,
};

use crate::api::{self, ApiError};
use crate::components::form::error_of;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::receipt::beijing;

/// `/console/integrations`
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page integrations">
            <h1>{move || i18n.tr("系统对接", "Department systems")}</h1>
            <p class="muted">{move || i18n.tr(
                "本部门办件的每个事件（受理、承办、审核、批准、办结、督办卡等）都会推送到登记的地址，也可由业务系统凭接口令牌从 /api/v1/events 按游标读取。",
                "Every event on the department's cases (accepted, handled, reviewed, approved, concluded, cards raised…) is POSTed to each registered endpoint, and can be read from /api/v1/events with an API token, from a cursor.",
            )}</p>
            <Webhooks />
            <Tokens />
        </div>
    }
}

#[component]
fn Webhooks() -> impl IntoView {
    let i18n = use_i18n();
    let list = Fetched::new(api::webhooks);
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let secret = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let register = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = WebhookRequest { url: url.get_untracked(), description: description.get_untracked() };
        if let Err(e) = req.check() {
            errors.set(e);
            return;
        }
        errors.set(Vec::new());
        busy.set(true);
        spawn_local(async move {
            match api::register_webhook(&req).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    url.set(String::new());
                    description.set(String::new());
                    list.refetch();
                }
                Err(e) => match e.field_errors() {
                    Some(fields) => errors.set(fields),
                    None => failure.set(Some(e)),
                },
            }
            busy.set(false);
        });
    };
    let disable = move |id: String| {
        spawn_local(async move {
            match api::disable_webhook(&id).await {
                Ok(()) => list.refetch(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let url_error = Signal::derive(move || errors.with(|e| error_of(e, "url")));
    let description_error = Signal::derive(move || errors.with(|e| error_of(e, "description")));
    view! {
        <section class="card guide-section" aria-labelledby="webhooks">
            <h2 id="webhooks">{move || i18n.tr("推送地址", "Webhook endpoints")}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
                Some(Ok(endpoints)) if endpoints.is_empty() => {
                    view! { <p class="muted">{move || i18n.tr("尚未登记推送地址。", "No endpoint registered yet.")}</p> }.into_any()
                }
                Some(Ok(endpoints)) => view! {
                    <ul class="item-list">
                        {endpoints.into_iter().map(|e| view! { <EndpointRow endpoint=e on_disable=disable /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <form class="form" on:submit=register novalidate>
                <h3>{move || i18n.tr("登记推送地址", "Register an endpoint")}</h3>
                <LabelledInput id="webhook-url" label=("推送地址（https）", "Address (https)") value=url error=url_error kind="url" />
                <LabelledInput id="webhook-description" label=("接收系统", "Receiving system") value=description error=description_error kind="text" />
                <button type="submit" class="button button--primary" disabled=move || busy.get()>
                    {move || i18n.tr("登记", "Register")}
                </button>
            </form>
            {move || secret.get().map(|s| view! {
                <div class="notice" role="status">
                    <p><strong>{move || i18n.tr("签名密钥（只显示这一次，请立即保存）：", "Signing secret (shown this once: keep it now):")}</strong></p>
                    <p class="secret">{s}</p>
                    <p class="muted">{move || format!("{} {SIGNATURE_HEADER}: sha256=HMAC-SHA256(secret, body)", i18n.tr("每次推送带有", "Each POST carries"))}</p>
                </div>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}

#[component]
pub(super) fn LabelledInput(
    id: &'static str,
    label: (&'static str, &'static str),
    value: RwSignal<String>,
    error: Signal<Option<shared::Bilingual>>,
    kind: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{move || i18n.tr(label.0, label.1)}</label>
            <input id=id name=id class="input" type=kind autocomplete="off" bind:value=value
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=move || error.get().is_some().then(|| described.clone()) />
            {move || error.get().map(|e| view! { <p class="field__error" id=error_id.clone()>{i18n.pick(&e)}</p> })}
        </div>
    }
}

#[component]
fn EndpointRow(endpoint: WebhookEndpoint, on_disable: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let id = endpoint.id.clone();
    let log = Fetched::new(move || {
        let (id, open) = (id.clone(), open.get());
        async move { if open { api::webhook_log(&id).await.map(Some) } else { Ok(None) } }
    });
    let off_id = endpoint.id.clone();
    let on = endpoint.disabled_at.is_none();
    view! {
        <li class="item-card__link endpoint">
            <span class="item-card__name secret">{endpoint.url.clone()}</span>
            <span class="item-card__meta">
                {endpoint.description.clone()}" · "{beijing(endpoint.created_at)}" · "
                {move || if on { i18n.tr("启用中", "On") } else { i18n.tr("已停用", "Switched off") }}
            </span>
            <span class="tags">
                <span class="tag tag--good">{move || i18n.tr("已送达 ", "Delivered ")}{endpoint.delivered}</span>
                <span class="tag">{move || i18n.tr("待发送 ", "Pending ")}{endpoint.pending}</span>
                <span class="tag tag--bad">{move || i18n.tr("失败 ", "Failed ")}{endpoint.gave_up}</span>
            </span>
            <span class="tags">
                <button type="button" class="button button--secondary" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>{move || i18n.tr("投递记录", "Delivery log")}</button>
                {on.then(|| view! {
                    <button type="button" class="button button--secondary" on:click=move |_| on_disable(off_id.clone())>
                        {move || i18n.tr("停用", "Switch off")}
                    </button>
                })}
            </span>
            {move || match log.get() {
                Some(Ok(Some(entries))) => view! { <DeliveryLog entries=entries /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e /> }.into_any(),
                None if open.get() => view! { <Loading /> }.into_any(),
                _ => ().into_any(),
            }}
        </li>
    }
}

#[component]
fn DeliveryLog(entries: Vec<EndpointDelivery>) -> impl IntoView {
    let i18n = use_i18n();
    if entries.is_empty() {
        return view! { <p class="muted">{move || i18n.tr("还没有投递。", "Nothing delivered yet.")}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="data-table delivery-log">
                <caption>{move || i18n.tr("最近的投递（最新在前）", "Latest deliveries, newest first")}</caption>
                <thead><tr>
                    <th scope="col">{move || i18n.tr("事件", "Event")}</th>
                    <th scope="col">{move || i18n.tr("办件编号", "Case")}</th>
                    <th scope="col">{move || i18n.tr("状态", "State")}</th>
                    <th scope="col">{move || i18n.tr("每次尝试（HTTP 状态）", "Attempts (HTTP status)")}</th>
                </tr></thead>
                <tbody>
                    {entries.into_iter().map(|d| {
                        let state = d.state.name();
                        let attempts = d.attempts.iter().map(|a| {
                            let what = a.status.map(|s| s.to_string()).or_else(|| a.error.clone()).unwrap_or_default();
                            format!("{} {what}", beijing(a.at))
                        }).collect::<Vec<_>>().join("; ");
                        let next = (d.state == DeliveryState::Pending).then_some(d.next_attempt_at).flatten().map(beijing);
                        view! {
                            <tr>
                                <td>{d.event_type.clone()}</td>
                                <td class="nowrap">{d.case_no.clone()}</td>
                                <td>{move || i18n.pick(&state)}{next.clone().map(|n| format!(" → {n}"))}</td>
                                <td>{attempts}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Tokens() -> impl IntoView {
    let i18n = use_i18n();
    let list = Fetched::new(api::api_tokens);
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let secret = RwSignal::new(None::<String>);
    let issue = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = ApiTokenRequest { name: name.get_untracked() };
        if let Err(e) = req.check() {
            errors.set(e);
            return;
        }
        errors.set(Vec::new());
        spawn_local(async move {
            match api::issue_api_token(&req).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    name.set(String::new());
                    list.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            match api::revoke_api_token(&id).await {
                Ok(()) => list.refetch(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let name_error = Signal::derive(move || errors.with(|e| error_of(e, "name")));
    view! {
        <section class="card guide-section" aria-labelledby="tokens">
            <h2 id="tokens">{move || i18n.tr("接口令牌", "API tokens")}</h2>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
                Some(Ok(tokens)) if tokens.is_empty() => {
                    view! { <p class="muted">{move || i18n.tr("尚未签发令牌。", "No token issued yet.")}</p> }.into_any()
                }
                Some(Ok(tokens)) => view! {
                    <ul class="item-list">
                        {tokens.into_iter().map(|t| view! { <TokenRow token=t on_revoke=revoke /> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <form class="form" on:submit=issue novalidate>
                <h3>{move || i18n.tr("签发令牌", "Issue a token")}</h3>
                <LabelledInput id="token-name" label=("使用系统", "System that uses it") value=name error=name_error kind="text" />
                <button type="submit" class="button button--primary">{move || i18n.tr("签发", "Issue")}</button>
            </form>
            {move || secret.get().map(|s| view! {
                <div class="notice" role="status">
                    <p><strong>{move || i18n.tr("接口令牌（只显示这一次，请立即保存）：", "API token (shown this once: keep it now):")}</strong></p>
                    <p class="secret">{s}</p>
                    <p class="muted">"GET /api/v1/events?after=0 · Authorization: Bearer …"</p>
                </div>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}

#[component]
fn TokenRow(token: ApiToken, on_revoke: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = token.id.clone();
    let live = token.revoked_at.is_none();
    let used = token.last_used_at.map(beijing);
    view! {
        <li class="item-card__link token">
            <span class="item-card__name">{token.name.clone()}</span>
            <span class="item-card__meta">
                <span class="secret">{token.prefix.clone()}"…"</span>" · "{beijing(token.created_at)}" · "
                {move || match (&used, live) {
                    (_, false) => i18n.tr("已吊销", "Revoked").to_owned(),
                    (Some(u), true) => format!("{}{u}", i18n.tr("最近使用 ", "Last used ")),
                    (None, true) => i18n.tr("未使用", "Not used yet").to_owned(),
                }}
            </span>
            {live.then(|| view! {
                <span class="tags">
                    <button type="button" class="button button--secondary" on:click=move |_| on_revoke(id.clone())>
                        {move || i18n.tr("吊销", "Revoke")}
                    </button>
                </span>
            })}
        </li>
    }
}
