//! 登录 — one sign-in for citizens, agents and staff, in a large layout that suits a kiosk.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::account::LoginRequest;
use shared::{Bilingual, FieldError, ProblemCode, ResidentId};

use crate::api;
use crate::auth::use_auth;
use crate::components::form::{AuthCard, SubmitState, TextField, error_of};
use crate::i18n::{Key, use_i18n};

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let next = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("next"));
    // Withdrawing the identity-number consent closes the account and comes here.
    let closed = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("closed").is_some());
    let register_href = crate::auth::with_return("/register", &crate::auth::return_target(next.clone()));
    let target = crate::auth::return_target(next);
    let id_number = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let totp = RwSignal::new(String::new());
    let need_totp = RwSignal::new(false);
    let state = SubmitState::new();
    let attempted = state.attempted;

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
            errors.push(FieldError::with_message(
                "password",
                shared::FieldCode::Required,
                Bilingual::new("请输入密码", "Enter your password"),
            ));
        }
        errors
    });
    let errors = Signal::derive(move || {
        let mut all = local_errors.get();
        all.extend(state.server_errors.get());
        all
    });
    let field_error = move |field: &'static str| Signal::derive(move || error_of(&errors.get(), field));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !state.begin(local_errors.get_untracked().is_empty()) {
            return;
        }
        let req = LoginRequest {
            id_number: id_number.get_untracked(),
            password: password.get_untracked(),
            totp: Some(totp.get_untracked()).filter(|t| !t.trim().is_empty()),
        };
        let navigate = navigate.clone();
        let target = target.clone();
        spawn_local(async move {
            match api::login(&req).await {
                Ok(identity) => {
                    auth.identity.set(Some(identity));
                    navigate(&target, Default::default());
                }
                Err(e) => {
                    if e.code() == Some(ProblemCode::TotpRequired) {
                        need_totp.set(true);
                    }
                    state.fail(&e);
                }
            }
        });
    };

    let pending = state.pending;
    view! {
        <AuthCard title=Key::LoginTitle lead=Key::LoginLead state=state errors=errors>
                {closed.then(|| view! {
                    <div class="notice notice--good" role="status">
                        <p>{move || i18n.tr(
                            "授权已撤回，账户已注销，所有登录已退出。已提交的办件仍按规定办结，可凭办件编号查询进度。",
                            "Consent withdrawn: the account is closed and every sign-in ended. Applications already filed are still decided; look them up by case number.",
                        )}</p>
                    </div>
                })}
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
                    <a href=register_href>{move || i18n.t(Key::RegisterLink)}</a>
                </p>
        </AuthCard>
    }
}
