//! 界面文字 — every string the app shows, in Chinese (the default) and English.
//!
//! A [`Key`] names each string and holds it in both languages (`texts.rs`), so a string missing in
//! either language does not compile. Text that comes with the data (item names, messages of
//! `shared` errors) is [`shared::Bilingual`] and is picked with [`I18n::pick`]. The case pages
//! and the staff console write their text in both languages side by side with [`I18n::tr`].

mod texts;

use leptos::prelude::*;
use shared::Bilingual;
use shared::text::Lang;

/// Where the chosen language is remembered between visits.
const STORAGE_KEY: &str = "yiwang.lang";

/// 文字键 — one user-visible string, in Chinese and in English. Each is a constant of this type
/// (`texts.rs`), so a string missing in either language does not compile, and a bundle carries
/// only the strings its own pages name (a table indexed by a key would carry every page's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    zh: &'static str,
    en: &'static str,
}

impl Key {
    const fn new(zh: &'static str, en: &'static str) -> Self {
        Self { zh, en }
    }
}

/// The current language, shared by every component through the context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Starts in the language remembered from the last visit, else Chinese, and keeps
    /// `<html lang>` in step with it.
    pub fn provide() -> Self {
        let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let lang = RwSignal::new(saved.map(|tag| Lang::from_tag(&tag)).unwrap_or_default());
        Effect::new(move |_| {
            let lang = lang.get();
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("lang", lang.tag());
            }
            if let Some(s) = storage() {
                let _ = s.set_item(STORAGE_KEY, lang.tag());
            }
        });
        let i18n = Self { lang };
        provide_context(i18n);
        i18n
    }

    /// Switches between Chinese and English.
    pub fn toggle(self) {
        self.lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh });
    }

    /// The string for `key` in the current language (reactive).
    pub fn t(self, key: Key) -> &'static str {
        match self.lang.get() {
            Lang::Zh => key.zh,
            Lang::En => key.en,
        }
    }

    /// The current language's half of a bilingual text (reactive).
    pub fn pick(self, text: &Bilingual) -> String {
        text.get(self.lang.get()).to_owned()
    }

    /// `zh` or `en`, whichever is the current language (reactive).
    pub fn tr(self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang.get() {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `t(key)` with `{n}` replaced by `n`.
    pub fn fmt(self, key: Key, n: impl std::fmt::Display) -> String {
        self.t(key).replace("{n}", &n.to_string())
    }
}

/// The language context; components call this instead of `expect_context` directly.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}
