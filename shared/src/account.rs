//! 统一身份认证 — accounts, roles and the identity a session carries (一号申办, 一次认证、多点服务).
//!
//! A person is known by the resident identity number, an enterprise by its credit code; staff
//! are persons with a department and roles. The checks of what people type when they register
//! live here so that the form and the server refuse the same things with the same words.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Bilingual, FieldError, ResidentId};

/// Shortest password accepted (OWASP ASVS 2.1.1: at least 8 characters).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (ASVS 2.1.2 asks for at least 64 to be allowed; more only feeds a flood).
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 50;

/// 岗位角色 — what a staff member may do. A role acts only within its department.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 综合窗口 — accepts for every department; may act for an applicant who is present.
    WindowClerk,
    /// 承办 — undertakes the department's cases.
    Undertaker,
    /// 审核 — reviews them.
    Reviewer,
    /// 批准 — approves or denies them.
    Approver,
    /// 效能监察 — watches deadlines, cards, complaints and ratings.
    Supervisor,
    /// 事项管理 — publishes versions of the department's service items.
    CatalogueAdmin,
    /// 安全管理员 — issues the one-time enrolment tokens with which staff bind an authenticator
    /// (等保: the security administrator is a duty apart from the others).
    SecurityAdmin,
    /// 系统对接管理 — registers the department's systems: webhook endpoints and API tokens.
    DepartmentAdmin,
}

impl Role {
    /// The role's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::WindowClerk => Bilingual::new("综合窗口", "Front-desk clerk"),
            Self::Undertaker => Bilingual::new("承办", "Case handler"),
            Self::Reviewer => Bilingual::new("审核", "Reviewer"),
            Self::Approver => Bilingual::new("批准", "Approver"),
            Self::Supervisor => Bilingual::new("效能监察", "Supervisor"),
            Self::CatalogueAdmin => Bilingual::new("事项管理", "Catalogue administrator"),
            Self::SecurityAdmin => Bilingual::new("安全管理员", "Security administrator"),
            Self::DepartmentAdmin => Bilingual::new("系统对接管理", "Systems administrator"),
        }
    }

    /// Whether the role may see a person's full identity number (with a stated reason, audited):
    /// the clerk checks the applicant at the window, the supervisor investigates complaints.
    pub fn may_unmask(self) -> bool {
        matches!(self, Self::WindowClerk | Self::Supervisor)
    }
}

/// 手机号码 — a mainland mobile number: 11 digits starting 13–19.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

impl Mobile {
    /// Parses a mobile number; spaces and dashes typed between digits are dropped.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let ok = digits.len() == 11
            && digits.chars().all(|c| c.is_ascii_digit())
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        if ok {
            Ok(Self(digits))
        } else {
            Err(FieldError {
                field: "mobile".to_owned(),
                code: crate::problem::FieldCode::InvalidMobile,
                message: Bilingual::new(
                    "手机号码应为以13至19开头的11位数字",
                    "A mobile number has 11 digits and starts with 13 to 19",
                ),
            })
        }
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shown as 138****8000.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for Mobile {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Mobile> for String {
    fn from(m: Mobile) -> String {
        m.0
    }
}

/// Checks a person's name as entered: 1 to 50 characters, none invisible (controls,
/// bidirectional overrides) and none of the characters markup is made of (`<>&"` and the
/// backtick), which no name on an identity card holds.
pub fn check_name(field: &str, input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    let n = name.chars().count();
    let odd = |c: char| crate::text::is_invisible(c) || matches!(c, '<' | '>' | '&' | '"' | '`');
    if n == 0 || n > MAX_NAME_CHARS || name.chars().any(odd) {
        return Err(FieldError {
            field: field.to_owned(),
            code: crate::problem::FieldCode::InvalidName,
            message: Bilingual::new(
                format!("请填写姓名（1至{MAX_NAME_CHARS}个字，不含 < > & \" 等符号）"),
                format!("Enter a name of 1 to {MAX_NAME_CHARS} characters, without symbols such as < > & \""),
            ),
        });
    }
    Ok(name.to_owned())
}

/// Checks a new password: 8 to 128 characters and not the identity number itself.
pub fn check_password(input: &str, id_number: &str) -> Result<(), FieldError> {
    let n = input.chars().count();
    let error = |code, message: Bilingual| FieldError::with_message("password", code, message);
    if n < MIN_PASSWORD_CHARS {
        return Err(error(
            crate::problem::FieldCode::PasswordTooShort,
            Bilingual::new(
                format!("密码至少{MIN_PASSWORD_CHARS}个字符"),
                format!("A password has at least {MIN_PASSWORD_CHARS} characters"),
            ),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(error(
            crate::problem::FieldCode::PasswordTooLong,
            Bilingual::new(
                format!("密码最多{MAX_PASSWORD_CHARS}个字符"),
                format!("A password has at most {MAX_PASSWORD_CHARS} characters"),
            ),
        ));
    }
    if !id_number.is_empty() && input.trim().eq_ignore_ascii_case(id_number.trim()) {
        return Err(error(
            crate::problem::FieldCode::PasswordIsIdNumber,
            Bilingual::new("密码不能与身份证号码相同", "The password cannot be your identity number"),
        ));
    }
    Ok(())
}

/// 注册请求 — `POST /api/v1/auth/register`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// 身份证号码
    pub id_number: String,
    /// 姓名
    pub name: String,
    /// 手机号码
    pub mobile: String,
    /// 密码
    pub password: String,
    /// 窗口认领码 — for an applicant first served at a window without an account: the code the
    /// clerk handed them, with which registering claims the record made there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
    /// 短信验证码 — the six digits sent to `mobile` by `POST /api/v1/auth/register/code`: the
    /// proof that the number is the registering person's.
    #[serde(default)]
    pub mobile_code: String,
    /// 授权版本 — the version of the consent to processing the identity number
    /// ([`crate::consent::IDENTITY_NUMBER`]) the person read and agreed to; only the current one
    /// is taken.
    #[serde(default)]
    pub consent_version: String,
}

/// `POST /api/v1/auth/register/code` — sends a one-time code to a mobile number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileCodeRequest {
    /// 手机号码
    pub mobile: String,
}

/// The answer to [`MobileCodeRequest`]: the code is on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileCodeSent {
    /// Seconds the code stays valid.
    pub expires_in_secs: u32,
    /// Seconds before another code may be asked for this number.
    pub resend_after_secs: u32,
}

/// Digits of a one-time mobile code.
pub const MOBILE_CODE_DIGITS: usize = 6;

/// Checks the shape of a one-time mobile code as typed: six digits (spaces dropped).
pub fn check_mobile_code(input: &str) -> Result<String, FieldError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == MOBILE_CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(code);
    }
    let message = if code.is_empty() {
        Bilingual::new("请填写发送到手机的6位验证码", "Enter the 6-digit code sent to your mobile")
    } else {
        Bilingual::new("验证码为6位数字", "The code has 6 digits")
    };
    Err(FieldError::with_message("mobile_code", crate::problem::FieldCode::MobileCodeWrong, message))
}

/// A registration whose every field has been checked.
#[derive(Clone, Debug)]
pub struct Registration {
    /// The person's identity number.
    pub id_number: ResidentId,
    /// The name, trimmed.
    pub name: String,
    /// The mobile number.
    pub mobile: Mobile,
    /// The password as typed.
    pub password: String,
    /// The one-time code, six digits.
    pub mobile_code: String,
}

impl RegisterRequest {
    /// Checks every field as of `today` and reports every problem at once.
    pub fn check(&self, today: NaiveDate) -> Result<Registration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id = ResidentId::parse_as_of(&self.id_number, today)
            .map_err(|e| errors.push(FieldError::resident_id("id_number", &e)))
            .ok();
        let name = check_name("name", &self.name).map_err(|e| errors.push(e)).ok();
        let mobile = Mobile::parse(&self.mobile).map_err(|e| errors.push(e)).ok();
        let _ = check_password(&self.password, &self.id_number).map_err(|e| errors.push(e));
        let mobile_code = check_mobile_code(&self.mobile_code).map_err(|e| errors.push(e)).ok();
        let _ =
            crate::consent::IDENTITY_NUMBER.check("consent_version", &self.consent_version).map_err(|e| errors.push(e));
        match (id, name, mobile, mobile_code) {
            (Some(id_number), Some(name), Some(mobile), Some(mobile_code)) if errors.is_empty() => {
                Ok(Registration { id_number, name, mobile, password: self.password.clone(), mobile_code })
            }
            _ => Err(errors),
        }
    }
}

/// 登录请求 — `POST /api/v1/auth/login`. Staff add the six-digit code of their authenticator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// 身份证号码
    pub id_number: String,
    /// 密码
    pub password: String,
    /// 动态验证码 (TOTP), for staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

stored_name!(Role, Relation);

/// How a person is linked to an enterprise.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Relation {
    /// 法定代表人 — may grant and revoke agents.
    LegalRepresentative,
    /// 经办人 — authorized by the legal representative to act for the enterprise.
    Agent,
}

impl Relation {
    /// The relation's name.
    pub fn name(self) -> Bilingual {
        match self {
            Self::LegalRepresentative => Bilingual::new("法定代表人", "Legal representative"),
            Self::Agent => Bilingual::new("经办人", "Authorized agent"),
        }
    }
}

/// An enterprise a person may act for, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseLink {
    /// 统一社会信用代码
    pub uscc: String,
    /// 企业名称
    pub name: String,
    /// Legal representative or agent.
    pub relation: Relation,
}

/// A staff member's place: department and roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffInfo {
    /// 所属部门
    pub department: crate::catalogue::Department,
    /// 岗位角色
    pub roles: Vec<Role>,
    /// Whether this session passed the second factor; until it has, staff can only enrol or verify.
    pub second_factor_passed: bool,
    /// Whether an authenticator is enrolled.
    pub totp_enrolled: bool,
}

/// 登录状态 — `GET /api/v1/auth/session`: whether anyone is signed in, and if so who. Unlike
/// `/auth/me` it answers 200 when no one is, so that a page opened signed out logs no error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionState {
    /// The signed-in identity, `null` when no one is signed in (or the session has ended).
    pub identity: Option<Identity>,
}

/// [`SessionState`] as the site's header reads it: the guides bundle (the home page, the
/// catalogue and the guides, a phone's first download) decodes only what the header shows, and
/// so carries no decoder for the rest (the dates of an authorization bring a date parser).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SessionSummary {
    /// The signed-in identity, `None` when no one is signed in.
    pub identity: Option<IdentitySummary>,
}

/// [`Identity`] as the header shows it: the name, the link to the console for staff, and the bar
/// naming whom the person acts for.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct IdentitySummary {
    /// 姓名
    pub name: String,
    /// Present for staff (their place and roles are not decoded).
    pub staff: Option<Empty>,
    /// The enterprise the person is acting for now, if any.
    pub acting_for: Option<Named>,
    /// 窗口代办 — the applicant a window clerk is serving in person, if any.
    pub on_behalf_of: Option<Named>,
}

/// Anything with a name, of which only the name is decoded.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Named {
    /// Its name.
    pub name: String,
}

/// A value of which nothing is decoded but that it is there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Empty {}

impl From<Identity> for IdentitySummary {
    fn from(me: Identity) -> Self {
        Self {
            name: me.name,
            staff: me.staff.map(|_| Empty {}),
            acting_for: me.acting_for.map(|e| Named { name: e.name }),
            on_behalf_of: me.on_behalf_of.map(|a| Named { name: a.name }),
        }
    }
}

/// 当前身份 — who is signed in, for whom they act, and what they may do (`GET /api/v1/auth/me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    /// The person's account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// 身份证号码, masked (4419**********123X).
    pub id_number_masked: String,
    /// 手机号码, masked.
    pub mobile_masked: String,
    /// The enterprises the person may act for.
    pub enterprises: Vec<EnterpriseLink>,
    /// The enterprise the person is acting for now, if any.
    pub acting_for: Option<EnterpriseLink>,
    /// Present for staff.
    pub staff: Option<StaffInfo>,
    /// 窗口代办 — the applicant a window clerk is serving in person, if any.
    pub on_behalf_of: Option<Applicant>,
    /// 委托代办 — the authorization under which the person applies for another now, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_principal: Option<crate::proxy::ProxyGrant>,
    /// The claim code of an account-less record a clerk just made for the applicant present:
    /// shown once, to hand to the applicant, who registers with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_in_claim_code: Option<String>,
}

/// 现场申请人 — an applicant present at a window, as the clerk sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applicant {
    /// The applicant's account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// 身份证号码, masked.
    pub id_number_masked: String,
}

/// `POST /api/v1/auth/represent`: a window clerk starts serving the applicant with this
/// identity number, who is present at the window; `null` ends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepresentRequest {
    /// The applicant's identity number, or `null` to stop.
    pub id_number: Option<String>,
    /// The applicant's name as on their identity card: with the number, it finds their account,
    /// so that the answer says nothing about a number alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 无账号办事 — for an applicant with no online account: their mobile number. With it, a
    /// number and name that match no account make an account-less applicant record (checked
    /// against the identity card at the window), which the applicant claims by registering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_in_mobile: Option<String>,
    /// 企业窗口办事 — the credit code of the enterprise the person present acts for (they must
    /// be its legal representative or an authorized agent); absent, they apply for themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
}

/// `POST /api/v1/auth/acting`: act for an enterprise (its credit code), or for oneself (`null`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActingRequest {
    /// The enterprise's credit code, or `null` to act for oneself.
    pub uscc: Option<String>,
    /// 委托代办 — the id of an authorization another person gave one, to apply for them
    /// (instead of an enterprise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
}

/// `POST /api/v1/enterprises/{uscc}/agents`: authorize a registered person as an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantAgentRequest {
    /// The agent's identity number.
    pub id_number: String,
    /// The agent's name as registered: with the number, it finds their account, so that the
    /// answer says nothing about a number alone.
    pub name: String,
}

/// 经办人 — an agent of an enterprise, as its legal representative sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentEntry {
    /// The agent's account id (used to revoke).
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// 身份证号码, masked.
    pub id_number_masked: String,
    /// When the authorization was granted (RFC 3339).
    pub granted_at: String,
}

/// `POST /api/v1/auth/totp/verify` and the staff login: a six-digit authenticator code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCode {
    /// 动态验证码
    pub code: String,
}

/// `POST /api/v1/auth/totp/enrol`: what proves the right to bind an authenticator. Replacing an
/// enrolled one takes a current code from it; a first enrolment (or one after a reset) takes the
/// one-time enrolment token a security administrator issued. A password alone never does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolRequest {
    /// 当前动态验证码 — a code from the authenticator now enrolled, to replace it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_code: Option<String>,
    /// 绑定码 — the one-time enrolment token, for a first enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment_token: Option<String>,
}

/// 绑定码 — a one-time enrolment token, shown once to the security administrator who issued it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentToken {
    /// The token; only its hash is stored.
    pub token: String,
    /// Until when it can be used (RFC 3339).
    pub expires_at: String,
    /// Whether issuing it removed an enrolled authenticator (a lost or replaced phone).
    pub authenticator_reset: bool,
}

/// 工作人员 — a staff member as the security administrator sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEntry {
    /// The account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// 身份证号码, masked.
    pub id_number_masked: String,
    /// The department's code.
    pub department_code: String,
    /// The roles held.
    pub roles: Vec<Role>,
    /// Whether an authenticator is bound.
    pub totp_enrolled: bool,
}

/// 安全事件 — a change to how one signs in, shown to the person it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityEvent {
    /// What happened.
    pub kind: SecurityEventKind,
    /// When (RFC 3339).
    pub at: String,
}

/// The kinds of [`SecurityEvent`]: the audit trail's acts that change how one signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// An authenticator was bound for the first time.
    TotpEnrolled,
    /// The authenticator was replaced by another.
    TotpReplaced,
    /// A security administrator removed the authenticator and issued an enrolment token.
    TotpReset,
    /// A security administrator issued an enrolment token.
    EnrolmentTokenIssued,
}

impl SecurityEventKind {
    /// The audit trail's act.
    pub fn action(self) -> crate::audit::AuditAction {
        use crate::audit::AuditAction;
        match self {
            Self::TotpEnrolled => AuditAction::TotpEnrolled,
            Self::TotpReplaced => AuditAction::TotpReplaced,
            Self::TotpReset => AuditAction::TotpReset,
            Self::EnrolmentTokenIssued => AuditAction::EnrolmentTokenIssued,
        }
    }

    /// The kind of an audit trail act, if it is one.
    pub fn of(action: crate::audit::AuditAction) -> Option<Self> {
        <Self as strum::VariantArray>::VARIANTS.iter().copied().find(|k| k.action() == action)
    }

    /// What to tell the person.
    pub fn describe(self) -> Bilingual {
        match self {
            Self::TotpEnrolled => Bilingual::new("已绑定身份验证器", "An authenticator was bound to your account"),
            Self::TotpReplaced => Bilingual::new("身份验证器已更换", "Your authenticator was replaced"),
            Self::TotpReset => Bilingual::new(
                "安全管理员解除了身份验证器的绑定",
                "A security administrator removed your authenticator",
            ),
            Self::EnrolmentTokenIssued => {
                Bilingual::new("安全管理员为您签发了绑定码", "A security administrator issued you an enrolment token")
            }
        }
    }
}

/// What enrolling an authenticator returns: the secret to type in, or the URL to scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// The shared secret, base32.
    pub secret: String,
    /// `otpauth://totp/…`, for a QR code.
    pub otpauth_url: String,
}

/// `POST /api/v1/persons/unmask`: a staff member asks to see a full identity number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmaskRequest {
    /// Whose number: the person's account id.
    pub person_id: String,
    /// Why it is needed; recorded in the audit trail.
    pub reason: String,
}

/// The full identity number, answered to an allowed and audited unmask request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmaskResponse {
    /// 身份证号码, in full.
    pub id_number: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("a date")
    }

    /// A staff member serving a walk-in applicant, and a person applying under an authorization.
    fn identities() -> Vec<Identity> {
        let party = |name: &str| crate::proxy::ProxyParty {
            person_id: format!("p-{name}"),
            name: name.into(),
            id_number_masked: "4419**********123X".into(),
        };
        let grant = crate::proxy::ProxyGrant {
            id: "g1".into(),
            principal: party("李娜"),
            proxy: party("陈敏"),
            items: Vec::new(),
            valid_until: today(),
            granted_at: chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("a time"),
            revoked_at: None,
        };
        let link = EnterpriseLink {
            uscc: "91441900MA4UXXXX0X".into(),
            name: "东莞市示范科技有限公司".into(),
            relation: Relation::Agent,
        };
        let clerk = Identity {
            person_id: "p1".into(),
            name: "黄丽".into(),
            id_number_masked: "4419**********2840".into(),
            mobile_masked: "138****8000".into(),
            enterprises: vec![link.clone()],
            acting_for: None,
            staff: Some(StaffInfo {
                department: crate::catalogue::Department {
                    code: "DG-ZWFW".into(),
                    name: crate::Bilingual::new("政务服务中心", "Service centre"),
                },
                roles: vec![Role::WindowClerk],
                second_factor_passed: true,
                totp_enrolled: true,
            }),
            on_behalf_of: Some(Applicant {
                person_id: "p2".into(),
                name: "张三".into(),
                id_number_masked: "4419**********1310".into(),
            }),
            acting_principal: None,
            walk_in_claim_code: Some("K7Q2".into()),
        };
        let proxy = Identity {
            name: "陈敏".into(),
            staff: None,
            on_behalf_of: None,
            acting_for: Some(link),
            acting_principal: Some(grant),
            walk_in_claim_code: None,
            ..clerk.clone()
        };
        vec![clerk, proxy]
    }

    #[test]
    fn the_headers_summary_decodes_the_whole_session_answer() {
        for me in identities() {
            let answer = serde_json::to_string(&SessionState { identity: Some(me.clone()) }).expect("serializes");
            let summary: SessionSummary = serde_json::from_str(&answer).expect("the summary decodes it");
            assert_eq!(summary.identity, Some(IdentitySummary::from(me.clone())));
            let shown = summary.identity.expect("signed in");
            assert_eq!(shown.name, me.name);
            assert_eq!(shown.staff.is_some(), me.staff.is_some());
            assert_eq!(shown.acting_for.map(|e| e.name), me.acting_for.map(|e| e.name));
            assert_eq!(shown.on_behalf_of.map(|a| a.name), me.on_behalf_of.map(|a| a.name));
        }
        let signed_out: SessionSummary = serde_json::from_str(r#"{"identity":null}"#).expect("decodes");
        assert_eq!(signed_out.identity, None);
    }

    #[test]
    fn a_registration_reports_every_bad_field_at_once() {
        let req = RegisterRequest {
            id_number: "441900197903152840".into(),
            name: " ".into(),
            mobile: "12345".into(),
            password: "short".into(),
            claim_code: None,
            mobile_code: "12a".into(),
            consent_version: String::new(),
        };
        let errors = req.check(today()).expect_err("six bad fields");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id_number", "name", "mobile", "password", "mobile_code", "consent_version"]);
        assert_eq!(errors[4].message.zh, "验证码为6位数字");
        assert_eq!(errors[0].code.as_str(), "bad_check_digit");
    }

    #[test]
    fn a_good_registration_is_normalized() {
        let req = RegisterRequest {
            id_number: " 44190019910704818x ".into(),
            name: " 李四 ".into(),
            mobile: "138 0013 8000".into(),
            password: "correct horse".into(),
            claim_code: None,
            mobile_code: " 012 345 ".into(),
            consent_version: crate::consent::IDENTITY_NUMBER.version.into(),
        };
        let ok = req.check(today()).expect("valid");
        assert_eq!(ok.mobile_code, "012345");
        assert_eq!(ok.id_number.as_str(), "44190019910704818X");
        assert_eq!(ok.name, "李四");
        assert_eq!(ok.mobile.as_str(), "13800138000");
        assert_eq!(ok.mobile.masked(), "138****8000");
    }

    #[test]
    fn the_identity_number_is_no_password() {
        let err = check_password("44190019910704818x", "44190019910704818X").expect_err("same");
        assert_eq!(err.code.as_str(), "password_is_id_number");
        assert!(check_password(&"p".repeat(MAX_PASSWORD_CHARS + 1), "").is_err());
    }

    #[test]
    fn names_hold_no_markup_or_invisible_characters() {
        assert_eq!(check_name("name", " 欧阳·娜娜 ").expect("a name"), "欧阳·娜娜");
        assert_eq!(check_name("name", "Anne-Marie O'Neil").expect("a name"), "Anne-Marie O'Neil");
        for bad in ["<img src=x onerror=alert(1)>", "张\u{202E}三", "李\u{200B}四", "a&b"] {
            assert_eq!(check_name("name", bad).expect_err(bad).code.as_str(), "invalid_name");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in <Role as strum::VariantArray>::VARIANTS {
            assert_eq!(Role::try_from(role.as_str().to_owned()).ok(), Some(*role));
        }
        assert!(Role::WindowClerk.may_unmask() && !Role::Approver.may_unmask());
    }
}
