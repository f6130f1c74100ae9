//! 双语文本 — text in Chinese and English. Every message a user can see comes in both.

use serde::{Deserialize, Serialize};

/// 双语文本 — one piece of user-visible text in Simplified Chinese and English.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bilingual {
    /// Simplified Chinese (zh-CN), the default language.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// Builds a text from its two languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    /// The text in the given language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// 界面语言 — a language the product speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a BCP 47 tag; anything that is not English falls back to Chinese.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Zh }
    }
}
