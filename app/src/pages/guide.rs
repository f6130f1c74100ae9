//! 办事指南 — the guide of one service item, with every standard element.

use leptos::prelude::*;
use shared::catalogue::{FormField, LimitKind, Material, ServiceItem};

use crate::api;
use crate::components::item_card::limit_text;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{I18n, Key, use_i18n};
use crate::route;

/// `/items/:code`
#[component]
pub fn GuidePage() -> impl IntoView {
    let i18n = use_i18n();
    let code = route::item_code();
    let item = Fetched::new(move || {
        let code = code.get();
        async move { api::item(&code).await }
    });
    view! {
        <div class="container page">
            <p><a class="back-link" href="/items">{move || i18n.t(Key::BackToCatalogue)}</a></p>
            {move || match item.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || item.refetch() /> }.into_any(),
                Some(Ok(item)) => {
                    #[cfg(feature = "guides")]
                    crate::pages::full_app::prefetch_full_app_soon();
                    view! { <Guide item=item /> }.into_any()
                }
            }}
        </div>
    }
}

/// A section with a heading.
#[component]
fn Section(title: Key, id: &'static str, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card guide-section" aria-labelledby=id>
            <h2 id=id>{move || i18n.t(title)}</h2>
            {children()}
        </section>
    }
}

fn days(i18n: I18n, n: u32) -> String {
    if n == 0 { i18n.t(Key::SameDay).to_owned() } else { i18n.fmt(Key::WorkingDays, n) }
}

/// Every element of a guide.
#[component]
fn Guide(item: ServiceItem) -> impl IntoView {
    let i18n = use_i18n();
    let name = item.name.clone();
    let department = item.department.name.clone();
    let item_type = item.item_type.name();
    let object = item.service_object.name();
    let code = item.code.to_string();
    let version = item.version;
    let limits = item.time_limits.clone();
    let (limit_key, limit_days) = limit_text(limits.kind, limits.promised_working_days);
    let kind_key = match limits.kind {
        LimitKind::Instant => Key::InstantItem,
        LimitKind::Promised => Key::PromisedItem,
    };
    let commitment = item.commitment.clone();
    let fee = item.fee.clone();
    let conditions = item.acceptance_conditions.clone();
    let materials = item.materials.clone();
    let legal_basis = item.legal_basis.clone();
    let channels = item.channels.clone();
    let halls = item.halls.clone();
    let fields = item.fields.clone();
    let workflow = item.workflow();
    let online =
        item.channels.iter().any(|c| matches!(c, shared::catalogue::Channel::Web | shared::catalogue::Channel::Mobile));
    let apply_href = format!("/apply?items={}", item.code);
    view! {
        <article class="guide">
            <header class="guide__header">
                <h1>{move || i18n.pick(&name)}</h1>
                // An instant item's limit is the same fact as its kind: one tag says both.
                <div class="tags">
                    {match limits.kind {
                        LimitKind::Instant => view! {
                            <span class="tag">{move || format!("{}{}{}{}", i18n.t(Key::SameDay), i18n.tr("（", " ("), i18n.t(kind_key), i18n.tr("）", ")"))}</span>
                        }.into_any(),
                        LimitKind::Promised => view! {
                            <span class="tag">{move || i18n.t(kind_key)}</span>
                            <span class="tag">{move || i18n.fmt(limit_key, limit_days)}</span>
                        }.into_any(),
                    }}
                </div>
                <dl class="facts">
                    <dt>{move || i18n.t(Key::ItemCode)}</dt><dd>{code}</dd>
                    <dt>{move || i18n.t(Key::Department)}</dt><dd>{move || i18n.pick(&department)}</dd>
                    <dt>{move || i18n.t(Key::ItemType)}</dt><dd>{move || i18n.pick(&item_type)}</dd>
                    <dt>{move || i18n.t(Key::ServiceObject)}</dt><dd>{move || i18n.pick(&object)}</dd>
                    <dt>{move || i18n.t(Key::Version)}</dt><dd>{version}</dd>
                </dl>
                {online.then(|| view! { <p><a class="button button--primary" href=apply_href>{move || i18n.t(Key::ApplyOnline)}</a></p> })}
            </header>

            <Section title=Key::SectionConditions id="conditions">
                <ul class="bullets">
                    {conditions.into_iter().map(|c| view! { <li>{move || i18n.pick(&c)}</li> }).collect_view()}
                </ul>
            </Section>

            <Section title=Key::SectionMaterials id="materials">
                <ol class="materials">
                    {materials.into_iter().map(|m| view! { <MaterialEntry material=m /> }).collect_view()}
                </ol>
            </Section>

            <Section title=Key::SectionTimeLimits id="limits">
                <dl class="facts">
                    <dt>{move || i18n.t(Key::StatutoryLimit)}</dt>
                    <dd>
                        {move || days(i18n, limits.statutory_working_days)}
                        {limits.statutory_text.clone().map(|t| view! { <span class="muted">" （"{t}"）"</span> })}
                    </dd>
                    <dt>{move || i18n.t(Key::PromisedLimit)}</dt>
                    <dd>{move || days(i18n, limits.promised_working_days)}</dd>
                    {if commitment.allowed {
                        let pledge_days = commitment.promised_working_days;
                        view! {
                            <dt>{move || i18n.t(Key::CommitmentLimit)}</dt>
                            <dd>
                                {move || i18n.t(Key::CommitmentAllowed)}
                                {pledge_days.map(|d| view! { " · "{move || days(i18n, d)} })}
                            </dd>
                        }.into_any()
                    } else {
                        view! { <dt class="visually-hidden">{move || i18n.t(Key::CommitmentLimit)}</dt><dd>{move || i18n.t(Key::CommitmentNotAllowed)}</dd> }.into_any()
                    }}
                </dl>
            </Section>

            <section class="card guide-section" aria-labelledby="flow">
                <h2 id="flow">{move || i18n.tr("审批流程图", "How the application is decided")}</h2>
                <Flowchart workflow=workflow />
            </section>

            <Section title=Key::SectionFees id="fees">
                <p>{move || i18n.pick(&fee)}</p>
            </Section>

            <Section title=Key::SectionHowToApply id="how">
                <dl class="facts">
                    <dt>{move || i18n.t(Key::Channels)}</dt>
                    <dd>
                        <span class="tags">
                            {channels.into_iter().map(|c| view! { <span class="tag">{move || i18n.pick(&c.name())}</span> }).collect_view()}
                        </span>
                    </dd>
                    <dt>{move || i18n.t(Key::Halls)}</dt>
                    <dd>
                        <ul class="bullets">
                            {halls.into_iter().map(|h| view! { <li>{move || i18n.pick(&h.name())}</li> }).collect_view()}
                        </ul>
                    </dd>
                </dl>
            </Section>

            <Section title=Key::SectionForm id="form">
                <ul class="field-list">
                    {fields.into_iter().map(|f| view! { <FieldEntry field=f /> }).collect_view()}
                </ul>
            </Section>

            <Section title=Key::SectionLegalBasis id="basis">
                <ul class="bullets">
                    {legal_basis.into_iter().map(|b| view! { <li lang="zh-CN">{b}</li> }).collect_view()}
                </ul>
            </Section>
        </article>
    }
}

/// 审批流程图 — acceptance at the front desk, the department's steps with the role and working
/// days of each, and conclusion, drawn from the item's workflow.
#[component]
fn Flowchart(workflow: shared::workflow::Workflow) -> impl IntoView {
    let i18n = use_i18n();
    let instant = workflow.is_instant();
    view! {
        <ol class="flowchart guide-flow">
            <li>
                <strong>{move || i18n.tr("受理", "Acceptance")}</strong>" · "
                {move || if instant { i18n.tr("综合窗口受理并当场办结", "at the front desk, concluded on the spot") } else { i18n.tr("综合窗口", "at the front desk") }}
            </li>
            {workflow.steps().iter().map(|s| {
                let (name, role, step_days) = (s.kind.name(), s.kind.role().name(), s.working_days);
                view! {
                    <li>
                        <strong>{move || i18n.pick(&name)}</strong>" · "{move || i18n.pick(&role)}" · "
                        {move || days(i18n, step_days)}
                    </li>
                }
            }).collect_view()}
            <li><strong>{move || i18n.tr("办结", "Conclusion")}</strong>" · "{move || i18n.tr("出具结果、送达申请人", "the result is issued and delivered")}</li>
        </ol>
    }
}

/// One material: name, when it is needed, whether the e-license library supplies it, copies.
#[component]
fn MaterialEntry(material: Material) -> impl IntoView {
    let i18n = use_i18n();
    let name = material.name.clone();
    let required = material.required;
    let condition = material.condition.clone();
    let license = material.e_license.clone();
    let (originals, copies) = (material.original_copies, material.copies);
    let from_library = license.is_some();
    view! {
        <li class="material" class:material--license=from_library>
            <div class="material__name">{move || i18n.pick(&name)}</div>
            <div class="tags">
                <span class="tag" class:tag--muted=!required>
                    {move || i18n.t(if required { Key::MaterialRequired } else { Key::MaterialOptional })}
                </span>
                {(originals > 0).then(|| view! { <span class="tag">{move || i18n.fmt(Key::Originals, originals)}</span> })}
                {(copies > 0).then(|| view! { <span class="tag">{move || i18n.fmt(Key::Copies, copies)}</span> })}
            </div>
            {condition.map(|c| view! {
                <p class="material__condition">{move || i18n.t(Key::MaterialOnlyIf)}" "{move || i18n.pick(&c.name)}</p>
            })}
            {license.map(|l| view! {
                <p class="material__license">
                    <span class="tag tag--license">{move || i18n.pick(&l.name)}</span>
                    " "{move || i18n.t(Key::ELicenseSupplies)}
                </p>
            })}
        </li>
    }
}

/// One question of the item's form.
#[component]
fn FieldEntry(field: FormField) -> impl IntoView {
    let i18n = use_i18n();
    let label = field.label.clone();
    let required = field.required;
    view! {
        <li>
            {move || i18n.pick(&label)}
            {required.then(|| view! { <span class="muted">" · "{move || i18n.t(Key::FieldRequired)}</span> })}
        </li>
    }
}
