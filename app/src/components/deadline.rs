//! 办理时限 — a case's deadline as the applicant and staff read it: the due date in plain words,
//! where the case stands against it, the pause under way (why and since when), and, opened on
//! request, how the date was counted.

use leptos::prelude::*;
use shared::Bilingual;
use shared::calendar::{Alarm, plain_date};
use shared::supervision::CaseDeadline;

use crate::i18n::use_i18n;

/// The deadline panel; `staff` adds each step's share of the limit and the statutory limit.
#[component]
pub fn DeadlinePanel(deadline: CaseDeadline, #[prop(optional)] staff: bool) -> impl IntoView {
    let i18n = use_i18n();
    let due = plain_date(deadline.due.due);
    let (badge_zh, badge_en, class) = match (deadline.concluded_on.is_some(), deadline.alarm) {
        (true, Alarm::Red) => ("超期办结", "Concluded late", "badge badge--red"),
        (true, _) => ("按时办结", "Concluded on time", "badge badge--good"),
        (false, _) if deadline.paused.is_some() => ("暂停计时", "Clock stopped", "badge"),
        (false, Alarm::OnTime) => ("正常", "On time", "badge badge--good"),
        (false, Alarm::Yellow) => ("黄牌预警", "Yellow card: near the limit", "badge badge--yellow"),
        (false, Alarm::Red) => ("红牌超期", "Red card: past the limit", "badge badge--red"),
    };
    let promised = deadline.promised_working_days;
    let remaining = deadline.remaining;
    let concluded = deadline.concluded_on.is_some();
    let paused = deadline.paused.clone().map(|p| {
        let (kind, since) = (p.kind.name(), plain_date(p.from));
        let text = Bilingual::new(
            format!("自{}起因{}暂停计时：{}。恢复后继续计算，暂停期间的工作日不计入办理时限。", since.zh, kind.zh, p.reason),
            format!(
                "The clock stopped on {} for {}: {}. It runs again when that is done; the working days in between do not count.",
                since.en, kind.en, p.reason
            ),
        );
        view! { <p class="deadline__paused" role="status">{move || i18n.pick(&text)}</p> }
    });
    let extension = deadline.extension.clone().map(|e| {
        let text = Bilingual::new(
            format!("已经批准延期 {} 个工作日：{}", e.working_days, e.reason),
            format!("Extended by {} working days with approval: {}", e.working_days, e.reason),
        );
        view! { <p class="muted">{move || i18n.pick(&text)}</p> }
    });
    let statutory = plain_date(deadline.statutory_due);
    let statutory_days = deadline.statutory_working_days;
    let statutory_text = Bilingual::new(
        format!("法定时限 {statutory_days} 个工作日，至 {}。", statutory.zh),
        format!("Statutory limit {statutory_days} working days: {}.", statutory.en),
    );
    let due_text = if concluded {
        Bilingual::new(
            format!("承诺 {promised} 个工作日，应于 {} 24:00 前办结。", due.zh),
            format!("Promised within {promised} working days: due by the end of {}.", due.en),
        )
    } else {
        Bilingual::new(
            format!("承诺 {promised} 个工作日，最迟于 {} 24:00 前办结。", due.zh),
            format!("Promised within {promised} working days: by the end of {}.", due.en),
        )
    };
    let remaining_text =
        Bilingual::new(format!("还剩 {remaining} 个工作日。"), format!("{remaining} working days left."));
    let steps = deadline.steps.clone();
    let notes = deadline.due.explanation.clone();
    let assumed = deadline.due.assumed;
    view! {
        <section class="card guide-section deadline" aria-labelledby="deadline">
            <h2 id="deadline">{move || i18n.tr("办理时限", "Time limit")}" "<span class=class>{move || i18n.tr(badge_zh, badge_en)}</span></h2>
            <p class="deadline__due">
                {move || i18n.pick(&due_text)}
                {(!concluded).then(|| view! {
                    " "<strong class="deadline__remaining">{move || i18n.pick(&remaining_text)}</strong>
                })}
            </p>
            {paused}
            {extension}
            {assumed.then(|| view! {
                <p class="muted">{move || i18n.tr("部分日期所在年份的节假日安排尚未发布，按周一至周五计算，届时可能调整。",
                    "A year's holiday notice is not out yet: its days are counted as Monday to Friday and may change.")}</p>
            })}
            {staff.then(|| view! {
                <p class="muted">{move || i18n.pick(&statutory_text)}</p>
                <ul class="deadline__steps">
                    {steps.iter().map(|s| {
                        let name = s.kind.name();
                        let (days, on) = (s.working_days, s.due);
                        view! { <li>{move || i18n.pick(&name)}" "{days}{move || i18n.tr(" 个工作日，至 ", " working days, until ")}{on.to_string()}</li> }
                    }).collect_view()}
                </ul>
            })}
            <details class="deadline__explanation">
                <summary>{move || i18n.tr("时限如何计算", "How this date was counted")}</summary>
                <ol>{notes.into_iter().map(|n| view! { <li>{move || i18n.pick(&n.text)}</li> }).collect_view()}</ol>
            </details>
        </section>
    }
}
