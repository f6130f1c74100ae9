//! 页面不存在

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// Any path no route matches.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::NotFoundTitle)}</h1>
            <p>{move || i18n.t(Key::NotFoundLead)}</p>
            <p><a class="button button--primary" href="/">{move || i18n.t(Key::GoHome)}</a></p>
        </div>
    }
}
