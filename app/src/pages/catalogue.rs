//! 办事指南列表 — the catalogue with search, filters and pages. Its state lives in the URL, so a
//! search can be bookmarked, shared and reloaded.

use leptos::ev::Event;
use leptos::prelude::*;
use shared::api::{DepartmentEntry, ItemPage, ItemQuery, MAX_PAGE};
use shared::catalogue::{ItemSummary, ServiceObject, Theme};

use crate::api;
use crate::components::item_card::ItemCard;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::home::SearchForm;
use crate::route;

/// The address of the catalogue for a query.
pub fn catalogue_href(query: &ItemQuery) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(qs) if !qs.is_empty() => format!("/items?{qs}"),
        _ => "/items".to_owned(),
    }
}

/// Reads the catalogue query from the address's query (without its `?`); values that cannot be
/// right are left out rather than sent to be refused. Of a name given twice, the first counts.
pub fn query_from_search(search: &str) -> ItemQuery {
    let params: Vec<(String, String)> = form_urlencoded::parse(search.as_bytes()).into_owned().collect();
    let non_empty =
        |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    ItemQuery {
        q: non_empty("q"),
        object: non_empty("object").and_then(|o| match o.as_str() {
            "person" => Some(ServiceObject::Person),
            "enterprise" => Some(ServiceObject::Enterprise),
            _ => None,
        }),
        theme: non_empty("theme"),
        department: non_empty("department"),
        page: non_empty("page").and_then(|p| p.parse().ok()).filter(|p| (1..=MAX_PAGE).contains(p)),
        per_page: None,
    }
}

/// `/items`
#[component]
pub fn CataloguePage() -> impl IntoView {
    let i18n = use_i18n();
    let search = route::search();
    let query = Memo::new(move |_| search.with(|s| query_from_search(s)));
    let page = Fetched::new(move || {
        let q = query.get();
        async move { api::items(&q).await }
    });
    let themes = Fetched::new(api::themes);
    let departments = Fetched::new(api::departments);
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::CatalogueTitle)}</h1>
            {move || {
                let q = query.get();
                view! { <SearchForm initial=q.q.clone().unwrap_or_default() keep=q /> }
            }}
            <FilterPanel query=query>
                {move || {
                    let themes = themes.get().and_then(Result::ok).unwrap_or_default();
                    let departments = departments.get().and_then(Result::ok).unwrap_or_default();
                    view! { <Filters query=query themes=themes departments=departments /> }
                }}
            </FilterPanel>
            <div class="results" aria-live="polite">
                {move || match page.get() {
                    None => view! { <Loading label=Key::LoadingCatalogue /> }.into_any(),
                    Some(Err(e)) => view! { <ProblemView error=e retry=move || page.refetch() /> }.into_any(),
                    Some(Ok(p)) => {
                        let themes = themes.get().and_then(Result::ok).unwrap_or_default();
                        view! { <Results page=p query=query.get() themes=themes /> }.into_any()
                    }
                }}
            </div>
        </div>
    }
}

/// On a phone the filters fold behind a button that says how many are set, so that the results
/// start on the first screen; on a wider screen they are always shown.
#[component]
fn FilterPanel(query: Memo<ItemQuery>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let set = move || {
        query.with(|q| [q.object.is_some(), q.theme.is_some(), q.department.is_some()].iter().filter(|s| **s).count())
    };
    view! {
        <button type="button" class="button button--secondary filters-toggle" aria-controls="filters"
            aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {move || match set() {
                0 => i18n.tr("筛选", "Filters").to_owned(),
                n => format!("{}（{n}）", i18n.tr("筛选", "Filters")),
            }}
        </button>
        <div id="filters" class="filters-panel" class:filters-panel--open=move || open.get()>{children()}</div>
    }
}

/// The three filters; changing one goes back to page 1.
#[component]
fn Filters(query: Memo<ItemQuery>, themes: Vec<Theme>, departments: Vec<DepartmentEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = route::use_navigate();
    let set = move |change: &dyn Fn(&mut ItemQuery, Option<String>), ev: Event| {
        let value = event_target_value(&ev);
        let mut q = query.get_untracked();
        change(&mut q, (!value.is_empty()).then_some(value));
        q.page = None;
        navigate(&catalogue_href(&q));
    };
    let (set_object, set_theme, set_department) = (set.clone(), set.clone(), set);
    let current = move || query.get();
    let theme_options = move || {
        let object = current().object;
        let selected = current().theme;
        themes
            .iter()
            .filter(|t| object.is_none_or(|o| o == t.service_object))
            .map(|t| {
                let (key, name) = (t.key.clone(), t.name.clone());
                let is_selected = selected.as_deref() == Some(key.as_str());
                view! { <option value=key selected=is_selected>{i18n.pick(&name)}</option> }
            })
            .collect_view()
    };
    let department_options = move || {
        let selected = current().department;
        departments
            .iter()
            .filter(|d| d.items > 0)
            .map(|d| {
                let (code, name) = (d.code.clone(), d.name.clone());
                let is_selected = selected.as_deref() == Some(code.as_str());
                view! { <option value=code selected=is_selected>{i18n.pick(&name)}</option> }
            })
            .collect_view()
    };
    let object_is = move |o: ServiceObject| current().object == Some(o);
    view! {
        <div class="filters">
            <div class="field">
                <label for="filter-object">{move || i18n.t(Key::FilterObject)}</label>
                <select id="filter-object" class="input" on:change=move |ev| set_object(&|q, v| {
                    q.object = v.as_deref().and_then(|v| match v { "person" => Some(ServiceObject::Person), "enterprise" => Some(ServiceObject::Enterprise), _ => None });
                    q.theme = None;
                }, ev)>
                    <option value="" selected=move || current().object.is_none()>{move || i18n.t(Key::FilterAny)}</option>
                    <option value="person" selected=move || object_is(ServiceObject::Person)>{move || i18n.pick(&ServiceObject::Person.name())}</option>
                    <option value="enterprise" selected=move || object_is(ServiceObject::Enterprise)>{move || i18n.pick(&ServiceObject::Enterprise.name())}</option>
                </select>
            </div>
            <div class="field">
                <label for="filter-theme">{move || i18n.t(Key::FilterTheme)}</label>
                <select id="filter-theme" class="input" on:change=move |ev| set_theme(&|q, v| q.theme = v, ev)>
                    <option value="" selected=move || current().theme.is_none()>{move || i18n.t(Key::FilterAny)}</option>
                    {theme_options}
                </select>
            </div>
            <div class="field">
                <label for="filter-department">{move || i18n.t(Key::FilterDepartment)}</label>
                <select id="filter-department" class="input" on:change=move |ev| set_department(&|q, v| q.department = v, ev)>
                    <option value="" selected=move || current().department.is_none()>{move || i18n.t(Key::FilterAny)}</option>
                    {department_options}
                </select>
            </div>
        </div>
    }
}

/// 相近事项 — after a search that found nothing: the nearest items, if any, and the themes
/// to browse by.
#[component]
fn NothingFound(suggestions: Vec<ItemSummary>, object: Option<ServiceObject>, themes: Vec<Theme>) -> impl IntoView {
    let i18n = use_i18n();
    let near = (!suggestions.is_empty()).then(|| {
        let cards = suggestions.into_iter().map(|item| view! { <ItemCard item=item /> }).collect_view();
        view! {
            <section aria-labelledby="suggestions">
                <h2 id="suggestions">{move || i18n.tr("您是不是要找", "Did you mean")}</h2>
                <ul class="item-list">{cards}</ul>
            </section>
        }
    });
    let links = themes
        .into_iter()
        .filter(|t| object.is_none_or(|o| o == t.service_object))
        .map(|t| {
            let href = catalogue_href(&ItemQuery {
                object: Some(t.service_object),
                theme: Some(t.key.clone()),
                ..Default::default()
            });
            let name = t.name;
            view! { <li><a class="chip" href=href>{move || i18n.pick(&name)}</a></li> }
        })
        .collect_view();
    view! {
        {near}
        <section aria-labelledby="browse-themes">
            <h2 id="browse-themes">{move || i18n.tr("按主题查找", "Browse by theme")}</h2>
            <ul class="chips">{links}</ul>
        </section>
    }
}

/// The count, the cards and the pager of one page of results.
#[component]
fn Results(page: ItemPage, query: ItemQuery, themes: Vec<Theme>) -> impl IntoView {
    let i18n = use_i18n();
    let total = page.total;
    let pages = page.pages();
    let current = page.page;
    let object = query.object;
    let link = move |n: u32| catalogue_href(&ItemQuery { page: (n > 1).then_some(n), ..query.clone() });
    let (prev, next) = (link(current.saturating_sub(1).max(1)), link(current + 1));
    if page.items.is_empty() {
        return view! {
            <p class="result-count">{move || i18n.fmt(Key::ResultsCount, total)}</p>
            <div class="notice">
                <p>{move || i18n.t(Key::NoResults)}</p>
                <a href="/items">{move || i18n.t(Key::ClearFilters)}</a>
            </div>
            <NothingFound suggestions=page.suggestions object=object themes=themes />
        }
        .into_any();
    }
    let cards = page.items.into_iter().map(|item| view! { <ItemCard item=item /> }).collect_view();
    view! {
        <p class="result-count">{move || i18n.fmt(Key::ResultsCount, total)}</p>
        <ul class="item-list">{cards}</ul>
        {(pages > 1).then(|| view! {
            <nav class="pager" aria-label=move || i18n.t(Key::Pagination)>
                {(current > 1).then(|| view! { <a class="button button--secondary" rel="prev" href=prev.clone()>{move || i18n.t(Key::PagePrevious)}</a> })}
                <span class="pager__state">{move || format!("{} / {pages}", i18n.fmt(Key::PageOf, current))}</span>
                {(current < pages).then(|| view! { <a class="button button--secondary" rel="next" href=next.clone()>{move || i18n.t(Key::PageNext)}</a> })}
            </nav>
        })}
    }
    .into_any()
}

/// Run under Node by `.ci/run` (`cargo test -p app --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn the_catalogue_reads_its_query_back_from_the_address_it_made() {
        let query = ItemQuery {
            q: Some("居住证 & 签注".to_owned()),
            object: Some(ServiceObject::Enterprise),
            theme: Some("开办企业".to_owned()),
            department: Some("DG-SCJGJ".to_owned()),
            page: Some(3),
            per_page: None,
        };
        let href = catalogue_href(&query);
        let search = href.strip_prefix("/items?").expect("a query");
        assert_eq!(query_from_search(search), query);
        assert_eq!(query_from_search(""), ItemQuery::default());
    }

    #[wasm_bindgen_test]
    fn of_the_address_the_catalogue_leaves_out_what_cannot_be_right_and_takes_a_name_s_first_value() {
        let query = query_from_search("q=+%20&object=alien&theme=&page=0&department=D1&department=D2&x=1");
        assert_eq!(query, ItemQuery { department: Some("D1".to_owned()), ..ItemQuery::default() });
        assert_eq!(query_from_search("page=10001").page, None);
        assert_eq!(query_from_search("page=10000&object=person").page, Some(MAX_PAGE));
        assert_eq!(query_from_search("q=%E5%B1%85+").q.as_deref(), Some("居"));
    }
}
