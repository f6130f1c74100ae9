//! 委托代办 — a person authorizes another person to apply for them: for named items, until a
//! date, revocable at any time. The proxy then acts for the principal (as an enterprise's agent
//! acts for the enterprise): the form is the principal's, the recorded authorization stands in
//! for the power of attorney, and every act records both.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::ItemCode;
use crate::problem::FieldCode;
use crate::{Bilingual, FieldError};

/// The most items one authorization names.
pub const MAX_PROXY_ITEMS: usize = 10;
/// The longest an authorization lasts, in days from the day it is given.
pub const MAX_PROXY_DAYS: i64 = 366;

/// A person as an authorization names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProxyParty {
    /// The account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// 身份证号码, masked.
    pub id_number_masked: String,
}

/// An item an authorization names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProxyItem {
    /// 事项编码
    pub code: ItemCode,
    /// 事项名称
    pub name: Bilingual,
}

/// 委托书 — one authorization as the platform records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProxyGrant {
    /// Its id.
    pub id: String,
    /// 委托人 — who is applied for.
    pub principal: ProxyParty,
    /// 受托人 — who applies.
    pub proxy: ProxyParty,
    /// The items it covers.
    pub items: Vec<ProxyItem>,
    /// The last day it holds (Asia/Shanghai).
    pub valid_until: NaiveDate,
    /// When it was given.
    pub granted_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ProxyGrant {
    /// Whether it holds on `today`.
    pub fn holds_on(&self, today: NaiveDate) -> bool {
        self.revoked_at.is_none() && today <= self.valid_until
    }

    /// Whether it covers every one of `items`.
    pub fn covers<'a>(&self, mut items: impl Iterator<Item = &'a ItemCode>) -> bool {
        items.all(|code| self.items.iter().any(|i| &i.code == code))
    }
}

/// `GET /api/v1/proxies`: the authorizations one gave, and those given to one that hold now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proxies {
    /// Given by the person, newest first (revoked ones included, marked).
    pub granted: Vec<ProxyGrant>,
    /// Given to the person and holding today.
    pub received: Vec<ProxyGrant>,
}

/// `POST /api/v1/proxies`: authorize a registered person to apply for oneself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantProxyRequest {
    /// The proxy's identity number.
    pub id_number: String,
    /// The proxy's name as registered: with the number, it finds their account.
    pub name: String,
    /// 事项编码 of the items they may apply for (items for persons).
    pub items: Vec<String>,
    /// The last day the authorization holds.
    pub valid_until: NaiveDate,
}

impl GrantProxyRequest {
    /// What is wrong with the items and the period, given `today`.
    pub fn check(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.items.is_empty() || self.items.len() > MAX_PROXY_ITEMS {
            errors.push(FieldError::with_message(
                "items",
                FieldCode::OutOfRange,
                Bilingual::new(
                    format!("请选择1至{MAX_PROXY_ITEMS}个委托办理的事项"),
                    format!("Choose 1 to {MAX_PROXY_ITEMS} items the proxy may apply for"),
                ),
            ));
        }
        for (i, code) in self.items.iter().enumerate() {
            if let Err(e) = ItemCode::parse(code) {
                errors.push(FieldError::with_message(format!("items[{i}]"), e.code(), e.message()));
            }
        }
        if self.valid_until < today || (self.valid_until - today).num_days() > MAX_PROXY_DAYS {
            errors.push(FieldError::with_message(
                "valid_until",
                FieldCode::OutOfRange,
                Bilingual::new(
                    format!("委托期限应从今天起，最长{MAX_PROXY_DAYS}天"),
                    format!("The authorization ends today at the earliest and within {MAX_PROXY_DAYS} days"),
                ),
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(items: &[&str], valid_until: NaiveDate) -> GrantProxyRequest {
        GrantProxyRequest {
            id_number: String::new(),
            name: String::new(),
            items: items.iter().map(|s| (*s).to_owned()).collect(),
            valid_until,
        }
    }

    #[test]
    fn an_authorization_names_items_and_a_period_within_a_year() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let fields = |r: &GrantProxyRequest| r.check(today).into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert!(fields(&request(&["DG-GR-0011"], today)).is_empty(), "today is the last day");
        assert_eq!(fields(&request(&[], today)), ["items"]);
        assert_eq!(fields(&request(&["../x"], today)), ["items[0]"]);
        let yesterday = today.pred_opt().expect("date");
        assert_eq!(fields(&request(&["DG-GR-0011"], yesterday)), ["valid_until"]);
        let far = today + chrono::Duration::days(MAX_PROXY_DAYS + 1);
        assert_eq!(fields(&request(&["DG-GR-0011"], far)), ["valid_until"]);
        let eleven: Vec<String> = (1..=11).map(|i| format!("DG-GR-{i:04}")).collect();
        let many: Vec<&str> = eleven.iter().map(String::as_str).collect();
        assert_eq!(fields(&request(&many, today)), ["items"]);
    }
}
