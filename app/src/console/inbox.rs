//! 待办 — the queues of the member's roles with their counts, and one page of the chosen
//! queue, filterable by item, department, hall, status and age, oldest or newest first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::application::CaseStatus;
use shared::case::{CaseOrder, CaseQuery};
use strum::VariantArray as _;

use crate::api;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;
use crate::pages::receipt::beijing;

/// `/console`
#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let queues = Fetched::new(api::case_queues);
    let query = RwSignal::new(CaseQuery::default());
    let list = Fetched::new(move || {
        let q = query.get();
        async move { api::cases(&q).await }
    });
    // The first queue of the member's roles is where they start.
    Effect::new(move |_| {
        if let Some(Ok(qs)) = queues.get()
            && query.get_untracked().queue.is_none()
            && let Some(first) = qs.first()
        {
            query.update(|q| q.queue = Some(first.queue));
        }
    });
    view! {
        <div class="container page">
            <h1>{move || i18n.tr("待办", "Inbox")}</h1>
            {move || match queues.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || queues.refetch() /> }.into_any(),
                Some(Ok(qs)) => view! {
                    <div class="queue-tabs" role="tablist" aria-label=move || i18n.tr("队列", "Queues")>
                        {qs.into_iter().map(|q| {
                            let name = q.queue.name();
                            let selected = move || query.get().queue == Some(q.queue);
                            view! {
                                <button type="button" role="tab" class="queue-tab" aria-selected=move || selected().to_string()
                                    on:click=move |_| query.update(|x| { x.queue = Some(q.queue); x.page = None; })>
                                    {move || i18n.pick(&name)}" "<span class="count">{q.count}</span>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                }.into_any(),
            }}
            <Filters query=query />
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
                Some(Ok(page)) => view! { <CaseTable page=page query=query /> }.into_any(),
            }}
            <AuditCheck />
        </div>
    }
}

/// The filters of the list; each change starts again from the first page.
#[component]
fn Filters(query: RwSignal<CaseQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let text = |value: String| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    view! {
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>{move || i18n.tr("事项编码", "Item code")}
                <input type="text" name="item" on:change=move |ev| query.update(|q| { q.item = text(event_target_value(&ev)); q.page = None; }) />
            </label>
            <label>{move || i18n.tr("部门", "Department")}
                <input type="text" name="department" placeholder="DG-SAMR"
                    on:change=move |ev| query.update(|q| { q.department = text(event_target_value(&ev)); q.page = None; }) />
            </label>
            <label>{move || i18n.tr("取件大厅", "Pickup hall")}
                <input type="text" name="hall" placeholder="DG-CITY"
                    on:change=move |ev| query.update(|q| { q.hall = text(event_target_value(&ev)); q.page = None; }) />
            </label>
            <label>{move || i18n.tr("状态", "Status")}
                <select name="status" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    query.update(|q| { q.status = CaseStatus::try_from(value).ok(); q.page = None; });
                }>
                    <option value="">{move || i18n.tr("全部", "Any")}</option>
                    {CaseStatus::VARIANTS.iter().map(|s| {
                        let name = s.name();
                        view! { <option value=s.as_str()>{move || i18n.pick(&name)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>{move || i18n.tr("已等待", "Waiting at least")}
                <select name="age" on:change=move |ev| {
                    let days = event_target_value(&ev).parse().ok();
                    query.update(|q| { q.older_than_days = days; q.page = None; });
                }>
                    <option value="">{move || i18n.tr("不限", "Any time")}</option>
                    <option value="1">{move || i18n.tr("1天", "1 day")}</option>
                    <option value="3">{move || i18n.tr("3天", "3 days")}</option>
                    <option value="7">{move || i18n.tr("7天", "7 days")}</option>
                </select>
            </label>
            <label>{move || i18n.tr("排序", "Order")}
                <select name="order" on:change=move |ev| {
                    let order = if event_target_value(&ev) == "newest" { CaseOrder::Newest } else { CaseOrder::Oldest };
                    query.update(|q| { q.order = Some(order); q.page = None; });
                }>
                    <option value="oldest">{move || i18n.tr("最早提交在前", "Oldest first")}</option>
                    <option value="newest">{move || i18n.tr("最新提交在前", "Newest first")}</option>
                </select>
            </label>
        </form>
    }
}

#[component]
fn CaseTable(page: shared::case::CasePage, query: RwSignal<CaseQuery>) -> impl IntoView {
    let i18n = use_i18n();
    if page.cases.is_empty() {
        return view! { <p class="muted">{move || i18n.tr("没有待办的办件。", "Nothing waiting here.")}</p> }
            .into_any();
    }
    let pages = page.total.div_ceil(u64::from(page.page_size)).max(1);
    let current = page.page;
    view! {
        <table class="case-table">
            <caption class="visually-hidden">{move || i18n.tr("办件列表", "Cases")}</caption>
            <thead><tr>
                <th scope="col">{move || i18n.tr("办件编号", "Case no.")}</th>
                <th scope="col">{move || i18n.tr("事项", "Item")}</th>
                <th scope="col">{move || i18n.tr("部门", "Department")}</th>
                <th scope="col">{move || i18n.tr("申请人", "Applicant")}</th>
                <th scope="col">{move || i18n.tr("状态", "Status")}</th>
                <th scope="col">{move || i18n.tr("提交时间", "Submitted")}</th>
            </tr></thead>
            <tbody>
                {page.cases.into_iter().map(|c| {
                    let (item, department, status) = (c.item_name.clone(), c.department.name.clone(), c.status.name());
                    let href = format!("/console/cases/{}", c.case_no);
                    view! {
                        <tr>
                            <td><a href=href class="case-link">{c.case_no.clone()}</a></td>
                            <td>{move || i18n.pick(&item)}{c.pledged.then(|| view! { " "<span class="tag">{move || i18n.tr("承诺", "pledge")}</span> })}</td>
                            <td>{move || i18n.pick(&department)}</td>
                            <td>{c.applicant_name.clone()}</td>
                            <td><span class="badge">{move || i18n.pick(&status)}</span></td>
                            <td>{beijing(c.submitted_at)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pagination" aria-label=move || i18n.tr("分页", "Pages")>
            <button type="button" class="button button--secondary" disabled=current <= 1
                on:click=move |_| query.update(|q| q.page = Some(current - 1))>{move || i18n.tr("上一页", "Previous")}</button>
            <span>{format!("{current} / {pages} · {}", page.total)}</span>
            <button type="button" class="button button--secondary" disabled=u64::from(current) >= pages
                on:click=move |_| query.update(|q| q.page = Some(current + 1))>{move || i18n.tr("下一页", "Next")}</button>
        </nav>
    }
    .into_any()
}

/// 留痕校验 — for supervisors: recompute the audit chain.
#[component]
fn AuditCheck() -> impl IntoView {
    let i18n = use_i18n();
    let auth = crate::auth::use_auth();
    let supervisor = move || {
        auth.identity
            .get()
            .and_then(|me| me.staff)
            .is_some_and(|s| s.roles.contains(&shared::account::Role::Supervisor))
    };
    let result = RwSignal::new(None::<Result<shared::case::AuditVerification, api::ApiError>>);
    let busy = RwSignal::new(false);
    let check = move |_| {
        busy.set(true);
        spawn_local(async move {
            result.set(Some(api::verify_audit().await));
            busy.set(false);
        });
    };
    move || {
        supervisor().then(|| view! {
            <section class="card guide-section" aria-labelledby="audit">
                <h2 id="audit">{move || i18n.tr("留痕校验", "Audit trail check")}</h2>
                <button type="button" class="button button--secondary" on:click=check disabled=move || busy.get()>
                    {move || i18n.tr("重新计算哈希链", "Recompute the hash chain")}
                </button>
                {move || match result.get() {
                    Some(Ok(r)) if r.ok => view! { <p class="notice notice--good" role="status">{move || i18n.tr("全部事件校验一致：", "Every event matches: ")}{r.events}</p> }.into_any(),
                    Some(Ok(r)) => view! { <p class="notice notice--error" role="alert">{move || i18n.tr("发现不一致的事件：", "First event that does not match: ")}{r.first_bad.clone().unwrap_or_default()}</p> }.into_any(),
                    Some(Err(e)) => view! { <ProblemView error=e /> }.into_any(),
                    None => ().into_any(),
                }}
            </section>
        })
    }
}
