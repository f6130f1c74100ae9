//! 注册 — a citizen's account, made only with proof that the mobile number is theirs (a
//! one-time code sent to it) and with their separate consent to processing their identity
//! number, recorded with the version of the text they read; and that consent's withdrawal,
//! which closes the account.

use chrono::Duration;
use rand::Rng as _;
use shared::FieldError;
use shared::account::{
    Identity, MOBILE_CODE_DIGITS, Mobile, MobileCodeRequest, MobileCodeSent, RegisterRequest, Registration,
};
use shared::audit::AuditAction;
use shared::consent::{ConsentRecord, IDENTITY_NUMBER};
use shared::problem::FieldCode;

use super::IdentityError;
use super::service::{IdentityService, Session, audit, claim_code_hash};
use crate::store::UnitOfWork;
use crate::store::identity::{NewPerson, SessionRow};
use crate::store::registration::NewMobileCode;

/// How long a code holds: long enough to read a slow SMS, short enough that a code seen on a
/// screen later is of no use.
const CODE_VALID_SECS: i64 = 600;
/// The shortest time between two codes for one number (the app counts it down).
const RESEND_AFTER_SECS: i64 = 60;
/// The most codes one number receives in a day: a number cannot be flooded through us.
const CODES_PER_DAY: i32 = 10;
/// Wrong tries after which a code is void: five guesses of a million.
const MAX_ATTEMPTS: i32 = 5;

fn wrong_code() -> IdentityError {
    IdentityError::Invalid(vec![FieldError::new("mobile_code", FieldCode::MobileCodeWrong)])
}

impl IdentityService<'_> {
    /// 获取验证码 — sends a one-time code to a mobile number, unless one went there less than a
    /// minute ago or the day's are used up.
    #[tracing::instrument(skip_all)]
    pub async fn send_mobile_code(&self, req: &MobileCodeRequest) -> Result<MobileCodeSent, IdentityError> {
        let mobile = Mobile::parse(&req.mobile)?;
        if !self.channels.sms.configured() && !self.codes_in_log {
            return Err(IdentityError::SmsUnavailable);
        }
        let code = format!("{:0width$}", rand::rngs::OsRng.gen_range(0..1_000_000u32), width = MOBILE_CODE_DIGITS);
        let now = self.clock.now();
        let kept = self
            .store
            .put_mobile_code(&NewMobileCode {
                mobile: mobile.as_str(),
                code_hash: &self.pii.mobile_code_hash(mobile.as_str(), &code),
                at: now,
                valid_for: Duration::seconds(CODE_VALID_SECS),
                resend_after: Duration::seconds(RESEND_AFTER_SECS),
                per_day: CODES_PER_DAY,
            })
            .await?;
        if let Some(next) = kept {
            return Err(IdentityError::CodeTooSoon { wait_secs: (next - now).num_seconds().max(1) });
        }
        let text = format!("【一网通办】您的注册验证码为{code}，{}分钟内有效。请勿告诉他人。", CODE_VALID_SECS / 60);
        if self.channels.sms.configured() {
            let id = uuid::Uuid::new_v4().to_string();
            if let Err(failure) = self.channels.sms.send(&self.channels.http, &id, &mobile, &text).await {
                tracing::warn!(to = %mobile.masked(), error = %failure.error, "the SMS gateway refused a one-time code");
                return Err(IdentityError::SmsUnavailable);
            }
        } else {
            tracing::info!(to = %mobile.masked(), %code, "one-time code (demonstration: no SMS gateway, so it is logged)");
        }
        Ok(MobileCodeSent { expires_in_secs: CODE_VALID_SECS as u32, resend_after_secs: RESEND_AFTER_SECS as u32 })
    }

    /// 注册 — creates a citizen's account. The mobile's one-time code is used up and the consent
    /// recorded in the same transaction as the account and its audit event.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, req: RegisterRequest) -> Result<Identity, IdentityError> {
        let reg = req.check(self.clock.today()).map_err(IdentityError::Invalid)?;
        let password_hash = self.hasher.hash(reg.password.clone()).await?;
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let code_hash = self.pii.mobile_code_hash(reg.mobile.as_str(), &reg.mobile_code);
        if !uow.take_mobile_code(reg.mobile.as_str(), &code_hash, now, MAX_ATTEMPTS).await? {
            drop(uow);
            self.store.count_wrong_mobile_code(reg.mobile.as_str()).await?;
            return Err(wrong_code());
        }
        let id = self.make_account(&mut uow, &reg, req.claim_code.as_deref(), &password_hash).await?;
        uow.give_consent(&id.person, IDENTITY_NUMBER.purpose, IDENTITY_NUMBER.version, now).await?;
        let action = if id.claimed { AuditAction::AccountClaimed } else { AuditAction::Registered };
        let detail = format!("consent {} {}", IDENTITY_NUMBER.purpose.as_str(), IDENTITY_NUMBER.version);
        uow.commit(&audit(None, action, &id.person, &detail, now)).await?;
        tracing::info!(person = %id.person, id_number = %reg.id_number.masked(), "registered");
        let row = SessionRow {
            token_hash: String::new(),
            person_id: id.person,
            acting_uscc: None,
            on_behalf_of: None,
            acting_proxy: None,
            second_factor: true,
            created_at: now,
            last_seen_at: now,
        };
        self.identity_of(&row).await
    }

    /// Inserts the person, or gives a record made at a window its account when the claim code
    /// the clerk handed out comes with the same name; any other existing account is someone's.
    async fn make_account(
        &self,
        uow: &mut UnitOfWork,
        reg: &Registration,
        claim_code: Option<&str>,
        password_hash: &str,
    ) -> Result<AccountMade, IdentityError> {
        let hash = self.pii.lookup_hash(&reg.id_number);
        let id = uuid::Uuid::new_v4().to_string();
        let inserted = uow
            .insert_person(&NewPerson {
                id: &id,
                id_number_hash: &hash,
                id_number_sealed: &self.pii.seal(&reg.id_number),
                id_number_masked: &reg.id_number.masked(),
                name: &reg.name,
                mobile: reg.mobile.as_str(),
                password_hash,
                created_at: self.clock.now(),
            })
            .await?;
        if inserted {
            return Ok(AccountMade { person: id, claimed: false });
        }
        let Some(code) = claim_code else { return Err(IdentityError::AlreadyRegistered) };
        let claimed =
            uow.claim_walk_in(&hash, &reg.name, &claim_code_hash(code), reg.mobile.as_str(), password_hash).await?;
        let person = claimed.ok_or(IdentityError::AlreadyRegistered)?;
        Ok(AccountMade { person, claimed: true })
    }

    /// 我的授权 — the consents the signed-in person has given.
    pub async fn consents(&self, s: &Session) -> Result<Vec<ConsentRecord>, IdentityError> {
        Ok(self.store.consents(&s.row.person_id).await?)
    }

    /// 撤回授权 — withdraws the consent to processing the identity number: the account closes,
    /// every session of it ends, and answers kept for later forms are deleted, in one
    /// transaction with its audit event. Applications already filed stay as the rules on
    /// records require.
    #[tracing::instrument(skip_all)]
    pub async fn withdraw_identity_consent(&self, s: &Session) -> Result<(), IdentityError> {
        if s.staff.is_some() {
            // A staff account is the department's to close, not its holder's.
            return Err(IdentityError::Forbidden);
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        if !uow.close_account(&s.row.person_id, now).await? {
            return Err(IdentityError::ConsentNotFound);
        }
        let detail = format!("consent {} withdrawn", IDENTITY_NUMBER.purpose.as_str());
        uow.commit(&audit(Some(&s.row), AuditAction::AccountClosed, &s.row.person_id, &detail, now)).await?;
        tracing::info!(person = %s.row.person_id, "account closed: consent withdrawn");
        Ok(())
    }
}

/// The account a registration made or claimed.
struct AccountMade {
    person: String,
    claimed: bool,
}
