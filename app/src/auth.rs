//! 登录状态 — who is signed in, shared by every page; read from `/auth/me` when the app starts.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

/// Who is signed in, as this bundle knows it: the full [`shared::account::Identity`] in the full
/// app and the console; in the guides bundle only what the header shows, so that a phone's first
/// download carries no decoder for the rest.
#[cfg(not(feature = "guides"))]
pub type Me = shared::account::Identity;
/// Who is signed in, as the guides bundle's header shows it.
#[cfg(feature = "guides")]
pub type Me = shared::account::IdentitySummary;

/// The signed-in identity, if any, and whether the app has asked the server yet.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The identity, `None` when signed out.
    pub identity: RwSignal<Option<Me>>,
    /// `true` once `/auth/me` has answered.
    pub checked: RwSignal<bool>,
}

impl Auth {
    /// Asks the server who is signed in and provides the answer to every component.
    pub fn provide() -> Self {
        let auth = Self { identity: RwSignal::new(None), checked: RwSignal::new(false) };
        spawn_local(async move {
            if let Ok(identity) = api::me().await {
                auth.identity.set(identity);
            }
            auth.checked.set(true);
        });
        provide_context(auth);
        auth
    }
}

/// The sign-in context.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Today's date on this device, for checks such as "birth date not in the future".
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date()).unwrap_or(NaiveDate::MIN)
}

/// 登录后返回 — where a sign-in or registration started from this page returns to: the `next`
/// of the current address, if it is a path of this site ([`shared::text::safe_return_path`]),
/// else the account page.
pub fn return_target(next: Option<String>) -> String {
    next.as_deref().and_then(shared::text::safe_return_path).unwrap_or("/account").to_owned()
}

/// `/login` or `/register` with `next` set to the page the person is on, to come back to.
pub fn with_return(page: &str, here: &str) -> String {
    match shared::text::safe_return_path(here) {
        Some(path) if path != "/" && !path.starts_with("/login") && !path.starts_with("/register") => {
            format!("{page}?next={}", String::from(js_sys::encode_uri_component(path)))
        }
        _ => page.to_owned(),
    }
}

/// The address of the page the person is on, path and query, as the browser shows it: where a
/// sign-in, a registration or a choice of whom to act for comes back to.
pub fn current_address() -> String {
    let location = window().location();
    format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default())
}
