//! 表单 — labelled inputs with their error linked for screen readers, and the error summary
//! that takes focus after a failed submit.

use leptos::html;
use leptos::prelude::*;
use shared::{Bilingual, FieldError};

use crate::api::ApiError;
use crate::i18n::{Key, use_i18n};

/// The message of `field` among `errors`, if any.
pub fn error_of(errors: &[FieldError], field: &str) -> Option<Bilingual> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// A labelled input with its hint and error.
#[component]
pub fn TextField(
    /// The input's id and name.
    id: &'static str,
    /// The label.
    label: Key,
    /// The value, two-way.
    value: RwSignal<String>,
    /// The error to show, if any.
    #[prop(into)]
    error: Signal<Option<Bilingual>>,
    /// `text`, `password`, `tel`, …
    #[prop(default = "text")]
    input_type: &'static str,
    /// The `autocomplete` token.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// The `inputmode` for phone keyboards.
    #[prop(default = "text")]
    inputmode: &'static str,
    /// A hint under the label.
    #[prop(optional)]
    hint: Option<Key>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    // A password can be shown, to check it on a phone's small keys.
    let revealed = RwSignal::new(false);
    let kind = move || if input_type == "password" && revealed.get() { "text" } else { input_type };
    let reveal = (input_type == "password").then(|| {
        view! {
            <button type="button" class="link-button field__reveal" aria-controls=id
                aria-pressed=move || revealed.get().to_string() on:click=move |_| revealed.update(|r| *r = !*r)>
                {move || if revealed.get() { i18n.tr("隐藏密码", "Hide password") } else { i18n.tr("显示密码", "Show password") }}
            </button>
        }
    });
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id>{move || i18n.t(label)}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{move || i18n.t(h)}</p> })}
            <input
                id=id
                name=id
                class="input"
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                bind:value=value
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
            />
            {reveal}
            {move || error.get().map(|e| view! { <p class="field__error" id=error_id.clone()>{i18n.pick(&e)}</p> })}
        </div>
    }
}

/// The list of what to correct, shown after a failed submit; it takes focus so a screen
/// reader reads it at once.
#[component]
pub fn ErrorSummary(
    /// The problem's general message, if the server sent one.
    #[prop(into)]
    message: Signal<Option<Bilingual>>,
    /// The field errors.
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    /// Where focus goes.
    node_ref: NodeRef<html::Div>,
) -> impl IntoView {
    let i18n = use_i18n();
    let visible = move || message.get().is_some() || !errors.get().is_empty();
    view! {
        <div class="notice notice--error" role="alert" tabindex="-1" node_ref=node_ref hidden=move || !visible()>
            {move || message.get().map(|m| view! { <p>{i18n.pick(&m)}</p> })}
            {move || (!errors.get().is_empty()).then(|| view! {
                <p>{i18n.t(Key::ErrorSummary)}</p>
                <ul class="bullets">
                    {errors.get().into_iter().map(|e| {
                        let href = format!("#{}", e.field);
                        view! { <li><a href=href>{i18n.pick(&e.message)}</a></li> }
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// Moves focus to `node` once it has been drawn.
pub fn focus_later(node: NodeRef<html::Div>) {
    request_animation_frame(move || {
        if let Some(el) = node.get_untracked() {
            let _ = el.focus();
        }
    });
}

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

/// Where a form's submit stands: tried yet, waiting for the server, and what the server refused.
#[derive(Clone, Copy)]
pub struct SubmitState {
    /// Set by the first submit; from then on every local error shows.
    pub attempted: RwSignal<bool>,
    /// A request is on its way.
    pub pending: RwSignal<bool>,
    /// The server's general message.
    pub message: RwSignal<Option<Bilingual>>,
    /// The server's field errors.
    pub server_errors: RwSignal<Vec<FieldError>>,
    /// The error summary, which takes focus after a failure.
    pub summary: NodeRef<html::Div>,
}

impl SubmitState {
    /// A form not yet submitted.
    pub fn new() -> Self {
        Self {
            attempted: RwSignal::new(false),
            pending: RwSignal::new(false),
            message: RwSignal::new(None),
            server_errors: RwSignal::new(Vec::new()),
            summary: NodeRef::new(),
        }
    }

    /// Starts a submit: clears the last answer; `false` (with focus on the summary) if the
    /// form's own checks already refuse it.
    pub fn begin(&self, locally_valid: bool) -> bool {
        self.attempted.set(true);
        self.message.set(None);
        self.server_errors.set(Vec::new());
        if !locally_valid {
            focus_later(self.summary);
            return false;
        }
        self.pending.set(true);
        true
    }

    /// Shows why the server refused, and moves focus to it.
    pub fn fail(&self, error: &ApiError) {
        let (message, fields) = problem_parts(error);
        self.message.set(message);
        self.server_errors.set(fields);
        self.pending.set(false);
        focus_later(self.summary);
    }
}

/// The large sign-in and registration card, with its error summary; suits a phone and a kiosk.
#[component]
pub fn AuthCard(
    /// The heading.
    title: Key,
    /// The line under it.
    lead: Key,
    /// The form's state.
    state: SubmitState,
    /// Every error the form shows.
    #[prop(into)]
    errors: Signal<Vec<FieldError>>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = Signal::derive(move || if state.attempted.get() { errors.get() } else { Vec::new() });
    view! {
        <div class="container page page--kiosk">
            <div class="card auth-card">
                <h1>{move || i18n.t(title)}</h1>
                <p class="muted">{move || i18n.t(lead)}</p>
                <ErrorSummary message=state.message errors=shown node_ref=state.summary />
                {children()}
            </div>
        </div>
    }
}
