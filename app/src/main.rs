//! Yiwang's web app (一网通办): a Leptos client-side-rendered single-page app, built as three
//! bundles from this one crate:
//! - `guides` (`--features guides`): the home page, the catalogue and the guides, what most
//!   visits need and all that a citizen's first load carries (`/`, `/items`, `/items/:code`).
//!   Any other page it is asked for it loads whole from the server, where `boot.js` starts the
//!   full app for it;
//! - the full citizen app (no feature): every citizen page, the guides included, so that once it
//!   runs every move is within it;
//! - `console` (`--features console`): the staff console, under `/console`.
// The guides bundle routes to three pages: the rest of the crate, compiled for it, goes unused
// there, and the full app's build is the one that checks for dead code.
#![cfg_attr(feature = "guides", allow(dead_code))]

mod api;
mod auth;
mod components;
#[cfg(feature = "console")]
mod console;
mod fetched;
mod i18n;
mod json;
mod pages;
mod route;

use leptos::prelude::*;

use crate::auth::Auth;
use crate::components::layout::{Elderly, Footer, Header, TabBar};
use crate::i18n::I18n;
use crate::pages::catalogue::CataloguePage;
use crate::pages::guide::GuidePage;
use crate::pages::home::HomePage;

/// The app: header, the routed page, footer.
#[component]
fn App() -> impl IntoView {
    I18n::provide();
    Elderly::provide();
    Auth::provide();
    #[cfg(feature = "guides")]
    {
        route::provide();
        view! { <Frame /> }
    }
    #[cfg(not(feature = "guides"))]
    view! { <leptos_router::components::Router><Frame /></leptos_router::components::Router> }
}

/// Header, the page of the address, footer and the phone's tab bar.
#[component]
fn Frame() -> impl IntoView {
    view! {
        <Header />
        <main id="main" tabindex="-1">
            <Pages />
        </main>
        <Footer />
        <TabBar />
    }
}

/// The full citizen app's pages.
#[cfg(not(feature = "guides"))]
#[component]
fn Pages() -> impl IntoView {
    use leptos_router::components::{Route, Routes};
    use leptos_router::path;
    view! {
        <Routes fallback=pages::not_found::NotFoundPage>
            <Route path=path!("/") view=HomePage />
            <Route path=path!("/items") view=CataloguePage />
            <Route path=path!("/items/:code") view=GuidePage />
            <Route path=path!("/login") view=pages::login::LoginPage />
            <Route path=path!("/register") view=pages::register::RegisterPage />
            <Route path=path!("/account") view=pages::account::AccountPage />
            <Route path=path!("/account/enterprises/:uscc/agents") view=pages::agents::AgentsPage />
            <Route path=path!("/apply") view=pages::apply::ApplyPage />
            <Route path=path!("/applications") view=pages::applications::ApplicationsPage />
            <Route path=path!("/applications/:no") view=pages::receipt::ReceiptPage />
            <Route path=path!("/cases/:no") view=pages::case::CasePage />
            <Route path=path!("/progress") view=pages::progress::ProgressPage />
            <Route path=path!("/licenses") view=pages::licenses::LicensesPage />
            <Route path=path!("/staff") view=pages::staff::StaffPage />
        </Routes>
    }
}

/// The guides bundle's pages: the home page, the catalogue and the guides; any other page is
/// loaded with the full app.
#[cfg(feature = "guides")]
#[component]
fn Pages() -> impl IntoView {
    use crate::route::GuidesPage;
    let path = route::path();
    let page = Memo::new(move |_| path.with(|p| GuidesPage::of(p)));
    move || match page.get() {
        GuidesPage::Home => view! { <HomePage /> }.into_any(),
        GuidesPage::Catalogue => view! { <CataloguePage /> }.into_any(),
        GuidesPage::Guide => view! { <GuidePage /> }.into_any(),
        GuidesPage::Elsewhere => view! { <pages::full_app::LoadFullApp /> }.into_any(),
    }
}

fn main() {
    console_error_panic_hook::set_once();
    // The page shows a loading indicator until the wasm runs; the app replaces it.
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    #[cfg(feature = "console")]
    console::start();
    #[cfg(not(feature = "console"))]
    leptos::mount::mount_to_body(App);
}
