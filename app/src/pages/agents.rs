//! 经办人管理 — the legal representative authorizes and revokes the enterprise's agents.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::account::AgentEntry;
use shared::{Bilingual, FieldError, ResidentId};

use crate::api::{self, ApiError};
use crate::auth::today;
use crate::components::form::{TextField, error_of};
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::account::RequireSignIn;

/// `/account/enterprises/:uscc/agents`
#[component]
pub fn AgentsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <p><a class="back-link" href="/account">{move || i18n.t(Key::BackToAccount)}</a></p>
            <h1>{move || i18n.t(Key::AgentsTitle)}</h1>
            <p class="muted">{move || i18n.t(Key::AgentsLead)}</p>
            <RequireSignIn>
                <Agents />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn Agents() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let uscc = Memo::new(move |_| params.with(|p| p.get("uscc").unwrap_or_default()));
    let version = RwSignal::new(0u32);
    let agents = Fetched::new(move || {
        let (uscc, _) = (uscc.get(), version.get());
        async move { api::agents(&uscc).await }
    });
    let id_number = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let notice = RwSignal::new(None::<Key>);
    let failure = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);

    let grant = move |ev: SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        failure.set(None);
        let value = id_number.get_untracked();
        if let Err(e) = ResidentId::parse_as_of(&value, today()) {
            errors.set(vec![FieldError::resident_id("agent_id_number", &e)]);
            return;
        }
        errors.set(Vec::new());
        pending.set(true);
        let uscc = uscc.get_untracked();
        spawn_local(async move {
            match api::grant_agent(&uscc, value, name.get_untracked()).await {
                Ok(_) => {
                    id_number.set(String::new());
                    name.set(String::new());
                    notice.set(Some(Key::Granted));
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Problem(p)) if !p.errors.is_empty() => errors.set(
                    p.errors.iter().map(|e| FieldError { field: format!("agent_{}", e.field), ..e.clone() }).collect(),
                ),
                Err(e) => failure.set(Some(e)),
            }
            pending.set(false);
        });
    };
    let revoke = move |person_id: String| {
        let uscc = uscc.get_untracked();
        spawn_local(async move {
            match api::revoke_agent(&uscc, &person_id).await {
                Ok(()) => {
                    notice.set(Some(Key::Revoked));
                    version.update(|v| *v += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };

    view! {
        <p class="item-card__meta">{move || uscc.get()}</p>
        {move || notice.get().map(|k| view! { <div class="notice notice--good" role="status"><p>{i18n.t(k)}</p></div> })}
        {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        {move || match agents.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ProblemView error=e retry=move || agents.refetch() /> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{i18n.t(Key::NoAgents)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="item-list">
                    {list.into_iter().map(|a| view! { <AgentRow agent=a on_revoke=revoke /> }).collect_view()}
                </ul>
            }.into_any(),
        }}
        <section class="card guide-section" aria-labelledby="grant">
            <h2 id="grant">{move || i18n.t(Key::GrantTitle)}</h2>
            <form class="stack" on:submit=grant novalidate>
                <TextField id="agent_name" label=Key::Name value=name autocomplete="off"
                    error=Signal::derive(move || error_of(&errors.get(), "agent_name")) />
                <TextField id="agent_id_number" label=Key::IdNumber value=id_number hint=Key::GrantHint
                    error=Signal::derive(move || error_of(&errors.get(), "agent_id_number")) />
                <button type="submit" class="button button--primary" disabled=move || pending.get()>
                    {move || i18n.t(if pending.get() { Key::Working } else { Key::GrantButton })}
                </button>
            </form>
        </section>
    }
}

#[component]
fn AgentRow(agent: AgentEntry, on_revoke: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let granted = agent.granted_at.get(..10).unwrap_or_default().to_owned();
    let person_id = agent.person_id.clone();
    let label = Bilingual::new(format!("撤销{}的授权", agent.name), format!("Revoke {}", agent.name));
    view! {
        <li class="item-card__link">
            <span class="item-card__name">{agent.name.clone()}</span>
            <span class="item-card__meta">{agent.id_number_masked.clone()}" · "{move || i18n.t(Key::GrantedAt)}" "{granted.clone()}</span>
            <span>
                <button type="button" class="button button--secondary" aria-label=move || i18n.pick(&label)
                    on:click=move |_| on_revoke(person_id.clone())>
                    {move || i18n.t(Key::RevokeButton)}
                </button>
            </span>
        </li>
    }
}
