//! 申办回执 — what the applicant gets after submitting: the application and case numbers, the
//! items and their departments, the materials received, and the PDF receipt to keep.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::application::{ApplicationReceipt, MaterialSource};

use crate::api;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{I18n, Key, use_i18n};
use crate::pages::account::RequireSignIn;

/// `/applications/:no`
#[component]
pub fn ReceiptPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no").unwrap_or_default()));
    view! {
        <div class="container page">
            <p><a class="back-link" href="/applications">{move || i18n.t(Key::NavApplications)}</a></p>
            <h1>{move || i18n.t(Key::ReceiptTitle)}</h1>
            <RequireSignIn>
                {move || {
                    let receipt = Fetched::new(move || {
                        let no = no.get();
                        async move { api::receipt(&no).await }
                    });
                    move || match receipt.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ProblemView error=e retry=move || receipt.refetch() /> }.into_any(),
                        Some(Ok(r)) => view! { <Receipt receipt=r /> }.into_any(),
                    }
                }}
            </RequireSignIn>
        </div>
    }
}

/// A time on the wire shown in Beijing time.
pub fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}

fn days(i18n: I18n, n: u32) -> String {
    if n == 0 { i18n.t(Key::SameDay).to_owned() } else { i18n.fmt(Key::WorkingDays, n) }
}

#[component]
fn Receipt(receipt: ApplicationReceipt) -> impl IntoView {
    let i18n = use_i18n();
    let pdf = api::receipt_pdf_href(&receipt.application_no);
    view! {
        <div class="notice notice--good" role="status"><p>{move || i18n.t(Key::ReceiptLead)}</p></div>
        <section class="card guide-section" aria-labelledby="receipt-facts">
            <h2 id="receipt-facts">{move || i18n.t(Key::ApplicationNo)}" "<span class="receipt-no">{receipt.application_no.clone()}</span></h2>
            <dl class="facts">
                <dt>{move || i18n.t(Key::SubmittedAt)}</dt><dd>{beijing(receipt.submitted_at)}</dd>
                <dt>{move || i18n.t(Key::ApplyingFor)}</dt><dd>{format!("{} {}", receipt.applicant_name, receipt.applicant_identifier)}</dd>
                {receipt.filed_by.clone().map(|by| view! { <dt>{move || i18n.t(Key::FiledBy)}</dt><dd>{by}</dd> })}
            </dl>
            <p><a class="button button--primary" href=pdf download>{move || i18n.t(Key::DownloadPdf)}</a></p>
        </section>
        <section class="card guide-section" aria-labelledby="receipt-cases">
            <h2 id="receipt-cases">{move || i18n.t(Key::CasesTitle)}</h2>
            <ul class="item-list">
                {receipt.cases.iter().map(|c| {
                    let (name, dept, status) = (c.item_name.clone(), c.department.clone(), c.status.name());
                    // The applicant is signed in: the case's own page, with no number to type.
                    let href = format!("/cases/{}", c.case_no);
                    let promised = c.promised_working_days;
                    let pledged = c.pledged;
                    view! {
                        <li class="item-card__link">
                            <span class="item-card__name">{move || i18n.pick(&name)}</span>
                            <span class="item-card__meta">{move || i18n.t(Key::CaseNo)}" "<span class="case-no">{c.case_no.clone()}</span></span>
                            <span class="item-card__meta">{move || i18n.pick(&dept)}" · "{move || days(i18n, promised)}
                                {pledged.then(|| view! { " · "{move || i18n.t(Key::Pledged)} })}" · "{move || i18n.pick(&status)}</span>
                            <span><a href=href>{move || i18n.t(Key::FollowProgress)}</a></span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card guide-section" aria-labelledby="receipt-materials">
            <h2 id="receipt-materials">{move || i18n.t(Key::MaterialsReceived)}</h2>
            <ul class="bullets">
                {receipt.materials.iter().map(|m| {
                    let name = m.name.clone();
                    let (source, files) = (m.source, m.files);
                    view! {
                        <li>{move || i18n.pick(&name)}" — "{move || match source {
                            MaterialSource::Library => i18n.t(Key::FromLibrary).to_owned(),
                            MaterialSource::Pledge => i18n.t(Key::ByPledge).to_owned(),
                            MaterialSource::Authorization => i18n.tr("经办人授权已登记", "Agent's authorization on record").to_owned(),
                            MaterialSource::Issued => i18n.tr("由本次登记核发", "Issued by this application's registration").to_owned(),
                            MaterialSource::Upload => i18n.fmt(Key::FilesUploaded, files),
                        }}</li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
