//! 注册 — a citizen registers with their resident identity number, checked as they type.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::account::{LoginRequest, RegisterRequest};
use shared::{Bilingual, FieldError};

use crate::api;
use crate::auth::{today, use_auth};
use crate::components::form::{ErrorSummary, TextField, error_of, focus_later};
use crate::i18n::{Key, use_i18n};
use crate::pages::login::problem_parts;

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let id_number = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let message = RwSignal::new(None::<Bilingual>);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let summary = NodeRef::<html::Div>::new();

    let request = move || RegisterRequest {
        id_number: id_number.get(),
        name: name.get(),
        mobile: mobile.get(),
        password: password.get(),
    };
    // Every rule the server applies, run here as the user types; a field's error shows once
    // something is typed in it, or after a submit.
    let local_errors = Memo::new(move |_| request().check(today()).err().unwrap_or_default());
    let errors = Signal::derive(move || {
        let typed = |field: &str| match field {
            "id_number" => !id_number.get().is_empty(),
            "name" => !name.get().is_empty(),
            "mobile" => !mobile.get().is_empty(),
            _ => !password.get().is_empty(),
        };
        let mut shown: Vec<FieldError> =
            local_errors.get().into_iter().filter(|e| attempted.get() || typed(&e.field)).collect();
        shown.extend(server_errors.get());
        shown
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
        let req = request();
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match api::register(&req).await {
                Ok(_) => {
                    let login =
                        LoginRequest { id_number: req.id_number.clone(), password: req.password.clone(), totp: None };
                    api::login(&login).await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(identity) => {
                    auth.identity.set(Some(identity));
                    navigate("/account", Default::default());
                }
                Err(e) => {
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
                <h1>{move || i18n.t(Key::RegisterTitle)}</h1>
                <p class="muted">{move || i18n.t(Key::RegisterLead)}</p>
                <ErrorSummary message=message errors=Signal::derive(move || if attempted.get() { errors.get() } else { Vec::new() }) node_ref=summary />
                <form class="stack" on:submit=on_submit novalidate>
                    <TextField id="id_number" label=Key::IdNumber value=id_number error=field_error("id_number")
                        hint=Key::IdNumberHint autocomplete="username" />
                    <TextField id="name" label=Key::Name value=name error=field_error("name") autocomplete="name" />
                    <TextField id="mobile" label=Key::Mobile value=mobile error=field_error("mobile")
                        input_type="tel" inputmode="tel" autocomplete="tel" />
                    <TextField id="password" label=Key::Password value=password error=field_error("password")
                        input_type="password" autocomplete="new-password" hint=Key::PasswordHint />
                    <button class="button button--primary button--block" type="submit" disabled=move || pending.get()>
                        {move || i18n.t(if pending.get() { Key::Registering } else { Key::RegisterButton })}
                    </button>
                </form>
                <p class="center">
                    {move || i18n.t(Key::HaveAccount)}" "
                    <a href="/login">{move || i18n.t(Key::NavLogin)}</a>
                </p>
            </div>
        </div>
    }
}
