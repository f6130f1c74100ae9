//! 进度查询 — anyone with a case number and the applicant's identity number can follow the case,
//! without signing in. The QR code on the PDF receipt opens this page with the case number
//! filled in; the identity number is typed here and sent in the body, never in the address.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use shared::FieldError;
use shared::application::{ApplicantIdentifier, ApplicationProgressLookup, CaseProgress, ProgressLookup};
use shared::ids::{ApplicationNo, CaseNo};

use crate::api;
use crate::auth::today;
use crate::components::deadline::DeadlinePanel;
use crate::components::form::{ErrorSummary, SubmitState, TextField, error_of};
use crate::i18n::{Key, use_i18n};
use crate::pages::receipt::beijing;

/// Which number was typed: a case's, or the application's (on the receipt).
enum Number {
    Case(CaseNo),
    Application(ApplicationNo),
}

fn number_of(raw: &str) -> Option<Number> {
    CaseNo::parse(raw).map(Number::Case).ok().or_else(|| ApplicationNo::parse(raw).map(Number::Application).ok())
}

/// `/progress?case=…` (a case number or an application number)
#[component]
pub fn ProgressPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let case_no = RwSignal::new(query.with_untracked(|q| q.get("case").unwrap_or_default()));
    let id_number = RwSignal::new(String::new());
    let state = SubmitState::new();
    let result = RwSignal::new(None::<Vec<CaseProgress>>);
    let local_errors = Memo::new(move |_| {
        let mut errors = Vec::new();
        if case_no.with(|c| c.trim().is_empty()) {
            errors.push(FieldError::with_message(
                "case_no",
                shared::FieldCode::Required,
                shared::Bilingual::new("请填写申办编号或办件编号", "Enter the application number or a case number"),
            ));
        } else if case_no.with(|c| number_of(c).is_none()) {
            errors.push(FieldError::with_message(
                "case_no",
                shared::FieldCode::InvalidApplicationNo,
                shared::Bilingual::new(
                    "编号格式不对：申办编号如 YW20261207K3F9TPW44ANTPZ，办件编号在其后加 -01 等",
                    "Not a number of ours: an application number looks like YW20261207K3F9TPW44ANTPZ, a case number adds -01 and so on",
                ),
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
        let Some(number) = number_of(&case_no.get_untracked()) else { return };
        let id_number = id_number.get_untracked();
        spawn_local(async move {
            let answer = match number {
                Number::Case(no) => {
                    api::progress(&ProgressLookup { case_no: no.as_str().to_owned(), id_number }).await.map(|p| vec![p])
                }
                Number::Application(no) => {
                    let req = ApplicationProgressLookup { application_no: no.as_str().to_owned(), id_number };
                    api::application_progress(&req).await
                }
            };
            match answer {
                Ok(cases) => {
                    state.pending.set(false);
                    result.set(Some(cases));
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
                <TextField id="case_no" label=Key::CaseOrApplicationNo value=case_no autocomplete="off"
                    error=Signal::derive(move || error_of(&shown.get(), "case_no")) />
                <TextField id="id_number" label=Key::IdOrCreditCode value=id_number autocomplete="off"
                    error=Signal::derive(move || error_of(&shown.get(), "id_number")) />
                <button type="submit" class="button button--primary" disabled=move || state.pending.get()>
                    {move || i18n.t(if state.pending.get() { Key::Working } else { Key::LookupButton })}
                </button>
            </form>
            {move || result.get().map(|cases| cases.into_iter().map(|p| view! {
                {p.deadline.clone().map(|d| view! { <DeadlinePanel deadline=d /> })}
                <Progress progress=p />
            }).collect_view())}
        </div>
    }
}

#[component]
fn Progress(progress: CaseProgress) -> impl IntoView {
    let i18n = use_i18n();
    let (name, dept, status, next) =
        (progress.item_name.clone(), progress.department.clone(), progress.status.name(), progress.next_step.clone());
    // One section per case of an application: each heading's id is its case's.
    let heading = format!("progress-{}", progress.case_no);
    let labelled_by = heading.clone();
    view! {
        <section class="card guide-section progress-result" aria-labelledby=labelled_by aria-live="polite">
            <h2 id=heading>{move || i18n.pick(&name)}</h2>
            <dl class="facts">
                <dt>{move || i18n.t(Key::CaseNo)}</dt><dd class="case-no">{progress.case_no.clone()}</dd>
                <dt>{move || i18n.t(Key::Department)}</dt><dd>{move || i18n.pick(&dept)}</dd>
                <dt>{move || i18n.t(Key::PromisedLimit)}</dt><dd>{move || if progress.promised_working_days == 0 { i18n.t(Key::SameDay).to_owned() } else { i18n.fmt(Key::WorkingDays, progress.promised_working_days) }}</dd>
                <dt>{move || i18n.tr("当前状态", "Status")}</dt><dd><span class="badge">{move || i18n.pick(&status)}</span></dd>
                <dt>{move || i18n.t(Key::NextStep)}</dt><dd>{move || i18n.pick(&next)}</dd>
            </dl>
            <h3>{move || i18n.t(Key::Timeline)}</h3>
            {timeline(i18n, progress.timeline)}
        </section>
    }
}

/// The steps so far: a numbered list once there are several, a line while there is one.
fn timeline(i18n: crate::i18n::I18n, steps: Vec<shared::application::ProgressStep>) -> AnyView {
    let line = move |step: shared::application::ProgressStep| {
        let (label, note) = (step.status.name(), step.note.clone());
        view! { <span class="timeline__at">{beijing(step.at)}</span>" "<strong>{move || i18n.pick(&label)}</strong>" — "{move || i18n.pick(&note)} }
    };
    if steps.len() == 1 {
        let only = steps.into_iter().next().map(line);
        return view! { <p class="timeline timeline--one">{only}</p> }.into_any();
    }
    view! { <ol class="timeline">{steps.into_iter().map(|s| view! { <li>{line(s)}</li> }).collect_view()}</ol> }
        .into_any()
}
