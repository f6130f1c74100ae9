//! The step from the guides bundle to the full citizen app. The guides bundle (`--features
//! guides`) holds the home page, the catalogue and the guides; a link from them to any other
//! page loads that page whole from the server, where `boot.js` starts the full app.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// The key under which the page being loaded is noted for `boot.js` (`public/boot.js` reads it):
/// whatever path the guides bundle hands over gets the full app, so a path the two disagree on
/// can never bounce between them.
const HANDED_OVER: &str = "yiwang.full-app";

/// What the guides bundle shows for a page it does not hold, should it be started on one: the
/// loading indicator, while the page is loaded again from the server. (A link to such a page is
/// left to the browser, which loads it whole: `crate::route`.)
#[component]
pub fn LoadFullApp() -> impl IntoView {
    let i18n = use_i18n();
    let here = window().location();
    if let (Ok(path), Ok(Some(storage))) = (here.pathname(), window().session_storage()) {
        // Without session storage the path alone decides, which is right for every link the app has.
        let _ = storage.set_item(HANDED_OVER, &path);
    }
    let _ = here.reload();
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
