//! 身份的存储 — persons, staff, enterprises, agents, sessions, failed sign-ins and the audit trail.

use shared::account::{EnterpriseLink, Relation};
use shared::audit::AuditAction;

use super::Store;

/// A person as stored; the identity number only sealed, masked and hashed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonRow {
    /// Account id.
    pub id: String,
    /// AES-GCM of the identity number.
    pub id_number_sealed: String,
    /// The masked identity number.
    pub id_number_masked: String,
    /// 姓名
    pub name: String,
    /// 手机号码
    pub mobile: String,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A new person to insert.
pub struct NewPerson<'a> {
    /// Account id.
    pub id: &'a str,
    /// Keyed hash of the identity number.
    pub id_number_hash: &'a str,
    /// AES-GCM of the identity number.
    pub id_number_sealed: &'a str,
    /// The masked identity number.
    pub id_number_masked: &'a str,
    /// 姓名
    pub name: &'a str,
    /// 手机号码
    pub mobile: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Unix seconds.
    pub created_at: i64,
}

/// A staff member's department, roles and authenticator.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffRow {
    /// 所属部门
    pub department_code: String,
    /// Comma-separated role names.
    pub roles: String,
    /// The sealed base32 TOTP secret.
    pub totp_sealed: Option<String>,
    /// 1 once the staff member proved the authenticator works.
    pub totp_confirmed: i64,
    /// The last step a code was accepted for.
    pub totp_last_step: i64,
    /// A sealed secret being enrolled, not yet proven.
    pub totp_pending_sealed: Option<String>,
    /// The token hash of the session that started that enrolment: only it may finish it.
    pub totp_pending_session: Option<String>,
}

/// A server-side session.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the cookie token.
    pub token_hash: String,
    /// Whose session.
    pub person_id: String,
    /// The enterprise being acted for.
    pub acting_uscc: Option<String>,
    /// The applicant a window clerk is serving in person.
    pub on_behalf_of: Option<String>,
    /// 1 once the second factor passed (or for citizens, who have none).
    pub second_factor: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub last_seen_at: i64,
}

/// An agent of an enterprise.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AgentRow {
    /// The agent's account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// The masked identity number.
    pub id_number_masked: String,
    /// Unix seconds.
    pub granted_at: i64,
}

/// One audit event to append.
pub struct AuditEvent<'a> {
    /// Who acted, if anyone was signed in.
    pub actor_id: Option<&'a str>,
    /// The enterprise they acted for, if any.
    pub acting_uscc: Option<&'a str>,
    /// The applicant present at the window, when a clerk acted for them.
    pub on_behalf_of: Option<&'a str>,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to (a person id, a credit code, …).
    pub subject: &'a str,
    /// Why, or further detail (never a full identity number).
    pub detail: &'a str,
    /// Unix seconds.
    pub at: i64,
}

/// A stored audit event.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    /// Who acted.
    pub actor_id: Option<String>,
    /// For which enterprise.
    pub acting_uscc: Option<String>,
    /// For which applicant present at a window.
    pub on_behalf_of: Option<String>,
    /// What happened; a name no version wrote is an error, not a guess.
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    /// To what.
    pub subject: String,
    /// Why.
    pub detail: String,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    uscc: String,
    name: String,
    relation: String,
}

/// A staff member as listed for the security administrator.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffListRow {
    /// Account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// The masked identity number.
    pub id_number_masked: String,
    /// 所属部门
    pub department_code: String,
    /// Comma-separated role names.
    pub roles: String,
    /// 1 once an authenticator is bound.
    pub totp_confirmed: i64,
}

/// Appends an audit event through any connection or transaction, so that a change and its
/// record can commit together.
pub(crate) async fn insert_audit<'c, E>(executor: E, e: &AuditEvent<'_>) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, acting_uscc, on_behalf_of, action, subject, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(e.at)
    .bind(e.actor_id)
    .bind(e.acting_uscc)
    .bind(e.on_behalf_of)
    .bind(e.action.as_str())
    .bind(e.subject)
    .bind(e.detail)
    .execute(executor)
    .await?;
    Ok(())
}

const PERSON_COLUMNS: &str = "id, id_number_sealed, id_number_masked, name, mobile, password_hash";

impl Store {
    /// Inserts a person; `Ok(false)` if the identity number is already registered.
    pub async fn insert_person(&self, p: &NewPerson<'_>) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO persons (id, id_number_hash, id_number_sealed, id_number_masked, name, mobile, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id_number_hash) DO NOTHING",
        )
        .bind(p.id)
        .bind(p.id_number_hash)
        .bind(p.id_number_sealed)
        .bind(p.id_number_masked)
        .bind(p.name)
        .bind(p.mobile)
        .bind(p.password_hash)
        .bind(p.created_at)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The person with this keyed identity-number hash.
    pub async fn person_by_hash(&self, hash: &str) -> Result<Option<PersonRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id_number_hash = $1"))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
    }

    /// The person with this account id.
    pub async fn person(&self, id: &str) -> Result<Option<PersonRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The staff record of a person, if they are staff.
    pub async fn staff(&self, person_id: &str) -> Result<Option<StaffRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT department_code, roles, totp_sealed, totp_confirmed, totp_last_step, totp_pending_sealed,
                    totp_pending_session
               FROM staff WHERE person_id = $1",
        )
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await
    }

    /// Makes a person staff of a department with these roles (and, for demo staff, a confirmed
    /// authenticator).
    pub async fn upsert_staff(
        &self,
        person_id: &str,
        department_code: &str,
        roles: &str,
        totp_sealed: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO staff (person_id, department_code, roles, totp_sealed, totp_confirmed) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (person_id) DO UPDATE SET department_code = excluded.department_code, roles = excluded.roles",
        )
        .bind(person_id)
        .bind(department_code)
        .bind(roles)
        .bind(totp_sealed)
        .bind(i64::from(totp_sealed.is_some()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a secret being enrolled, for the session `session_hash` alone to confirm, with
    /// its audit event in the same transaction; the bound authenticator, if any, stays as it is.
    pub async fn set_pending_totp(
        &self,
        person_id: &str,
        sealed: &str,
        session_hash: &str,
        event: &AuditEvent<'_>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE staff SET totp_pending_sealed = $2, totp_pending_session = $3 WHERE person_id = $1")
            .bind(person_id)
            .bind(sealed)
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, event).await?;
        tx.commit().await
    }

    /// Records that a code of `step` was used, only if no code of this or a later step was:
    /// `false` means the code is a replay.
    pub async fn use_totp_step(&self, person_id: &str, step: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query("UPDATE staff SET totp_last_step = $2 WHERE person_id = $1 AND totp_last_step < $2")
            .bind(person_id)
            .bind(step)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Binds the pending secret started by `session_hash` as the authenticator, with `step` as
    /// its last used code, ends the person's other sessions, passes this session's second
    /// factor and records the change, all in one transaction. `false`: nothing was pending for
    /// this session (another enrolment replaced it).
    pub async fn confirm_pending_totp(
        &self,
        person_id: &str,
        session_hash: &str,
        step: i64,
        event: &AuditEvent<'_>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let bound = sqlx::query(
            "UPDATE staff SET totp_sealed = totp_pending_sealed, totp_confirmed = 1, totp_last_step = $3,
                    totp_pending_sealed = NULL, totp_pending_session = NULL
              WHERE person_id = $1 AND totp_pending_session = $2 AND totp_pending_sealed IS NOT NULL",
        )
        .bind(person_id)
        .bind(session_hash)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        if bound.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM staff_enrolment_tokens WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
            .bind(person_id)
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET second_factor = 1 WHERE token_hash = $1")
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores a new enrolment token for a staff member (replacing an unused one); with `reset`,
    /// also removes their authenticator and ends their sessions. Recorded in one transaction.
    pub async fn issue_enrolment_token(
        &self,
        person_id: &str,
        token_hash: &str,
        expires_at: i64,
        reset: bool,
        events: &[AuditEvent<'_>],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let issued_by = events.first().and_then(|e| e.actor_id).unwrap_or_default();
        sqlx::query(
            "INSERT INTO staff_enrolment_tokens (person_id, token_hash, issued_by, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash, issued_by = excluded.issued_by,
                                                   expires_at = excluded.expires_at",
        )
        .bind(person_id)
        .bind(token_hash)
        .bind(issued_by)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        if reset {
            sqlx::query(
                "UPDATE staff SET totp_sealed = NULL, totp_confirmed = 0, totp_last_step = 0,
                        totp_pending_sealed = NULL, totp_pending_session = NULL WHERE person_id = $1",
            )
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE person_id = $1").bind(person_id).execute(&mut *tx).await?;
        }
        for event in events {
            insert_audit(&mut *tx, event).await?;
        }
        tx.commit().await
    }

    /// Uses up the enrolment token of a person if `token_hash` is it and it has not expired by
    /// `now`; `false` otherwise.
    pub async fn take_enrolment_token(&self, person_id: &str, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
        let taken = sqlx::query(
            "DELETE FROM staff_enrolment_tokens WHERE person_id = $1 AND token_hash = $2 AND expires_at > $3",
        )
        .bind(person_id)
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Every staff member, by department and name.
    pub async fn all_staff(&self) -> Result<Vec<StaffListRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.id_number_masked, s.department_code, s.roles, s.totp_confirmed
               FROM staff s JOIN persons p ON p.id = s.person_id
              ORDER BY s.department_code, p.name, p.id LIMIT 1000",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// The events of these actions recorded about a person, newest first (at most 20).
    pub async fn security_events(
        &self,
        person_id: &str,
        actions: &[AuditAction],
    ) -> Result<Vec<(AuditAction, i64)>, sqlx::Error> {
        // The names are the enum's own, never a caller's text.
        let list = actions.iter().map(|a| format!("'{}'", a.as_str())).collect::<Vec<_>>().join(", ");
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT action, at FROM audit_events WHERE subject = $1 AND action IN ({list}) ORDER BY at DESC LIMIT 20"
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(action, at)| {
                AuditAction::try_from(action).map(|a| (a, at)).map_err(|e| sqlx::Error::Decode(Box::new(e)))
            })
            .collect()
    }

    /// The failed sign-ins of an account since `since`: from `address`, and from everywhere.
    pub async fn login_failures(
        &self,
        hash: &str,
        address: &str,
        since: i64,
    ) -> Result<crate::auth::lockout::Failures, sqlx::Error> {
        let (from_address, last_from_address, total, last): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN address = $2 THEN 1 ELSE 0 END), 0),
                    COALESCE(MAX(CASE WHEN address = $2 THEN at END), 0),
                    COUNT(*),
                    COALESCE(MAX(at), 0)
               FROM login_failures WHERE id_number_hash = $1 AND at >= $3",
        )
        .bind(hash)
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(crate::auth::lockout::Failures { from_address, last_from_address, total, last })
    }

    /// Records a failed sign-in.
    pub async fn record_login_failure(&self, hash: &str, address: &str, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO login_failures (id_number_hash, address, at) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(address)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets the failed sign-ins of an account from the address that just signed in; those
    /// from elsewhere still count.
    pub async fn clear_login_failures(&self, hash: &str, address: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE id_number_hash = $1 AND address = $2")
            .bind(hash)
            .bind(address)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a new session.
    pub async fn insert_session(&self, s: &SessionRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, person_id, acting_uscc, on_behalf_of, second_factor, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.token_hash)
        .bind(&s.person_id)
        .bind(s.acting_uscc.as_deref())
        .bind(s.on_behalf_of.as_deref())
        .bind(s.second_factor)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session of a token hash.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT token_hash, person_id, acting_uscc, on_behalf_of, second_factor, created_at, last_seen_at
               FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
    }

    /// Notes activity on a session (the idle timeout counts from here).
    pub async fn touch_session(&self, token_hash: &str, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Marks a session as having passed the second factor.
    pub async fn pass_second_factor(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET second_factor = 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the enterprise a session acts for.
    pub async fn set_acting(&self, token_hash: &str, uscc: Option<&str>) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET acting_uscc = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(uscc)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the applicant a window clerk's session serves in person.
    pub async fn set_on_behalf_of(&self, token_hash: &str, person_id: Option<&str>) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET on_behalf_of = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(person_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds or renames an enterprise.
    pub async fn upsert_enterprise(
        &self,
        uscc: &str,
        name: &str,
        legal_rep_id: &str,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO enterprises (uscc, name, legal_rep_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, legal_rep_id = excluded.legal_rep_id",
        )
        .bind(uscc)
        .bind(name)
        .bind(legal_rep_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The enterprises a person may act for, and how.
    pub async fn enterprise_links(&self, person_id: &str) -> Result<Vec<EnterpriseLink>, sqlx::Error> {
        let rows: Vec<LinkRow> = sqlx::query_as(
            "SELECT uscc, name, 'legal_representative' AS relation FROM enterprises WHERE legal_rep_id = $1
             UNION ALL
             SELECT e.uscc, e.name, 'agent' AS relation
               FROM enterprise_agents a JOIN enterprises e ON e.uscc = a.uscc WHERE a.person_id = $1
             ORDER BY uscc",
        )
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| EnterpriseLink {
                uscc: r.uscc,
                name: r.name,
                relation: if r.relation == "agent" { Relation::Agent } else { Relation::LegalRepresentative },
            })
            .collect())
    }

    /// An enterprise's name and legal representative.
    pub async fn enterprise(&self, uscc: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        sqlx::query_as("SELECT name, legal_rep_id FROM enterprises WHERE uscc = $1")
            .bind(uscc)
            .fetch_optional(&self.pool)
            .await
    }

    /// The agents of an enterprise.
    pub async fn agents(&self, uscc: &str) -> Result<Vec<AgentRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.id_number_masked, a.granted_at
               FROM enterprise_agents a JOIN persons p ON p.id = a.person_id
              WHERE a.uscc = $1 ORDER BY a.granted_at, p.id",
        )
        .bind(uscc)
        .fetch_all(&self.pool)
        .await
    }

    /// Authorizes an agent; `false` if they already were.
    pub async fn grant_agent(&self, uscc: &str, person_id: &str, by: &str, at: i64) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO enterprise_agents (uscc, person_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (uscc, person_id) DO NOTHING",
        )
        .bind(uscc)
        .bind(person_id)
        .bind(by)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Withdraws an agent's authorization and stops their sessions acting for the enterprise,
    /// in one transaction; `false` if they were no agent.
    pub async fn revoke_agent(&self, uscc: &str, person_id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query("DELETE FROM enterprise_agents WHERE uscc = $1 AND person_id = $2")
            .bind(uscc)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sessions SET acting_uscc = NULL WHERE person_id = $1 AND acting_uscc = $2")
            .bind(person_id)
            .bind(uscc)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(result.rows_affected() == 1)
    }

    /// Appends an event to the audit trail.
    pub async fn append_audit(&self, e: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
        insert_audit(&self.pool, e).await
    }

    /// The audit events about a subject, oldest first.
    pub async fn audit_of(&self, subject: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT actor_id, acting_uscc, on_behalf_of, action, subject, detail
               FROM audit_events WHERE subject = $1 ORDER BY at, id",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await
    }

    /// A department by code.
    pub async fn department(&self, code: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        sqlx::query_as("SELECT name_zh, name_en FROM departments WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await
    }
}
