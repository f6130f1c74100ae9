//! The step from the guides bundle to the full citizen app. The guides bundle (`--features
//! guides`) holds the home page, the catalogue and the guides; a link from them to any other
//! page loads that page whole from the server, where `boot.js` starts the full app.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::use_i18n;

/// The key under which the page being loaded is noted for `boot.js` (`public/boot.js` reads it):
/// whatever path the guides bundle hands over gets the full app, so a path the two disagree on
/// can never bounce between them.
const HANDED_OVER: &str = "yiwang.full-app";

/// What the guides bundle shows for a page it does not hold: the loading indicator, while the
/// page is loaded again from the server.
#[component]
pub fn LoadFullApp() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let (path, search, hash) =
        (location.pathname.get_untracked(), location.search.get_untracked(), location.hash.get_untracked());
    let search = if search.is_empty() { search } else { format!("?{search}") };
    let address = format!("{path}{search}");
    let target = format!("{address}{hash}");
    if let Ok(Some(storage)) = window().session_storage() {
        // Without session storage the path alone decides, which is right for every link the app has.
        let _ = storage.set_item(HANDED_OVER, &path);
    }
    // The router may write the new address to the history after this page is drawn: load it
    // once it has, as a reload of the address if it is there, or as a move to it if not.
    set_timeout(
        move || {
            let here = window().location();
            let current = format!("{}{}", here.pathname().unwrap_or_default(), here.search().unwrap_or_default());
            let _ = if current == address { here.reload() } else { here.assign(&target) };
        },
        std::time::Duration::ZERO,
    );
    view! {
        <div class="container boot" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <p class="boot__text">{move || i18n.tr("正在加载…", "Loading…")}</p>
        </div>
    }
}

/// Asks the browser to fetch the full app while the reader is on a guide, so that applying (the
/// guide's next step) starts without waiting for it: at low priority, and two seconds after the
/// guide is shown, so that it never competes with the guide's own first paint.
pub fn prefetch_full_app_soon() {
    set_timeout(prefetch_full_app, std::time::Duration::from_secs(2));
}

fn prefetch_full_app() {
    let document = document();
    let Some(head) = document.query_selector("head").ok().flatten() else { return };
    for (href, kind) in [("/app.js", "script"), ("/app_bg.wasm", "fetch")] {
        if document.query_selector(&format!("link[rel=prefetch][href=\"{href}\"]")).ok().flatten().is_some() {
            continue;
        }
        let Ok(link) = document.create_element("link") else { return };
        for (name, value) in [("rel", "prefetch"), ("href", href), ("as", kind), ("crossorigin", "")] {
            let _ = link.set_attribute(name, value);
        }
        let _ = head.append_child(&link);
    }
}
