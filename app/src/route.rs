//! 地址 — what the pages read of the page's address (its path, its query, a guide's item code)
//! and how they move to another address, the same in both citizen bundles:
//! - the full citizen app routes with `leptos_router`, whose hooks this module reads;
//! - the guides bundle (`--features guides`), a citizen's first load, holds three routes (`/`,
//!   `/items`, `/items/:code`) and keeps the address itself with the browser's history: a click
//!   on a link to one of its pages, or a search, pushes the new address (`history.pushState`),
//!   and the back button (`popstate`) is read back. A link to any other page is left to the
//!   browser, which loads that page whole and `boot.js` starts the full app for it.
//!   `leptos_router`, with its nested routes, matching and transitions, was a tenth of the
//!   guides bundle's code (BENCHMARKS.md, "A citizen's first load").

use leptos::prelude::*;

/// The pages of the guides bundle, told from a path as `boot.js` tells them
/// (`^/(items(/[^/]+)?)?$`): a path the bundle would not show, `boot.js` does not give it.
#[cfg(any(feature = "guides", test))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GuidesPage {
    /// `/`
    Home,
    /// `/items`
    Catalogue,
    /// `/items/:code`
    Guide,
    /// Any other path: the full app's.
    Elsewhere,
}

#[cfg(any(feature = "guides", test))]
impl GuidesPage {
    /// The page at `path` (the address's path, without query or fragment).
    pub fn of(path: &str) -> Self {
        match path {
            "/" => Self::Home,
            "/items" => Self::Catalogue,
            _ => match path.strip_prefix("/items/") {
                Some(code) if !code.is_empty() && !code.contains('/') => Self::Guide,
                _ => Self::Elsewhere,
            },
        }
    }
}

/// Whether a navigation link to `href` is the current page (`aria-current="page"`): its own
/// path, or with `exact` unset also a path under it (`/items` is current on `/items/DG-GR-0001`).
pub fn is_current(href: &str, exact: bool, path: &str) -> bool {
    path == href || (!exact && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
}

/// A link of the main navigation, marked `aria-current="page"` while its page is shown.
#[component]
pub fn NavLink(
    href: &'static str,
    /// Current only on `href` itself, not on the paths under it.
    #[prop(optional)]
    exact: bool,
    children: Children,
) -> impl IntoView {
    let path = path();
    view! {
        <a href=href aria-current=move || is_current(href, exact, &path.get()).then_some("page")>{children()}</a>
    }
}

#[cfg(not(feature = "guides"))]
pub use full_app::{item_code, path, search, use_navigate};
#[cfg(feature = "guides")]
pub use guides::{item_code, path, provide, search, use_navigate};

/// The full citizen app's address, read from `leptos_router` (inside its `<Router>`).
#[cfg(not(feature = "guides"))]
mod full_app {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_location, use_params_map};

    /// The address's path.
    pub fn path() -> Signal<String> {
        use_location().pathname.into()
    }

    /// The address's query, without its `?`.
    pub fn search() -> Signal<String> {
        use_location().search.into()
    }

    /// The item code of a guide's address (`/items/:code`).
    pub fn item_code() -> Signal<String> {
        let params = use_params_map();
        Signal::derive(move || params.with(|p| p.get("code").unwrap_or_default()))
    }

    /// Moves to an address of the app (path, query and fragment).
    pub fn use_navigate() -> impl Fn(&str) + Clone + 'static {
        let navigate = leptos_router::hooks::use_navigate();
        move |href: &str| navigate(href, Default::default())
    }
}

/// The guides bundle's address, kept with the browser's history.
#[cfg(feature = "guides")]
mod guides {
    use leptos::ev;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{HtmlAnchorElement, MouseEvent};

    use super::GuidesPage;

    /// The address as the page shows it.
    #[derive(Clone, Copy)]
    struct Address {
        path: RwSignal<String>,
        /// Without its `?`.
        search: RwSignal<String>,
    }

    impl Address {
        /// Reads the browser's address into the signals, each set only when it changed.
        fn sync(self) {
            let here = window().location();
            let path = here.pathname().unwrap_or_default();
            let search = here.search().unwrap_or_default();
            let search = search.strip_prefix('?').unwrap_or(&search);
            if self.path.get_untracked() != path {
                self.path.set(path);
            }
            if self.search.get_untracked() != search {
                self.search.set(search.to_owned());
            }
        }

        /// Moves to `href` (path, query and fragment, of this site): a page of the bundle by
        /// pushing the address, any other by loading it.
        fn go(self, href: &str) {
            let path = href.split(['?', '#']).next().unwrap_or_default();
            if GuidesPage::of(path) == GuidesPage::Elsewhere {
                let _ = window().location().assign(href);
                return;
            }
            // The address shown again (a second click on the same link) adds no step to go back.
            let here = window().location();
            let shown = [here.pathname(), here.search(), here.hash()].map(Result::unwrap_or_default).concat();
            if shown != href
                && let Ok(history) = window().history()
            {
                let _ = history.push_state_with_url(&JsValue::NULL, "", Some(href));
            }
            self.sync();
            // A new page starts at its top, or at the place its fragment names.
            let place = href.split_once('#').map(|(_, id)| id).filter(|id| !id.is_empty());
            match place.and_then(|id| document().get_element_by_id(id)) {
                Some(element) => element.scroll_into_view(),
                None => window().scroll_to_with_x_and_y(0.0, 0.0),
            }
        }

        /// Follows a click on a link to a page of the bundle within the page, as a browser
        /// would load it: not a click with a modifier key or another button, nor a link with a
        /// target, a download, `rel="external"`, another origin, or only a fragment of this page.
        fn follow(self, ev: &MouseEvent) {
            if ev.default_prevented()
                || ev.button() != 0
                || ev.meta_key()
                || ev.alt_key()
                || ev.ctrl_key()
                || ev.shift_key()
            {
                return;
            }
            let Some(a) = anchor_of(ev) else { return };
            let external =
                a.get_attribute("rel").is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "external"));
            if !a.has_attribute("href") || !a.target().is_empty() || a.has_attribute("download") || external {
                return;
            }
            if window().location().origin().ok() != Some(a.origin()) {
                return;
            }
            let (path, search, hash) = (a.pathname(), a.search(), a.hash());
            if GuidesPage::of(&path) == GuidesPage::Elsewhere {
                return;
            }
            let here = window().location();
            let same_page = here.pathname().ok() == Some(path.clone()) && here.search().ok() == Some(search.clone());
            if same_page && !hash.is_empty() {
                return;
            }
            ev.prevent_default();
            self.go(&format!("{path}{search}{hash}"));
        }
    }

    /// The link a click landed in, if any.
    fn anchor_of(ev: &MouseEvent) -> Option<HtmlAnchorElement> {
        let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
        target.closest("a").ok()??.dyn_into::<HtmlAnchorElement>().ok()
    }

    /// Keeps the address for the pages below: follows clicks on the bundle's links and the back
    /// and forward buttons.
    pub fn provide() {
        let address = Address { path: RwSignal::new(String::new()), search: RwSignal::new(String::new()) };
        address.sync();
        provide_context(address);
        window_event_listener(ev::popstate, move |_| address.sync());
        window_event_listener(ev::click, move |ev| address.follow(&ev));
    }

    fn address() -> Address {
        expect_context::<Address>()
    }

    /// The address's path.
    pub fn path() -> Signal<String> {
        address().path.into()
    }

    /// The address's query, without its `?`.
    pub fn search() -> Signal<String> {
        address().search.into()
    }

    /// The item code of a guide's address (`/items/:code`), decoded.
    pub fn item_code() -> Signal<String> {
        let path = address().path;
        Signal::derive(move || {
            path.with(|p| {
                let code = p.strip_prefix("/items/").unwrap_or_default();
                js_sys::decode_uri_component(code).map(String::from).unwrap_or_else(|_| code.to_owned())
            })
        })
    }

    /// Moves to an address of the site (path, query and fragment).
    pub fn use_navigate() -> impl Fn(&str) + Clone + 'static {
        let address = address();
        move |href: &str| address.go(href)
    }
}

/// Run under Node by `.ci/run` (`cargo test -p app --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn the_guides_pages_are_the_paths_boot_js_gives_the_guides_bundle() {
        assert_eq!(GuidesPage::of("/"), GuidesPage::Home);
        assert_eq!(GuidesPage::of("/items"), GuidesPage::Catalogue);
        assert_eq!(GuidesPage::of("/items/DG-GR-0001"), GuidesPage::Guide);
        assert_eq!(GuidesPage::of("/items/%E5%B1%85"), GuidesPage::Guide);
        for elsewhere in ["", "/items/", "/items/a/b", "/itemsx", "/apply", "/account", "/console", "//items"] {
            assert_eq!(GuidesPage::of(elsewhere), GuidesPage::Elsewhere, "{elsewhere:?}");
        }
    }

    #[wasm_bindgen_test]
    fn a_navigation_link_is_current_on_its_page_and_unless_exact_below_it() {
        assert!(is_current("/", true, "/"));
        assert!(!is_current("/", true, "/items"));
        assert!(is_current("/items", false, "/items"));
        assert!(is_current("/items", false, "/items/DG-GR-0001"));
        assert!(!is_current("/items", false, "/itemsx"));
        assert!(!is_current("/items", true, "/items/DG-GR-0001"));
        assert!(!is_current("/applications", false, "/items"));
    }
}
