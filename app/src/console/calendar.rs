//! 工作日历 — a year's working and non-working days as the platform counts them, and for
//! catalogue administrators the form that enters the State Council's notice for a year: its
//! public holidays and make-up working days. The server checks the notice field by field and
//! records who entered it.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Bilingual;
use shared::account::Role;
use shared::calendar::{CalendarYear, DayKind, Holiday, MakeUpDay, YearNotice};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::use_i18n;

/// `/console/calendar`
#[component]
pub fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let this_year = js_sys::Date::new_0().get_full_year() as i32;
    let year = RwSignal::new(this_year);
    let shown = Fetched::new(move || {
        let y = year.get();
        async move { api::calendar_year(y).await }
    });
    let reload = Callback::new(move |()| shown.refetch());
    let admin = use_auth()
        .identity
        .get_untracked()
        .and_then(|me| me.staff)
        .is_some_and(|s| s.roles.contains(&Role::CatalogueAdmin));
    view! {
        <div class="container page">
            <h1>{move || i18n.tr("工作日历", "Working-day calendar")}</h1>
            <div class="queue-tabs" role="tablist" aria-label=move || i18n.tr("年份", "Year")>
                {(this_year - 1..=this_year + 1).map(|y| view! {
                    <button type="button" role="tab" class="queue-tab" aria-selected=move || (year.get() == y).to_string()
                        on:click=move |_| year.set(y)>{y}</button>
                }).collect_view()}
            </div>
            {move || match shown.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=reload /> }.into_any(),
                Some(Ok(cal)) => view! {
                    <YearView calendar=cal.clone() />
                    {admin.then(|| view! { <NoticeForm calendar=cal reload=reload /> })}
                }.into_any(),
            }}
        </div>
    }
}

/// The year: whether a notice is entered, its holidays and make-up days, and a month grid.
#[component]
fn YearView(calendar: CalendarYear) -> impl IntoView {
    let i18n = use_i18n();
    let summary = match &calendar.notice {
        Some(n) => Bilingual::new(
            format!("{} 年共 {} 个工作日。依据：{}", calendar.year, calendar.working_days, n.source),
            format!("{} has {} working days, by: {}", calendar.year, calendar.working_days, n.source),
        ),
        None => Bilingual::new(
            format!(
                "{} 年的节假日安排尚未录入：按周一至周五计算（{} 个工作日），办件时限注明为推定。",
                calendar.year, calendar.working_days
            ),
            format!(
                "No holiday notice for {} is entered: it is counted as Monday to Friday ({} working days), and due dates say so.",
                calendar.year, calendar.working_days
            ),
        ),
    };
    let months: Vec<Vec<(NaiveDate, DayKind)>> = (1..=12)
        .map(|m| calendar.days.iter().filter(|d| d.date.month() == m).map(|d| (d.date, d.kind.clone())).collect())
        .collect();
    view! {
        <section class="card guide-section">
            <p class:notice=calendar.assumed data-testid="calendar-summary">{move || i18n.pick(&summary)}</p>
            <div class="months">
                {months.into_iter().enumerate().map(|(i, days)| view! { <Month number=i as u32 + 1 days=days /> }).collect_view()}
            </div>
            <p class="chart__legend">
                <span class="day day--off">"休"</span>{move || i18n.tr(" 节假日 ", " holiday ")}
                <span class="day day--makeup">"班"</span>{move || i18n.tr(" 调休上班 ", " make-up working day ")}
                <span class="day day--weekend">"末"</span>{move || i18n.tr(" 周末", " weekend")}
            </p>
        </section>
    }
}

#[component]
fn Month(number: u32, days: Vec<(NaiveDate, DayKind)>) -> impl IntoView {
    let i18n = use_i18n();
    let blanks = days.first().map(|(d, _)| d.weekday().num_days_from_monday()).unwrap_or(0);
    let caption = Bilingual::new(format!("{number}月"), MONTHS_EN[number as usize - 1]);
    view! {
        <figure class="month">
            <figcaption>{move || i18n.pick(&caption)}</figcaption>
            <div class="month__grid">
                {(0..blanks).map(|_| view! { <span></span> }).collect_view()}
                {days.into_iter().map(|(date, kind)| {
                    let (class, title) = match &kind {
                        DayKind::Working => ("day", Bilingual::new("工作日", "working day")),
                        DayKind::Weekend => ("day day--weekend", Bilingual::new("周末", "weekend")),
                        DayKind::Holiday { name } => ("day day--off", name.clone()),
                        DayKind::MakeUp { holiday } => ("day day--makeup",
                            Bilingual::new(format!("{}调休上班", holiday.zh), format!("make-up day for {}", holiday.en))),
                    };
                    view! { <span class=class title=move || format!("{date} {}", i18n.pick(&title))>{date.day()}</span> }
                }).collect_view()}
            </div>
        </figure>
    }
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// 录入节假日安排 — the notice's holidays and make-up days, one row each, for a catalogue
/// administrator; what is wrong comes back field by field.
#[component]
fn NoticeForm(calendar: CalendarYear, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let year = calendar.year;
    let start = calendar.notice.clone().unwrap_or(YearNotice {
        year,
        source: String::new(),
        holidays: Vec::new(),
        make_up_days: Vec::new(),
    });
    let source = RwSignal::new(start.source.clone());
    let holidays = RwSignal::new(start.holidays.clone());
    let make_up = RwSignal::new(start.make_up_days.clone());
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let notice = YearNotice {
            year,
            source: source.get_untracked(),
            holidays: holidays.get_untracked(),
            make_up_days: make_up.get_untracked(),
        };
        busy.set(true);
        failure.set(None);
        saved.set(false);
        spawn_local(async move {
            match api::enter_notice(&notice).await {
                Ok(_) => {
                    saved.set(true);
                    reload.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card guide-section action-form notice-form" on:submit=submit>
            <h2>{move || format!("{}{year}{}", i18n.tr("录入 ", "Enter the "), i18n.tr(" 年节假日安排", " holiday notice"))}</h2>
            <label for="notice-source">{move || i18n.tr("通知文号及发布日期", "The notice: number and date")}</label>
            <input id="notice-source" type="text" prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev)) />
            <fieldset>
                <legend>{move || i18n.tr("放假安排", "Public holidays")}</legend>
                {move || holidays.get().into_iter().enumerate().map(|(i, h)| view! { <HolidayRow i=i holiday=h holidays=holidays /> }).collect_view()}
                <button type="button" class="button button--ghost" on:click=move |_| holidays.update(|hs| hs.push(Holiday {
                    name: Bilingual::new("", ""), start: first, end: first,
                }))>{move || i18n.tr("添加假期", "Add a holiday")}</button>
            </fieldset>
            <fieldset>
                <legend>{move || i18n.tr("调休上班日", "Make-up working days")}</legend>
                {move || make_up.get().into_iter().enumerate().map(|(i, m)| view! { <MakeUpRow i=i day=m make_up=make_up holidays=holidays /> }).collect_view()}
                <button type="button" class="button button--ghost" on:click=move |_| make_up.update(|ms| ms.push(MakeUpDay {
                    date: first, holiday: holidays.get_untracked().first().map(|h| h.name.clone()).unwrap_or_else(|| Bilingual::new("", "")),
                }))>{move || i18n.tr("添加调休上班日", "Add a make-up day")}</button>
            </fieldset>
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            {move || saved.get().then(|| view! { <p role="status" class="tag tag--good">{i18n.tr("已录入，自下一次计算起生效。", "Entered: it counts from the next due date on.")}</p> })}
            <button type="submit" class="button button--primary" disabled=move || busy.get()>{move || i18n.tr("保存节假日安排", "Save the notice")}</button>
        </form>
    }
}

fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

#[component]
fn HolidayRow(i: usize, holiday: Holiday, holidays: RwSignal<Vec<Holiday>>) -> impl IntoView {
    let i18n = use_i18n();
    let set = move |f: &dyn Fn(&mut Holiday)| {
        holidays.update(|hs| {
            if let Some(h) = hs.get_mut(i) {
                f(h)
            }
        })
    };
    let id = |field: &str| format!("holiday-{i}-{field}");
    view! {
        <div class="notice-row">
            <label for=id("zh")>{move || i18n.tr("名称", "Name (Chinese)")}</label>
            <input id=id("zh") type="text" value=holiday.name.zh.clone() on:input=move |ev| { let v = event_target_value(&ev); set(&|h| h.name.zh = v.clone()) } />
            <label for=id("en")>{move || i18n.tr("英文名称", "Name (English)")}</label>
            <input id=id("en") type="text" value=holiday.name.en.clone() on:input=move |ev| { let v = event_target_value(&ev); set(&|h| h.name.en = v.clone()) } />
            <label for=id("start")>{move || i18n.tr("起", "From")}</label>
            <input id=id("start") type="date" value=holiday.start.to_string() on:change=move |ev| {
                if let Some(d) = parse_date(&event_target_value(&ev)) { set(&|h| h.start = d) } } />
            <label for=id("end")>{move || i18n.tr("止", "To")}</label>
            <input id=id("end") type="date" value=holiday.end.to_string() on:change=move |ev| {
                if let Some(d) = parse_date(&event_target_value(&ev)) { set(&|h| h.end = d) } } />
            <button type="button" class="button button--ghost" on:click=move |_| holidays.update(|hs| { if i < hs.len() { hs.remove(i); } })>
                {move || i18n.tr("删除", "Remove")}</button>
        </div>
    }
}

#[component]
fn MakeUpRow(
    i: usize,
    day: MakeUpDay,
    make_up: RwSignal<Vec<MakeUpDay>>,
    holidays: RwSignal<Vec<Holiday>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = |field: &str| format!("makeup-{i}-{field}");
    let chosen = day.holiday.zh.clone();
    view! {
        <div class="notice-row">
            <label for=id("date")>{move || i18n.tr("日期", "Date")}</label>
            <input id=id("date") type="date" value=day.date.to_string() on:change=move |ev| {
                if let Some(d) = parse_date(&event_target_value(&ev)) {
                    make_up.update(|ms| if let Some(m) = ms.get_mut(i) { m.date = d });
                } } />
            <label for=id("holiday")>{move || i18n.tr("调休对应的假期", "For the holiday")}</label>
            <select id=id("holiday") on:change=move |ev| {
                let zh = event_target_value(&ev);
                if let Some(h) = holidays.get_untracked().into_iter().find(|h| h.name.zh == zh) {
                    make_up.update(|ms| if let Some(m) = ms.get_mut(i) { m.holiday = h.name.clone() });
                }
            }>
                {move || holidays.get().into_iter().map(|h| {
                    let selected = h.name.zh == chosen;
                    view! { <option value=h.name.zh.clone() selected=selected>{i18n.pick(&h.name)}</option> }
                }).collect_view()}
            </select>
            <button type="button" class="button button--ghost" on:click=move |_| make_up.update(|ms| { if i < ms.len() { ms.remove(i); } })>
                {move || i18n.tr("删除", "Remove")}</button>
        </div>
    }
}
