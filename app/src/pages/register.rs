//! 注册 — a citizen registers with their resident identity number, checked as they type, the
//! one-time code sent to their mobile, and their separate consent to processing the number.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::account::{LoginRequest, Mobile, MobileCodeRequest, RegisterRequest};
use shared::consent::IDENTITY_NUMBER;
use shared::{Bilingual, FieldError};

use crate::api;
use crate::auth::{today, use_auth};
use crate::components::form::{AuthCard, SubmitState, TextField, error_of, problem_parts};
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
    let mobile_code = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let state = SubmitState::new();
    let attempted = state.attempted;

    let request = move || RegisterRequest {
        id_number: id_number.get(),
        name: name.get(),
        mobile: mobile.get(),
        password: password.get(),
        claim_code: Some(claim_code.get()).filter(|c| !c.trim().is_empty()),
        mobile_code: mobile_code.get(),
        consent_version: if consent.get() { IDENTITY_NUMBER.version.to_owned() } else { String::new() },
    };
    // Every rule the server applies, run here as the user types; a field's error shows once
    // something is typed in it, or after a submit.
    let local_errors = Memo::new(move |_| request().check(today()).err().unwrap_or_default());
    let errors = Signal::derive(move || {
        let typed = |field: &str| match field {
            "id_number" => !id_number.get().is_empty(),
            "name" => !name.get().is_empty(),
            "mobile" => !mobile.get().is_empty(),
            "mobile_code" => !mobile_code.get().is_empty(),
            "consent_version" => false,
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
                    <div class="code-row">
                        <TextField id="mobile_code" label=Key::MobileCode value=mobile_code error=field_error("mobile_code")
                            inputmode="numeric" autocomplete="one-time-code" hint=Key::MobileCodeHint />
                        <SendCodeButton mobile=mobile />
                    </div>
                    <TextField id="password" label=Key::Password value=password error=field_error("password")
                        input_type="password" autocomplete="new-password" hint=Key::PasswordHint />
                    <label class="field__label" for="claim_code">{move || i18n.tr("窗口认领码（在窗口办过事的，可填写窗口给您的认领码）", "Claim code (if you were served at a window without an account)")}</label>
                    <input id="claim_code" class="input" type="text" autocomplete="off"
                        on:input=move |ev| claim_code.set(event_target_value(&ev)) prop:value=move || claim_code.get() />
                    <ConsentBox agreed=consent error=field_error("consent_version") />
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

/// 获取验证码 — asks the server to text a one-time code to the number typed above, then counts
/// down until another may be asked for; what happened is said beside it.
#[component]
fn SendCodeButton(mobile: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let sending = RwSignal::new(false);
    let wait = RwSignal::new(0u32);
    let said: RwSignal<Option<(bool, Bilingual)>> = RwSignal::new(None);
    // One tick a second while the page is open; it counts only while there is a wait.
    if let Ok(tick) = set_interval_with_handle(
        move || {
            if wait.get_untracked() > 0 {
                wait.update(|w| *w -= 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || tick.clear());
    }
    let send = move |_| {
        let number = match Mobile::parse(&mobile.get_untracked()) {
            Ok(m) => m,
            Err(e) => return said.set(Some((false, e.message))),
        };
        sending.set(true);
        said.set(None);
        spawn_local(async move {
            match crate::api::send_mobile_code(&MobileCodeRequest { mobile: number.as_str().to_owned() }).await {
                Ok(sent) => {
                    let minutes = sent.expires_in_secs / 60;
                    said.set(Some((
                        true,
                        Bilingual::new(
                            format!("验证码已发送至{}，{minutes}分钟内有效", number.masked()),
                            format!("A code was sent to {}; it holds for {minutes} minutes", number.masked()),
                        ),
                    )));
                    wait.set(sent.resend_after_secs);
                }
                Err(e) => {
                    let (message, fields) = problem_parts(&e);
                    let message = message.or_else(|| fields.into_iter().next().map(|f| f.message));
                    said.set(message.map(|m| (false, m)));
                }
            }
            sending.set(false);
        });
    };
    let label = move || match (sending.get(), wait.get()) {
        (true, _) => i18n.tr("发送中…", "Sending…").to_owned(),
        (false, 0) => i18n.tr("获取验证码", "Send code").to_owned(),
        (false, n) => i18n.pick(&Bilingual::new(format!("{n}秒后重新获取"), format!("Again in {n} s"))),
    };
    let busy = move || sending.get() || wait.get() > 0;
    view! {
        <div class="code-row__send">
            <button type="button" class="button" on:click=send disabled=busy>
                {label}
            </button>
            <p class="code-row__said" role="status" class:field__error=move || matches!(said.get(), Some((false, _)))>
                {move || said.get().map(|(_, m)| i18n.pick(&m))}
            </p>
        </div>
    }
}

/// 身份证号码处理授权 — the consent, shown in full where it is given, apart from everything else.
#[component]
fn ConsentBox(agreed: RwSignal<bool>, #[prop(into)] error: Signal<Option<Bilingual>>) -> impl IntoView {
    let i18n = use_i18n();
    let title = IDENTITY_NUMBER.title();
    let title_text = title.clone();
    view! {
        <div class="consent field" class:field--invalid=move || error.get().is_some()>
            <section class="consent__text" tabindex="0" aria-labelledby="consent-title">
                <h2 id="consent-title">{move || i18n.pick(&title_text)}</h2>
                {IDENTITY_NUMBER.sections.iter().map(|s| {
                    let (heading, body) = (s.heading(), s.body());
                    view! {
                        <h3>{move || i18n.pick(&heading)}</h3>
                        <p>{move || i18n.pick(&body)}</p>
                    }
                }).collect_view()}
                <p class="muted">{move || i18n.tr("版本", "Version")}" "{IDENTITY_NUMBER.version}</p>
            </section>
            <label class="choice" for="consent_version">
                <input type="checkbox" id="consent_version" prop:checked=move || agreed.get()
                    aria-invalid=move || error.get().is_some().then_some("true")
                    on:change=move |ev| agreed.set(event_target_checked(&ev)) />
                <span>{move || i18n.pick(&Bilingual::new(
                    format!("我已阅读并同意《{}》", title.zh), format!("I have read and agree to “{}”", title.en)))}</span>
            </label>
            {move || error.get().map(|e| view! { <p class="field__error">{i18n.pick(&e)}</p> })}
        </div>
    }
}
