//! 首页 — search, and the themes for persons and for businesses.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::api::ItemQuery;
use shared::catalogue::{ServiceObject, Theme};

use crate::api;
use crate::components::status::{Loading, ProblemView};
use crate::i18n::{Key, use_i18n};
use crate::pages::catalogue::catalogue_href;

/// `/`
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let themes = LocalResource::new(api::themes);
    let bundles = LocalResource::new(api::bundles);
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
            {move || match bundles.get() {
                Some(Ok(list)) if !list.is_empty() => view! {
                    <section class="bundles" aria-labelledby="bundles">
                        <h2 id="bundles">{move || i18n.t(Key::BundlesTitle)}</h2>
                        <p class="muted">{move || i18n.t(Key::BundlesLead)}</p>
                        <ul class="item-list">
                            {list.into_iter().map(|b| {
                                let codes: Vec<&str> = b.items.iter().map(|c| c.as_str()).collect();
                                // A bundle with items that apply only in some situations asks
                                // about them before the form.
                                let href = if b.conditional.is_empty() {
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
            <p class="center">
                <a class="button button--secondary" href="/items">{move || i18n.t(Key::BrowseAll)}</a>
            </p>
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
    let navigate = use_navigate();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = text.get_untracked().trim().to_owned();
        let query = ItemQuery { q: (!q.is_empty()).then_some(q), page: None, ..keep.clone() };
        navigate(&catalogue_href(&query), Default::default());
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
