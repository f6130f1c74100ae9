//! 效能监察看板 — the supervisors' live dashboard: open cases by department, item and hall with
//! their yellow and red cards, the latest cards as they are raised, and three charts drawn here
//! as SVG (on-time rate by department, cards per day, processing time per item). It follows the
//! server's event stream, so nothing needs reloading; every table can be downloaded as CSV.

use leptos::prelude::*;
use shared::Bilingual;
use shared::supervision::{
    CardsOnDay, DURATION_BUCKETS, ItemDurations, OnTimeRate, OpenCount, SupervisionOverview, bucket_label,
};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::closure::Closure;

use crate::components::status::Loading;
use crate::console::cards::CardItem;
use crate::i18n::use_i18n;
use crate::pages::receipt::beijing;

/// Whether the stream is live.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Link {
    Connecting,
    Live,
    Lost,
}

/// `/console/supervision`
#[component]
pub fn SupervisionPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = RwSignal::new(None::<SupervisionOverview>);
    let link = RwSignal::new(Link::Connecting);
    follow(overview, link);
    view! {
        <div class="container page dashboard">
            <h1>{move || i18n.tr("效能监察看板", "Supervision dashboard")}</h1>
            <p class="muted" role="status" data-testid="link">
                {move || match link.get() {
                    Link::Connecting => i18n.tr("正在连接…", "Connecting…").to_owned(),
                    Link::Live => format!("{}{}", i18n.tr("实时更新 · 最近一次 ", "Live · last update "),
                        overview.get().map(|o| beijing(o.at)).unwrap_or_default()),
                    Link::Lost => i18n.tr("连接中断，正在重新连接…", "Connection lost, reconnecting…").to_owned(),
                }}
            </p>
            {move || match overview.get() {
                None => view! { <Loading /> }.into_any(),
                Some(o) => view! { <Overview overview=o /> }.into_any(),
            }}
        </div>
    }
}

/// Follows `/api/v1/supervision/stream`: each `overview` event replaces the one shown. The
/// browser's EventSource reconnects by itself; the stream closes when the page goes away.
fn follow(overview: RwSignal<Option<SupervisionOverview>>, link: RwSignal<Link>) {
    let Ok(source) = web_sys::EventSource::new("/api/v1/supervision/stream") else {
        link.set(Link::Lost);
        return;
    };
    let on_overview = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(data) = e.data().as_string()
            && let Ok(o) = crate::json::from_json::<SupervisionOverview>(&data)
        {
            overview.set(Some(o));
            link.set(Link::Live);
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| link.set(Link::Lost));
    let _ = source.add_event_listener_with_callback("overview", on_overview.as_ref().unchecked_ref());
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let source = send_wrapper::SendWrapper::new((source, on_overview, on_error));
    on_cleanup(move || source.0.close());
}

#[component]
fn Overview(overview: SupervisionOverview) -> impl IntoView {
    let i18n = use_i18n();
    let open: u64 = overview.by_department.iter().map(|c| c.open).sum();
    let red: u64 = overview.by_department.iter().map(|c| c.red).sum();
    let unresolved = overview.unresolved_cards;
    let reload = Callback::new(|()| {});
    view! {
        <div class="tiles">
            <p class="tile"><span class="tile__n" data-testid="open-cases">{open}</span>{move || i18n.tr("在办件", "open cases")}</p>
            <p class="tile tile--red"><span class="tile__n" data-testid="red-cases">{red}</span>{move || i18n.tr("红牌在办件", "open with a red card")}</p>
            <p class="tile"><span class="tile__n" data-testid="unresolved-cards">{unresolved}</span>{move || i18n.tr("未办结督办卡", "unresolved cards")}</p>
        </div>
        <section class="card guide-section" aria-labelledby="latest-cards">
            <h2 id="latest-cards">{move || i18n.tr("最新督办卡", "Latest cards")}</h2>
            {if overview.cards.is_empty() {
                view! { <p class="muted">{move || i18n.tr("没有未办结的督办卡。", "No unresolved cards.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="cards">
                        {overview.cards.into_iter().map(|c| view! { <CardItem card=c reload=reload /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <div class="dashboard__charts">
            <OnTimeChart rates=overview.on_time />
            <CardsChart days=overview.cards_by_day />
            <DurationChart items=overview.durations />
        </div>
        <OpenTable title=Bilingual::new("在办件（按部门）", "Open cases by department") file="open-by-department.csv" rows=overview.by_department />
        <OpenTable title=Bilingual::new("在办件（按事项）", "Open cases by item") file="open-by-item.csv" rows=overview.by_item />
        <OpenTable title=Bilingual::new("在办件（按出件大厅）", "Open cases by hall") file="open-by-hall.csv" rows=overview.by_hall />
    }
}

/// A table of open cases with its CSV.
#[component]
fn OpenTable(title: Bilingual, file: &'static str, rows: Vec<OpenCount>) -> impl IntoView {
    let i18n = use_i18n();
    let csv = csv_href(
        &["code", "name", "open", "yellow", "red"],
        rows.iter().map(|r| {
            vec![r.key.clone(), r.name.zh.clone(), r.open.to_string(), r.yellow.to_string(), r.red.to_string()]
        }),
    );
    let heading = title.clone();
    view! {
        <section class="card guide-section">
            <h2>{move || i18n.pick(&heading)}</h2>
            <table class="data-table">
                <thead><tr>
                    <th scope="col">{move || i18n.tr("名称", "Name")}</th>
                    <th scope="col">{move || i18n.tr("在办", "Open")}</th>
                    <th scope="col">{move || i18n.tr("黄牌", "Yellow")}</th>
                    <th scope="col">{move || i18n.tr("红牌", "Red")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let name = r.name.clone();
                        view! { <tr><th scope="row">{move || i18n.pick(&name)}</th><td>{r.open}</td><td>{r.yellow}</td><td>{r.red}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
            <a class="button button--ghost" href=csv download=file>{move || i18n.tr("导出 CSV", "Download CSV")}</a>
        </section>
    }
}

/// 按时办结率 — one bar per department.
#[component]
fn OnTimeChart(rates: Vec<OnTimeRate>) -> impl IntoView {
    let i18n = use_i18n();
    let csv = csv_href(
        &["department", "concluded", "on_time"],
        rates.iter().map(|r| vec![r.department.name.zh.clone(), r.concluded.to_string(), r.on_time.to_string()]),
    );
    let (row, width) = (28.0, 300.0);
    let height = (rates.len().max(1) as f64) * row;
    view! {
        <figure class="card chart">
            <figcaption>{move || i18n.tr("按时办结率（近90天，按部门）", "On-time rate, last 90 days, by department")}</figcaption>
            <svg viewBox=format!("0 0 {} {height}", width + 160.0) role="img"
                aria-label=move || i18n.tr("各部门按时办结率条形图", "Bar chart of each department's on-time rate")>
                {rates.iter().enumerate().map(|(i, r)| {
                    let share = if r.concluded == 0 { 0.0 } else { r.on_time as f64 / r.concluded as f64 };
                    let y = i as f64 * row;
                    let name = r.department.name.clone();
                    let label = format!("{:.0}% ({}/{})", share * 100.0, r.on_time, r.concluded);
                    view! {
                        <text x="0" y=y + 18.0 class="chart__label">{move || i18n.pick(&name)}</text>
                        <rect x="150" y=y + 6.0 width=width height="16" class="chart__track" />
                        <rect x="150" y=y + 6.0 width=width * share height="16" class="chart__bar" />
                        <text x=width + 155.0 y=y + 18.0 class="chart__value">{label}</text>
                    }
                }).collect_view()}
            </svg>
            <a class="button button--ghost" href=csv download="on-time.csv">{move || i18n.tr("导出 CSV", "Download CSV")}</a>
        </figure>
    }
}

/// 亮牌趋势 — yellow and red cards per day, stacked.
#[component]
fn CardsChart(days: Vec<CardsOnDay>) -> impl IntoView {
    let i18n = use_i18n();
    let csv = csv_href(
        &["day", "yellow", "red"],
        days.iter().map(|d| vec![d.day.to_string(), d.yellow.to_string(), d.red.to_string()]),
    );
    let most = days.iter().map(|d| d.yellow + d.red).max().unwrap_or(0).max(1) as f64;
    let (column, height) = (14.0, 120.0);
    let first = days.first().map(|d| d.day.to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.day.to_string()).unwrap_or_default();
    let width = days.len() as f64 * column;
    view! {
        <figure class="card chart">
            <figcaption>{move || i18n.tr("每日亮牌（近30天）", "Cards per day, last 30 days")}</figcaption>
            <svg viewBox=format!("0 0 {width} {}", height + 20.0) role="img"
                aria-label=move || i18n.tr("每日黄牌、红牌数量柱状图", "Column chart of yellow and red cards per day")>
                {days.iter().enumerate().map(|(i, d)| {
                    let x = i as f64 * column + 2.0;
                    let red = d.red as f64 / most * height;
                    let yellow = d.yellow as f64 / most * height;
                    let title = format!("{}: {} / {}", d.day, d.yellow, d.red);
                    view! {
                        <g><title>{title}</title>
                            <rect x=x y=height - red width=column - 4.0 height=red class="chart__red" />
                            <rect x=x y=height - red - yellow width=column - 4.0 height=yellow class="chart__yellow" />
                        </g>
                    }
                }).collect_view()}
                <text x="0" y=height + 16.0 class="chart__label">{first}</text>
                <text x=width y=height + 16.0 text-anchor="end" class="chart__label">{last}</text>
            </svg>
            <p class="chart__legend">
                <span class="swatch swatch--yellow"></span>{move || i18n.tr("黄牌", "Yellow")}" "
                <span class="swatch swatch--red"></span>{move || i18n.tr("红牌", "Red")}
            </p>
            <a class="button button--ghost" href=csv download="cards-per-day.csv">{move || i18n.tr("导出 CSV", "Download CSV")}</a>
        </figure>
    }
}

/// 办理用时分布 — for each item, how many cases took how many working days.
#[component]
fn DurationChart(items: Vec<ItemDurations>) -> impl IntoView {
    let i18n = use_i18n();
    let mut header = vec!["item".to_owned()];
    header.extend((0..DURATION_BUCKETS.len()).map(bucket_label));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let csv = csv_href(
        &header_refs,
        items.iter().map(|d| {
            let mut row = vec![d.item_name.zh.clone()];
            row.extend(d.counts.iter().map(u64::to_string));
            row
        }),
    );
    let (bar, height) = (24.0, 40.0);
    view! {
        <figure class="card chart">
            <figcaption>{move || i18n.tr("办理用时分布（工作日，近90天，按事项）", "Working days taken, last 90 days, by item")}</figcaption>
            {if items.is_empty() {
                view! { <p class="muted">{move || i18n.tr("近90天没有办结的办件。", "Nothing concluded in the last 90 days.")}</p> }.into_any()
            } else {
                items.into_iter().map(|d| {
                    let most = d.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
                    let name = d.item_name.clone();
                    let label = name.clone();
                    view! {
                        <div class="duration">
                            <p class="chart__label">{move || i18n.pick(&name)}</p>
                            <svg viewBox=format!("0 0 {} {}", bar * DURATION_BUCKETS.len() as f64, height + 14.0) role="img"
                                aria-label=move || format!("{} {}", i18n.pick(&label), i18n.tr("办理用时分布", "working days taken"))>
                                {d.counts.iter().enumerate().map(|(i, n)| {
                                    let h = *n as f64 / most * height;
                                    let x = i as f64 * bar;
                                    view! {
                                        <g><title>{format!("{}: {n}", bucket_label(i))}</title>
                                            <rect x=x + 2.0 y=height - h width=bar - 4.0 height=h class="chart__bar" />
                                            <text x=x + bar / 2.0 y=height + 12.0 text-anchor="middle" class="chart__tick">{bucket_label(i)}</text>
                                        </g>
                                    }
                                }).collect_view()}
                            </svg>
                        </div>
                    }
                }).collect_view().into_any()
            }}
            <a class="button button--ghost" href=csv download="working-days-by-item.csv">{move || i18n.tr("导出 CSV", "Download CSV")}</a>
        </figure>
    }
}

/// A CSV file as a `data:` address for a download link: UTF-8 with a byte-order mark (so that
/// spreadsheet programs read the Chinese), each field quoted.
fn csv_href(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let quote = |f: &str| format!("\"{}\"", f.replace('"', "\"\""));
    let mut text = String::from("\u{feff}");
    text.push_str(&header.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
    text.push_str("\r\n");
    for row in rows {
        text.push_str(&row.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    format!("data:text/csv;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&text)))
}
