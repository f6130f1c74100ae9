//! 首页 — search, and the themes for persons and for businesses.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::api::ItemQuery;
use shared::catalogue::{ServiceObject, Theme};

use crate::api;
use crate::components::layout::use_elderly;
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::catalogue::catalogue_href;
use crate::route;

/// 长辈模式的常用服务 — the services older residents come for most, in this order: the
/// simplified home page offers them as large buttons.
const EVERYDAY_SERVICES: [&str; 6] =
    ["DG-GR-0010", "DG-GR-0005", "DG-GR-0008", "DG-GR-0002", "DG-GR-0009", "DG-GR-0004"];

/// `/`: in 长辈模式 the simplified home page, else the full one.
#[component]
pub fn HomePage() -> impl IntoView {
    let elderly = use_elderly();
    move || if elderly.0.get() { view! { <SimpleHome /> }.into_any() } else { view! { <FullHome /> }.into_any() }
}

/// The simplified home page: search, the everyday services as large buttons, progress.
#[component]
fn SimpleHome() -> impl IntoView {
    let i18n = use_i18n();
    let items = Fetched::new(|| async {
        api::items(&ItemQuery { object: Some(ServiceObject::Person), per_page: Some(100), ..Default::default() }).await
    });
    view! {
        <section class="hero hero--simple">
            <div class="container">
                <h1 class="hero__title">{move || i18n.t(Key::HeroTitle)}</h1>
                <SearchForm />
            </div>
        </section>
        <div class="container page">
            <h2>{move || i18n.tr("常用服务", "Everyday services")}</h2>
            {move || match items.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || items.refetch() /> }.into_any(),
                Some(Ok(page)) => {
                    let buttons = EVERYDAY_SERVICES
                        .iter()
                        .filter_map(|code| page.items.iter().find(|i| i.code.as_str() == *code))
                        .map(|item| {
                            let (href, name) = (format!("/items/{}", item.code), item.name.clone());
                            view! { <li><a class="big-link" href=href>{move || i18n.pick(&name)}</a></li> }
                        })
                        .collect_view();
                    view! { <ul class="big-links">{buttons}</ul> }.into_any()
                }
            }}
            <ul class="big-links">
                <li><a class="big-link big-link--plain" href="/progress">{move || i18n.t(Key::NavProgress)}</a></li>
                <li><a class="big-link big-link--plain" href="/items">{move || i18n.t(Key::BrowseAll)}</a></li>
            </ul>
        </div>
    }
}

/// The full home page: search, the themes for persons and businesses, the one-form bundles.
#[component]
fn FullHome() -> impl IntoView {
    let i18n = use_i18n();
    let themes = Fetched::new(api::themes);
    let bundles = Fetched::new(api::bundle_briefs);
    view! {
        <section class="hero">
            <div class="container">
                <h1 class="hero__title">{move || i18n.t(Key::HeroTitle)}</h1>
                <p class="hero__lead">{move || i18n.t(Key::HeroLead)}</p>
                <SearchForm />
            </div>
        </section>
        <div class="container">
            {move || match themes.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || themes.refetch() /> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="theme-columns">
                        <ThemeGroup object=ServiceObject::Person title=Key::ForPersons themes=list.clone() />
                        <ThemeGroup object=ServiceObject::Enterprise title=Key::ForEnterprises themes=list />
                    </div>
                }.into_any(),
            }}
            // The bundles come in below the themes once both are here, so that neither pushes the other.
            {move || match (themes.get().is_some(), bundles.get()) {
                (true, Some(Ok(list))) if !list.is_empty() => view! {
                    <section class="bundles" aria-labelledby="bundles">
                        <h2 id="bundles">{move || i18n.t(Key::BundlesTitle)}</h2>
                        <p class="muted">{move || i18n.t(Key::BundlesLead)}</p>
                        <ul class="item-list">
                            {list.into_iter().map(|b| {
                                let codes: Vec<&str> = b.items.iter().map(|c| c.as_str()).collect();
                                // A bundle with items that apply only in some situations asks
                                // about them before the form.
                                let href = if b.conditional_items == 0 {
                                    format!("/apply?items={}", codes.join(","))
                                } else {
                                    format!("/apply?items={}&bundle={}", codes.join(","), b.code)
                                };
                                let (name, count) = (b.name.clone(), b.items.len());
                                view! {
                                    <li>
                                        <a class="item-card__link" href=href>
                                            <span class="item-card__name">{move || i18n.pick(&name)}</span>
                                            <span class="item-card__meta">{move || i18n.fmt(Key::BundleItems, count)}" · "{move || i18n.t(Key::ApplyOnline)}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
                .into_any(),
                _ => ().into_any(),
            }}
            // Shown with the themes, not before them: a button below a loading indicator would
            // jump when they arrive.
            {move || (themes.get().is_some() && bundles.get().is_some()).then(|| view! {
                <p class="center">
                    <a class="button button--secondary" href="/items">{move || i18n.t(Key::BrowseAll)}</a>
                </p>
            })}
        </div>
    }
}

/// The search box; submitting opens the catalogue with the text as its query.
#[component]
pub fn SearchForm(
    /// The text to start with.
    #[prop(optional)]
    initial: String,
    /// Filters to keep when searching from the catalogue.
    #[prop(optional)]
    keep: ItemQuery,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(initial);
    let navigate = route::use_navigate();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = text.get_untracked().trim().to_owned();
        let query = ItemQuery { q: (!q.is_empty()).then_some(q), page: None, ..keep.clone() };
        navigate(&catalogue_href(&query));
    };
    view! {
        <form class="search" role="search" on:submit=on_submit>
            <label class="search__label" for="search-q">{move || i18n.t(Key::SearchLabel)}</label>
            <div class="search__row">
                <input
                    id="search-q"
                    class="input search__input"
                    type="search"
                    name="q"
                    maxlength="100"
                    autocomplete="off"
                    placeholder=move || i18n.t(Key::SearchPlaceholder)
                    bind:value=text
                />
                <button class="button button--primary" type="submit">{move || i18n.t(Key::SearchButton)}</button>
            </div>
        </form>
    }
}

/// The themes of one service object, each a link to its items.
#[component]
fn ThemeGroup(object: ServiceObject, title: Key, themes: Vec<Theme>) -> impl IntoView {
    let i18n = use_i18n();
    let links = themes
        .into_iter()
        .filter(|t| t.service_object == object)
        .map(|t| {
            let href =
                catalogue_href(&ItemQuery { object: Some(object), theme: Some(t.key.clone()), ..Default::default() });
            let name = t.name.clone();
            view! { <li><a class="theme-link" href=href>{move || i18n.pick(&name)}</a></li> }
        })
        .collect_view();
    let all = catalogue_href(&ItemQuery { object: Some(object), ..Default::default() });
    view! {
        <section class="card theme-group">
            <h2><a href=all>{move || i18n.t(title)}</a></h2>
            <ul class="theme-list">{links}</ul>
        </section>
    }
}
