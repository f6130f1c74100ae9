//! 我的办件 — my applications and my enterprises', with each case's status and next step, and
//! the drafts I can continue on this device.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::application::{ApplicationBrief, Draft};

use crate::api::{self, ApiError};
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::account::RequireSignIn;
use crate::pages::receipt::beijing;

/// `/applications`
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::ApplicationsTitle)}</h1>
            <RequireSignIn>
                <Drafts />
                <Applications />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn Applications() -> impl IntoView {
    let i18n = use_i18n();
    let list = Fetched::new(api::my_applications);
    move || match list.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
        Some(Ok(apps)) if apps.is_empty() => {
            view! { <p class="muted">{move || i18n.t(Key::NoApplications)}</p> }.into_any()
        }
        Some(Ok(apps)) => view! {
            <ul class="item-list">
                {apps.into_iter().map(|a| view! { <ApplicationCard application=a /> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
}

#[component]
fn ApplicationCard(application: ApplicationBrief) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/applications/{}", application.application_no);
    // An application concludes when its last case does (并联审批: its cases move on their own).
    let total = application.cases.len();
    let done = application.cases.iter().filter(|c| shared::workflow::is_concluded(c.status)).count();
    view! {
        <li class="card application-card">
            <p class="item-card__meta">
                <a href=href>{application.application_no.clone()}</a>" · "{beijing(application.submitted_at)}" · "{application.applicant_name.clone()}" "
                <span class="badge application-status">
                    {move || if done == total { i18n.tr("已办结", "Concluded").to_owned() } else { format!("{} {done}/{total}", i18n.tr("已办结", "Concluded")) }}
                </span>
            </p>
            <ul class="bullets">
                {application.cases.into_iter().map(|c| {
                    let (name, status, next) = (c.item_name.clone(), c.status.name(), c.next_step.clone());
                    let case_page = format!("/cases/{}", c.case_no);
                    view! {
                        <li>
                            <strong>{move || i18n.pick(&name)}</strong>" "
                            <span class="badge">{move || i18n.pick(&status)}</span>
                            <br /><span class="muted">{move || i18n.t(Key::NextStep)}": "{move || i18n.pick(&next)}" · "</span>
                            <a href=case_page>{move || i18n.t(Key::FollowProgress)}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn Drafts() -> impl IntoView {
    let i18n = use_i18n();
    let drafts = Fetched::new(api::drafts);
    let failure = RwSignal::new(None::<ApiError>);
    let remove = move |id: String| {
        spawn_local(async move {
            match api::delete_draft(&id).await {
                Ok(()) => drafts.refetch(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        {move || match drafts.get() {
            Some(Ok(list)) if !list.is_empty() => view! {
                <section class="card guide-section" aria-labelledby="drafts">
                    <h2 id="drafts">{move || i18n.t(Key::DraftsTitle)}</h2>
                    <ul class="file-list">
                        {list.into_iter().map(|d| view! { <DraftRow draft=d on_remove=remove /> }).collect_view()}
                    </ul>
                </section>
            }
            .into_any(),
            _ => ().into_any(),
        }}
    }
}

#[component]
fn DraftRow(draft: Draft, on_remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = draft.id.clone().unwrap_or_default();
    let href = format!("/apply?draft={id}");
    let saved = draft.updated_at.map(beijing).unwrap_or_default();
    view! {
        <li>
            <span>{draft.items.join("、")}" · "{saved}</span>
            <span class="actions">
                <a class="button button--secondary" href=href>{move || i18n.t(Key::ResumeDraft)}</a>
                <button type="button" class="button button--plain" on:click=move |_| on_remove(id.clone())>{move || i18n.t(Key::DeleteDraft)}</button>
            </span>
        </li>
    }
}
