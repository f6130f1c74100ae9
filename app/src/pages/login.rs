//! 登录 — one sign-in for citizens, agents and staff, in a large layout that suits a kiosk.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::account::LoginRequest;
use shared::{Bilingual, FieldError, ProblemCode, ResidentId};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::form::{ErrorSummary, TextField, error_of, focus_later};
use crate::i18n::{Key, use_i18n};

/// The message and field errors to show for a failed call.
pub fn problem_parts(error: &ApiError) -> (Option<Bilingual>, Vec<FieldError>) {
    match error {
        ApiError::Problem(p) if !p.errors.is_empty() => (None, p.errors.clone()),
        ApiError::Problem(p) => (Some(p.message.clone()), Vec::new()),
        ApiError::Network => (
            Some(Bilingual::new(
                "无法连接服务器，请检查网络后重试。",
                "Cannot reach the server. Check your connection and try again.",
            )),
            Vec::new(),
        ),
        ApiError::Unexpected => (
            Some(Bilingual::new(
                "服务器的答复无法识别，请稍后再试。",
                "The server's answer could not be read. Please try again later.",
            )),
            Vec::new(),
        ),
    }
}

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let id_number = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let totp = RwSignal::new(String::new());
    let need_totp = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let message = RwSignal::new(None::<Bilingual>);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let attempted = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();

    // The same parser the server runs, as the number is typed: complete numbers are checked at
    // once, shorter ones after a submit.
    let local_errors = Memo::new(move |_| {
        let id = id_number.get();
        let typed = id.trim().chars().count();
        let mut errors = Vec::new();
        if (typed >= 18 || attempted.get())
            && let Err(e) = ResidentId::parse(&id)
        {
            errors.push(FieldError::resident_id("id_number", &e));
        }
        if attempted.get() && password.get().is_empty() {
            errors.push(FieldError {
                field: "password".to_owned(),
                code: "required".to_owned(),
                message: Bilingual::new("请输入密码", "Enter your password"),
            });
        }
        errors
    });
    let errors = Signal::derive(move || {
        let mut all = local_errors.get();
        all.extend(server_errors.get());
        all
    });
    let field_error = move |field: &'static str| Signal::derive(move || error_of(&errors.get(), field));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        attempted.set(true);
        message.set(None);
        server_errors.set(Vec::new());
        if !local_errors.get_untracked().is_empty() {
            focus_later(summary);
            return;
        }
        let req = LoginRequest {
            id_number: id_number.get_untracked(),
            password: password.get_untracked(),
            totp: Some(totp.get_untracked()).filter(|t| !t.trim().is_empty()),
        };
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::login(&req).await {
                Ok(identity) => {
                    auth.identity.set(Some(identity));
                    navigate("/account", Default::default());
                }
                Err(e) => {
                    if e.code() == Some(ProblemCode::TotpRequired) {
                        need_totp.set(true);
                    }
                    let (m, fields) = problem_parts(&e);
                    message.set(m);
                    server_errors.set(fields);
                    focus_later(summary);
                }
            }
            pending.set(false);
        });
    };

    view! {
        <div class="container page page--kiosk">
            <div class="card auth-card">
                <h1>{move || i18n.t(Key::LoginTitle)}</h1>
                <p class="muted">{move || i18n.t(Key::LoginLead)}</p>
                <ErrorSummary message=message errors=Signal::derive(move || if attempted.get() { errors.get() } else { Vec::new() }) node_ref=summary />
                <form class="stack" on:submit=on_submit novalidate>
                    <TextField id="id_number" label=Key::IdNumber value=id_number error=field_error("id_number")
                        hint=Key::IdNumberHint autocomplete="username" />
                    <TextField id="password" label=Key::Password value=password error=field_error("password")
                        input_type="password" autocomplete="current-password" />
                    <Show when=move || need_totp.get()>
                        <TextField id="totp" label=Key::TotpCode value=totp error=field_error("totp")
                            hint=Key::TotpHint inputmode="numeric" autocomplete="one-time-code" />
                    </Show>
                    <button class="button button--primary button--block" type="submit" disabled=move || pending.get()>
                        {move || i18n.t(if pending.get() { Key::SigningIn } else { Key::LoginButton })}
                    </button>
                </form>
                <p class="center">
                    {move || i18n.t(Key::NoAccount)}" "
                    <a href="/register">{move || i18n.t(Key::RegisterLink)}</a>
                </p>
            </div>
        </div>
    }
}
