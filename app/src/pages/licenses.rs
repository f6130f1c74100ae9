//! 我的电子证照 — the licenses the e-license library holds for me (or my enterprise), and who
//! read them, when, and for which application ("谁用了我的数据").

use leptos::prelude::*;
use shared::license::LicenseStatus;

use crate::api;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::account::RequireSignIn;
use crate::pages::receipt::beijing;

/// `/licenses`
#[component]
pub fn LicensesPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::LicensesTitle)}</h1>
            <p class="muted">{move || i18n.t(Key::LicensesLead)}</p>
            <RequireSignIn>
                <Licenses />
                <AccessLog />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn Licenses() -> impl IntoView {
    let i18n = use_i18n();
    let list = Fetched::new(api::licenses);
    move || {
        match list.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::NoLicenses)}</p> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="item-list">
                {list.into_iter().map(|l| {
                    let (name, status) = (l.license_type.name.clone(), l.status.name());
                    let good = l.status == LicenseStatus::Valid;
                    let until = l.valid_until.map(|d| d.to_string());
                    view! {
                        <li class="item-card__link">
                            <span class="item-card__name">{move || i18n.pick(&name)}" "
                                <span class="badge" class:badge--good=good class:badge--bad=!good>{move || i18n.pick(&status)}</span></span>
                            <span class="item-card__meta">{l.number.clone()}</span>
                            <span class="item-card__meta">{move || i18n.t(Key::Issuer)}" "{l.issuer.clone()}" · "
                                {move || i18n.t(Key::ValidUntil)}" "{until.clone().unwrap_or_else(|| i18n.t(Key::NoExpiry).to_owned())}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    }
}

#[component]
fn AccessLog() -> impl IntoView {
    let i18n = use_i18n();
    let log = Fetched::new(api::license_access);
    view! {
        <section class="card guide-section" aria-labelledby="access-log">
            <h2 id="access-log">{move || i18n.t(Key::AccessTitle)}</h2>
            {move || match log.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || log.refetch() /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::NoAccess)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="bullets access-log">
                        {list.into_iter().map(|a| {
                            let (name, purpose) = (a.license_type.name.clone(), a.purpose.clone());
                            view! {
                                <li>{beijing(a.at)}" · "<strong>{a.accessor.clone()}</strong>
                                    {a.acting_for.clone().map(|e| view! { "（"{e}"）" })}
                                    {a.at_window.then(|| view! { "（"{move || i18n.t(Key::AtWindow)}"）" })}" · "{move || i18n.pick(&name)}" · "
                                    {move || i18n.pick(&purpose)}
                                    {a.application_no.clone().map(|no| view! { " · "{no} })}</li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}
