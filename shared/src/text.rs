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

/// Whether a character shows nothing of itself yet changes how text around it reads: control
/// characters, and the bidirectional and zero-width formatting characters (Unicode general
/// category Cf) with which a name like `invoice\u{202E}fdp.exe` displays as `invoiceexe.pdf`.
/// Names that people and files are shown by keep none of them.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                       // soft hyphen
            | '\u{061C}'                     // Arabic letter mark
            | '\u{180E}'                     // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'        // zero-width space, joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'        // bidirectional embeddings and overrides
            | '\u{2060}'..='\u{2064}'        // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'        // bidirectional isolates, deprecated formats
            | '\u{FEFF}'                     // zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}'        // interlinear annotations
            | '\u{E0000}'..='\u{E007F}'      // tags
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidirectional_overrides_and_zero_width_characters_are_invisible() {
        for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{FEFF}', '\u{0007}', '\u{E0041}'] {
            assert!(is_invisible(c), "{:?}", c);
        }
        for c in ['a', '张', '·', ' ', '-', '.', '（'] {
            assert!(!is_invisible(c), "{c}");
        }
    }
}
