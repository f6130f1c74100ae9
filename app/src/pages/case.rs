//! 办件详情 — the applicant's page of one case: where it stands, its notices (each a PDF), its
//! timeline, and, when a supplement notice is open, one upload per material it asks for. The
//! applicant may withdraw a case before it concludes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::case::CaseDetail;
use shared::workflow::{ActionRequest, CaseAction, SupplementFile};

use crate::api::{self, ApiError};
use crate::components::deadline::DeadlinePanel;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::account::RequireSignIn;
use crate::pages::apply::new_key;
use crate::pages::receipt::beijing;

/// `/cases/:no`
#[component]
pub fn CasePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let case_no = move || params.read().get("no").unwrap_or_default();
    view! {
        <div class="container page">
            <h1>{move || i18n.tr("办件详情", "Case")}</h1>
            <RequireSignIn>
                {move || view! { <CaseView case_no=case_no() /> }}
            </RequireSignIn>
        </div>
    }
}

#[component]
fn CaseView(case_no: String) -> impl IntoView {
    let no = case_no.clone();
    let case = Fetched::new(move || {
        let no = no.clone();
        async move { api::case_detail(&no).await }
    });
    let reload = Callback::new(move |()| case.refetch());
    move || match case.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <ProblemView error=e retry=reload /> }.into_any(),
        Some(Ok(detail)) => view! { <CaseBody detail=detail reload=reload /> }.into_any(),
    }
}

#[component]
fn CaseBody(detail: CaseDetail, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let summary = detail.summary.clone();
    let (item, status, next) = (summary.item_name.clone(), summary.status.name(), summary.status.next_step());
    let can_supplement = detail.allowed_actions.contains(&CaseAction::Supplement);
    let can_withdraw = detail.allowed_actions.contains(&CaseAction::Withdraw);
    view! {
        <section class="card guide-section" aria-labelledby="case-summary">
            <h2 id="case-summary">{move || i18n.pick(&item)}</h2>
            <p class="item-card__meta"><span class="case-no">{summary.case_no.clone()}</span>" · "{move || i18n.pick(&summary.department.name)}</p>
            <p><span class="badge case-status">{move || i18n.pick(&status)}</span></p>
            <p class="muted">{move || i18n.pick(&next)}</p>
        </section>
        {detail.deadline.clone().map(|d| view! { <DeadlinePanel deadline=d /> })}
        {can_supplement.then(|| view! { <Supplement detail=detail.clone() reload=reload /> })}
        <Notices detail=detail.clone() />
        <Timeline detail=detail.clone() />
        {can_withdraw.then(|| view! { <Withdraw case_no=detail.summary.case_no.clone() reload=reload /> })}
    }
}

/// The notices of a case, each with its PDF.
#[component]
pub fn Notices(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    (!detail.notices.is_empty()).then(|| {
        view! {
            <section class="card guide-section" aria-labelledby="notices">
                <h2 id="notices">{move || i18n.tr("通知书", "Notices")}</h2>
                <ul class="file-list notices">
                    {detail.notices.into_iter().map(|n| {
                        let title = n.kind.title();
                        view! {
                            <li>
                                <span>{move || i18n.pick(&title)}" · "{beijing(n.at)}</span>
                                <a class="button button--secondary" href=api::notice_pdf_href(&n.id) download="">
                                    {move || i18n.tr("下载PDF", "Download PDF")}
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Every step of a case, oldest first, with who wrote what.
#[component]
pub fn Timeline(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card guide-section" aria-labelledby="timeline">
            <h2 id="timeline">{move || i18n.tr("办理过程", "Timeline")}</h2>
            <ol class="timeline">
                {detail.timeline.into_iter().map(|t| {
                    let note = t.note.clone();
                    let role = t.role.map(|r| r.name());
                    view! {
                        <li>
                            <span class="muted">{beijing(t.at)}</span>" "
                            <strong>{move || i18n.pick(&note)}</strong>
                            {role.map(|r| view! { " · "<span>{move || i18n.pick(&r)}</span> })}
                            {t.remark.map(|r| view! { <br /><span class="remark">{r}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// 补正 — one file per material the open notice asks for, then one action sends them all.
#[component]
fn Supplement(detail: CaseDetail, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let case_no = detail.summary.case_no.clone();
    let chosen = RwSignal::new(Vec::<(String, String)>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let asked = detail.demanded.len();
    let send = move |_| {
        let req = ActionRequest {
            files: chosen
                .get_untracked()
                .into_iter()
                .map(|(key, upload_id)| SupplementFile { key, upload_id })
                .collect(),
            ..ActionRequest::new(CaseAction::Supplement)
        };
        let case_no = case_no.clone();
        busy.set(true);
        spawn_local(async move {
            match api::case_action(&case_no, &req, &new_key()).await {
                Ok(_) => reload.run(()),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card guide-section supplement" aria-labelledby="supplement">
            <h2 id="supplement">{move || i18n.tr("请补正以下材料", "Please provide these materials")}</h2>
            <ul class="bullets">
                {detail.demanded.into_iter().map(|d| {
                    let name = detail.listed_materials.iter().find(|m| m.key == d.key).map(|m| m.name.clone());
                    let key = d.key.clone();
                    view! {
                        <li class="material">
                            <strong>{move || name.as_ref().map(|n| i18n.pick(n)).unwrap_or_else(|| key.clone())}</strong>
                            " — "{d.reason.clone()}
                            <br /><UploadOne material=d.key.clone() chosen=chosen failure=failure />
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            <button type="button" class="button button--primary" on:click=send
                disabled=move || busy.get() || chosen.get().len() < asked>
                {move || i18n.tr("提交补正材料", "Send the materials")}
            </button>
        </section>
    }
}

/// A file input that uploads at once and remembers the upload for `material`.
#[component]
fn UploadOne(
    material: String,
    chosen: RwSignal<Vec<(String, String)>>,
    failure: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let progress = RwSignal::new(None::<f64>);
    let key = material.clone();
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let key = key.clone();
        progress.set(Some(0.0));
        spawn_local(async move {
            match api::upload(file, move |p| progress.set(Some(p))).await {
                Ok(receipt) => chosen.update(|c| {
                    c.retain(|(k, _)| k != &key);
                    c.push((key, receipt.id));
                }),
                Err(e) => failure.set(Some(e)),
            }
            progress.set(None);
        });
    };
    let label = format!("upload-{material}");
    view! {
        <label class="visually-hidden" for=label.clone()>{move || i18n.tr("选择文件", "Choose a file")}</label>
        <input type="file" id=label accept=shared::application::upload_accept() on:change=on_change />
        {move || progress.get().map(|p| view! { <progress max="1" value=p></progress> })}
        {move || chosen.get().iter().any(|(k, _)| k == &material).then(|| view! {
            <span class="tag tag--good">{move || i18n.tr("已上传", "Uploaded")}</span>
        })}
    }
}

/// 撤回 — asks once to confirm.
#[component]
fn Withdraw(case_no: String, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let withdraw = move |_| {
        if !confirming.get_untracked() {
            confirming.set(true);
            return;
        }
        let case_no = case_no.clone();
        spawn_local(async move {
            match api::case_action(&case_no, &ActionRequest::new(CaseAction::Withdraw), &new_key()).await {
                Ok(_) => reload.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section class="guide-section">
            {move || confirming.get().then(|| view! {
                <p class="notice" role="status">{move || i18n.tr("撤回后本事项不再办理，确定撤回吗？", "Once withdrawn, the case stops. Withdraw it?")}</p>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            <button type="button" class="button button--secondary" on:click=withdraw>
                {move || if confirming.get() { i18n.tr("确定撤回", "Yes, withdraw") } else { i18n.tr("撤回申请", "Withdraw") }}
            </button>
        </section>
    }
}
