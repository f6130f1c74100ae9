//! 页面框架 — the header with navigation, the language and large-type switches, the bar that
//! says whom one acts for, the tab bar a thumb reaches on a phone, and the footer.
//!
//! On a screen narrower than 720 px the header keeps only the name and the two switches; the
//! pages are reached from the tab bar at the bottom (首页 · 办事 · 进度 · 我的), and 我的
//! (the account page) leads to everything personal: applications, licences, the console,
//! the enterprise one acts for, sign-out. Wider screens show the same entries in the header.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::i18n::{Key, use_i18n};
use crate::route::{self, NavLink};

const ELDERLY_KEY: &str = "yiwang.elderly";

/// 长辈模式 (适老化) — large type, high contrast and a simpler home page; remembered on the
/// device, and applied by `boot.js` before the first paint so that nothing jumps.
#[derive(Clone, Copy)]
pub struct Elderly(pub RwSignal<bool>);

impl Elderly {
    /// Starts as the device remembers and keeps `<html class="elderly">` in step.
    pub fn provide() -> Self {
        let storage = || window().local_storage().ok().flatten();
        let saved = storage().and_then(|s| s.get_item(ELDERLY_KEY).ok().flatten()).is_some_and(|v| v == "1");
        let on = RwSignal::new(saved);
        Effect::new(move |_| {
            let on = on.get();
            if let Some(html) = document().document_element() {
                let _ = html.class_list().toggle_with_force("elderly", on);
            }
            if let Some(s) = storage() {
                let _ = if on { s.set_item(ELDERLY_KEY, "1") } else { s.remove_item(ELDERLY_KEY) };
            }
        });
        provide_context(Self(on));
        Self(on)
    }
}

/// The large-type context.
pub fn use_elderly() -> Elderly {
    expect_context::<Elderly>()
}

/// The site header: name, navigation (wide screens) and the two switches.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let elderly = use_elderly();
    let account = move || match auth.identity.get() {
        Some(me) => view! { <NavLink href="/account"><span class="account-link">{me.name}</span></NavLink> }.into_any(),
        None => view! { <NavLink href="/login">{move || i18n.t(Key::NavLogin)}</NavLink> }.into_any(),
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
                <nav class="site-nav" aria-label=move || i18n.tr("主导航", "Main")>
                    <NavLink href="/" exact=true>{move || i18n.t(Key::NavHome)}</NavLink>
                    <NavLink href="/items">{move || i18n.t(Key::NavCatalogue)}</NavLink>
                    <NavLink href="/progress">{move || i18n.t(Key::NavProgress)}</NavLink>
                    {move || auth.identity.get().is_some().then(|| view! {
                        <NavLink href="/applications">{move || i18n.t(Key::NavApplications)}</NavLink>
                        <NavLink href="/licenses">{move || i18n.t(Key::NavLicenses)}</NavLink>
                    })}
                    // The console is a bundle of its own: the link loads it.
                    {move || auth.identity.get().and_then(|me| me.staff).map(|_| view! {
                        <a href="/console" rel="external">{move || i18n.tr("工作台", "Console")}</a>
                    })}
                    {account}
                </nav>
                <div class="header-switches">
                    <button
                        type="button"
                        class="button button--ghost header-switch"
                        aria-pressed=move || elderly.0.get().to_string()
                        on:click=move |_| elderly.0.update(|on| *on = !*on)
                    >
                        {move || i18n.tr("长辈模式", "Large text")}
                    </button>
                    <button
                        type="button"
                        class="button button--ghost header-switch"
                        aria-label=move || i18n.t(Key::SwitchLanguageLabel)
                        on:click=move |_| i18n.toggle()
                    >
                        {move || i18n.t(Key::SwitchLanguage)}
                    </button>
                </div>
            </div>
        </header>
        <ActingBar />
    }
}

/// 办事身份 — whom the signed-in person acts for, when not for themselves, on every page, with
/// the way to switch.
#[component]
fn ActingBar() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    move || {
        let me = auth.identity.get()?;
        let whom = match (&me.acting_for, &me.on_behalf_of) {
            (Some(e), _) => e.name.clone(),
            (None, Some(p)) => p.name.clone(),
            (None, None) => return None,
        };
        let proxy = me.acting_for.is_none();
        Some(view! {
            <div class="acting-bar" role="region" aria-label=move || i18n.tr("办事身份", "Acting for")>
                <div class="container acting-bar__inner">
                    <span>
                        {move || if proxy { i18n.tr("正在代办：", "Acting for: ") } else { i18n.tr("正在代表企业办理：", "Acting for the enterprise: ") }}
                        <strong>{whom.clone()}</strong>
                    </span>
                    <a href="/account#enterprises">{move || i18n.tr("切换", "Switch")}</a>
                </div>
            </div>
        })
    }
}

/// The tab bar at the bottom of a phone's screen (hidden on wider screens, where the header
/// holds the same entries).
#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let path = route::path();
    let current = move |prefixes: &'static [&'static str]| {
        let p = path.get();
        let on = prefixes.iter().any(|pre| if *pre == "/" { p == "/" } else { p.starts_with(pre) });
        on.then_some("page")
    };
    let me_href = move || if auth.identity.get().is_some() { "/account" } else { "/login" };
    view! {
        <nav class="tab-bar" aria-label=move || i18n.tr("快捷导航", "Quick navigation")>
            <a href="/" aria-current=move || current(&["/"])>
                <Icon path="M3 11l9-8 9 8v10h-6v-6H9v6H3z" />
                <span>{move || i18n.t(Key::NavHome)}</span>
            </a>
            <a href="/items" aria-current=move || current(&["/items", "/apply"])>
                <Icon path="M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z" />
                <span>{move || i18n.tr("办事", "Services")}</span>
            </a>
            <a href="/progress" aria-current=move || current(&["/progress"])>
                <Icon path="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 4v5l4 2" />
                <span>{move || i18n.t(Key::NavProgress)}</span>
            </a>
            <a href=me_href aria-current=move || current(&["/account", "/applications", "/licenses", "/cases", "/login", "/register"])>
                <Icon path="M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-8 9c0-4 4-6 8-6s8 2 8 6" />
                <span>{move || if auth.identity.get().is_some() { i18n.tr("我的", "Me") } else { i18n.t(Key::NavLogin) }}</span>
            </a>
        </nav>
    }
}

/// A line icon drawn in the text's colour (an SVG, so that it shows on a phone without an
/// emoji font).
#[component]
fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
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
