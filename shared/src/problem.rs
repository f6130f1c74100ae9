//! 错误响应 — the RFC 9457 problem document every error response carries, with a stable code
//! and a message in both languages, and one entry per field for form errors.

use serde::{Deserialize, Serialize};

use crate::{Bilingual, ResidentIdError, UsccError};

/// 错误代码 — the stable machine code of a problem. Clients branch on this, never on text.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProblemCode {
    /// No route at this path.
    NotFound,
    /// No published service item has this code.
    ItemNotFound,
    /// The query string could not be read.
    InvalidQuery,
    /// A path parameter is malformed.
    InvalidPath,
    /// The body is not the JSON this endpoint takes.
    InvalidJson,
    /// One or more fields have invalid values; see `errors`.
    ValidationFailed,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// This path does not take this method.
    MethodNotAllowed,
    /// The body is larger than this endpoint takes.
    PayloadTooLarge,
    /// The request needs a signed-in session.
    Unauthenticated,
    /// The identity number, password or authenticator code is wrong (never says which).
    InvalidCredentials,
    /// This account signs in with an authenticator code too.
    TotpRequired,
    /// Too many failed sign-ins for this account: wait before trying again.
    LoginLocked,
    /// Too many requests from this address: wait before trying again.
    RateLimited,
    /// The signed-in person may not do this.
    Forbidden,
    /// A state-changing request came from another site.
    CsrfRejected,
    /// This identity number already has an account.
    AlreadyRegistered,
    /// No such enterprise, or none this person may see.
    EnterpriseNotFound,
    /// No such person, or none this person may see.
    PersonNotFound,
    /// No case with this number, or the identity number does not match it.
    CaseNotFound,
    /// No such draft of this person.
    DraftNotFound,
    /// The action cannot be taken in the case's present state; `allowed_actions` says what can.
    ActionNotAllowed,
    /// The signed-in staff member's role does not take this action.
    RoleMayNot,
    /// Someone else changed the case meanwhile: reload it and decide again.
    CaseChanged,
    /// No notice with this id, or none this person may see.
    NoticeNotFound,
    /// No authorization with this id that this person gave.
    ProxyNotFound,
    /// The authorization a proxy applies under was revoked or has ended.
    ProxyLapsed,
    /// No such card, or none the caller may see.
    CardNotFound,
    /// The card is not where the act applies (answered already, resolved…).
    CardNotNow,
    /// No such webhook endpoint, or none of the caller's department.
    EndpointNotFound,
    /// No such synonym in the catalogue's search words.
    SynonymNotFound,
    /// No consent of this purpose holds for the person (never given, or withdrawn).
    ConsentNotFound,
    /// No such API token, or none of the caller's department.
    TokenNotFound,
    /// An API client's token is missing, unknown or revoked.
    InvalidApiToken,
    /// A stored file no longer matches the SHA-256 recorded when it was received.
    FileAltered,
    /// The person keeps as many drafts as one may: delete one first.
    DraftLimitReached,
    /// No such upload, or none this person may read.
    UploadNotFound,
    /// The Idempotency-Key was used before with a different body.
    IdempotencyKeyReused,
    /// The Idempotency-Key header is malformed.
    InvalidIdempotencyKey,
    /// The file's content is not a PDF, JPEG or PNG.
    UnsupportedFileType,
    /// The request could not be read (a malformed body or header).
    BadRequest,
    /// The request was not finished in time.
    RequestTimeout,
    /// The address is longer than the server reads.
    UriTooLong,
    /// The request's headers are larger than the server reads.
    HeadersTooLarge,
    /// The database cannot be reached, or kept the change waiting too long for a lock: retry
    /// after `Retry-After`.
    ServiceUnavailable,
    /// The server is working on as many requests as it takes: retry after `Retry-After`.
    Overloaded,
    /// Something failed on the server; the log has the cause.
    Internal,
}

impl ProblemCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::NotFound | Self::ItemNotFound => 404,
            Self::InvalidQuery | Self::InvalidPath | Self::InvalidJson => 400,
            Self::ValidationFailed => 422,
            Self::Unauthenticated | Self::InvalidCredentials | Self::TotpRequired => 401,
            Self::LoginLocked | Self::RateLimited => 429,
            Self::Forbidden | Self::CsrfRejected => 403,
            Self::AlreadyRegistered => 409,
            Self::EnterpriseNotFound | Self::PersonNotFound => 404,
            Self::UnsupportedMediaType => 415,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::CaseNotFound => 404,
            Self::DraftNotFound => 404,
            Self::ActionNotAllowed | Self::CaseChanged => 409,
            Self::RoleMayNot => 403,
            Self::NoticeNotFound => 404,
            Self::ProxyNotFound => 404,
            Self::ProxyLapsed => 403,
            Self::CardNotFound => 404,
            Self::CardNotNow => 409,
            Self::EndpointNotFound | Self::TokenNotFound | Self::SynonymNotFound | Self::ConsentNotFound => 404,
            Self::InvalidApiToken => 401,
            Self::FileAltered => 409,
            Self::DraftLimitReached => 409,
            Self::UploadNotFound => 404,
            Self::IdempotencyKeyReused => 422,
            Self::InvalidIdempotencyKey => 400,
            Self::UnsupportedFileType => 415,
            Self::BadRequest => 400,
            Self::RequestTimeout => 408,
            Self::UriTooLong => 414,
            Self::HeadersTooLarge => 431,
            Self::ServiceUnavailable | Self::Overloaded => 503,
            Self::Internal => 500,
        }
    }

    /// The wire name, also the last segment of the problem `type`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The general message of the code: the problem's `title` is its English half.
    pub fn message(self) -> Bilingual {
        match self {
            Self::NotFound => Bilingual::new("没有这个地址", "There is nothing at this address"),
            Self::ItemNotFound => Bilingual::new(
                "没有找到这个事项，可能已调整或停止办理",
                "No such service item: it may have been changed or withdrawn",
            ),
            Self::InvalidQuery => Bilingual::new("查询参数有误", "The query parameters are not valid"),
            Self::InvalidPath => Bilingual::new("地址中的参数有误", "A parameter in the address is not valid"),
            Self::InvalidJson => {
                Bilingual::new("提交的数据格式有误", "The submitted data is not valid JSON for this request")
            }
            Self::ValidationFailed => {
                Bilingual::new("填写的内容有误，请按提示修改", "Some answers need correcting: see each field")
            }
            Self::UnsupportedMediaType => Bilingual::new("请以 JSON 格式提交", "Send the data as application/json"),
            Self::MethodNotAllowed => Bilingual::new("此地址不支持该操作", "This address does not take this method"),
            Self::PayloadTooLarge => Bilingual::new("提交的内容过大", "The submitted data is too large"),
            Self::Unauthenticated => Bilingual::new("请先登录", "Please sign in first"),
            Self::InvalidCredentials => Bilingual::new(
                "身份证号码、密码或动态验证码不正确",
                "The identity number, password or authenticator code is not correct",
            ),
            Self::TotpRequired => Bilingual::new(
                "请输入身份验证器上的6位动态验证码",
                "Enter the 6-digit code from your authenticator app",
            ),
            Self::LoginLocked => Bilingual::new(
                "登录失败次数过多，请稍后再试",
                "Too many failed sign-ins: please wait before trying again",
            ),
            Self::RateLimited => Bilingual::new("操作过于频繁，请稍后再试", "Too many requests: please wait a moment"),
            Self::Forbidden => Bilingual::new("您没有办理此项操作的权限", "You are not allowed to do this"),
            Self::CsrfRejected => {
                Bilingual::new("请求来自其他网站，已被拒绝", "The request came from another site and was refused")
            }
            Self::AlreadyRegistered => Bilingual::new(
                "该身份证号码已注册，请直接登录",
                "This identity number is already registered: please sign in",
            ),
            Self::EnterpriseNotFound => Bilingual::new("没有找到这个企业", "No such enterprise"),
            Self::PersonNotFound => Bilingual::new("没有找到这个人员", "No such person"),
            Self::CaseNotFound => Bilingual::new(
                "没有找到这个办件，请核对办件编号和身份证号码",
                "No case matches this case number and identity number",
            ),
            Self::DraftNotFound => Bilingual::new("没有找到这份草稿", "No such draft"),
            Self::ActionNotAllowed => Bilingual::new(
                "办件当前状态下不能进行这项操作",
                "This action cannot be taken while the case is where it is",
            ),
            Self::RoleMayNot => Bilingual::new("您的岗位不能进行这项操作", "Your role does not take this action"),
            Self::CaseChanged => Bilingual::new(
                "办件刚被他人处理，请刷新后再操作",
                "Someone else acted on the case just now: reload it and try again",
            ),
            Self::NoticeNotFound => Bilingual::new("没有找到这份通知书", "No such notice"),
            Self::ProxyNotFound => Bilingual::new("没有找到这份委托", "No such authorization"),
            Self::CardNotFound => Bilingual::new("没有找到这张督办卡", "No such card"),
            Self::EndpointNotFound => Bilingual::new("没有找到这个推送地址", "No such webhook endpoint"),
            Self::SynonymNotFound => Bilingual::new("没有这个同义词", "No such synonym"),
            Self::ConsentNotFound => Bilingual::new(
                "没有可撤回的授权（未曾授权或已撤回）",
                "No such consent holds: never given, or withdrawn",
            ),
            Self::TokenNotFound => Bilingual::new("没有找到这个接口令牌", "No such API token"),
            Self::InvalidApiToken => Bilingual::new(
                "接口令牌缺失、无效或已吊销：请在 Authorization 头中以 Bearer 方式提供本部门的有效令牌",
                "The API token is missing, unknown or revoked: send a valid token of your department as \
                 `Authorization: Bearer <token>`",
            ),
            Self::CardNotNow => {
                Bilingual::new("督办卡当前状态不能进行此操作", "The card is not where this act applies")
            }
            Self::ProxyLapsed => Bilingual::new(
                "委托已被撤销或已到期，不能再代为申办；请在“我的账户”中切换为本人",
                "The authorization was revoked or has ended: you can no longer apply for this person; switch to yourself in My account",
            ),
            Self::FileAltered => Bilingual::new(
                "该文件与收件时记录的校验值不符，已停止显示，请联系系统管理员",
                "This file no longer matches the hash recorded when it was received; it is withheld: tell the administrator",
            ),
            Self::DraftLimitReached => Bilingual::new(
                "草稿已达50份，请先删除不用的草稿",
                "You keep 50 drafts already: delete one you no longer need first",
            ),
            Self::UploadNotFound => Bilingual::new("没有找到这个文件", "No such file"),
            Self::IdempotencyKeyReused => Bilingual::new(
                "该提交编号已用于另一份申请，请勿修改后重复提交",
                "This Idempotency-Key was used for a different application",
            ),
            Self::InvalidIdempotencyKey => Bilingual::new(
                "提交编号（Idempotency-Key）应为1至128个可见字符",
                "The Idempotency-Key header takes 1 to 128 visible ASCII characters",
            ),
            Self::UnsupportedFileType => Bilingual::new(
                "文件类型不支持，请上传 PDF、JPG 或 PNG 文件",
                "This kind of file is not accepted: upload a PDF, JPEG or PNG",
            ),
            Self::BadRequest => {
                Bilingual::new("请求无法读取，请重试", "The request could not be read: please try again")
            }
            Self::RequestTimeout => Bilingual::new(
                "请求未能及时完成，请检查网络后重试",
                "The request did not finish in time: check the connection and try again",
            ),
            Self::UriTooLong => Bilingual::new("地址过长", "The address is too long"),
            Self::HeadersTooLarge => Bilingual::new("请求头过大", "The request headers are too large"),
            Self::Overloaded => Bilingual::new(
                "当前办事人数较多，请稍等片刻再试",
                "Many people are using the service just now: please try again in a moment",
            ),
            Self::ServiceUnavailable => Bilingual::new(
                "服务暂时不可用，请稍后再试",
                "The service is unavailable for a moment: please try again",
            ),
            Self::Internal => {
                Bilingual::new("系统出现问题，请稍后再试", "Something went wrong on our side: please try again")
            }
        }
    }
}

/// 字段错误代码 — the stable machine code of what is wrong with one field. The wire name is
/// the snake_case of the variant (`BadCheckDigit` is `bad_check_digit`), derived; clients
/// branch on the variant, never on text. [`FieldCode::message`] is the one table of their
/// general messages, in both languages.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FieldCode {
    /// Nothing was entered.
    Empty,
    /// An identifier has the wrong number of characters.
    WrongLength,
    /// An identifier holds a character it cannot.
    BadCharacter,
    /// A resident identity number's area code is unknown.
    BadAreaCode,
    /// A resident identity number's birth date is not a date.
    InvalidBirthDate,
    /// A resident identity number's birth date lies ahead.
    FutureBirthDate,
    /// A resident identity number's check digit is wrong.
    BadCheckDigit,
    /// A credit code holds I, O, Z, S or V.
    ForbiddenCharacter,
    /// A credit code's check character is wrong.
    BadCheckChar,
    /// A credit code's organization code part does not check.
    BadOrgCodeCheck,
    /// An item code is empty or too long.
    ItemCodeLength,
    /// An item code holds another character.
    ItemCodeCharacter,
    /// An application names no item.
    NoItems,
    /// An application names more items than one form takes.
    TooManyItems,
    /// An item is named twice.
    DuplicateItem,
    /// An item has no published version.
    ItemNotPublished,
    /// Items for persons and for enterprises are combined.
    MixedServiceObjects,
    /// An enterprise's item is applied for as a person.
    NeedsEnterprise,
    /// A person's item is applied for as an enterprise.
    NeedsPerson,
    /// A business's registration filed while acting for an enterprise.
    FoundAsPerson,
    /// An item the authorization a proxy applies under does not name.
    NotInProxyScope,
    /// Two registrations of businesses in one application.
    TwoRegistrations,
    /// A registration combined with other items outside a bundle that stages them after it.
    FoundingNeedsBundle,
    /// A required answer is missing.
    Required,
    /// An answer is not text.
    NotText,
    /// An answer is longer than its question takes.
    TooLong,
    /// An answer holds control characters.
    ControlCharacter,
    /// An address is too short to find.
    AddressTooShort,
    /// A number is negative.
    Negative,
    /// A number is not whole.
    NotInteger,
    /// An answer is not a number.
    NotNumber,
    /// An answer is not yes or no.
    NotBoolean,
    /// An answer is not a date.
    NotDate,
    /// An answer is not one of the options.
    NotAnOption,
    /// A multiple choice is not a list.
    NotAList,
    /// An option is chosen twice.
    DuplicateOption,
    /// An answer is not a phone number.
    InvalidPhone,
    /// An answer to a question the form does not ask.
    UnknownField,
    /// A situation the form does not list.
    UnknownSituation,
    /// A situation ticked although an answer of the form decides it.
    SituationDecided,
    /// An answer that differs from what the platform knows (the applicant's name or identity
    /// number, the enterprise's record): such fields are filled by the platform.
    KnownFieldContradicts,
    /// A pledge for an item that takes none.
    PledgeNotAllowed,
    /// A required material is missing.
    MaterialMissing,
    /// More files for a material than it takes.
    TooManyFiles,
    /// Files for a material the application does not need.
    MaterialNotNeeded,
    /// A number is out of its range.
    OutOfRange,
    /// A value is not valid.
    Invalid,
    /// A value of the wrong type or format.
    InvalidValue,
    /// Not a mainland mobile number.
    InvalidMobile,
    /// Not an email address.
    InvalidEmail,
    /// Not an address a webhook may be sent to.
    InvalidWebhookUrl,
    /// Not a person's name.
    InvalidName,
    /// A password is shorter than allowed.
    PasswordTooShort,
    /// A password is longer than allowed.
    PasswordTooLong,
    /// A password is the identity number.
    PasswordIsIdNumber,
    /// A one-time mobile code is missing, wrong, used or expired.
    MobileCodeWrong,
    /// A consent is not given, or given to an older version of its text.
    ConsentRequired,
    /// A legal representative names themselves as agent.
    SelfGrant,
    /// A stated reason is missing or too short.
    ReasonRequired,
    /// An authenticator code is wrong or used.
    InvalidTotp,
    /// An enrolment token is wrong, used or expired.
    InvalidEnrolmentToken,
    /// An upload that is not the applicant's.
    UploadNotFound,
    /// Not a case number.
    InvalidCaseNo,
    /// Not an application number.
    InvalidApplicationNo,
    /// Not the id of a record.
    InvalidRecordId,
    /// An upload failed (the app's own).
    UploadFailed,
    /// A supplement notice asks for a material the item does not list.
    MaterialNotListed,
    /// A file for a material the supplement notice did not ask for.
    MaterialNotDemanded,
    /// The person is not entitled to receive the result.
    NotRecipient,
    /// The person present is neither the enterprise's legal representative nor its agent.
    NotRepresentative,
    /// A registration names a legal representative who has no account yet.
    RepresentativeUnregistered,
}

stored_name!(FieldCode);

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().en)
    }
}

impl FieldCode {
    /// The general message of the code; an error may say more of its own occurrence.
    pub fn message(self) -> Bilingual {
        let (zh, en) = match self {
            Self::Empty => ("请填写这一项", "This must be filled in"),
            Self::WrongLength => ("长度不对", "This has the wrong number of characters"),
            Self::BadCharacter => ("含有不允许的字符", "This contains a character it cannot hold"),
            Self::BadAreaCode => ("地区代码不存在", "The area code does not exist"),
            Self::InvalidBirthDate => ("出生日期无效", "The date of birth is not a real date"),
            Self::FutureBirthDate => ("出生日期晚于今天", "The date of birth is after today"),
            Self::BadCheckDigit => ("校验码不符，请核对号码", "The check digit does not match: check the number"),
            Self::ForbiddenCharacter => {
                ("含有统一社会信用代码不使用的字母", "This holds a letter credit codes never use")
            }
            Self::BadCheckChar => ("校验码不符，请核对代码", "The check character does not match: check the code"),
            Self::BadOrgCodeCheck => ("组织机构代码部分校验不符", "The organization-code part does not check"),
            Self::ItemCodeLength => ("事项编码长度不对", "The item code has the wrong length"),
            Self::ItemCodeCharacter => {
                ("事项编码只能包含字母、数字和“-”", "An item code holds letters, digits and '-' only")
            }
            Self::NoItems => ("请至少选择一个事项", "Choose at least one item"),
            Self::TooManyItems => ("一次申请的事项过多", "Too many items for one application"),
            Self::DuplicateItem => ("同一事项选了两次", "An item is chosen twice"),
            Self::ItemNotPublished => ("该事项暂不能申请", "This item cannot be applied for now"),
            Self::MixedServiceObjects => {
                ("个人事项和法人事项不能一起申请", "Items for individuals and for businesses cannot be combined")
            }
            Self::NeedsEnterprise => ("该事项须以企业身份申请", "This item is applied for as an enterprise"),
            Self::NeedsPerson => ("该事项须以个人身份申请", "This item is applied for as an individual"),
            Self::FoundAsPerson => {
                ("设立登记须由创办人本人申请", "A new business is registered by its founder in person")
            }
            Self::NotInProxyScope => ("委托书未包含这个事项", "The authorization does not cover this item"),
            Self::TwoRegistrations => ("一次申请只能办理一项设立登记", "One application registers one business"),
            Self::FoundingNeedsBundle => (
                "设立登记与其他事项一并办理，请从“一件事”办理入口申请",
                "A registration goes with other items only as a bundle: apply from its bundle",
            ),
            Self::Required => ("请填写这一项", "This must be filled in"),
            Self::NotText => ("应填写文字", "Expected text"),
            Self::TooLong => ("内容过长", "This is too long"),
            Self::ControlCharacter => ("含有不可见的控制字符", "Contains control characters"),
            Self::AddressTooShort => ("地址过于简略", "The address is too short"),
            Self::Negative => ("不能为负数", "Cannot be negative"),
            Self::NotInteger => ("应填写整数", "Expected a whole number"),
            Self::NotNumber => ("应填写数字", "Expected a number"),
            Self::NotBoolean => ("请选择“是”或“否”", "Choose yes or no"),
            Self::NotDate => ("日期格式应为 年-月-日", "Expected a date as YYYY-MM-DD"),
            Self::NotAnOption => ("请从选项中选择", "Choose one of the options"),
            Self::NotAList => ("请从选项中选择", "Choose from the options"),
            Self::DuplicateOption => ("同一选项选了两次", "An option is chosen twice"),
            Self::InvalidPhone => ("电话号码格式有误", "This is not a phone number"),
            Self::UnknownField => ("表单中没有这一项", "The form has no such question"),
            Self::UnknownSituation => ("表单中没有这种情形", "The form has no such situation"),
            Self::SituationDecided => {
                ("这一情形由表单中的回答决定，无需勾选", "An answer of the form decides this situation: do not tick it")
            }
            Self::KnownFieldContradicts => (
                "此项由系统根据已认证的信息填写，不能改为其他内容",
                "The platform fills this from verified records: it cannot be changed",
            ),
            Self::PledgeNotAllowed => ("该事项不适用告知承诺", "This item takes no pledge"),
            Self::MaterialMissing => ("请提供这份材料", "This material must be provided"),
            Self::TooManyFiles => ("文件过多", "Too many files"),
            Self::MaterialNotNeeded => ("这份材料不需要提供", "This material is not needed"),
            Self::OutOfRange => ("超出允许的范围", "This is out of range"),
            Self::Invalid => ("内容无效", "This is not valid"),
            Self::InvalidValue => ("内容格式有误", "This value has the wrong format"),
            Self::InvalidMobile => ("手机号码格式有误", "This is not a mobile number"),
            Self::InvalidEmail => ("电子邮箱格式有误", "This is not an email address"),
            Self::InvalidWebhookUrl => ("推送地址须为 https 地址", "A webhook address must be an https URL"),
            Self::InvalidName => ("姓名格式有误", "This is not a name"),
            Self::PasswordTooShort => ("密码过短", "The password is too short"),
            Self::PasswordTooLong => ("密码过长", "The password is too long"),
            Self::PasswordIsIdNumber => ("密码不能与身份证号码相同", "The password cannot be your identity number"),
            Self::MobileCodeWrong => {
                ("验证码不正确或已过期，请重新获取", "The code is wrong or has expired: ask for a new one")
            }
            Self::ConsentRequired => ("请阅读并勾选同意", "Read and agree first"),
            Self::SelfGrant => ("法定代表人无需授权自己", "The legal representative needs no authorization"),
            Self::ReasonRequired => ("请说明原因", "State a reason"),
            Self::InvalidTotp => ("动态验证码不正确或已使用", "The code is wrong or was already used"),
            Self::InvalidEnrolmentToken => {
                ("绑定码不正确、已使用或已过期", "The enrolment token is wrong, used or expired")
            }
            Self::UploadNotFound => {
                ("找不到这个上传的文件，请重新上传", "This uploaded file was not found: upload it again")
            }
            Self::InvalidCaseNo => ("办件编号格式有误", "This is not a case number"),
            Self::InvalidApplicationNo => ("申办编号格式有误", "This is not an application number"),
            Self::InvalidRecordId => ("编号格式有误", "This is not the id of a record"),
            Self::UploadFailed => ("文件上传失败", "The file could not be uploaded"),
            Self::MaterialNotListed => (
                "办事指南未列出这项材料，不得要求申请人提供",
                "The item's guide does not list this material: it cannot be demanded",
            ),
            Self::MaterialNotDemanded => {
                ("补正告知书没有要求这项材料", "The supplement notice did not ask for this material")
            }
            Self::RepresentativeUnregistered => (
                "法定代表人尚未实名注册，请其注册后再批准设立登记",
                "The legal representative has no account yet: they must register before the registration is approved",
            ),
            Self::NotRepresentative => (
                "在场人员不是该企业的法定代表人或经办人",
                "The person present is neither the enterprise's legal representative nor one of its agents",
            ),
            Self::NotRecipient => (
                "领取人不是申请人、其企业的法定代表人或经办人，或姓名与身份证号码不符",
                "The recipient is not the applicant or their enterprise's representative or agent, or the name does not match",
            ),
        };
        Bilingual::new(zh, en)
    }
}

/// 字段错误 — what is wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as sent (`page`, `value`, `id_number`, …).
    pub field: String,
    /// Stable code of what is wrong (`bad_check_digit`, `out_of_range`, …).
    pub code: FieldCode,
    /// What is wrong, in both languages.
    pub message: Bilingual,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message.en)
    }
}

impl FieldError {
    /// An error of this code with its general message.
    pub fn new(field: impl Into<String>, code: FieldCode) -> Self {
        Self { field: field.into(), code, message: code.message() }
    }

    /// An error of this code explained by `message`.
    pub fn with_message(field: impl Into<String>, code: FieldCode, message: Bilingual) -> Self {
        Self { field: field.into(), code, message }
    }

    /// The error of a field that fails the resident identity number parser.
    pub fn resident_id(field: &str, err: &ResidentIdError) -> Self {
        Self::with_message(field, err.code(), err.message())
    }

    /// The error of a field that fails the credit code parser.
    pub fn uscc(field: &str, err: &UsccError) -> Self {
        Self::with_message(field, err.code(), err.message())
    }

    /// The errors of one field as `validator` reports them, said in both languages.
    #[cfg(feature = "validate")]
    pub fn from_validation(field: &str, err: &validator::ValidationError) -> Self {
        let param = |name: &str| err.params.get(name).map(|v| v.to_string());
        let (code, message) = match err.code.as_ref() {
            "range" => {
                let (min, max) = (param("min").unwrap_or_default(), param("max").unwrap_or_default());
                (
                    FieldCode::OutOfRange,
                    Bilingual::new(
                        format!("“{field}”应在{min}到{max}之间"),
                        format!("'{field}' must be between {min} and {max}"),
                    ),
                )
            }
            "length" => {
                let max = param("max").unwrap_or_default();
                (
                    FieldCode::TooLong,
                    Bilingual::new(
                        format!("“{field}”最多{max}个字符"),
                        format!("'{field}' takes at most {max} characters"),
                    ),
                )
            }
            _ => (FieldCode::Invalid, Bilingual::new(format!("“{field}”的值无效"), format!("'{field}' is not valid"))),
        };
        Self { field: field.to_owned(), code, message }
    }

    /// Every field error of a `validator` report, sorted by field name for a stable order.
    #[cfg(feature = "validate")]
    pub fn from_validation_errors(errors: &validator::ValidationErrors) -> Vec<Self> {
        let mut out: Vec<Self> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errs)| errs.iter().map(move |e| Self::from_validation(&field, e)))
            .collect();
        out.sort_by(|a, b| a.field.cmp(&b.field));
        out
    }
}

/// 错误响应 — an RFC 9457 `application/problem+json` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:yiwang:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short English summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// English explanation of this occurrence.
    pub detail: String,
    /// Stable machine code.
    pub code: ProblemCode,
    /// The explanation in both languages, for display.
    pub message: Bilingual,
    /// One entry per invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `action_not_allowed`: where the case stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_status: Option<crate::application::CaseStatus>,
    /// For `action_not_allowed`: what the caller may do now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<crate::workflow::CaseAction>>,
}

impl Problem {
    /// A problem of this code with its general message.
    pub fn new(code: ProblemCode) -> Self {
        Self::with_message(code, code.message())
    }

    /// A problem of this code explained by `message`.
    pub fn with_message(code: ProblemCode, message: Bilingual) -> Self {
        Self {
            problem_type: format!("urn:yiwang:problem:{}", code.as_str()),
            title: code.message().en,
            status: code.status(),
            detail: message.en.clone(),
            code,
            message,
            errors: Vec::new(),
            case_status: None,
            allowed_actions: None,
        }
    }

    /// A 422 listing what is wrong with each field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self { errors, ..Self::new(ProblemCode::ValidationFailed) }
    }
}

/// What a page that has no form and no case reads of a problem answer: all but its field errors
/// and a refused case action's details. The guides bundle (a citizen's first load) decodes this,
/// not the whole [`Problem`], so that decoding every field code, case status and case action
/// stays out of it. (Building the left-out texts again from the code, as [`Problem::new`] does,
/// would bring every code's message in instead: 2 kB more.)
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ProblemBrief {
    #[serde(rename = "type")]
    problem_type: String,
    title: String,
    status: u16,
    detail: String,
    code: ProblemCode,
    message: Bilingual,
}

/// The problem the brief was read from, without its field errors and case action details.
impl From<ProblemBrief> for Problem {
    fn from(brief: ProblemBrief) -> Self {
        let ProblemBrief { problem_type, title, status, detail, code, message } = brief;
        Self {
            problem_type,
            title,
            status,
            detail,
            code,
            message,
            errors: Vec::new(),
            case_status: None,
            allowed_actions: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_type_names_its_code() {
        let p = Problem::new(ProblemCode::ItemNotFound);
        assert_eq!(p.problem_type, "urn:yiwang:problem:item_not_found");
        assert_eq!(p.status, 404);
        let json = serde_json::to_value(&p).expect("serializable");
        assert_eq!(json["code"], "item_not_found");
        assert!(json.get("errors").is_none(), "empty errors are left out");
    }

    #[test]
    fn every_code_round_trips_through_its_wire_name() {
        use strum::VariantArray as _;
        for code in ProblemCode::VARIANTS {
            let json = serde_json::to_string(code).expect("serializable");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!((400..600).contains(&code.status()));
        }
        assert_eq!(ProblemCode::IdempotencyKeyReused.as_str(), "idempotency_key_reused");
    }

    #[test]
    fn every_field_code_has_a_message_and_round_trips_through_its_wire_name() {
        use strum::VariantArray as _;
        for code in FieldCode::VARIANTS {
            let json = serde_json::to_string(code).expect("serializable");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(FieldCode::try_from(code.as_str().to_owned()).ok(), Some(*code));
            let message = code.message();
            assert!(!message.zh.is_empty() && !message.en.is_empty());
        }
        assert_eq!(FieldCode::BadCheckDigit.as_str(), "bad_check_digit");
    }

    #[test]
    fn the_brief_decodes_every_problem_answer_keeping_its_status_code_and_message() {
        let full = Problem {
            case_status: Some(crate::application::CaseStatus::Reviewing),
            allowed_actions: Some(vec![crate::workflow::CaseAction::Approve]),
            ..Problem::validation(vec![FieldError::new("mobile", FieldCode::Invalid)])
        };
        let answer = serde_json::to_string(&full).expect("serializable");
        let brief: ProblemBrief = serde_json::from_str(&answer).expect("the brief decodes it");
        let read = Problem::from(brief);
        assert_eq!(read, Problem { errors: Vec::new(), case_status: None, allowed_actions: None, ..full });
        for plain in [
            Problem::new(ProblemCode::ItemNotFound),
            Problem::with_message(ProblemCode::ItemNotFound, Bilingual::new("没有编码为X的事项", "No item X")),
        ] {
            let answer = serde_json::to_string(&plain).expect("serializable");
            let brief: ProblemBrief = serde_json::from_str(&answer).expect("decodes");
            assert_eq!(Problem::from(brief), plain);
        }
    }
}
