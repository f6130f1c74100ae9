//! The identity services the handlers call. Each checks who may do what and records what
//! was done in the audit trail.

use chrono::{DateTime, Utc};
use shared::account::{
    ActingRequest, AgentEntry, Applicant, EnterpriseLink, GrantAgentRequest, Identity, LoginRequest, Mobile, Relation,
    RepresentRequest, Role, StaffInfo, UnmaskRequest, UnmaskResponse,
};
use shared::audit::AuditAction;
use shared::catalogue::Department;
use shared::ids::RecordId;
use shared::{Bilingual, FieldError, ResidentId, Uscc};

use super::error::{IdentityError, Whom};
use super::lockout;
use super::session::{self, ABSOLUTE_TIMEOUT_SECS, IDLE_TIMEOUT_SECS, TOUCH_EVERY_SECS};
use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::pii::PiiKeys;
use crate::store::Store;
use crate::store::identity::{AuditEvent, NewPerson, SessionRow, StaffRow};

/// 统一身份认证服务 — accounts, sessions, the second factor, agents and window service, on the
/// parts of the server they need.
#[derive(Clone, Copy)]
pub struct IdentityService<'a> {
    /// The database.
    pub store: &'a Store,
    /// The current time.
    pub clock: &'a Clock,
    /// The keys that protect identity numbers.
    pub pii: &'a PiiKeys,
    /// Password hashing on a bounded pool.
    pub hasher: &'a PasswordHasher,
    /// Look-ups of persons by name and number, per person asking.
    pub person_lookup_limiter: &'a governor::DefaultKeyedRateLimiter<String>,
    /// How one-time codes reach a mobile.
    pub channels: &'a crate::notify::Channels,
    /// Whether one-time codes may be written to the log when no SMS gateway is configured
    /// (the demonstration, never a real deployment).
    pub codes_in_log: bool,
}

/// Characters of a walk-in claim code (Crockford's base 32: 50 bits).
const CLAIM_CODE_LEN: usize = 10;

/// The stored form of a claim code: SHA-256 of its upper-cased characters, spaces dropped.
pub(super) fn claim_code_hash(code: &str) -> String {
    use sha2::Digest as _;
    let normalized: String = code.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    crate::pii::hex(&sha2::Sha256::digest(normalized.as_bytes()))
}

/// Shortest reason accepted for unmasking an identity number.
const MIN_REASON_CHARS: usize = 4;

/// A signed-in person's session, with their staff record if they are staff.
#[derive(Clone, Debug)]
pub struct Session {
    /// The stored session.
    pub row: SessionRow,
    /// The staff record, for staff.
    pub staff: Option<StaffRow>,
}

impl Session {
    /// Whether the session may act: citizens at once, staff after the second factor.
    pub fn fully_authenticated(&self) -> bool {
        self.staff.is_none() || self.row.second_factor
    }

    /// The staff member's roles.
    pub fn roles(&self) -> Vec<Role> {
        self.staff.as_ref().map(|s| s.roles.clone()).unwrap_or_default()
    }
}

/// An audit event by the session's person (or by nobody, before sign-in).
pub(crate) fn audit<'a>(
    s: Option<&'a SessionRow>,
    action: AuditAction,
    subject: &'a str,
    detail: &'a str,
    at: DateTime<Utc>,
) -> AuditEvent<'a> {
    AuditEvent {
        actor_id: s.map(|s| s.person_id.as_str()),
        acting_uscc: s.and_then(|s| s.acting_uscc.as_deref()),
        on_behalf_of: s.and_then(|s| s.on_behalf_of.as_deref()),
        action,
        subject,
        detail,
        role: None,
        department: None,
        files: &[],
        at,
    }
}

fn parse_uscc(raw: &str) -> Result<Uscc, IdentityError> {
    Uscc::parse(raw).map_err(|e| IdentityError::Invalid(vec![FieldError::uscc("uscc", &e)]))
}

impl IdentityService<'_> {
    /// 登录 — checks the identity number, password and (for staff) authenticator code, and opens
    /// a new session; the token presented before, if any, is ended (the session id rotates).
    /// Failures slow the address they come from (see [`lockout`]). A staff member who sends no
    /// code is told `totp_required` whether or not the password was right, so that the answer
    /// confirms no password.
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        req: LoginRequest,
        address: std::net::IpAddr,
        previous: Option<String>,
    ) -> Result<(Identity, String), IdentityError> {
        let id = ResidentId::parse(&req.id_number)
            .map_err(|e| IdentityError::Invalid(vec![FieldError::resident_id("id_number", &e)]))?;
        let hash = self.pii.lookup_hash(&id);
        let address = address.to_string();
        let now = self.clock.now();
        let since = now - chrono::Duration::seconds(lockout::WINDOW_SECS);
        let failures = self.store.login_failures(&hash, &address, since).await?;
        let wait = lockout::wait_secs(&failures, now.timestamp());
        if wait > 0 {
            tracing::warn!(id_number = %id.masked(), wait, "sign-in refused: too many failures");
            return Err(IdentityError::LoginLocked { wait_secs: wait });
        }
        let person = self.store.person_by_hash(&hash).await?;
        // An account-less record (no password yet) is verified like an unknown number.
        let stored = person.as_ref().map(|p| p.password_hash.clone()).filter(|h| !h.is_empty());
        let ok = self.hasher.verify(req.password, stored).await?;
        let staff = match &person {
            Some(p) => self.store.staff(&p.id).await?,
            None => None,
        };
        let enrolled = staff.as_ref().filter(|s| s.totp_confirmed);
        let code = req.totp.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if enrolled.is_some() && code.is_none() {
            if !ok {
                self.store.record_login_failure(&hash, &address, now).await?;
            }
            return Err(IdentityError::TotpRequired);
        }
        let person = match (person, ok) {
            (Some(person), true) => person,
            _ => return Err(self.login_failed(&id, &hash, &address, now).await),
        };
        if let (Some(staff), Some(code)) = (enrolled, code)
            && !self.check_totp(&person.id, staff, code).await?
        {
            return Err(self.login_failed(&id, &hash, &address, now).await);
        }
        let (token, token_hash) = session::new_token();
        let row = SessionRow {
            token_hash,
            person_id: person.id.clone(),
            acting_uscc: None,
            on_behalf_of: None,
            acting_proxy: None,
            // Citizens have no second factor; staff have passed it here, or have none bound yet
            // and may do nothing but bind one.
            second_factor: staff.is_none() || enrolled.is_some(),
            created_at: now,
            last_seen_at: now,
        };
        let mut uow = self.store.begin().await?;
        uow.clear_login_failures(&hash, &address).await?;
        if let Some(old) = previous {
            uow.end_session(&session::token_hash(&old)).await?;
        }
        uow.insert_session(&row).await?;
        uow.commit(&audit(Some(&row), AuditAction::Login, &person.id, "", now)).await?;
        tracing::info!(person = %person.id, "signed in");
        Ok((self.identity_of(&row).await?, token))
    }

    /// Records a failed sign-in and gives the answer, which never says what was wrong.
    async fn login_failed(&self, id: &ResidentId, hash: &str, address: &str, now: DateTime<Utc>) -> IdentityError {
        tracing::info!(id_number = %id.masked(), "sign-in failed");
        match self.store.record_login_failure(hash, address, now).await {
            Ok(()) => IdentityError::InvalidCredentials,
            Err(e) => e.into(),
        }
    }

    /// The session a token opens, if it is still valid; an expired one is ended.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, IdentityError> {
        let hash = session::token_hash(token);
        let Some((row, is_staff)) = self.store.session(&hash).await? else { return Ok(None) };
        let now = self.clock.now();
        let idle = (now - row.last_seen_at).num_seconds();
        if idle > IDLE_TIMEOUT_SECS || (now - row.created_at).num_seconds() > ABSOLUTE_TIMEOUT_SECS {
            self.store.expire_session(&hash).await?;
            return Ok(None);
        }
        if idle > TOUCH_EVERY_SECS {
            self.store.touch_session(&hash, now).await?;
        }
        let staff = if is_staff { self.store.staff(&row.person_id).await? } else { None };
        Ok(Some(Session { row, staff }))
    }

    /// 退出 — ends the session on the server.
    pub async fn logout(&self, s: &Session) -> Result<(), IdentityError> {
        let mut uow = self.store.begin().await?;
        uow.end_session(&s.row.token_hash).await?;
        uow.commit(&audit(Some(&s.row), AuditAction::Logout, &s.row.person_id, "", self.clock.now())).await?;
        Ok(())
    }

    /// 当前身份
    pub async fn identity(&self, s: &Session) -> Result<Identity, IdentityError> {
        self.identity_of(&s.row).await
    }

    /// The identity a session row describes.
    pub(super) async fn identity_of(&self, row: &SessionRow) -> Result<Identity, IdentityError> {
        let (person_id, acting, second_factor) =
            (row.person_id.as_str(), row.acting_uscc.as_deref(), row.second_factor);
        let person = self.store.person(person_id).await?.ok_or_else(|| IdentityError::Unauthenticated)?;
        let enterprises = self.store.enterprise_links(person_id).await?;
        // A clerk serving someone at a window acts for the enterprise that person represents.
        let acting_for = match (acting, row.on_behalf_of.as_deref()) {
            (Some(u), Some(present)) => self.store.enterprise_links(present).await?.into_iter().find(|e| e.uscc == u),
            (Some(u), None) => enterprises.iter().find(|e| e.uscc == u).cloned(),
            (None, _) => None,
        };
        let staff = match self.store.staff(person_id).await? {
            None => None,
            Some(row) => {
                let (zh, en) = self.store.department(&row.department_code).await?.ok_or_else(|| {
                    anyhow::anyhow!("staff member {person_id} belongs to no known department {}", row.department_code)
                })?;
                Some(StaffInfo {
                    department: Department { code: row.department_code.clone(), name: Bilingual::new(zh, en) },
                    roles: row.roles.clone(),
                    second_factor_passed: second_factor,
                    totp_enrolled: row.totp_confirmed,
                })
            }
        };
        let on_behalf_of = match row.on_behalf_of.as_deref() {
            None => None,
            Some(id) => self.store.person(id).await?.map(|p| Applicant {
                person_id: p.id,
                name: p.name,
                id_number_masked: p.id_number_masked,
            }),
        };
        // Shown even once revoked or ended, so the proxy sees why applying is refused.
        let acting_principal = match row.acting_proxy.as_deref() {
            Some(id) => self.proxy_given_to(id, person_id).await?,
            None => None,
        };
        Ok(Identity {
            acting_principal,
            person_id: person.id,
            name: person.name,
            id_number_masked: person.id_number_masked,
            mobile_masked: Mobile::parse(&person.mobile).map(|m| m.masked()).unwrap_or_default(),
            enterprises,
            acting_for,
            staff,
            on_behalf_of,
            walk_in_claim_code: None,
        })
    }

    /// 切换办事身份 — act for one of one's enterprises, for a person who authorized one to apply
    /// for them (委托代办), or for oneself.
    pub async fn set_acting(&self, s: &Session, req: ActingRequest) -> Result<Identity, IdentityError> {
        let raw_uscc = req.uscc.as_deref().map(str::trim).filter(|u| !u.is_empty());
        let proxy = match req.proxy.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(_) if raw_uscc.is_some() => {
                return Err(IdentityError::Invalid(vec![FieldError::new("proxy", shared::FieldCode::Invalid)]));
            }
            Some(id) => {
                Self::as_citizen(s)?;
                let grant = self.usable_proxy(id, &s.row.person_id).await?.ok_or(IdentityError::ProxyNotFound)?;
                Some(grant.id)
            }
        };
        let uscc = match raw_uscc {
            None => None,
            Some(raw) => {
                let uscc = parse_uscc(raw)?;
                let links = self.store.enterprise_links(&s.row.person_id).await?;
                if !links.iter().any(|l| l.uscc == uscc.as_str()) {
                    return Err(IdentityError::Forbidden);
                }
                Some(uscc)
            }
        };
        let uscc = uscc.as_ref().map(Uscc::as_str);
        let mut uow = self.store.begin().await?;
        uow.set_acting(&s.row.token_hash, uscc, proxy.as_deref()).await?;
        let mut row = s.row.clone();
        row.acting_uscc = uscc.map(str::to_owned);
        row.acting_proxy.clone_from(&proxy);
        let subject = uscc.or(proxy.as_deref()).unwrap_or(&s.row.person_id);
        uow.commit(&audit(Some(&row), AuditAction::ActingFor, subject, "", self.clock.now())).await?;
        self.identity_of(&row).await
    }

    /// The enterprises one may act for.
    pub async fn my_enterprises(&self, s: &Session) -> Result<Vec<EnterpriseLink>, IdentityError> {
        Ok(self.store.enterprise_links(&s.row.person_id).await?)
    }

    /// Checks that the session's person is the legal representative of `uscc`: a stranger gets
    /// 404 (the enterprise's links are not theirs to learn), an agent 403.
    async fn as_legal_rep(&self, s: &Session, uscc: &Uscc) -> Result<(), IdentityError> {
        let links = self.store.enterprise_links(&s.row.person_id).await?;
        match links.iter().find(|l| l.uscc == uscc.as_str()).map(|l| l.relation) {
            Some(Relation::LegalRepresentative) => Ok(()),
            Some(Relation::Agent) => Err(IdentityError::Forbidden),
            None => Err(IdentityError::EnterpriseNotFound),
        }
    }

    /// 经办人列表 — for the legal representative.
    pub async fn agents(&self, s: &Session, uscc: &Uscc) -> Result<Vec<AgentEntry>, IdentityError> {
        self.as_legal_rep(s, uscc).await?;
        let rows = self.store.agents(uscc.as_str()).await?;
        Ok(rows
            .into_iter()
            .map(|r| AgentEntry {
                person_id: r.person_id,
                name: r.name,
                id_number_masked: r.id_number_masked,
                granted_at: r.granted_at.to_rfc3339(),
            })
            .collect())
    }

    /// 授权经办人 — the legal representative authorizes a registered person.
    pub async fn grant_agent(
        &self,
        s: &Session,
        uscc: &Uscc,
        req: GrantAgentRequest,
    ) -> Result<AgentEntry, IdentityError> {
        self.as_legal_rep(s, uscc).await?;
        let agent = self
            .registered_person(s, &req.id_number, &req.name)
            .await?
            .ok_or(IdentityError::Unregistered(Whom::Agent))?;
        if agent.id == s.row.person_id {
            return Err(IdentityError::Invalid(vec![FieldError::new("id_number", shared::FieldCode::SelfGrant)]));
        }
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        if uow.grant_agent(uscc.as_str(), &agent.id, &s.row.person_id, now).await? {
            uow.commit(&audit(Some(&s.row), AuditAction::AgentGranted, uscc.as_str(), &agent.id, now)).await?;
        }
        let entry = self.agents(s, uscc).await?.into_iter().find(|a| a.person_id == agent.id);
        entry.ok_or_else(|| IdentityError::Internal(anyhow::anyhow!("granted agent not listed")))
    }

    /// 撤销授权 — the legal representative withdraws an agent's authorization.
    pub async fn revoke_agent(&self, s: &Session, uscc: &Uscc, person_id: RecordId) -> Result<(), IdentityError> {
        self.as_legal_rep(s, uscc).await?;
        let person_id = person_id.to_stored();
        let mut uow = self.store.begin().await?;
        if !uow.revoke_agent(uscc.as_str(), &person_id).await? {
            return Err(IdentityError::PersonNotFound);
        }
        uow.commit(&audit(Some(&s.row), AuditAction::AgentRevoked, uscc.as_str(), &person_id, self.clock.now()))
            .await?;
        Ok(())
    }

    /// 窗口代办 — a window clerk starts (or with `None`, ends) serving an applicant who is present;
    /// the applicant must have an account, and every act meanwhile records them.
    pub async fn represent(&self, s: &Session, req: RepresentRequest) -> Result<Identity, IdentityError> {
        if !s.roles().contains(&Role::WindowClerk) {
            return Err(IdentityError::Forbidden);
        }
        let now = self.clock.now();
        let mut claim_code = None;
        let applicant = match req.id_number.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(raw) => {
                let name = req.name.as_deref().unwrap_or_default();
                match (self.registered_person(s, raw, name).await?, &req.walk_in_mobile) {
                    (Some(person), _) => Some(person.id),
                    (None, Some(mobile)) => {
                        let (person, code) = self.record_walk_in(s, raw, name, mobile).await?;
                        claim_code = Some(code);
                        Some(person)
                    }
                    (None, None) => return Err(IdentityError::Unregistered(Whom::Applicant)),
                }
            }
        };
        let uscc = match (&applicant, req.uscc.as_deref().map(str::trim).filter(|v| !v.is_empty())) {
            (Some(present), Some(raw)) => Some(self.represented_enterprise(present, raw).await?),
            _ => None,
        };
        let row = SessionRow { on_behalf_of: applicant.clone(), acting_uscc: uscc.clone(), ..s.row.clone() };
        let event = match (&applicant, &s.row.on_behalf_of) {
            (Some(id), _) => Some(audit(Some(&row), AuditAction::WindowServiceStarted, id, "applicant present", now)),
            (None, Some(id)) => Some(audit(Some(&s.row), AuditAction::WindowServiceEnded, id, "", now)),
            // Nobody was being served, and nobody is: nothing changes.
            (None, None) => None,
        };
        if let Some(event) = event {
            let mut uow = self.store.begin().await?;
            uow.set_on_behalf_of(&s.row.token_hash, applicant.as_deref()).await?;
            uow.set_acting(&s.row.token_hash, uscc.as_deref(), None).await?;
            uow.commit(&event).await?;
        }
        let identity = self.identity_of(&row).await?;
        Ok(Identity { walk_in_claim_code: claim_code, ..identity })
    }

    /// The enterprise an applicant present at a window acts for: they must be its legal
    /// representative or one of its agents.
    async fn represented_enterprise(&self, present: &str, raw: &str) -> Result<String, IdentityError> {
        let uscc = parse_uscc(raw)?;
        let links = self.store.enterprise_links(present).await?;
        if !links.iter().any(|l| l.uscc == uscc.as_str()) {
            return Err(IdentityError::Invalid(vec![FieldError::new("uscc", shared::FieldCode::NotRepresentative)]));
        }
        Ok(uscc.as_str().to_owned())
    }

    /// 无账号办事 — makes an account-less record for an applicant present whose number and name
    /// the clerk checked against their identity card; nobody can sign in to it until the
    /// applicant registers (and so claims it). A number that has an account under another name
    /// is refused as unregistered, as before.
    async fn record_walk_in(
        &self,
        s: &Session,
        raw_id: &str,
        name: &str,
        mobile: &str,
    ) -> Result<(String, String), IdentityError> {
        let id = ResidentId::parse_as_of(raw_id, self.clock.today())
            .map_err(|e| IdentityError::Invalid(vec![FieldError::resident_id("id_number", &e)]))?;
        let name = shared::account::check_name("name", name).map_err(|e| IdentityError::Invalid(vec![e]))?;
        let mobile = shared::account::Mobile::parse(mobile).map_err(|mut e| {
            e.field = "walk_in_mobile".to_owned();
            IdentityError::Invalid(vec![e])
        })?;
        let person_id = uuid::Uuid::new_v4().to_string();
        let now = self.clock.now();
        let mut uow = self.store.begin().await?;
        let inserted = uow
            .insert_person(&NewPerson {
                id: &person_id,
                id_number_hash: &self.pii.lookup_hash(&id),
                id_number_sealed: &self.pii.seal(&id),
                id_number_masked: &id.masked(),
                name: &name,
                mobile: mobile.as_str(),
                // No password: nobody signs in to the record until it is claimed.
                password_hash: "",
                created_at: now,
            })
            .await?;
        if !inserted {
            return Err(IdentityError::Unregistered(Whom::Applicant));
        }
        // Handed to the applicant at the window: registering with it claims the record, so that
        // knowing someone's number and name is not enough.
        let code: String = {
            use rand::Rng as _;
            let mut rng = rand::thread_rng();
            let alphabet = shared::ids::NUMBER_ALPHABET;
            (0..CLAIM_CODE_LEN).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect()
        };
        uow.insert_walk_in_claim(&person_id, &claim_code_hash(&code), now).await?;
        uow.commit(&audit(
            Some(&s.row),
            AuditAction::WalkInRecorded,
            &person_id,
            "identity card checked at the window",
            now,
        ))
        .await?;
        Ok((person_id, code))
    }

    /// The registered person with this identity number *and* name, if any. The pair is asked so
    /// that the answer reveals nothing about a number alone; the asker is rate-limited, since
    /// each answer still says whether a pair is registered.
    pub(super) async fn registered_person(
        &self,
        s: &Session,
        raw_id: &str,
        raw_name: &str,
    ) -> Result<Option<crate::store::identity::PersonRow>, IdentityError> {
        let id = ResidentId::parse_as_of(raw_id, self.clock.today());
        let name = shared::account::check_name("name", raw_name);
        match (id, name) {
            (Ok(id), Ok(name)) => {
                if self.person_lookup_limiter.check_key(&s.row.person_id).is_err() {
                    return Err(IdentityError::RateLimited);
                }
                let person = self.store.person_by_hash(&self.pii.lookup_hash(&id)).await?;
                Ok(person.filter(|p| p.name == name))
            }
            (id, name) => {
                let mut errors = Vec::new();
                if let Err(e) = id {
                    errors.push(FieldError::resident_id("id_number", &e));
                }
                if let Err(e) = name {
                    errors.push(e);
                }
                Err(IdentityError::Invalid(errors))
            }
        }
    }

    /// 查看完整身份证号码 — for roles that need it, with a stated reason that is audited.
    pub async fn unmask(&self, s: &Session, req: UnmaskRequest) -> Result<UnmaskResponse, IdentityError> {
        if !s.roles().iter().any(|r| r.may_unmask()) {
            return Err(IdentityError::Forbidden);
        }
        let reason = req.reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS || reason.chars().count() > 200 {
            return Err(IdentityError::Invalid(vec![FieldError {
                field: "reason".to_owned(),
                code: shared::FieldCode::ReasonRequired,
                message: Bilingual::new(
                    "请说明查看完整号码的原因（4至200字）",
                    "State why the full number is needed (4 to 200 characters)",
                ),
            }]));
        }
        let person = self.store.person(&req.person_id).await?.ok_or_else(|| IdentityError::PersonNotFound)?;
        let id = self.pii.open(&person.id_number_sealed)?;
        self.store
            .record_act(&audit(Some(&s.row), AuditAction::IdNumberUnmasked, &person.id, reason, self.clock.now()))
            .await?;
        tracing::info!(subject = %person.id, "identity number unmasked");
        Ok(UnmaskResponse { id_number: id.as_str().to_owned() })
    }
}
