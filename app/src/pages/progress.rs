//! 进度查询 — anyone with a case number and the applicant's identity number can follow the case,
//! without signing in. The QR code on the PDF receipt opens this page with the case number
//! filled in; the identity number is typed here and sent in the body, never in the address.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::FieldError;
use shared::application::{ApplicantIdentifier, CaseProgress, ProgressLookup};

use crate::api;
use crate::auth::today;
use crate::components::deadline::DeadlinePanel;
use crate::components::form::{ErrorSummary, SubmitState, TextField, error_of};
use crate::i18n::{Key, use_i18n};
use crate::pages::receipt::beijing;

/// `/progress?case=…`
#[component]
pub fn ProgressPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let case_no = RwSignal::new(query.with_untracked(|q| q.get("case").unwrap_or_default()));
    let id_number = RwSignal::new(String::new());
    let state = SubmitState::new();
    let result = RwSignal::new(None::<CaseProgress>);
    let local_errors = Memo::new(move |_| {
        let mut errors = Vec::new();
        if case_no.with(|c| c.trim().is_empty()) {
            errors.push(FieldError::with_message(
                "case_no",
                shared::FieldCode::Required,
                shared::Bilingual::new("请填写办件编号", "Enter the case number"),
            ));
        }
        if let Err(e) = ApplicantIdentifier::parse_as_of(&id_number.get(), today()) {
            errors.push(e);
        }
        errors
    });
    let shown = Signal::derive(move || {
        let mut all = if state.attempted.get() { local_errors.get() } else { Vec::new() };
        all.extend(state.server_errors.get());
        all
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        result.set(None);
        if !state.begin(local_errors.with_untracked(Vec::is_empty)) {
            return;
        }
        let req = ProgressLookup { case_no: case_no.get_untracked(), id_number: id_number.get_untracked() };
        spawn_local(async move {
            match api::progress(&req).await {
                Ok(progress) => {
                    state.pending.set(false);
                    result.set(Some(progress));
                }
                Err(e) => state.fail(&e),
            }
        });
    };
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::ProgressTitle)}</h1>
            <p class="muted">{move || i18n.t(Key::ProgressLead)}</p>
            <form class="card stack" on:submit=submit novalidate>
                <ErrorSummary message=state.message errors=shown node_ref=state.summary />
                <TextField id="case_no" label=Key::CaseNo value=case_no error=Signal::derive(move || error_of(&shown.get(), "case_no")) />
                <TextField id="id_number" label=Key::IdOrCreditCode value=id_number autocomplete="off"
                    error=Signal::derive(move || error_of(&shown.get(), "id_number")) />
                <button type="submit" class="button button--primary" disabled=move || state.pending.get()>
                    {move || i18n.t(if state.pending.get() { Key::Working } else { Key::LookupButton })}
                </button>
            </form>
            {move || result.get().map(|p| view! {
                {p.deadline.clone().map(|d| view! { <DeadlinePanel deadline=d /> })}
                <Progress progress=p />
            })}
        </div>
    }
}

#[component]
fn Progress(progress: CaseProgress) -> impl IntoView {
    let i18n = use_i18n();
    let (name, dept, status, next) =
        (progress.item_name.clone(), progress.department.clone(), progress.status.name(), progress.next_step.clone());
    view! {
        <section class="card guide-section" aria-labelledby="progress-result" aria-live="polite">
            <h2 id="progress-result">{move || i18n.pick(&name)}</h2>
            <dl class="facts">
                <dt>{move || i18n.t(Key::CaseNo)}</dt><dd class="case-no">{progress.case_no.clone()}</dd>
                <dt>{move || i18n.t(Key::Department)}</dt><dd>{move || i18n.pick(&dept)}</dd>
                <dt>{move || i18n.t(Key::PromisedLimit)}</dt><dd>{move || if progress.promised_working_days == 0 { i18n.t(Key::SameDay).to_owned() } else { i18n.fmt(Key::WorkingDays, progress.promised_working_days) }}</dd>
                <dt>{move || i18n.t(Key::NextStep)}</dt><dd><span class="badge">{move || i18n.pick(&status)}</span>" "{move || i18n.pick(&next)}</dd>
            </dl>
            <h3>{move || i18n.t(Key::Timeline)}</h3>
            <ol class="timeline">
                {progress.timeline.into_iter().map(|step| {
                    let (label, note) = (step.status.name(), step.note.clone());
                    view! {
                        <li><span class="timeline__at">{beijing(step.at)}</span>" "<strong>{move || i18n.pick(&label)}</strong>" — "{move || i18n.pick(&note)}</li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
