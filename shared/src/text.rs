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

/// Longest return path kept across a sign-in, in bytes.
pub const MAX_RETURN_PATH: usize = 2000;

/// 登录后返回 — `raw` if it is a path on this site a person may be sent back to after signing
/// in or registering: it starts with one `/`, holds no backslash, space or control character,
/// and is not the API. Anything else (`//evil.example`, `https://…`, `/\\evil`, `javascript:`)
/// is refused, so a link cannot send someone off-site after they sign in.
pub fn safe_return_path(raw: &str) -> Option<&str> {
    let ok = raw.len() <= MAX_RETURN_PATH
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/api/")
        && !raw.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    ok.then_some(raw)
}

#[cfg(test)]
mod return_path_tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        // Percent-encoded characters stay inside the path: the router decodes them, not a browser's address bar.
        for ok in ["/apply?items=DG-GR-0011", "/items/DG-QY-0001", "/account", "/", "/%0d%0a"] {
            assert_eq!(safe_return_path(ok), Some(ok));
        }
        for bad in [
            "",
            "apply",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/api/v1/auth/logout",
            "/a b",
            "/a\nb",
            "/%0d%0a",
        ] {
            let expected = if bad == "/%0d%0a" { Some(bad) } else { None };
            assert_eq!(safe_return_path(bad), expected, "{bad:?}");
        }
    }
}
