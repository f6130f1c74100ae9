//! 办件办理 — the case page of the console: everything received, the item's flowchart with
//! where the case stands, and one form per action the member may take now. What each action
//! needs (a comment, a reason, the materials to supplement, the recipient) is checked by the
//! server with `shared::workflow`; its answer is shown beside the form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::calendar::PauseKind;
use shared::case::CaseDetail;
use shared::workflow::{ActionRequest, CaseAction, MaterialDemand, Recipient};

use crate::api::{self, ApiError};
use crate::components::deadline::DeadlinePanel;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::apply::new_key;
use crate::pages::case::{Notices, Timeline};
use crate::pages::receipt::beijing;

/// `/console/cases/:no`
#[component]
pub fn CaseWorkPage() -> impl IntoView {
    let params = use_params_map();
    let case_no = move || params.read().get("no").unwrap_or_default();
    let case = Fetched::new(move || {
        let no = case_no();
        async move { api::case_detail(&no).await }
    });
    let reload = Callback::new(move |()| case.refetch());
    view! {
        <div class="container page case-work">
            <p><a href="/console">{move || use_i18n().tr("← 返回待办", "← Back to the inbox")}</a></p>
            {move || match case.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=reload /> }.into_any(),
                Some(Ok(detail)) => view! { <CaseWork detail=detail reload=reload /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn CaseWork(detail: CaseDetail, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let s = detail.summary.clone();
    let (item, department, status) = (s.item_name.clone(), s.department.name.clone(), s.status.name());
    view! {
        <h1>{move || i18n.pick(&item)}</h1>
        <p class="item-card__meta">
            <span class="case-no">{s.case_no.clone()}</span>" · "{move || i18n.pick(&department)}" · "
            <span class="badge case-status">{move || i18n.pick(&status)}</span>
        </p>
        <div class="case-columns">
            <div>
                <Facts detail=detail.clone() />
                <Materials detail=detail.clone() />
                <Notices detail=detail.clone() />
                <Timeline detail=detail.clone() />
                <Trail detail=detail.clone() />
            </div>
            <aside>
                {detail.deadline.clone().map(|d| view! { <DeadlinePanel deadline=d staff=true /> })}
                <Flowchart detail=detail.clone() />
                <Actions detail=detail reload=reload />
            </aside>
        </div>
    }
}

/// The applicant, the delivery, the pledge and the form's answers.
#[component]
fn Facts(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    let delivery = match detail.delivery {
        shared::workflow::DeliveryMethod::Electronic => ("电子送达", "Electronic"),
        shared::workflow::DeliveryMethod::Window => ("窗口领取", "Window pickup"),
        shared::workflow::DeliveryMethod::Mail => ("邮寄", "Mail"),
    };
    let hall = detail.delivery_hall.clone();
    let channel = detail.channel.name();
    view! {
        <section class="card guide-section" aria-labelledby="facts">
            <h2 id="facts">{move || i18n.tr("申请信息", "Application")}</h2>
            <dl class="facts">
                <dt>{move || i18n.tr("申请人", "Applicant")}</dt>
                <dd>{detail.summary.applicant_name.clone()}" "{detail.applicant_identifier.clone()}</dd>
                {detail.subject_uscc.clone().map(|u| view! {
                    <dt>{move || i18n.tr("新设企业", "New enterprise")}</dt><dd class="subject-uscc">{u}</dd>
                })}
                <dt>{move || i18n.tr("申办渠道", "Filed")}</dt>
                <dd class="channel">{move || i18n.pick(&channel)}</dd>
                <dt>{move || i18n.tr("送达方式", "Delivery")}</dt>
                <dd>{move || i18n.tr(delivery.0, delivery.1)}{hall.clone().map(|h| view! { " · "{move || i18n.pick(&h)} })}</dd>
                {detail.issued_license.clone().map(|_| view! {
                    <dt>{move || i18n.tr("办理结果", "Result")}</dt><dd>{move || i18n.tr("电子证照已签发", "E-licence issued")}</dd>
                })}
                {detail.form.into_iter().map(|a| {
                    let label = a.label.clone();
                    view! { <dt>{move || i18n.pick(&label)}</dt><dd>{a.value.clone()}</dd> }
                }).collect_view()}
            </dl>
            {detail.pledge.map(|p| view! {
                <h3>{move || i18n.tr("告知承诺书", "Pledge")}</h3>
                <p class="pledge">{p}</p>
            })}
        </section>
    }
}

/// The materials: files previewed inline (served only while they match their recorded
/// SHA-256), licences by type and number.
#[component]
fn Materials(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    let case_no = detail.summary.case_no.clone();
    view! {
        <section class="card guide-section" aria-labelledby="materials">
            <h2 id="materials">{move || i18n.tr("申请材料", "Materials")}</h2>
            <ul class="materials-list">
                {detail.materials.into_iter().map(|m| {
                    let name = m.name.clone();
                    let preview = m.file.clone().map(|f| {
                        let href = api::case_file_href(&case_no, &f.upload_id);
                        let image = f.media_type.starts_with("image/");
                        view! {
                            <a href=href.clone() target="_blank" rel="external noopener">{f.file_name.clone()}</a>
                            <span class="muted sha">" SHA-256 "{f.sha256[..12].to_owned()}"…"</span>
                            {image.then(|| view! { <br /><img class="preview" src=href alt=f.file_name.clone() loading="lazy" /> })}
                        }
                    });
                    view! {
                        <li>
                            <strong>{move || i18n.pick(&name)}</strong>" "
                            {m.license.clone().map(|l| view! { <span class="tag tag--good">{l}</span> })}
                            {(m.source == shared::application::MaterialSource::Pledge).then(|| view! {
                                <span class="tag">{move || i18n.tr("告知承诺", "Pledged")}</span>
                            })}
                            <br />{preview}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// 全程留痕 — every audit event of the case and its application, with the hashes of the files.
#[component]
fn Trail(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card guide-section" aria-labelledby="trail">
            <h2 id="trail">{move || i18n.tr("全程留痕", "Audit trail")}</h2>
            <ol class="trail">
                {detail.trail.into_iter().map(|e| {
                    let action = e.action.name();
                    let role = e.role.map(|r| r.name());
                    view! {
                        <li>
                            <span class="muted">{beijing(e.at)}</span>" "<strong>{move || i18n.pick(&action)}</strong>
                            " · "{e.actor.clone().unwrap_or_else(|| "—".to_owned())}
                            {role.map(|r| view! { " · "{move || i18n.pick(&r)} })}
                            {e.department.clone().map(|d| view! { " · "{d} })}
                            {(!e.detail.is_empty()).then(|| view! { <br /><span class="remark">{e.detail.clone()}</span> })}
                            {e.files.iter().map(|f| view! { <br /><span class="sha">"SHA-256 "{f.clone()}</span> }).collect_view()}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// 审批流程图 — the item's steps, with the one the case waits at marked.
#[component]
fn Flowchart(detail: CaseDetail) -> impl IntoView {
    let i18n = use_i18n();
    let status = detail.state.status;
    let step = detail.state.step as usize;
    let in_progress = matches!(
        status,
        shared::application::CaseStatus::Undertaking
            | shared::application::CaseStatus::Reviewing
            | shared::application::CaseStatus::Approving
    );
    view! {
        <section class="card guide-section" aria-labelledby="flow">
            <h2 id="flow">{move || i18n.tr("审批流程", "Workflow")}</h2>
            <ol class="flowchart">
                <li class:current=status == shared::application::CaseStatus::Submitted>{move || i18n.tr("受理", "Acceptance")}</li>
                {detail.workflow.steps().iter().enumerate().map(|(i, s)| {
                    let name = s.kind.name();
                    let days = s.working_days;
                    view! {
                        <li class:current=in_progress && i == step>
                            {move || i18n.pick(&name)}" "<span class="muted">{days}{move || i18n.tr("个工作日", " working days")}</span>
                        </li>
                    }
                }).collect_view()}
                <li class:current=shared::workflow::is_concluded(status)>{move || i18n.tr("办结", "Concluded")}</li>
            </ol>
        </section>
    }
}

/// One form per action the member may take now.
#[component]
fn Actions(detail: CaseDetail, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let allowed = detail.allowed_actions.clone();
    view! {
        <section class="card guide-section actions" aria-labelledby="actions">
            <h2 id="actions">{move || i18n.tr("办理", "Act")}</h2>
            {if allowed.is_empty() {
                view! { <p class="muted">{move || i18n.tr("您当前没有可办理的操作。", "Nothing for you to do here now.")}</p> }.into_any()
            } else {
                allowed.into_iter().map(|a| view! { <ActionForm action=a detail=detail.clone() reload=reload /> }).collect_view().into_any()
            }}
        </section>
    }
}

/// The form of one action: the fields it needs, and its button.
#[component]
fn ActionForm(action: CaseAction, detail: CaseDetail, reload: Callback<()>) -> impl IntoView {
    use CaseAction as A;
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let demands = RwSignal::new(Vec::<MaterialDemand>::new());
    let pause = RwSignal::new(PauseKind::OnSiteInspection);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let case_no = detail.summary.case_no.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut req = ActionRequest::new(action);
        let value = (!text.get_untracked().trim().is_empty()).then(|| text.get_untracked());
        match action {
            A::Undertake | A::Review | A::Approve | A::Accept | A::ConfirmPledge | A::Resume => req.comment = value,
            A::Pause => {
                req.pause = Some(pause.get_untracked());
                req.reason = value;
            }
            A::Extend => {
                req.extension_days = second.get_untracked().trim().parse().ok();
                req.reason = value;
            }
            A::Dispatch => req.tracking_no = value,
            A::HandOver => {
                req.recipient = Some(Recipient { id_number: text.get_untracked(), name: second.get_untracked() })
            }
            _ => req.reason = value,
        }
        let supplement =
            action == A::RequestSupplement || (action == A::Pause && pause.get_untracked() == PauseKind::Supplement);
        if supplement {
            req.materials = demands.get_untracked();
        }
        let case_no = case_no.clone();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match api::case_action(&case_no, &req, &new_key()).await {
                Ok(_) => reload.run(()),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let name = action.name();
    let button = name.clone();
    let id = format!("action-{}", action.as_str());
    let (zh, en) = match action {
        A::Undertake | A::Review | A::Approve => ("办理意见", "Comment"),
        A::Accept | A::ConfirmPledge | A::Resume => ("备注（可不填）", "Note (optional)"),
        A::Pause => ("中止计时的理由", "Why the clock stops"),
        A::Extend => ("延期理由", "Why the limit is extended"),
        A::Dispatch => ("邮件单号", "Tracking number"),
        A::HandOver => ("领取人身份证号码", "Recipient's identity number"),
        A::RequestSupplement => ("再次告知的理由（第二次起必填）", "Why again (from the second notice on)"),
        _ => ("理由", "Reason"),
    };
    let listed = detail.listed_materials.clone();
    view! {
        <form class="action-form" on:submit=submit>
            <h3>{move || i18n.pick(&name)}</h3>
            {(action == A::Pause).then(|| view! { <PausePicker pause=pause /> })}
            {move || (action == A::RequestSupplement || (action == A::Pause && pause.get() == PauseKind::Supplement))
                .then(|| view! { <DemandPicker listed=listed.clone() demands=demands /> })}
            {(action == A::Extend).then(|| view! {
                <label for="extension-days">{move || i18n.tr("延期工作日数（1–30）", "Working days added (1–30)")}</label>
                <input id="extension-days" type="number" min="1" max="30" inputmode="numeric"
                    on:input=move |ev| second.set(event_target_value(&ev)) />
            })}
            <label for=id.clone()>{move || i18n.tr(zh, en)}</label>
            <textarea id=id rows="2" on:input=move |ev| text.set(event_target_value(&ev)) prop:value=move || text.get()></textarea>
            {(action == A::HandOver).then(|| view! {
                <label for="recipient-name">{move || i18n.tr("领取人姓名", "Recipient's name")}</label>
                <input id="recipient-name" type="text" on:input=move |ev| second.set(event_target_value(&ev)) />
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            <button type="submit" class="button button--primary" disabled=move || busy.get()>{move || i18n.pick(&button)}</button>
        </form>
    }
}

/// 中止事由 — why the clock stops; a supplement also lists what to supplement.
#[component]
fn PausePicker(pause: RwSignal<PauseKind>) -> impl IntoView {
    use strum::VariantArray as _;
    let i18n = use_i18n();
    view! {
        <label for="pause-kind">{move || i18n.tr("中止事由", "Kind of pause")}</label>
        <select id="pause-kind" on:change=move |ev| {
            if let Ok(kind) = event_target_value(&ev).parse::<PauseKind>() {
                pause.set(kind);
            }
        }>
            {PauseKind::VARIANTS.iter().map(|k| {
                let name = k.name();
                view! { <option value=k.as_str() selected=move || pause.get() == *k>{move || i18n.pick(&name)}</option> }
            }).collect_view()}
        </select>
    }
}

/// 一次性告知 — every material the item lists, each with a reason when ticked.
#[component]
fn DemandPicker(listed: Vec<shared::case::ListedMaterial>, demands: RwSignal<Vec<MaterialDemand>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="demands">
            <legend>{move || i18n.tr("需补正的材料（可多选，一次告知）", "Materials to supplement (all at once)")}</legend>
            {listed.into_iter().map(|m| {
                let key = m.key.clone();
                let name = m.name.clone();
                let ticked = {
                    let key = key.clone();
                    move || demands.get().iter().any(|d| d.key == key)
                };
                let toggle = {
                    let key = key.clone();
                    move |_| demands.update(|d| match d.iter().position(|x| x.key == key) {
                        Some(i) => { d.remove(i); }
                        None => d.push(MaterialDemand { key: key.clone(), reason: String::new() }),
                    })
                };
                let set_reason = {
                    let key = key.clone();
                    move |ev| {
                        let reason = event_target_value(&ev);
                        demands.update(|d| if let Some(x) = d.iter_mut().find(|x| x.key == key) { x.reason = reason; });
                    }
                };
                let box_id = format!("demand-{key}");
                view! {
                    <div class="demand">
                        <input type="checkbox" id=box_id.clone() on:change=toggle prop:checked=ticked.clone() />
                        <label for=box_id>{move || i18n.pick(&name)}</label>
                        {move || ticked().then(|| view! {
                            <input type="text" class="demand-reason" aria-label=move || i18n.tr("补正原因", "What is missing or wrong")
                                placeholder=move || i18n.tr("补正原因", "What is missing or wrong") on:input=set_reason.clone() />
                        })}
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}
