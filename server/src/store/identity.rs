//! 身份的存储 — persons, staff and their roles, enterprises, agents, sessions, failed sign-ins
//! and the audit trail.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use shared::account::{EnterpriseLink, Relation, Role};
use shared::audit::AuditAction;

use super::hot_reads::{Columns, sqlite_row, sqlite_rows};
use super::{Pool, Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

pub use super::unit_of_work::AuditEvent;

/// A person as stored; the identity number only sealed, masked and hashed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonRow {
    /// Account id.
    pub id: String,
    /// Keyed hash of the identity number: the key of the person's licenses.
    pub id_number_hash: String,
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
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

/// A staff member's department, roles and authenticator.
#[derive(Clone, Debug)]
pub struct StaffRow {
    /// 所属部门
    pub department_code: String,
    /// 岗位角色
    pub roles: Vec<Role>,
    /// The sealed base32 TOTP secret.
    pub totp_sealed: Option<String>,
    /// Whether the staff member proved the authenticator works.
    pub totp_confirmed: bool,
    /// The last step a code was accepted for.
    pub totp_last_step: i64,
    /// A sealed secret being enrolled, not yet proven.
    pub totp_pending_sealed: Option<String>,
    /// The token hash of the session that started that enrolment: only it may finish it.
    pub totp_pending_session: Option<String>,
}

#[derive(sqlx::FromRow)]
struct StaffColumns {
    department_code: String,
    totp_sealed: Option<String>,
    totp_confirmed: bool,
    totp_last_step: i64,
    totp_pending_sealed: Option<String>,
    totp_pending_session: Option<String>,
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
    /// 委托代办 — the authorization under which the person applies for another.
    pub acting_proxy: Option<String>,
    /// Whether the second factor passed (citizens, who have none, always have).
    pub second_factor: bool,
    /// When the session began.
    #[sqlx(try_from = "Timestamp")]
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    #[sqlx(try_from = "Timestamp")]
    pub last_seen_at: DateTime<Utc>,
}

/// A session row and whether its person is staff.
#[derive(sqlx::FromRow)]
struct SessionLookup {
    #[sqlx(flatten)]
    row: SessionRow,
    is_staff: bool,
}

impl SessionLookup {
    /// A row of [`Store::session`]'s query on SQLite.
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        let row = SessionRow {
            token_hash: c.get("token_hash")?,
            person_id: c.get("person_id")?,
            acting_uscc: c.get("acting_uscc")?,
            on_behalf_of: c.get("on_behalf_of")?,
            acting_proxy: c.get("acting_proxy")?,
            second_factor: c.get("second_factor")?,
            created_at: c.get::<Timestamp>("created_at")?.into(),
            last_seen_at: c.get::<Timestamp>("last_seen_at")?.into(),
        };
        Ok(Self { row, is_staff: c.get("is_staff")? })
    }
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
    /// When they were authorized.
    #[sqlx(try_from = "Timestamp")]
    pub granted_at: DateTime<Utc>,
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
    #[sqlx(try_from = "String")]
    relation: Relation,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    person_id: String,
    #[sqlx(try_from = "String")]
    role: Role,
}

#[derive(sqlx::FromRow)]
struct StaffListColumns {
    person_id: String,
    name: String,
    id_number_masked: String,
    department_code: String,
    totp_confirmed: bool,
}

/// A staff member as listed for the security administrator.
#[derive(Clone, Debug)]
pub struct StaffListRow {
    /// Account id.
    pub person_id: String,
    /// 姓名
    pub name: String,
    /// The masked identity number.
    pub id_number_masked: String,
    /// 所属部门
    pub department_code: String,
    /// 岗位角色
    pub roles: Vec<Role>,
    /// Whether an authenticator is bound.
    pub totp_confirmed: bool,
}

/// An enterprise as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnterpriseRow {
    /// 企业名称
    pub name: String,
    /// The legal representative's account id.
    pub legal_rep_id: String,
}

impl LinkRow {
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self { uscc: c.get("uscc")?, name: c.get("name")?, relation: c.parse("relation")? })
    }
}

impl EnterpriseRow {
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self { name: c.get("name")?, legal_rep_id: c.get("legal_rep_id")? })
    }
}

impl PersonRow {
    /// A row of [`PERSON_COLUMNS`] on SQLite.
    fn from_sqlite(c: &mut Columns<'_, '_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: c.get("id")?,
            id_number_hash: c.get("id_number_hash")?,
            id_number_sealed: c.get("id_number_sealed")?,
            id_number_masked: c.get("id_number_masked")?,
            name: c.get("name")?,
            mobile: c.get("mobile")?,
            password_hash: c.get("password_hash")?,
        })
    }
}

const PERSON_COLUMNS: &str = "id, id_number_hash, id_number_sealed, id_number_masked, name, mobile, password_hash";
const SESSION_COLUMNS: &str =
    "token_hash, person_id, acting_uscc, on_behalf_of, acting_proxy, second_factor, created_at, last_seen_at";

/// Seeds: staff and enterprises as the demo (or an operator's import) loads them.
impl Store {
    /// Makes a person staff of a department with these roles (and, for demo staff, a confirmed
    /// authenticator).
    pub async fn upsert_staff(
        &self,
        person_id: &str,
        department_code: &str,
        roles: &[Role],
        totp_sealed: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let mut uow = self.begin().await?;
        on_tx!(uow.tx(), |c| {
            sqlx::query(
                "INSERT INTO staff (person_id, department_code, totp_sealed, totp_confirmed) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (person_id) DO UPDATE SET department_code = excluded.department_code",
            )
            .bind(person_id)
            .bind(department_code)
            .bind(totp_sealed)
            .bind(totp_sealed.is_some())
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM staff_roles WHERE person_id = $1").bind(person_id).execute(&mut *c).await?;
            for role in roles {
                sqlx::query("INSERT INTO staff_roles (person_id, role) VALUES ($1, $2)")
                    .bind(person_id)
                    .bind(role.as_str())
                    .execute(&mut *c)
                    .await?;
            }
            Ok::<_, sqlx::Error>(())
        })?;
        uow.commit_recorded().await
    }

    /// Adds or renames an enterprise.
    pub async fn upsert_enterprise(
        &self,
        uscc: &str,
        name: &str,
        legal_rep_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO enterprises (uscc, name, legal_rep_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, legal_rep_id = excluded.legal_rep_id",
        )
        .bind(uscc)
        .bind(name)
        .bind(legal_rep_id)
        .bind(Timestamp::from(at))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Reads, and the bookkeeping that records no act of anyone's (sign-in failures, session use,
/// authenticator steps).
impl Store {
    /// The person with this keyed identity-number hash.
    pub async fn person_by_hash(&self, hash: &str) -> Result<Option<PersonRow>, sqlx::Error> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id_number_hash = $1");
        on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(hash).fetch_optional(p).await)
    }

    /// The person with this account id.
    pub async fn person(&self, id: &str) -> Result<Option<PersonRow>, sqlx::Error> {
        static SQL: LazyLock<String> = LazyLock::new(|| format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"));
        match &self.pool {
            Pool::Sqlite(_) => self.hot.on_sqlite(|c| sqlite_row(c, &SQL, [id], PersonRow::from_sqlite)).await,
            Pool::Postgres(p) => sqlx::query_as(&SQL).bind(id).fetch_optional(p).await,
        }
    }

    /// The identity-number hash of a person (the key of their licenses).
    pub async fn person_hash(&self, person_id: &str) -> Result<Option<String>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_scalar("SELECT id_number_hash FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_optional(p)
            .await)
    }

    /// The staff record of a person, if they are staff.
    pub async fn staff(&self, person_id: &str) -> Result<Option<StaffRow>, sqlx::Error> {
        let (columns, roles): (Option<StaffColumns>, Vec<RoleRow>) = on_pool!(&self.pool, |p| {
            let columns: Option<StaffColumns> = sqlx::query_as(
                "SELECT department_code, totp_sealed, totp_confirmed, totp_last_step, totp_pending_sealed,
                        totp_pending_session
                   FROM staff WHERE person_id = $1",
            )
            .bind(person_id)
            .fetch_optional(p)
            .await?;
            let roles = match columns {
                None => Vec::new(),
                Some(_) => {
                    sqlx::query_as("SELECT person_id, role FROM staff_roles WHERE person_id = $1 ORDER BY role")
                        .bind(person_id)
                        .fetch_all(p)
                        .await?
                }
            };
            (columns, roles)
        });
        Ok(columns.map(|c| StaffRow {
            department_code: c.department_code,
            roles: roles.into_iter().map(|r| r.role).collect(),
            totp_sealed: c.totp_sealed,
            totp_confirmed: c.totp_confirmed,
            totp_last_step: c.totp_last_step,
            totp_pending_sealed: c.totp_pending_sealed,
            totp_pending_session: c.totp_pending_session,
        }))
    }

    /// Every staff member, by department and name.
    pub async fn all_staff(&self) -> Result<Vec<StaffListRow>, sqlx::Error> {
        let (rows, roles): (Vec<StaffListColumns>, Vec<RoleRow>) = on_pool!(&self.pool, |p| {
            let rows = sqlx::query_as(
                "SELECT p.id AS person_id, p.name, p.id_number_masked, s.department_code, s.totp_confirmed
                   FROM staff s JOIN persons p ON p.id = s.person_id
                  ORDER BY s.department_code, p.name, p.id LIMIT 1000",
            )
            .fetch_all(p)
            .await?;
            let roles =
                sqlx::query_as("SELECT person_id, role FROM staff_roles ORDER BY person_id, role").fetch_all(p).await?;
            (rows, roles)
        });
        let mut by_person: std::collections::HashMap<String, Vec<Role>> = std::collections::HashMap::new();
        for r in roles {
            by_person.entry(r.person_id).or_default().push(r.role);
        }
        Ok(rows
            .into_iter()
            .map(|r| StaffListRow {
                roles: by_person.remove(&r.person_id).unwrap_or_default(),
                person_id: r.person_id,
                name: r.name,
                id_number_masked: r.id_number_masked,
                department_code: r.department_code,
                totp_confirmed: r.totp_confirmed,
            })
            .collect())
    }

    /// Records that a code of `step` was used, only if no code of this or a later step was:
    /// `false` means the code is a replay.
    pub async fn use_totp_step(&self, person_id: &str, step: i64) -> Result<bool, sqlx::Error> {
        let _turn = self.write_turn().await;
        let result = on_pool!(&self.pool, |p| sqlx::query(
            "UPDATE staff SET totp_last_step = $2 WHERE person_id = $1 AND totp_last_step < $2"
        )
        .bind(person_id)
        .bind(step)
        .execute(p)
        .await?
        .rows_affected());
        Ok(result == 1)
    }

    /// The events of these actions recorded about a person, newest first (at most 20).
    pub async fn security_events(
        &self,
        person_id: &str,
        actions: &[AuditAction],
    ) -> Result<Vec<(AuditAction, DateTime<Utc>)>, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(try_from = "String")]
            action: AuditAction,
            #[sqlx(try_from = "Timestamp")]
            at: DateTime<Utc>,
        }
        // The names are the enum's own, never a caller's text.
        let list = actions.iter().map(|a| format!("'{}'", a.as_str())).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT action, at FROM audit_events WHERE subject = $1 AND action IN ({list}) ORDER BY at DESC LIMIT 20"
        );
        let rows: Vec<Row> = on_pool!(&self.pool, |p| sqlx::query_as(&sql).bind(person_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| (r.action, r.at)).collect())
    }

    /// The failed sign-ins of an account since `since`: from `address`, and from everywhere.
    pub async fn login_failures(
        &self,
        hash: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<crate::auth::lockout::Failures, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            from_address: i64,
            last_from_address: Option<Timestamp>,
            total: i64,
            last: Option<Timestamp>,
        }
        let row: Row = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT CAST(COUNT(CASE WHEN address = $2 THEN 1 END) AS BIGINT) AS from_address,
                    MAX(CASE WHEN address = $2 THEN at END) AS last_from_address,
                    CAST(COUNT(*) AS BIGINT) AS total,
                    MAX(at) AS last
               FROM login_failures WHERE id_number_hash = $1 AND at >= $3",
        )
        .bind(hash)
        .bind(address)
        .bind(Timestamp::from(since))
        .fetch_one(p)
        .await?);
        Ok(crate::auth::lockout::Failures {
            from_address: row.from_address,
            last_from_address: row.last_from_address.map_or(0, Timestamp::unix),
            total: row.total,
            last: row.last.map_or(0, Timestamp::unix),
        })
    }

    /// Records a failed sign-in.
    pub async fn record_login_failure(&self, hash: &str, address: &str, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO login_failures (id_number_hash, address, at) VALUES ($1, $2, $3)"
        )
        .bind(hash)
        .bind(address)
        .bind(Timestamp::from(at))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The session of a token hash, and whether its person is staff.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(SessionRow, bool)>, sqlx::Error> {
        // Whether the person is staff comes with the session, so that a citizen's request costs
        // one query; a staff member's record is then read with [`Store::staff`].
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SESSION_COLUMNS},
                        EXISTS (SELECT 1 FROM staff s WHERE s.person_id = sessions.person_id) AS is_staff
                   FROM sessions WHERE token_hash = $1"
            )
        });
        let found: Option<SessionLookup> = match &self.pool {
            Pool::Sqlite(_) => {
                self.hot.on_sqlite(|c| sqlite_row(c, &SQL, [token_hash], SessionLookup::from_sqlite)).await?
            }
            Pool::Postgres(p) => sqlx::query_as(&SQL).bind(token_hash).fetch_optional(p).await?,
        };
        Ok(found.map(|f| (f.row, f.is_staff)))
    }

    /// Notes activity on a session (the idle timeout counts from here).
    pub async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(Timestamp::from(at))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes a session that timed out (signing out is a [`UnitOfWork::end_session`]).
    pub async fn expire_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The enterprises a person may act for, and how.
    pub async fn enterprise_links(&self, person_id: &str) -> Result<Vec<EnterpriseLink>, sqlx::Error> {
        const SQL: &str =
            "SELECT uscc, name, 'legal_representative' AS relation FROM enterprises WHERE legal_rep_id = $1
             UNION ALL
             SELECT e.uscc, e.name, 'agent' AS relation
               FROM enterprise_agents a JOIN enterprises e ON e.uscc = a.uscc WHERE a.person_id = $1
             ORDER BY uscc";
        let rows: Vec<LinkRow> = match &self.pool {
            Pool::Sqlite(_) => self.hot.on_sqlite(|c| sqlite_rows(c, SQL, [person_id], LinkRow::from_sqlite)).await?,
            Pool::Postgres(p) => sqlx::query_as(SQL).bind(person_id).fetch_all(p).await?,
        };
        Ok(rows.into_iter().map(|r| EnterpriseLink { uscc: r.uscc, name: r.name, relation: r.relation }).collect())
    }

    /// An enterprise's name and legal representative.
    pub async fn enterprise(&self, uscc: &str) -> Result<Option<EnterpriseRow>, sqlx::Error> {
        const SQL: &str = "SELECT name, legal_rep_id FROM enterprises WHERE uscc = $1";
        match &self.pool {
            Pool::Sqlite(_) => self.hot.on_sqlite(|c| sqlite_row(c, SQL, [uscc], EnterpriseRow::from_sqlite)).await,
            Pool::Postgres(p) => sqlx::query_as(SQL).bind(uscc).fetch_optional(p).await,
        }
    }

    /// The agents of an enterprise.
    pub async fn agents(&self, uscc: &str) -> Result<Vec<AgentRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT p.id AS person_id, p.name, p.id_number_masked, a.granted_at
               FROM enterprise_agents a JOIN persons p ON p.id = a.person_id
              WHERE a.uscc = $1 ORDER BY a.granted_at, p.id",
        )
        .bind(uscc)
        .fetch_all(p)
        .await)
    }

    /// The audit events about a subject, oldest first.
    pub async fn audit_of(&self, subject: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT actor_id, acting_uscc, on_behalf_of, action, subject, detail
               FROM audit_events WHERE subject = $1 ORDER BY at, id",
        )
        .bind(subject)
        .fetch_all(p)
        .await)
    }

    /// A department's names (Chinese, English) by code.
    pub async fn department(&self, code: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        on_pool!(&self.pool, |p| sqlx::query_as("SELECT name_zh, name_en FROM departments WHERE code = $1")
            .bind(code)
            .fetch_optional(p)
            .await)
    }
}

/// Changes to accounts, sessions and authorizations: each commits with its audit event.
impl UnitOfWork {
    /// Inserts a person; `false` if the identity number is already registered.
    pub async fn insert_person(&mut self, p: &NewPerson<'_>) -> Result<bool, sqlx::Error> {
        let result = on_tx!(self.tx(), |c| {
            sqlx::query(
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
        .bind(Timestamp::from(p.created_at))
        .execute(c)
        .await?
        .rows_affected()
        });
        Ok(result == 1)
    }

    /// Keeps the claim code (its SHA-256) of an account-less record made at a window.
    pub async fn insert_walk_in_claim(
        &mut self,
        person_id: &str,
        code_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO walk_in_claims (person_id, code_hash, created_at) VALUES ($1, $2, $3)"
        )
        .bind(person_id)
        .bind(code_hash)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives an account-less record (made at a window) its password and mobile, if the record
    /// with this number hash has no password, this name and this claim code; the code is used
    /// up. Returns the record's id.
    pub async fn claim_walk_in(
        &mut self,
        id_number_hash: &str,
        name: &str,
        code_hash: &str,
        mobile: &str,
        password_hash: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        on_tx!(self.tx(), |c| {
            let claimed: Option<String> = sqlx::query_scalar(
                "UPDATE persons SET password_hash = $5, mobile = $4
                  WHERE id_number_hash = $1 AND name = $2 AND password_hash = ''
                    AND id IN (SELECT person_id FROM walk_in_claims WHERE code_hash = $3)
                  RETURNING id",
            )
            .bind(id_number_hash)
            .bind(name)
            .bind(code_hash)
            .bind(mobile)
            .bind(password_hash)
            .fetch_optional(&mut *c)
            .await?;
            if let Some(id) = &claimed {
                sqlx::query("DELETE FROM walk_in_claims WHERE person_id = $1").bind(id).execute(&mut *c).await?;
            }
            Ok(claimed)
        })
    }

    /// Stores a new session.
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
            "INSERT INTO sessions (token_hash, person_id, acting_uscc, on_behalf_of, second_factor, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.token_hash)
        .bind(&s.person_id)
        .bind(s.acting_uscc.as_deref())
        .bind(s.on_behalf_of.as_deref())
        .bind(s.second_factor)
        .bind(Timestamp::from(s.created_at))
        .bind(Timestamp::from(s.last_seen_at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Forgets the failed sign-ins of an account from the address that just signed in; those
    /// from elsewhere still count.
    pub async fn clear_login_failures(&mut self, hash: &str, address: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("DELETE FROM login_failures WHERE id_number_hash = $1 AND address = $2")
            .bind(hash)
            .bind(address)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends a session.
    pub async fn end_session(&mut self, token_hash: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks a session as having passed the second factor.
    pub async fn pass_second_factor(&mut self, token_hash: &str) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE sessions SET second_factor = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(true)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets the enterprise a session acts for.
    pub async fn set_acting(
        &mut self,
        token_hash: &str,
        uscc: Option<&str>,
        proxy: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE sessions SET acting_uscc = $2, acting_proxy = $3 WHERE token_hash = $1"
        )
        .bind(token_hash)
        .bind(uscc)
        .bind(proxy)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets the applicant a window clerk's session serves in person.
    pub async fn set_on_behalf_of(&mut self, token_hash: &str, person_id: Option<&str>) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query("UPDATE sessions SET on_behalf_of = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(person_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Authorizes an agent; `false` if they already were.
    pub async fn grant_agent(
        &mut self,
        uscc: &str,
        person_id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let result = on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO enterprise_agents (uscc, person_id, granted_by, granted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (uscc, person_id) DO NOTHING",
        )
        .bind(uscc)
        .bind(person_id)
        .bind(by)
        .bind(Timestamp::from(at))
        .execute(c)
        .await?
        .rows_affected());
        Ok(result == 1)
    }

    /// Withdraws an agent's authorization and stops their sessions acting for the enterprise;
    /// `false` if they were no agent.
    pub async fn revoke_agent(&mut self, uscc: &str, person_id: &str) -> Result<bool, sqlx::Error> {
        let removed = on_tx!(self.tx(), |c| {
            let removed = sqlx::query("DELETE FROM enterprise_agents WHERE uscc = $1 AND person_id = $2")
                .bind(uscc)
                .bind(person_id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            sqlx::query("UPDATE sessions SET acting_uscc = NULL WHERE person_id = $1 AND acting_uscc = $2")
                .bind(person_id)
                .bind(uscc)
                .execute(&mut *c)
                .await?;
            removed
        });
        Ok(removed == 1)
    }

    /// Uses up the enrolment token of a person if `token_hash` is it and it has not expired by
    /// `now`; `false` otherwise.
    pub async fn take_enrolment_token(
        &mut self,
        person_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let taken = on_tx!(self.tx(), |c| sqlx::query(
            "DELETE FROM staff_enrolment_tokens WHERE person_id = $1 AND token_hash = $2 AND expires_at > $3",
        )
        .bind(person_id)
        .bind(token_hash)
        .bind(Timestamp::from(now))
        .execute(c)
        .await?
        .rows_affected());
        Ok(taken == 1)
    }

    /// Stores a secret being enrolled, for the session `session_hash` alone to confirm; the
    /// bound authenticator, if any, stays as it is.
    pub async fn set_pending_totp(
        &mut self,
        person_id: &str,
        sealed: &str,
        session_hash: &str,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "UPDATE staff SET totp_pending_sealed = $2, totp_pending_session = $3 WHERE person_id = $1"
        )
        .bind(person_id)
        .bind(sealed)
        .bind(session_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Binds the pending secret started by `session_hash` as the authenticator, with `step` as
    /// its last used code, ends the person's other sessions and passes this session's second
    /// factor. `false`: nothing was pending for this session (another enrolment replaced it).
    pub async fn confirm_pending_totp(
        &mut self,
        person_id: &str,
        session_hash: &str,
        step: i64,
    ) -> Result<bool, sqlx::Error> {
        on_tx!(self.tx(), |c| {
            let bound = sqlx::query(
                "UPDATE staff SET totp_sealed = totp_pending_sealed, totp_confirmed = $4, totp_last_step = $3,
                        totp_pending_sealed = NULL, totp_pending_session = NULL
                  WHERE person_id = $1 AND totp_pending_session = $2 AND totp_pending_sealed IS NOT NULL",
            )
            .bind(person_id)
            .bind(session_hash)
            .bind(step)
            .bind(true)
            .execute(&mut *c)
            .await?;
            if bound.rows_affected() != 1 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM staff_enrolment_tokens WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
                .bind(person_id)
                .bind(session_hash)
                .execute(&mut *c)
                .await?;
            sqlx::query("UPDATE sessions SET second_factor = $2 WHERE token_hash = $1")
                .bind(session_hash)
                .bind(true)
                .execute(&mut *c)
                .await?;
            Ok(true)
        })
    }

    /// Stores a new enrolment token for a staff member (replacing an unused one), issued by
    /// `issued_by`; with `reset`, also removes their authenticator and ends their sessions.
    pub async fn issue_enrolment_token(
        &mut self,
        person_id: &str,
        token_hash: &str,
        issued_by: &str,
        expires_at: DateTime<Utc>,
        reset: bool,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| {
            sqlx::query(
                "INSERT INTO staff_enrolment_tokens (person_id, token_hash, issued_by, expires_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash, issued_by = excluded.issued_by,
                                                       expires_at = excluded.expires_at",
            )
            .bind(person_id)
            .bind(token_hash)
            .bind(issued_by)
            .bind(Timestamp::from(expires_at))
            .execute(&mut *c)
            .await?;
            if reset {
                sqlx::query(
                    "UPDATE staff SET totp_sealed = NULL, totp_confirmed = $2, totp_last_step = 0,
                            totp_pending_sealed = NULL, totp_pending_session = NULL WHERE person_id = $1",
                )
                .bind(person_id)
                .bind(false)
                .execute(&mut *c)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE person_id = $1").bind(person_id).execute(&mut *c).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
    }
}
