//! 工作人员 — the security administrator's list of staff, where a one-time enrolment token
//! (绑定码) is issued to a member who has no authenticator or has lost it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::{EnrolmentToken, StaffEntry};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::account::RequireSignIn;

/// `/staff`
#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::StaffAdminTitle)}</h1>
            <p class="muted">{move || i18n.t(Key::StaffAdminLead)}</p>
            <RequireSignIn>
                <StaffList />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn StaffList() -> impl IntoView {
    let auth = use_auth();
    let me = move || auth.identity.get_untracked().map(|i| i.person_id).unwrap_or_default();
    let staff = Fetched::new(api::staff_list);
    view! {
        {move || match staff.get() {
            Some(Ok(list)) => view! {
                <ul class="item-list">
                    {list.into_iter().map(|m| {
                        let own = m.person_id == me();
                        view! { <StaffRow member=m own=own /> }
                    }).collect_view()}
                </ul>
            }.into_any(),
            Some(Err(e)) => view! { <ProblemView error=e /> }.into_any(),
            None => view! { <Loading /> }.into_any(),
        }}
    }
}

/// Shows a token in groups of four, as it is read out and typed (the server ignores the spaces).
fn grouped(token: &str) -> String {
    token.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// One staff member, with the button that issues a token and, once issued, the token itself.
/// Issuing one to a member with an authenticator removes it, so that asks to be confirmed; nobody
/// issues one for themselves.
#[component]
fn StaffRow(member: StaffEntry, own: bool) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let issued = RwSignal::new(None::<EnrolmentToken>);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let person_id = member.person_id.clone();
    let enrolled = member.totp_enrolled;
    let issue = move |_| {
        if enrolled && !confirming.get_untracked() {
            confirming.set(true);
            return;
        }
        confirming.set(false);
        let person_id = person_id.clone();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match api::issue_enrolment_token(&person_id).await {
                Ok(t) => issued.set(Some(t)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let roles: Vec<_> = member.roles.iter().map(|r| r.name()).collect();
    let name = member.name.clone();
    let label = move || {
        let key = match (enrolled, confirming.get()) {
            (false, _) => Key::IssueEnrolmentToken,
            (true, false) => Key::ResetAuthenticator,
            (true, true) => Key::ConfirmResetAuthenticator,
        };
        i18n.t(key)
    };
    view! {
        <li class="item-card__link staff-member">
            <span class="item-card__name">{member.name.clone()}</span>
            <span class="item-card__meta">
                {member.id_number_masked.clone()}" · "{member.department_code.clone()}" · "
                {roles.into_iter().map(|r| view! { <span>{move || i18n.pick(&r)}" "</span> }).collect_view()}
            </span>
            <span class="tags">
                {if enrolled {
                    view! { <span class="tag tag--good">{move || i18n.t(Key::AuthenticatorBound)}</span> }.into_any()
                } else {
                    view! { <span class="tag">{move || i18n.t(Key::AuthenticatorNotBound)}</span> }.into_any()
                }}
                {(!own).then(|| view! {
                    <button type="button" class="button button--secondary" on:click=issue.clone() disabled=move || busy.get()
                        aria-label=move || format!("{} {}", label(), name)>
                        {label}
                    </button>
                })}
            </span>
            {move || confirming.get().then(|| view! {
                <p class="notice" role="status">{move || i18n.t(Key::ResetWarning)}</p>
            })}
            {move || issued.get().map(|t| view! {
                <div class="notice notice--good" role="status">
                    <p>{move || i18n.t(Key::EnrolmentTokenShownOnce)}</p>
                    <p><code class="secret enrolment-token">{grouped(&t.token)}</code></p>
                    {t.authenticator_reset.then(|| view! { <p>{move || i18n.t(Key::AuthenticatorWasReset)}</p> })}
                </div>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </li>
    }
}
