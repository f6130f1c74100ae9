//! 身份验证器 — binding a staff member's authenticator (with an enrolment token, or a current
//! code to replace one), and the list of changes to how they sign in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldError;
use shared::account::{SecurityEvent, TotpEnrolRequest, TotpEnrolment};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::form::{TextField, error_of};
use crate::components::status::ProblemView;
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};

/// Asks for what proves the right to bind an authenticator — the enrolment token, or with
/// `replace` a current code — then shows the new secret and confirms it with a code from it.
#[component]
pub fn BindAuthenticator(
    /// Whether an authenticator is bound already (this replaces it).
    replace: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let proof = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let report = move |e: ApiError| match e {
        ApiError::Problem(p) if !p.errors.is_empty() => errors.set(p.errors.clone()),
        e => failure.set(Some(e)),
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = Some(proof.get_untracked());
        let req = if replace {
            TotpEnrolRequest { current_code: value, enrolment_token: None }
        } else {
            TotpEnrolRequest { current_code: None, enrolment_token: value }
        };
        errors.set(Vec::new());
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::enrol_totp(req).await {
                Ok(e) => enrolment.set(Some(e)),
                Err(e) => report(e),
            }
            busy.set(false);
        });
    };
    let verify = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = code.get_untracked();
        errors.set(Vec::new());
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::verify_totp(value).await {
                Ok(identity) => {
                    enrolment.set(None);
                    auth.identity.set(Some(identity));
                }
                Err(e) => report(e),
            }
            busy.set(false);
        });
    };
    let (proof_id, proof_label, proof_field) = if replace {
        ("current_code", Key::CurrentTotpCode, "current_code")
    } else {
        ("enrolment_token", Key::EnrolmentToken, "enrolment_token")
    };
    view! {
        <div class="stack">
            {move || match enrolment.get() {
                None => view! {
                    <form class="stack" on:submit=start novalidate>
                        <TextField id=proof_id label=proof_label value=proof
                            hint=if replace { Key::CurrentTotpHint } else { Key::EnrolmentTokenHint }
                            autocomplete=if replace { "one-time-code" } else { "off" }
                            error=Signal::derive(move || error_of(&errors.get(), proof_field)) />
                        <button type="submit" class="button button--primary" disabled=move || busy.get()>
                            {move || i18n.t(if replace { Key::ReplaceAuthenticator } else { Key::EnrolButton })}
                        </button>
                    </form>
                }.into_any(),
                Some(e) => view! {
                    <p>{move || i18n.t(Key::EnrolSecret)}</p>
                    <p><code class="secret">{e.secret.clone()}</code></p>
                    <p><a href=e.otpauth_url.clone()>{move || i18n.t(Key::OpenInAuthenticator)}</a></p>
                    <form class="stack" on:submit=verify novalidate>
                        <TextField id="code" label=Key::TotpCode value=code inputmode="numeric" autocomplete="one-time-code"
                            error=Signal::derive(move || error_of(&errors.get(), "code")) />
                        <button type="submit" class="button button--primary" disabled=move || busy.get()>
                            {move || i18n.t(Key::VerifyButton)}
                        </button>
                    </form>
                }.into_any(),
            }}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </div>
    }
}

/// 安全事件 — the changes to how the signed-in person signs in, newest first.
#[component]
pub fn SecurityEvents() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    // Read again whenever the identity changes (a binding just finished).
    let events = Fetched::new(move || {
        auth.identity.track();
        api::security_events()
    });
    let row = move |e: SecurityEvent| {
        let what = e.kind.describe();
        view! { <li><span>{move || i18n.pick(&what)}</span>" · "<time datetime=e.at.clone()>{shown_at(&e.at)}</time></li> }
    };
    view! {
        <h3>{move || i18n.t(Key::SecurityEventsTitle)}</h3>
        {move || events.get().map(|r| match r {
            Ok(list) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::NoSecurityEvents)}</p> }.into_any(),
            Ok(list) => view! { <ul class="plain-list security-events">{list.into_iter().map(row).collect_view()}</ul> }.into_any(),
            Err(e) => view! { <ProblemView error=e /> }.into_any(),
        })}
    }
}

/// An RFC 3339 time from the server in Beijing time; as sent if it does not parse.
fn shown_at(at: &str) -> String {
    at.parse::<chrono::DateTime<chrono::Utc>>().map(crate::pages::receipt::beijing).unwrap_or_else(|_| at.to_owned())
}
