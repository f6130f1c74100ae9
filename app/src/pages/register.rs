//! 注册 — a citizen registers with their resident identity number, checked as they type.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::FieldError;
use shared::account::{LoginRequest, RegisterRequest};

use crate::api;
use crate::auth::{today, use_auth};
use crate::components::form::{AuthCard, SubmitState, TextField, error_of};
use crate::i18n::{Key, use_i18n};

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let next = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("next"));
    let login_href = crate::auth::with_return("/login", &crate::auth::return_target(next.clone()));
    let target = crate::auth::return_target(next);
    let id_number = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let claim_code = RwSignal::new(String::new());
    let state = SubmitState::new();
    let attempted = state.attempted;

    let request = move || RegisterRequest {
        id_number: id_number.get(),
        name: name.get(),
        mobile: mobile.get(),
        password: password.get(),
        claim_code: Some(claim_code.get()).filter(|c| !c.trim().is_empty()),
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
        shown.extend(state.server_errors.get());
        shown
    });
    let field_error = move |field: &'static str| Signal::derive(move || error_of(&errors.get(), field));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !state.begin(local_errors.get_untracked().is_empty()) {
            return;
        }
        let req = request();
        let navigate = navigate.clone();
        let target = target.clone();
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
                    navigate(&target, Default::default());
                }
                Err(e) => state.fail(&e),
            }
        });
    };

    let pending = state.pending;
    view! {
        <AuthCard title=Key::RegisterTitle lead=Key::RegisterLead state=state errors=errors>
                <form class="stack" on:submit=on_submit novalidate>
                    <TextField id="id_number" label=Key::IdNumber value=id_number error=field_error("id_number")
                        hint=Key::IdNumberHint autocomplete="username" />
                    <TextField id="name" label=Key::Name value=name error=field_error("name") autocomplete="name" />
                    <TextField id="mobile" label=Key::Mobile value=mobile error=field_error("mobile")
                        input_type="tel" inputmode="tel" autocomplete="tel" />
                    <TextField id="password" label=Key::Password value=password error=field_error("password")
                        input_type="password" autocomplete="new-password" hint=Key::PasswordHint />
                    <label class="field__label" for="claim_code">{move || i18n.tr("窗口认领码（在窗口办过事的，可填写窗口给您的认领码）", "Claim code (if you were served at a window without an account)")}</label>
                    <input id="claim_code" class="input" type="text" autocomplete="off"
                        on:input=move |ev| claim_code.set(event_target_value(&ev)) prop:value=move || claim_code.get() />
                    <button class="button button--primary button--block" type="submit" disabled=move || pending.get()>
                        {move || i18n.t(if pending.get() { Key::Registering } else { Key::RegisterButton })}
                    </button>
                </form>
                <p class="center">
                    {move || i18n.t(Key::HaveAccount)}" "
                    <a href=login_href>{move || i18n.t(Key::NavLogin)}</a>
                </p>
        </AuthCard>
    }
}
