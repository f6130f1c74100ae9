//! 身份验证器 — binding, replacing and resetting a staff member's authenticator.
//!
//! A password never suffices to change the second factor: replacing an authenticator takes a
//! current code from it, from a session that passed it; a first binding (or one after a lost
//! phone) takes a one-time enrolment token (绑定码) that a security administrator issued and
//! that is shown once. A new secret waits beside the bound one, tied to the session that asked
//! for it, and replaces it only when a code from it is verified, so an unfinished enrolment
//! never weakens sign-in. Every change is recorded and shown on the person's account page.

use shared::account::{
    EnrolmentToken, Identity, Role, SecurityEvent, SecurityEventKind, StaffEntry, TotpEnrolRequest, TotpEnrolment,
};
use shared::audit::AuditAction;
use shared::{Bilingual, FieldCode, FieldError};
use strum::VariantArray as _;

use super::error::IdentityError;
use super::service::{Session, audit};
use super::{session, totp};
use crate::store::identity::{SessionRow, StaffRow};

/// How long an enrolment token can be used: a working day to pass it on in person.
pub const ENROLMENT_TOKEN_TTL_SECS: i64 = 24 * 60 * 60;
/// Random bytes in an enrolment token (120 bits, 24 base32 characters).
const ENROLMENT_TOKEN_BYTES: usize = 15;

fn field(field: &str, code: FieldCode, message: Bilingual) -> IdentityError {
    IdentityError::Invalid(vec![FieldError::with_message(field, code, message)])
}

fn wrong_code(name: &str) -> IdentityError {
    field(
        name,
        FieldCode::InvalidTotp,
        Bilingual::new("动态验证码不正确或已使用", "The code is wrong or was already used"),
    )
}

/// Upper case without spaces or dashes, as a token is read out or typed in groups.
fn normalize_token(raw: &str) -> String {
    raw.chars().filter(|c| !matches!(c, ' ' | '-')).map(|c| c.to_ascii_uppercase()).collect()
}

impl super::IdentityService<'_> {
    /// Checks a code against the bound authenticator and uses up its step.
    pub(super) async fn check_totp(
        &self,
        person_id: &str,
        staff: &StaffRow,
        code: &str,
    ) -> Result<bool, IdentityError> {
        let Some(sealed) = staff.totp_sealed.as_deref().filter(|_| staff.totp_confirmed) else {
            return Ok(false);
        };
        let secret = self.pii.open_text(sealed)?;
        let Some(step) = totp::matching_step(&secret, code, self.clock.unix())? else { return Ok(false) };
        Ok(self.store.use_totp_step(person_id, step).await?)
    }

    /// 绑定身份验证器 — gives a staff member a new secret, once they prove the right to bind one
    /// (see the module's comment). It counts once a code from it is verified.
    pub async fn enrol_totp(&self, s: &Session, req: TotpEnrolRequest) -> Result<TotpEnrolment, IdentityError> {
        let Some(staff) = &s.staff else { return Err(IdentityError::Forbidden) };
        let person_id = s.row.person_id.as_str();
        let mut uow = self.store.begin().await?;
        if staff.totp_confirmed {
            if !s.fully_authenticated() {
                return Err(IdentityError::Forbidden);
            }
            let code = req.current_code.as_deref().unwrap_or_default();
            if !self.check_totp(person_id, staff, code).await? {
                return Err(wrong_code("current_code"));
            }
        } else {
            let token = normalize_token(req.enrolment_token.as_deref().unwrap_or_default());
            let hash = session::token_hash(&token);
            if token.is_empty() || !uow.take_enrolment_token(person_id, &hash, self.clock.now()).await? {
                return Err(field(
                    "enrolment_token",
                    FieldCode::InvalidEnrolmentToken,
                    Bilingual::new(
                        "绑定码不正确、已使用或已过期，请向安全管理员申领",
                        "The enrolment token is wrong, used or expired: ask a security administrator for one",
                    ),
                ));
            }
        }
        let secret = totp::new_secret();
        let person = self.store.person(person_id).await?.ok_or_else(|| IdentityError::Unauthenticated)?;
        let otpauth_url = totp::otpauth_url(&secret, &person.id_number_masked)?;
        let event = audit(Some(&s.row), AuditAction::TotpEnrolmentStarted, person_id, "", self.clock.now());
        uow.set_pending_totp(person_id, &self.pii.seal_text(&secret), &s.row.token_hash).await?;
        uow.commit(&event).await?;
        Ok(TotpEnrolment { secret, otpauth_url })
    }

    /// 验证动态验证码 — a code from the secret this session is enrolling binds it (and ends the
    /// person's other sessions); a code from the bound authenticator passes the second factor.
    pub async fn verify_totp(&self, s: &Session, code: &str) -> Result<Identity, IdentityError> {
        let Some(staff) = &s.staff else { return Err(IdentityError::Forbidden) };
        let person_id = s.row.person_id.as_str();
        let now = self.clock.now();
        let pending = staff
            .totp_pending_sealed
            .as_deref()
            .filter(|_| staff.totp_pending_session.as_deref() == Some(s.row.token_hash.as_str()));
        if let Some(sealed) = pending {
            let secret = self.pii.open_text(sealed)?;
            let Some(step) = totp::matching_step(&secret, code, now.timestamp())? else {
                return Err(wrong_code("code"));
            };
            let kind =
                if staff.totp_confirmed { SecurityEventKind::TotpReplaced } else { SecurityEventKind::TotpEnrolled };
            let event = audit(Some(&s.row), kind.action(), person_id, "", now);
            let mut uow = self.store.begin().await?;
            if !uow.confirm_pending_totp(person_id, &s.row.token_hash, step).await? {
                return Err(wrong_code("code"));
            }
            uow.commit(&event).await?;
            tracing::info!(person = %person_id, action = kind.action().as_str(), "authenticator bound");
        } else {
            if !self.check_totp(person_id, staff, code).await? {
                return Err(wrong_code("code"));
            }
            let mut uow = self.store.begin().await?;
            uow.pass_second_factor(&s.row.token_hash).await?;
            uow.commit(&audit(Some(&s.row), AuditAction::SecondFactorPassed, person_id, "", now)).await?;
        }
        let row = SessionRow { second_factor: true, ..s.row.clone() };
        self.identity_of(&row).await
    }

    /// Checks that the session is a security administrator's, past the second factor.
    fn as_security_admin(s: &Session) -> Result<(), IdentityError> {
        if s.fully_authenticated() && s.roles().contains(&Role::SecurityAdmin) {
            Ok(())
        } else {
            Err(IdentityError::Forbidden)
        }
    }

    /// 工作人员 — every staff member, for the security administrator.
    pub async fn staff_list(&self, s: &Session) -> Result<Vec<StaffEntry>, IdentityError> {
        Self::as_security_admin(s)?;
        let rows = self.store.all_staff().await?;
        Ok(rows
            .into_iter()
            .map(|r| StaffEntry {
                person_id: r.person_id,
                name: r.name,
                id_number_masked: r.id_number_masked,
                department_code: r.department_code,
                roles: r.roles,
                totp_enrolled: r.totp_confirmed,
            })
            .collect())
    }

    /// 签发绑定码 — a security administrator issues a staff member a one-time enrolment token,
    /// shown once; if the staff member has an authenticator, it is removed (a lost phone) and
    /// their sessions end. Nobody issues one for themselves.
    pub async fn issue_enrolment_token(
        &self,
        s: &Session,
        person_id: shared::ids::RecordId,
    ) -> Result<EnrolmentToken, IdentityError> {
        Self::as_security_admin(s)?;
        let person_id = person_id.to_stored();
        let person_id = person_id.as_str();
        if person_id == s.row.person_id {
            return Err(IdentityError::Forbidden);
        }
        let staff = self.store.staff(person_id).await?.ok_or_else(|| IdentityError::PersonNotFound)?;
        let reset = staff.totp_confirmed;
        let token = totp::random_base32(ENROLMENT_TOKEN_BYTES);
        let now = self.clock.now();
        let expires_at = now + chrono::Duration::seconds(ENROLMENT_TOKEN_TTL_SECS);
        let hash = session::token_hash(&token);
        let mut uow = self.store.begin().await?;
        uow.issue_enrolment_token(person_id, &hash, &s.row.person_id, expires_at, reset).await?;
        if reset {
            uow.record(&audit(Some(&s.row), SecurityEventKind::TotpReset.action(), person_id, "", now)).await?;
        }
        uow.commit(&audit(Some(&s.row), SecurityEventKind::EnrolmentTokenIssued.action(), person_id, "", now)).await?;
        tracing::info!(subject = %person_id, reset, "enrolment token issued");
        let expires_at = crate::store::Timestamp::from(expires_at);
        Ok(EnrolmentToken {
            token,
            expires_at: chrono::DateTime::from(expires_at).to_rfc3339(),
            authenticator_reset: reset,
        })
    }

    /// 安全事件 — the changes to how this person signs in, newest first.
    pub async fn security_events(&self, s: &Session) -> Result<Vec<SecurityEvent>, IdentityError> {
        let actions: Vec<AuditAction> = SecurityEventKind::VARIANTS.iter().map(|k| k.action()).collect();
        let rows = self.store.security_events(&s.row.person_id, &actions).await?;
        rows.into_iter()
            .map(|(action, at)| {
                let kind = SecurityEventKind::of(action)
                    .ok_or_else(|| anyhow::anyhow!("{} is no security event", action.as_str()))?;
                Ok(SecurityEvent { kind, at: at.to_rfc3339() })
            })
            .collect()
    }
}
