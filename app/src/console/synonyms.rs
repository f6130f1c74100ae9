//! 检索同义词 — the words citizens use for services, and what they mean in the catalogue's own
//! words. Catalogue administrators add, change and remove them; every search uses the list at
//! once (the search index is rebuilt when it changes). Other staff read it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldError;
use shared::account::Role;
use shared::search::{Synonym, SynonymRequest};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::status::{Loading, ProblemView};
use crate::console::integrations::LabelledInput;
use crate::fetched::Fetched;
use crate::i18n::use_i18n;

/// Splits what was typed into the meanings field: by 、, commas or spaces.
fn meanings(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == '、' || c == ',' || c == '，' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `/console/synonyms`
#[component]
pub fn SynonymsPage() -> impl IntoView {
    let i18n = use_i18n();
    let list = Fetched::new(api::synonyms);
    let admin = use_auth()
        .identity
        .get_untracked()
        .and_then(|me| me.staff)
        .is_some_and(|s| s.roles.contains(&Role::CatalogueAdmin));
    let failure = RwSignal::new(None::<ApiError>);
    let remove = move |term: String| {
        spawn_local(async move {
            match api::remove_synonym(&term).await {
                Ok(()) => list.refetch(),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <div class="container page">
            <h1>{move || i18n.tr("检索同义词", "Search synonyms")}</h1>
            <p class="muted">{move || i18n.tr(
                "群众常说的词和它在事项名称、材料中的说法。搜索这个词（或它的拼音、首字母）会找到名称或材料含有其含义的事项。",
                "Words people use, and what they mean in item names and materials. Searching for a word (or its pinyin or initials) finds the items whose names or materials hold a meaning.",
            )}</p>
            {move || match list.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
                Some(Ok(words)) => view! {
                    <table class="case-table synonyms">
                        <thead><tr>
                            <th scope="col">{move || i18n.tr("群众用语", "Word")}</th>
                            <th scope="col">{move || i18n.tr("含义", "Means")}</th>
                            {admin.then(|| view! { <th scope="col"><span class="visually-hidden">{move || i18n.tr("操作", "Action")}</span></th> })}
                        </tr></thead>
                        <tbody>
                            {words.into_iter().map(|s| view! { <SynonymRow synonym=s admin=admin on_remove=remove /> }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
            {admin.then(|| view! { <SynonymForm on_saved=move || list.refetch() /> })}
        </div>
    }
}

#[component]
fn SynonymRow(synonym: Synonym, admin: bool, on_remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let term = synonym.term.clone();
    let label = format!("{} {}", i18n.tr("删除", "Remove"), synonym.term);
    view! {
        <tr>
            <td>{synonym.term.clone()}</td>
            <td>{synonym.means.join("、")}</td>
            {admin.then(|| view! {
                <td><button type="button" class="button button--secondary" aria-label=label
                    on:click=move |_| on_remove(term.clone())>{move || i18n.tr("删除", "Remove")}</button></td>
            })}
        </tr>
    }
}

#[component]
fn SynonymForm(on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let term = RwSignal::new(String::new());
    let means = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<Synonym>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (word, req) = (term.get_untracked(), SynonymRequest { means: meanings(&means.get_untracked()) });
        if let Err(e) = Synonym::parse(&word, &req) {
            errors.set(e);
            return;
        }
        errors.set(Vec::new());
        busy.set(true);
        spawn_local(async move {
            match api::set_synonym(word.trim(), &req).await {
                Ok(s) => {
                    saved.set(Some(s));
                    term.set(String::new());
                    means.set(String::new());
                    on_saved();
                }
                Err(e) => match e.field_errors() {
                    Some(fields) => errors.set(fields),
                    None => failure.set(Some(e)),
                },
            }
            busy.set(false);
        });
    };
    let term_error =
        Signal::derive(move || errors.with(|e| e.iter().find(|e| e.field == "term").map(|e| e.message.clone())));
    let means_error = Signal::derive(move || {
        errors.with(|e| e.iter().find(|e| e.field.starts_with("means")).map(|e| e.message.clone()))
    });
    view! {
        <form class="form card guide-section" on:submit=submit novalidate>
            <h2>{move || i18n.tr("添加或修改同义词", "Add or change a synonym")}</h2>
            <LabelledInput id="synonym-term" label=("群众用语", "Word people use") value=term error=term_error kind="text" />
            <LabelledInput id="synonym-means" label=("含义（多个用、分隔）", "Means (separate several with commas)") value=means error=means_error kind="text" />
            <button type="submit" class="button button--primary" disabled=move || busy.get()>{move || i18n.tr("保存", "Save")}</button>
            {move || saved.get().map(|s| view! {
                <p class="notice notice--good" role="status">{move || i18n.tr("已保存：", "Saved: ")}{s.term.clone()}" → "{s.means.join("、")}</p>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </form>
    }
}
