//! 事项卡片 — one item in a catalogue list.

use leptos::prelude::*;
use shared::catalogue::{ItemSummary, LimitKind};

use crate::i18n::{Key, use_i18n};

/// The time limit of an item in words: "same day" or "N working days".
pub fn limit_text(kind: LimitKind, days: u32) -> (Key, u32) {
    match kind {
        LimitKind::Instant => (Key::SameDay, 0),
        LimitKind::Promised if days == 0 => (Key::SameDay, 0),
        LimitKind::Promised => (Key::WorkingDays, days),
    }
}

/// A linked card with an item's name, department and what to expect.
#[component]
pub fn ItemCard(
    /// The item.
    item: ItemSummary,
) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/items/{}", item.code);
    let (limit_key, days) = limit_text(item.limit_kind, item.promised_working_days);
    let kind_key = match item.limit_kind {
        LimitKind::Instant => Key::InstantItem,
        LimitKind::Promised => Key::PromisedItem,
    };
    let name = item.name.clone();
    let department = item.department.name.clone();
    let licenses = item.e_license_materials;
    let online = item.online;
    view! {
        <li class="item-card">
            <a class="item-card__link" href=href>
                <span class="item-card__name">{move || i18n.pick(&name)}</span>
                <span class="item-card__meta">{move || i18n.pick(&department)}" · "{item.code.to_string()}</span>
                <span class="tags">
                    <span class="tag">{move || i18n.t(kind_key)}</span>
                    <span class="tag">{move || i18n.fmt(limit_key, days)}</span>
                    {online.then(|| view! { <span class="tag tag--good">{move || i18n.t(Key::OnlineAvailable)}</span> })}
                    {(licenses > 0).then(|| view! {
                        <span class="tag tag--license">{move || i18n.fmt(Key::ELicenseCount, licenses)}</span>
                    })}
                </span>
            </a>
        </li>
    }
}
