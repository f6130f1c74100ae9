//! 错误 — the server's one error type, mapped to an RFC 9457 problem response in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{Bilingual, FieldError, Problem, ProblemCode};
use sqlx::error::DatabaseError as _;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem the client can act on (4xx), said as it will be sent.
    #[error("{}", .0.detail)]
    Client(Box<Problem>),
    /// The database is unreachable or overloaded (503).
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// Anything else (500): logged with its cause, shown without it.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A client problem of this code with its general message.
    pub fn code(code: ProblemCode) -> Self {
        Self::Client(Box::new(Problem::new(code)))
    }

    /// A client problem of this code explained by `message`.
    pub fn with_message(code: ProblemCode, message: Bilingual) -> Self {
        Self::Client(Box::new(Problem::with_message(code, message)))
    }

    /// A 422 listing what is wrong with each field.
    pub fn fields(errors: Vec<FieldError>) -> Self {
        Self::Client(Box::new(Problem::validation(errors)))
    }

    /// The problem document sent for this error.
    pub fn to_problem(&self) -> Problem {
        match self {
            Self::Client(p) => (**p).clone(),
            Self::Unavailable(_) => Problem::new(ProblemCode::ServiceUnavailable),
            Self::Internal(_) => Problem::new(ProblemCode::Internal),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_transient(&e) { Self::Unavailable(e) } else { Self::Internal(e.into()) }
    }
}

/// Whether the database failed for a moment, so that the same request may succeed when sent
/// again: it could not be reached, or the change waited longer than it may for another's lock
/// (SQLite's busy timeout, PostgreSQL's `lock_timeout`), or PostgreSQL gave up the transaction
/// for another's sake or ran short of resources. Such an answer is 503 with `Retry-After`,
/// never 500: the client did nothing wrong, and nothing it sent is half-written.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => {
            if let Some(sqlite) = d.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // The primary result code is the extended one's low byte.
                let primary = sqlite.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
                matches!(primary, Some(SQLITE_BUSY | SQLITE_LOCKED))
            } else {
                d.code().is_some_and(|state| is_transient_sqlstate(&state))
            }
        }
        _ => false,
    }
}

/// SQLite's "the database file is locked" and "a table in the database is locked".
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// PostgreSQL's states of a transaction that failed for a moment: a lost connection (class 08),
/// a serialization failure or deadlock (class 40, the loser's transaction rolled back), too
/// few resources (class 53: connections, memory, disk), a lock not given within `lock_timeout`
/// (55P03), a statement cancelled (57014) or the server shutting down or starting (57P01–57P03).
fn is_transient_sqlstate(state: &str) -> bool {
    ["08", "40", "53"].iter().any(|class| state.starts_with(class))
        || matches!(state, "55P03" | "57014" | "57P01" | "57P02" | "57P03")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Client(_) => {}
            Self::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            Self::Internal(e) => tracing::error!(error = ?e, "request failed"),
        }
        let mut response = problem_response(&self.to_problem());
        if let Self::Unavailable(_) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
        }
        response
    }
}

/// Seconds a client is asked to wait when the database failed for a moment.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 2;

/// The media type of RFC 9457 problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Serializes a problem with its status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// The answer to each way the identity service fails.
impl From<crate::auth::IdentityError> for ApiError {
    fn from(e: crate::auth::IdentityError) -> Self {
        use crate::auth::{IdentityError as E, Whom};
        match e {
            E::Invalid(errors) => Self::fields(errors),
            E::Unauthenticated => Self::code(ProblemCode::Unauthenticated),
            E::InvalidCredentials => Self::code(ProblemCode::InvalidCredentials),
            E::TotpRequired => Self::code(ProblemCode::TotpRequired),
            E::LoginLocked { wait_secs } => Self::with_message(
                ProblemCode::LoginLocked,
                Bilingual::new(
                    format!("登录失败次数过多，请{wait_secs}秒后再试"),
                    format!("Too many failed sign-ins: try again in {wait_secs} seconds"),
                ),
            ),
            E::RateLimited => Self::code(ProblemCode::RateLimited),
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::AlreadyRegistered => Self::code(ProblemCode::AlreadyRegistered),
            E::EnterpriseNotFound => Self::code(ProblemCode::EnterpriseNotFound),
            E::PersonNotFound => Self::code(ProblemCode::PersonNotFound),
            // The same answer whether the number is unregistered or the name does not match it.
            E::Unregistered(whom) => {
                let message = match whom {
                    Whom::Agent => Bilingual::new(
                        "请核对经办人的姓名和身份证号码，经办人须先注册账号",
                        "No registered person has this name and identity number: check both; the agent must register first",
                    ),
                    Whom::Proxy => Bilingual::new(
                        "请核对受托人的姓名和身份证号码，受托人须先注册账号",
                        "No registered person has this name and identity number: check both; the proxy must register first",
                    ),
                    Whom::Applicant => Bilingual::new(
                        "请核对申请人的姓名和身份证号码；申请人没有网上账号的，填写其手机号码即可为其建档办理",
                        "No registered person has this name and identity number: check both; for an applicant with no \
                         account, enter their mobile number to serve them",
                    ),
                };
                Self::with_message(ProblemCode::PersonNotFound, message)
            }
            E::HashingUnavailable => Self::code(ProblemCode::ServiceUnavailable),
            E::CodeTooSoon { wait_secs } => Self::with_message(
                ProblemCode::RateLimited,
                Bilingual::new(
                    format!("验证码已发送，请{wait_secs}秒后再重新获取"),
                    format!("A code was sent: ask for another in {wait_secs} seconds"),
                ),
            ),
            E::SmsUnavailable => Self::with_message(
                ProblemCode::ServiceUnavailable,
                Bilingual::new(
                    "短信暂时无法发送，请稍后再试",
                    "Text messages cannot be sent just now: try again later",
                ),
            ),
            E::ConsentNotFound => Self::code(ProblemCode::ConsentNotFound),
            E::ProxyNotFound => Self::code(ProblemCode::ProxyNotFound),
            E::Store(e) => e.into(),
            E::Internal(e) => Self::Internal(e),
        }
    }
}

/// The answer to each way the applying service fails.
impl From<crate::applying::ApplyingError> for ApiError {
    fn from(e: crate::applying::ApplyingError) -> Self {
        use crate::applying::ApplyingError as E;
        use crate::applying::content::ContentError;
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        match e {
            E::Invalid(errors) => Self::fields(errors),
            E::Unauthenticated => Self::code(ProblemCode::Unauthenticated),
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::ProxyLapsed => Self::code(ProblemCode::ProxyLapsed),
            E::NoApplicantPresent => Self::with_message(
                ProblemCode::Forbidden,
                Bilingual::new(
                    "工作人员账号需先在综合窗口选择现场申请人",
                    "A staff account applies only for an applicant present at the window",
                ),
            ),
            E::EnterpriseNotFound => Self::code(ProblemCode::EnterpriseNotFound),
            E::PersonNotFound => Self::code(ProblemCode::PersonNotFound),
            E::CaseNotFound => Self::code(ProblemCode::CaseNotFound),
            E::DraftNotFound => Self::code(ProblemCode::DraftNotFound),
            E::DraftLimitReached => Self::code(ProblemCode::DraftLimitReached),
            E::InvalidIdempotencyKey => Self::code(ProblemCode::InvalidIdempotencyKey),
            E::IdempotencyKeyReused => Self::code(ProblemCode::IdempotencyKeyReused),
            E::UploadNotFound => Self::code(ProblemCode::UploadNotFound),
            E::EmptyFile => {
                Self::with_message(ProblemCode::UnsupportedFileType, Bilingual::new("文件是空的", "The file is empty"))
            }
            E::UnsupportedFileType => Self::code(ProblemCode::UnsupportedFileType),
            E::BadContent(e) => Self::with_message(
                ProblemCode::UnsupportedFileType,
                match e {
                    ContentError::BadImage(_) => Bilingual::new(
                        "图片无法打开，请重新拍照或扫描后上传",
                        "The picture cannot be opened: take or scan it again and upload that",
                    ),
                    ContentError::UnreadablePdf => Bilingual::new(
                        "PDF 文件无法读取，请重新导出或打印为 PDF 后上传",
                        "The PDF cannot be read: export or print it to PDF again and upload that",
                    ),
                    ContentError::EncryptedPdf => Bilingual::new(
                        "PDF 文件已加密，请上传未加密的文件",
                        "The PDF is encrypted: upload a copy without a password",
                    ),
                    ContentError::ActivePdf(what) => Bilingual::new(
                        "PDF 文件含有脚本、附件或自动操作，请打印为 PDF 后重新上传",
                        format!("The PDF holds {what}: print it to a new PDF and upload that"),
                    ),
                },
            ),
            E::FileTooLarge { limit } => Self::with_message(
                ProblemCode::PayloadTooLarge,
                Bilingual::new(
                    format!("文件不能超过 {:.0} MB", mib(limit)),
                    format!("A file may be at most {:.0} MB", mib(limit)),
                ),
            ),
            E::DailyUploadLimit => Self::with_message(
                ProblemCode::RateLimited,
                Bilingual::new(
                    "今天上传的文件过多，请明天再试",
                    "Too many files uploaded today: please try again tomorrow",
                ),
            ),
            E::QuotaFull { quota } => Self::with_message(
                ProblemCode::PayloadTooLarge,
                Bilingual::new(
                    format!("您上传的文件已达 {:.0} MB 的存储上限，请删除不用的草稿后再试", mib(quota)),
                    format!(
                        "Your uploads have reached the {:.0} MB storage limit: remove drafts you no longer need",
                        mib(quota)
                    ),
                ),
            ),
            E::UploadInterrupted => Self::with_message(
                ProblemCode::BadRequest,
                Bilingual::new("文件上传中断，请重试", "The upload was interrupted: please try again"),
            ),
            E::ReceiptUnavailable => Self::with_message(
                ProblemCode::ServiceUnavailable,
                Bilingual::new(
                    "回执字体未安装，暂时无法生成 PDF 回执",
                    "The receipt font is not installed: the PDF receipt is unavailable",
                ),
            ),
            E::Store(e) => e.into(),
            E::Internal(e) => Self::Internal(e),
        }
    }
}

/// The answer to each way the catalogue service fails.
impl From<crate::catalogue::CatalogueError> for ApiError {
    fn from(e: crate::catalogue::CatalogueError) -> Self {
        use crate::catalogue::CatalogueError as E;
        match e {
            E::Invalid(errors) => Self::fields(errors),
            E::ItemNotFound(_) => Self::code(ProblemCode::ItemNotFound),
            E::SynonymNotFound => Self::code(ProblemCode::SynonymNotFound),
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::Index(e) => Self::Internal(e.into()),
            E::Store(e) => e.into(),
        }
    }
}

/// The answer to each way the case services fail.
impl From<crate::cases::CaseError> for ApiError {
    fn from(e: crate::cases::CaseError) -> Self {
        use crate::cases::CaseError as E;
        match e {
            E::NotFound => Self::code(ProblemCode::CaseNotFound),
            E::NoticeNotFound => Self::code(ProblemCode::NoticeNotFound),
            E::FileAltered(sha) => {
                tracing::error!(sha256 = %sha, "a stored file does not match its recorded hash");
                Self::code(ProblemCode::FileAltered)
            }
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::NotYourRole(action) => Self::with_message(
                ProblemCode::RoleMayNot,
                Bilingual::new(
                    format!("您的岗位不能进行“{}”", action.name().zh),
                    format!("Your role does not take the action \"{}\"", action.name().en),
                ),
            ),
            E::NotNow { action, status, allowed } => {
                let mut problem = Problem::with_message(
                    ProblemCode::ActionNotAllowed,
                    Bilingual::new(
                        format!("办件当前为“{}”，不能进行“{}”", status.name().zh, action.name().zh),
                        format!("The case is \"{}\": \"{}\" cannot be taken now", status.name().en, action.name().en),
                    ),
                );
                problem.case_status = Some(status);
                problem.allowed_actions = Some(allowed);
                Self::Client(Box::new(problem))
            }
            E::Changed => Self::code(ProblemCode::CaseChanged),
            E::Invalid(errors) => Self::fields(errors),
            E::IdempotencyKeyReused => Self::code(ProblemCode::IdempotencyKeyReused),
            E::Store(e) => e.into(),
            E::Internal(e) => Self::Internal(e),
        }
    }
}

/// The answer to each way the calendar, deadline and card services fail.
impl From<crate::deadlines::DeadlineError> for ApiError {
    fn from(e: crate::deadlines::DeadlineError) -> Self {
        use crate::deadlines::DeadlineError as E;
        match e {
            E::Invalid(errors) => Self::fields(errors),
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::CardNotFound => Self::code(ProblemCode::CardNotFound),
            E::RoleMayNot(act) => Self::with_message(
                ProblemCode::RoleMayNot,
                Bilingual::new(
                    format!("您的岗位不能进行“{}”", act.name().zh),
                    format!("Your role does not take the act \"{}\"", act.name().en),
                ),
            ),
            E::NotNow { act, status } => Self::with_message(
                ProblemCode::CardNotNow,
                Bilingual::new(
                    format!("督办卡当前为“{}”，不能进行“{}”", status.name().zh, act.name().zh),
                    format!("The card is \"{}\": \"{}\" cannot be taken now", status.name().en, act.name().en),
                ),
            ),
            E::Store(e) => e.into(),
            E::Internal(e) => Self::Internal(e),
        }
    }
}

/// The answer to each way the notification and docking services fail.
impl From<crate::notify::NotifyError> for ApiError {
    fn from(e: crate::notify::NotifyError) -> Self {
        use crate::notify::NotifyError as E;
        match e {
            E::Invalid(errors) => Self::fields(errors),
            E::Forbidden => Self::code(ProblemCode::Forbidden),
            E::EndpointNotFound => Self::code(ProblemCode::EndpointNotFound),
            E::TokenNotFound => Self::code(ProblemCode::TokenNotFound),
            E::InvalidToken => Self::code(ProblemCode::InvalidApiToken),
            E::Store(e) => e.into(),
        }
    }
}
