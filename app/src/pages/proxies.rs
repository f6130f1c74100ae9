//! 委托代办 — on the account page: authorize another registered person to apply for oneself
//! for chosen items until a date, see and revoke those authorizations, and apply for someone
//! who authorized oneself.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldError;
use shared::account::Identity;
use shared::api::ItemQuery;
use shared::catalogue::ServiceObject;
use shared::proxy::{GrantProxyRequest, ProxyGrant};

use crate::api::{self, ApiError};
use crate::auth::{today, use_auth};
use crate::components::form::{ErrorSummary, SubmitState, TextField, error_of};
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};

/// The authorizations one gave and received, with the form to give one.
#[component]
pub fn Proxies(me: Identity) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let list = Fetched::new(api::proxies);
    let failure = RwSignal::new(None::<ApiError>);
    let act = move |grant: Option<String>| {
        spawn_local(async move {
            let result = match grant {
                Some(id) => api::act_as_proxy(id).await,
                None => api::set_acting(None).await,
            };
            match result {
                Ok(identity) => auth.identity.set(Some(identity)),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            match api::revoke_proxy(&id).await {
                Ok(()) => list.refetch(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let acting = me.acting_principal.as_ref().map(|g| g.id.clone());
    view! {
        <section class="card guide-section proxies" aria-labelledby="proxies">
            <h2 id="proxies">{move || i18n.tr("委托代办", "Applying for others")}</h2>
            <p class="muted">{move || i18n.tr(
                "您可以委托已注册的亲友为您办理指定事项，到期或撤销后即失效；受托人的每一次办理都会记录在案。",
                "You can authorize a registered relative or friend to apply for you for chosen items; it ends on its date or when you revoke it, and everything they do is recorded.",
            )}</p>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
                Some(Ok(p)) => {
                    let acting = acting.clone();
                    view! {
                        {(!p.received.is_empty()).then(|| view! {
                            <h3>{move || i18n.tr("委托我办理的", "Who authorized me")}</h3>
                            <ul class="item-list received-proxies">
                                {p.received.into_iter().map(|g| {
                                    let current = acting.as_deref() == Some(g.id.as_str());
                                    view! { <GrantRow grant=g.clone() as_principal=false current=current on_act=act on_revoke=revoke /> }
                                }).collect_view()}
                            </ul>
                        })}
                        {acting.is_some().then(|| view! {
                            <p><button type="button" class="button button--secondary" on:click=move |_| act(None)>{move || i18n.t(Key::ActForSelf)}</button></p>
                        })}
                        <h3>{move || i18n.tr("我委托他人办理的", "Whom I authorized")}</h3>
                        {p.granted.is_empty().then(|| view! { <p class="muted">{move || i18n.tr("尚未委托他人", "Nobody yet")}</p> })}
                        <ul class="item-list granted-proxies">
                            {p.granted.into_iter().map(|g| view! { <GrantRow grant=g as_principal=true current=false on_act=act on_revoke=revoke /> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            <GrantForm on_granted=move || list.refetch() />
        </section>
    }
}

/// One authorization: who, which items, until when; revoke it (the principal) or apply under it
/// (the proxy).
#[component]
fn GrantRow(
    grant: ProxyGrant,
    as_principal: bool,
    current: bool,
    on_act: impl Fn(Option<String>) + Copy + 'static,
    on_revoke: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let other = if as_principal { grant.proxy.clone() } else { grant.principal.clone() };
    let items: Vec<_> = grant.items.iter().map(|i| i.name.clone()).collect();
    let holds = grant.holds_on(today());
    let revoked = grant.revoked_at.is_some();
    let until = grant.valid_until.to_string();
    let id = grant.id.clone();
    view! {
        <li class="item-card__link proxy">
            <span class="item-card__name">{other.name.clone()}" "<span class="muted">{other.id_number_masked.clone()}</span></span>
            <span class="item-card__meta">{move || items.iter().map(|n| i18n.pick(n)).collect::<Vec<_>>().join("、")}</span>
            <span class="item-card__meta">{move || i18n.tr("有效期至 ", "Until ")}{until.clone()}</span>
            <span class="tags">
                {match (as_principal, holds, current) {
                    (true, true, _) => view! {
                        <button type="button" class="button button--secondary" on:click=move |_| on_revoke(id.clone())>
                            {move || i18n.tr("撤销委托", "Revoke")}
                        </button>
                    }.into_any(),
                    (true, false, _) => view! {
                        <span class="tag">{move || if revoked { i18n.tr("已撤销", "Revoked") } else { i18n.tr("已到期", "Ended") }}</span>
                    }.into_any(),
                    (false, _, true) => view! { <span class="tag tag--good">{move || i18n.t(Key::CurrentlyActing)}</span> }.into_any(),
                    (false, _, false) => view! {
                        <button type="button" class="button button--primary" on:click=move |_| on_act(Some(id.clone()))>
                            {move || i18n.tr("以委托人身份办事", "Apply for this person")}
                        </button>
                    }.into_any(),
                }}
            </span>
        </li>
    }
}

/// 委托他人 — the proxy's name and number, the items for persons, and the last day.
#[component]
fn GrantForm(on_granted: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let until = RwSignal::new((today() + chrono::Duration::days(30)).to_string());
    let chosen = RwSignal::new(Vec::<String>::new());
    let state = SubmitState::new();
    let done = RwSignal::new(false);
    let items = Fetched::new(|| async {
        api::items(&ItemQuery { object: Some(ServiceObject::Person), per_page: Some(100), ..ItemQuery::default() })
            .await
    });
    let errors = Signal::derive(move || state.server_errors.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let Ok(valid_until) = until.get_untracked().parse() else {
            state.server_errors.set(vec![FieldError::new("valid_until", shared::FieldCode::NotDate)]);
            return;
        };
        if !state.begin(true) {
            return;
        }
        let req = GrantProxyRequest {
            id_number: id_number.get_untracked(),
            name: name.get_untracked(),
            items: chosen.get_untracked(),
            valid_until,
        };
        spawn_local(async move {
            match api::grant_proxy(&req).await {
                Ok(_) => {
                    state.pending.set(false);
                    done.set(true);
                    chosen.set(Vec::new());
                    on_granted();
                }
                Err(e) => state.fail(&e),
            }
        });
    };
    view! {
        <form class="stack grant-proxy" on:submit=submit novalidate>
            <h3>{move || i18n.tr("委托他人代办", "Authorize someone")}</h3>
            <ErrorSummary message=state.message errors=errors node_ref=state.summary />
            <TextField id="proxy_name" label=Key::ProxyName value=name error=Signal::derive(move || error_of(&errors.get(), "name")) />
            <TextField id="proxy_id_number" label=Key::ProxyIdNumber value=id_number error=Signal::derive(move || error_of(&errors.get(), "id_number")) />
            <fieldset class="choices" aria-describedby="proxy-items-hint">
                <legend>{move || i18n.tr("委托办理的事项", "Items they may apply for")}</legend>
                <p class="field__hint" id="proxy-items-hint">{move || i18n.tr("可选1至10项个人事项", "Choose 1 to 10 items for individuals")}</p>
                {move || match items.get() {
                    Some(Ok(page)) => page.items.into_iter().map(|item| {
                        let code = item.code.to_string();
                        let (c1, c2) = (code.clone(), code.clone());
                        let name = item.name.clone();
                        view! {
                            <label class="choice" for=format!("proxy-item-{code}")>
                                <input type="checkbox" id=format!("proxy-item-{code}")
                                    prop:checked=move || chosen.with(|v| v.contains(&c1))
                                    on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|v| { v.retain(|x| x != &c2); if on { v.push(c2.clone()); } }); } />
                                <span>{move || i18n.pick(&name)}</span>
                            </label>
                        }
                    }).collect_view().into_any(),
                    Some(Err(e)) => view! { <ProblemView error=e /> }.into_any(),
                    None => view! { <Loading /> }.into_any(),
                }}
                {move || error_of(&errors.get(), "items").map(|e| view! { <p class="field__error">{i18n.pick(&e)}</p> })}
            </fieldset>
            <div class="field">
                <label for="proxy_valid_until">{move || i18n.tr("有效期至", "Valid until")}</label>
                <input id="proxy_valid_until" class="input" type="date" bind:value=until />
                {move || error_of(&errors.get(), "valid_until").map(|e| view! { <p class="field__error">{i18n.pick(&e)}</p> })}
            </div>
            {move || done.get().then(|| view! { <div class="notice notice--good" role="status"><p>{i18n.tr("委托已登记", "The authorization is recorded")}</p></div> })}
            <div class="actions">
                <button type="submit" class="button button--primary" disabled=move || state.pending.get()>
                    {move || i18n.tr("确认委托", "Authorize")}
                </button>
            </div>
        </form>
    }
}
