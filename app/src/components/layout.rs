//! 页面框架 — the header with navigation and the language switch, and the footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::use_auth;
use crate::i18n::{Key, use_i18n};

/// The site header: name, navigation and the language switch.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let account = move || match auth.identity.get() {
        Some(me) => {
            let label = match (&me.acting_for, &me.on_behalf_of) {
                (Some(e), _) => format!("{} · {}", me.name, e.name),
                (None, Some(a)) => format!("{} → {}", me.name, a.name),
                (None, None) => me.name.clone(),
            };
            view! { <A href="/account"><span class="account-link">{label}</span></A> }.into_any()
        }
        None => view! { <A href="/login">{move || i18n.t(Key::NavLogin)}</A> }.into_any(),
    };
    view! {
        <a class="skip-link" href="#main">{move || i18n.t(Key::SkipToContent)}</a>
        <header class="site-header">
            <div class="container site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"一"</span>
                    <span class="brand__text">
                        <span class="brand__name">{move || i18n.t(Key::AppName)}</span>
                        <span class="brand__tagline">{move || i18n.t(Key::AppTagline)}</span>
                    </span>
                </a>
                <nav class="site-nav" aria-label=move || i18n.t(Key::NavCatalogue)>
                    <A href="/" exact=true>{move || i18n.t(Key::NavHome)}</A>
                    <A href="/items">{move || i18n.t(Key::NavCatalogue)}</A>
                    <A href="/progress">{move || i18n.t(Key::NavProgress)}</A>
                    {move || auth.identity.get().is_some().then(|| view! {
                        <A href="/applications">{move || i18n.t(Key::NavApplications)}</A>
                        <A href="/licenses">{move || i18n.t(Key::NavLicenses)}</A>
                    })}
                    // The console is a bundle of its own: the link loads it.
                    {move || auth.identity.get().and_then(|me| me.staff).map(|_| view! {
                        <a href="/console" rel="external">{move || i18n.tr("工作台", "Console")}</a>
                    })}
                    {account}
                </nav>
                <button
                    type="button"
                    class="button button--ghost lang-switch"
                    aria-label=move || i18n.t(Key::SwitchLanguageLabel)
                    on:click=move |_| i18n.toggle()
                >
                    {move || i18n.t(Key::SwitchLanguage)}
                </button>
            </div>
        </header>
    }
}

/// The site footer.
#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="site-footer">
            <div class="container">{move || i18n.t(Key::Footer)}</div>
        </footer>
    }
}
