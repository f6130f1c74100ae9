//! 状态提示 — what a page shows while it waits, and when a call fails.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{Key, use_i18n};

/// A spinner with a label, announced to screen readers.
#[component]
pub fn Loading(
    /// What is being loaded.
    #[prop(default = Key::Loading)]
    label: Key,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{move || i18n.t(label)}</span>
        </div>
    }
}

/// Says why a call failed, in the current language, with a retry button where retrying helps.
#[component]
pub fn ProblemView(
    /// The failure.
    error: ApiError,
    /// Called by the retry button.
    #[prop(optional, into)]
    retry: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let retryable = matches!(error, ApiError::Network | ApiError::Unexpected)
        || matches!(&error, ApiError::Problem(p) if p.status >= 500);
    let message = move || match &error {
        ApiError::Network => i18n.t(Key::NetworkError).to_owned(),
        ApiError::Unexpected => i18n.t(Key::UnexpectedAnswer).to_owned(),
        ApiError::Problem(p) => {
            let mut text = i18n.pick(&p.message);
            for e in &p.errors {
                text.push(' ');
                text.push_str(&i18n.pick(&e.message));
            }
            text
        }
    };
    view! {
        <div class="notice notice--error" role="alert">
            <p>{message}</p>
            {retry.filter(|_| retryable).map(|retry| view! {
                <button type="button" class="button button--secondary" on:click=move |_| retry.run(())>
                    {move || i18n.t(Key::Retry)}
                </button>
            })}
        </div>
    }
}
