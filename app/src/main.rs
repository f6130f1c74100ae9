//! Yiwang's web app (一网通办): a Leptos client-side-rendered single-page app. Built with
//! `--features console`, the same crate is the staff console instead, a bundle of its own so
//! that a citizen's first load carries none of it.

mod api;
mod auth;
mod components;
#[cfg(feature = "console")]
mod console;
mod i18n;
mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::auth::Auth;
use crate::components::layout::{Elderly, Footer, Header, TabBar};
use crate::i18n::I18n;
use crate::pages::account::AccountPage;
use crate::pages::agents::AgentsPage;
use crate::pages::applications::ApplicationsPage;
use crate::pages::apply::ApplyPage;
use crate::pages::case::CasePage;
use crate::pages::catalogue::CataloguePage;
use crate::pages::guide::GuidePage;
use crate::pages::home::HomePage;
use crate::pages::licenses::LicensesPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::progress::ProgressPage;
use crate::pages::receipt::ReceiptPage;
use crate::pages::register::RegisterPage;
use crate::pages::staff::StaffPage;

/// The app: header, the routed page, footer.
#[component]
fn App() -> impl IntoView {
    I18n::provide();
    Elderly::provide();
    Auth::provide();
    view! {
        <Router>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/items") view=CataloguePage />
                    <Route path=path!("/items/:code") view=GuidePage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/register") view=RegisterPage />
                    <Route path=path!("/account") view=AccountPage />
                    <Route path=path!("/account/enterprises/:uscc/agents") view=AgentsPage />
                    <Route path=path!("/apply") view=ApplyPage />
                    <Route path=path!("/applications") view=ApplicationsPage />
                    <Route path=path!("/applications/:no") view=ReceiptPage />
                    <Route path=path!("/cases/:no") view=CasePage />
                    <Route path=path!("/progress") view=ProgressPage />
                    <Route path=path!("/licenses") view=LicensesPage />
                    <Route path=path!("/staff") view=StaffPage />
                </Routes>
            </main>
            <Footer />
            <TabBar />
        </Router>
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
