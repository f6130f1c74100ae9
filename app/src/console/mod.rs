//! 工作台 — the staff console, built as a bundle of its own (`--features console`, served under
//! `/console`) so that nothing of it reaches a citizen's first load. Desktop first, usable on a
//! tablet: the inboxes of the signed-in member's roles with their counts, and the case page
//! with the form, the materials (previewed inline, each checked against its recorded hash), the
//! licences used, the pledge, the timeline and a form for each action the member may take now.

mod actions;
mod calendar;
mod cards;
mod inbox;
mod integrations;
mod supervision;
mod synonyms;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::auth::{Auth, use_auth};
use crate::components::layout::Footer;
use crate::i18n::{I18n, Key, use_i18n};

/// The console: its header, the routed page, the footer.
#[component]
pub fn ConsoleApp() -> impl IntoView {
    I18n::provide();
    Auth::provide();
    view! {
        <Router>
            <ConsoleHeader />
            <main id="main" tabindex="-1" class="console">
                <RequireStaff>
                    <Routes fallback=inbox::InboxPage>
                        <Route path=path!("/console") view=inbox::InboxPage />
                        <Route path=path!("/console/cases/:no") view=actions::CaseWorkPage />
                        <Route path=path!("/console/cards") view=cards::CardsPage />
                        <Route path=path!("/console/supervision") view=supervision::SupervisionPage />
                        <Route path=path!("/console/calendar") view=calendar::CalendarPage />
                        <Route path=path!("/console/integrations") view=integrations::IntegrationsPage />
                        <Route path=path!("/console/synonyms") view=synonyms::SynonymsPage />
                    </Routes>
                </RequireStaff>
            </main>
            <Footer />
        </Router>
    }
}

/// The console's header: its name, who is signed in, and the way back to the public site
/// (links out of the console load the other bundle, hence `rel="external"`).
#[component]
fn ConsoleHeader() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let who = move || {
        auth.identity.get().map(|me| match &me.staff {
            Some(s) => format!("{} · {}", me.name, i18n.pick(&s.department.name)),
            None => me.name,
        })
    };
    let supervises = move || {
        auth.identity
            .get()
            .and_then(|me| me.staff)
            .is_some_and(|s| s.roles.contains(&shared::account::Role::Supervisor))
    };
    // Supervisors and department staff have cards; the front desk and administrators do not.
    let watches_cards = move || {
        auth.identity.get().and_then(|me| me.staff).is_some_and(|s| {
            s.roles.iter().any(|r| {
                use shared::account::Role as R;
                matches!(r, R::Supervisor | R::Undertaker | R::Reviewer | R::Approver)
            })
        })
    };
    let docks = move || {
        auth.identity
            .get()
            .and_then(|me| me.staff)
            .is_some_and(|s| s.roles.contains(&shared::account::Role::DepartmentAdmin))
    };
    view! {
        <a class="skip-link" href="#main">{move || i18n.t(Key::SkipToContent)}</a>
        <header class="site-header console-header">
            <div class="container site-header__inner">
                <a class="brand" href="/console">
                    <span class="brand__mark" aria-hidden="true">"一"</span>
                    <span class="brand__text">
                        <span class="brand__name">{move || i18n.tr("一网通办 · 工作台", "Yiwang staff console")}</span>
                        <span class="brand__tagline">{move || i18n.tr("前台综合受理 · 后台分类审批 · 统一窗口出件", "One front desk, departments in parallel, one window for results")}</span>
                    </span>
                </a>
                <nav class="site-nav" aria-label=move || i18n.tr("工作台导航", "Console navigation")>
                    <a href="/console">{move || i18n.tr("待办", "Inbox")}</a>
                    {move || supervises().then(|| view! { <a href="/console/supervision">{move || i18n.tr("监察看板", "Dashboard")}</a> })}
                    {move || watches_cards().then(|| view! { <a href="/console/cards">{move || i18n.tr("督办", "Cards")}</a> })}
                    <a href="/console/calendar">{move || i18n.tr("工作日历", "Calendar")}</a>
                    <a href="/console/synonyms">{move || i18n.tr("检索同义词", "Synonyms")}</a>
                    {move || docks().then(|| view! { <a href="/console/integrations">{move || i18n.tr("系统对接", "Systems")}</a> })}
                    <a href="/account" rel="external">{move || who().unwrap_or_default()}</a>
                    <a href="/" rel="external">{move || i18n.tr("门户首页", "Public site")}</a>
                </nav>
                <button type="button" class="button button--ghost lang-switch"
                    aria-label=move || i18n.t(Key::SwitchLanguageLabel) on:click=move |_| i18n.toggle()>
                    {move || i18n.t(Key::SwitchLanguage)}
                </button>
            </div>
        </header>
    }
}

/// Shows the console only to a signed-in staff member past the second factor.
#[component]
fn RequireStaff(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    move || {
        if !auth.checked.get() {
            return view! { <crate::components::status::Loading /> }.into_any();
        }
        match auth.identity.get() {
            Some(me) if me.staff.is_some() => children().into_any(),
            Some(_) => view! {
                <div class="container page notice">
                    <p>{move || i18n.tr("工作台仅供工作人员使用。", "The console is for staff.")}</p>
                    <a class="button button--primary" href="/" rel="external">{move || i18n.tr("返回门户", "Back to the public site")}</a>
                </div>
            }
            .into_any(),
            None => view! {
                <div class="container page notice">
                    <p>{move || i18n.t(Key::SignInFirst)}</p>
                    <a class="button button--primary" href="/login" rel="external">{move || i18n.t(Key::NavLogin)}</a>
                </div>
            }
            .into_any(),
        }
    }
}

/// Starts the console.
pub fn start() {
    leptos::mount::mount_to_body(ConsoleApp);
}
