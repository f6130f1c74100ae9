//! 个人信息处理同意 — the consents a person gives the platform, each a text with a version.
//!
//! A resident identity number is sensitive personal information (PIPL arts. 28–29): processing
//! it needs the person's separate consent, given after they are told what is processed, why,
//! for how long and how to withdraw. Registration asks for it apart from everything else, and
//! the server records the version agreed to in the same transaction that makes the account.
//! A changed text gets a new version; registering with an older one is refused, so that nobody
//! is held to words they were not shown.

use serde::{Deserialize, Serialize};

use crate::Bilingual;
use crate::problem::{FieldCode, FieldError};

/// What a consent is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConsentPurpose {
    /// Processing the resident identity number to make and use an account.
    IdentityNumber,
}

stored_name!(ConsentPurpose);

/// One part of a consent text: a heading and what it says, in both languages.
#[derive(Clone, Copy, Debug)]
pub struct ConsentSection {
    /// The heading (什么、为什么、多久、如何撤回).
    pub heading: (&'static str, &'static str),
    /// The text.
    pub body: (&'static str, &'static str),
}

impl ConsentSection {
    /// The heading in both languages.
    pub fn heading(&self) -> Bilingual {
        Bilingual::new(self.heading.0, self.heading.1)
    }

    /// The text in both languages.
    pub fn body(&self) -> Bilingual {
        Bilingual::new(self.body.0, self.body.1)
    }
}

/// A consent text as the person reads it.
#[derive(Clone, Copy, Debug)]
pub struct ConsentText {
    /// What it is for.
    pub purpose: ConsentPurpose,
    /// Its version: a registration names the version agreed to.
    pub version: &'static str,
    /// Its title.
    pub title: (&'static str, &'static str),
    /// What is processed, why, how long it is kept, and how to withdraw.
    pub sections: &'static [ConsentSection],
}

impl ConsentText {
    /// The title in both languages.
    pub fn title(&self) -> Bilingual {
        Bilingual::new(self.title.0, self.title.1)
    }

    /// Checks the version a request says was agreed to.
    pub fn check(&self, field: &str, agreed: &str) -> Result<(), FieldError> {
        if agreed == self.version {
            return Ok(());
        }
        let (zh, en) = if agreed.trim().is_empty() {
            (format!("请阅读并勾选同意《{}》", self.title.0), format!("Read and agree to “{}”", self.title.1))
        } else {
            (
                format!("《{}》已更新，请阅读新版本后再勾选同意", self.title.0),
                format!("“{}” has changed: read the new version and agree again", self.title.1),
            )
        };
        Err(FieldError::with_message(field, FieldCode::ConsentRequired, Bilingual::new(zh, en)))
    }
}

/// 身份证号码处理授权 — the consent to processing the identity number, asked at registration.
pub const IDENTITY_NUMBER: ConsentText = ConsentText {
    purpose: ConsentPurpose::IdentityNumber,
    version: "2026-11-27",
    title: ("身份证号码处理授权", "Consent to processing your identity number"),
    sections: &[
        ConsentSection {
            heading: ("处理什么", "What is processed"),
            body: (
                "您的居民身份证号码和姓名。身份证号码属于敏感个人信息，加密保存，工作人员只看到部分隐藏的号码，\
                 确需查看完整号码时须说明理由并留痕。",
                "Your resident identity number and name. The number is sensitive personal information: it is \
                 stored encrypted, staff see it partly hidden, and seeing it whole needs a stated reason that \
                 is recorded.",
            ),
        },
        ConsentSection {
            heading: ("为什么处理", "Why"),
            body: (
                "用于确认您的身份、登录，从电子证照库调取您的证照，以您的名义提交申请并查询办理进度。\
                 不用于其他目的，不向办理部门以外的任何人提供。",
                "To confirm who you are, sign you in, fetch your licences from the licence library, file \
                 applications in your name and look up their progress. It is used for nothing else and given to \
                 nobody but the departments handling your applications.",
            ),
        },
        ConsentSection {
            heading: ("保存多久", "How long"),
            body: (
                "账户存续期间保存。已提交的办件及其记录按政务档案的规定期限保存，期满后删除。",
                "For as long as the account exists. Applications you have filed, and their records, are kept \
                 for the period the rules on government records set, and deleted after it.",
            ),
        },
        ConsentSection {
            heading: ("如何撤回", "How to withdraw"),
            body: (
                "您可以随时在“我的账户”中撤回本授权。撤回后账户随即停用、所有登录退出，\
                 平台不再以您的身份证号码办理新的网上申请；已提交的办件仍按规定办结和保存。\
                 如需再次使用网上办事，请携带身份证到任一政务服务窗口办理。",
                "You can withdraw this consent at any time under “My account”. The account then closes at once \
                 and every sign-in ends; no new online application is made with your number. Applications \
                 already filed are still decided and kept as the rules require. To use online services again, \
                 bring your identity card to any service window.",
            ),
        },
    ],
};

/// `DELETE /api/v1/account/consents/{purpose}` answers with this; so does the account page's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentRecord {
    /// What it is for.
    pub purpose: ConsentPurpose,
    /// The version of the text agreed to.
    pub version: String,
    /// When it was given (RFC 3339, UTC).
    pub given_at: chrono::DateTime<chrono::Utc>,
    /// When it was withdrawn, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_version_is_consent() {
        assert!(IDENTITY_NUMBER.check("consent_version", IDENTITY_NUMBER.version).is_ok());
        let none = IDENTITY_NUMBER.check("consent_version", " ").expect_err("no consent");
        assert_eq!(none.code, FieldCode::ConsentRequired);
        assert!(none.message.zh.contains("请阅读并勾选同意《身份证号码处理授权》"), "{}", none.message.zh);
        let old = IDENTITY_NUMBER.check("consent_version", "2020-01-01").expect_err("an old version");
        assert!(old.message.zh.contains("已更新"), "{}", old.message.zh);
    }

    #[test]
    fn the_text_says_what_why_how_long_and_how_to_withdraw() {
        let headings: Vec<&str> = IDENTITY_NUMBER.sections.iter().map(|s| s.heading.0).collect();
        assert_eq!(headings, ["处理什么", "为什么处理", "保存多久", "如何撤回"]);
        assert_eq!(ConsentPurpose::IdentityNumber.as_str(), "identity_number");
        assert_eq!("identity_number".parse::<ConsentPurpose>(), Ok(ConsentPurpose::IdentityNumber));
    }
}
