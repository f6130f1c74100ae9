//! 督办 — the yellow and red cards raised against departments: department staff see their own
//! and answer them; supervisors see every department's and accept an answer (the card is
//! resolved) or return it. A card is never deleted.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::Role;
use shared::supervision::{Card, CardAct, CardActRequest, CardColor, CardQuery, CardStatus};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::receipt::beijing;

/// `/console/cards`
#[component]
pub fn CardsPage() -> impl IntoView {
    let i18n = use_i18n();
    let status = RwSignal::new(None::<CardStatus>);
    let list = Fetched::new(move || {
        let query = CardQuery { status: status.get(), ..CardQuery::default() };
        async move { api::cards(&query).await }
    });
    let reload = Callback::new(move |()| list.refetch());
    view! {
        <div class="container page">
            <h1>{move || i18n.tr("督办", "Cards")}</h1>
            <div class="queue-tabs" role="tablist" aria-label=move || i18n.tr("督办卡状态", "Card status")>
                {[None, Some(CardStatus::Resolved)].into_iter().map(|s| {
                    let (zh, en) = if s.is_none() { ("未办结", "Unresolved") } else { ("已办结", "Resolved") };
                    view! {
                        <button type="button" role="tab" class="queue-tab" aria-selected=move || (status.get() == s).to_string()
                            on:click=move |_| status.set(s)>{move || i18n.tr(zh, en)}</button>
                    }
                }).collect_view()}
            </div>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=reload /> }.into_any(),
                Some(Ok(page)) if page.cards.is_empty() => view! {
                    <p class="muted">{move || i18n.tr("没有督办卡。", "No cards.")}</p>
                }.into_any(),
                Some(Ok(page)) => view! {
                    <ul class="cards">
                        {page.cards.into_iter().map(|c| view! { <CardItem card=c reload=reload /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

/// One card, with the act the member may take on it.
#[component]
pub fn CardItem(card: Card, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let roles = auth.identity.get_untracked().and_then(|me| me.staff).map(|s| s.roles).unwrap_or_default();
    let acts: Vec<CardAct> = match card.status {
        CardStatus::Open if roles.iter().any(|r| matches!(r, Role::Undertaker | Role::Reviewer | Role::Approver)) => {
            vec![CardAct::Answer]
        }
        CardStatus::Answered if roles.contains(&Role::Supervisor) => vec![CardAct::Resolve, CardAct::Return],
        _ => Vec::new(),
    };
    let (color, cause, status) = (card.color.name(), card.cause.name(), card.status.name());
    let class = if card.color == CardColor::Red { "card-item card-item--red" } else { "card-item card-item--yellow" };
    let (item, department) = (card.item_name.clone(), card.department.name.clone());
    let href = format!("/console/cases/{}", card.case_no);
    view! {
        <li class=class data-card=card.id.clone()>
            <p>
                <strong class="card-item__color">{move || i18n.pick(&color)}</strong>" "
                {move || i18n.pick(&cause)}" · "<span class="badge">{move || i18n.pick(&status)}</span>
            </p>
            <p>
                <a href=href class="case-no">{card.case_no.clone()}</a>" "{move || i18n.pick(&item)}" · "{move || i18n.pick(&department)}
            </p>
            <p class="muted">
                {move || i18n.tr("亮牌于 ", "Raised ")}{beijing(card.raised_at)}
                {card.due_on.map(|d| view! { " · "{move || i18n.tr("时限 ", "due ")}{d.to_string()} })}
                {card.handler.clone().map(|h| view! { " · "{move || i18n.tr("经办 ", "handler ")}{h} })}
            </p>
            {card.answer.clone().map(|a| view! { <p>{move || i18n.tr("答复：", "Answer: ")}{a}</p> })}
            {card.resolution.clone().map(|r| view! { <p>{move || i18n.tr("监察意见：", "Supervisor: ")}{r}</p> })}
            {(!acts.is_empty()).then(|| view! { <CardActs id=card.id.clone() acts=acts reload=reload /> })}
        </li>
    }
}

#[component]
fn CardActs(id: String, acts: Vec<CardAct>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let field = format!("card-text-{id}");
    let run = move |act: CardAct, id: String| {
        busy.set(true);
        failure.set(None);
        let req = CardActRequest { act, text: text.get_untracked() };
        spawn_local(async move {
            match api::card_act(&id, &req).await {
                Ok(_) => reload.run(()),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let label = if acts.contains(&CardAct::Answer) {
        ("督办答复", "Your answer")
    } else {
        ("监察意见", "Your assessment")
    };
    view! {
        <div class="action-form">
            <label for=field.clone()>{move || i18n.tr(label.0, label.1)}</label>
            <textarea id=field rows="2" on:input=move |ev| text.set(event_target_value(&ev)) prop:value=move || text.get()></textarea>
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            {acts.into_iter().map(|act| {
                let name = act.name();
                let id = id.clone();
                view! {
                    <button type="button" class="button button--primary" disabled=move || busy.get()
                        on:click=move |_| run(act, id.clone())>{move || i18n.pick(&name)}</button>
                }
            }).collect_view()}
        </div>
    }
}
