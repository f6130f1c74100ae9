//! 注册的存储 — one-time mobile codes and the consents persons give.

use chrono::{DateTime, Duration, Utc};
use shared::consent::{ConsentPurpose, ConsentRecord};

use super::{Store, Timestamp, UnitOfWork};
use crate::{on_pool, on_tx};

/// A code to keep for a number: when it was sent, until when it holds, and the limits on
/// sending another.
pub struct NewMobileCode<'a> {
    /// The mobile number.
    pub mobile: &'a str,
    /// The code's HMAC.
    pub code_hash: &'a str,
    /// Now.
    pub at: DateTime<Utc>,
    /// How long the code holds.
    pub valid_for: Duration,
    /// The shortest time between two codes for one number.
    pub resend_after: Duration,
    /// The most codes for one number in a day.
    pub per_day: i32,
}

impl Store {
    /// Keeps a new code for a number, replacing any earlier one, unless the last was sent less
    /// than `resend_after` ago or the day's codes are used up. `Ok(None)` when kept; otherwise
    /// `Ok(Some(t))`, `t` being when the next code may be sent.
    pub async fn put_mobile_code(&self, c: &NewMobileCode<'_>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        let day_ago = Timestamp::from(c.at - Duration::days(1));
        let _turn = self.write_turn().await;
        let kept = on_pool!(&self.pool, |p| sqlx::query(
            "INSERT INTO mobile_codes (mobile, code_hash, sent_at, expires_at, attempts, sends, window_start)
             VALUES ($1, $2, $3, $4, 0, 1, $3)
             ON CONFLICT (mobile) DO UPDATE SET
                code_hash = excluded.code_hash, sent_at = excluded.sent_at, expires_at = excluded.expires_at,
                attempts = 0,
                sends = CASE WHEN mobile_codes.window_start <= $5 THEN 1 ELSE mobile_codes.sends + 1 END,
                window_start = CASE WHEN mobile_codes.window_start <= $5 THEN excluded.sent_at
                                    ELSE mobile_codes.window_start END
             WHERE mobile_codes.sent_at <= $6 AND (mobile_codes.window_start <= $5 OR mobile_codes.sends < $7)"
        )
        .bind(c.mobile)
        .bind(c.code_hash)
        .bind(Timestamp::from(c.at))
        .bind(Timestamp::from(c.at + c.valid_for))
        .bind(day_ago)
        .bind(Timestamp::from(c.at - c.resend_after))
        .bind(c.per_day)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if kept == 1 {
            return Ok(None);
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            sent_at: Timestamp,
            sends: i32,
            window_start: Timestamp,
        }
        let row: Row = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT sent_at, sends, window_start FROM mobile_codes WHERE mobile = $1"
        )
        .bind(c.mobile)
        .fetch_one(p)
        .await?);
        let next_resend = DateTime::<Utc>::from(row.sent_at) + c.resend_after;
        let next_day = DateTime::<Utc>::from(row.window_start) + Duration::days(1);
        Ok(Some(if row.sends >= c.per_day { next_resend.max(next_day) } else { next_resend }))
    }

    /// Counts a wrong code against the number's code; after `max` wrong tries the code is void.
    pub async fn count_wrong_mobile_code(&self, mobile: &str) -> Result<(), sqlx::Error> {
        let _turn = self.write_turn().await;
        on_pool!(&self.pool, |p| sqlx::query("UPDATE mobile_codes SET attempts = attempts + 1 WHERE mobile = $1")
            .bind(mobile)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The consents a person has given, newest first.
    pub async fn consents(&self, person_id: &str) -> Result<Vec<ConsentRecord>, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            purpose: String,
            version: String,
            given_at: Timestamp,
            withdrawn_at: Option<Timestamp>,
        }
        let rows: Vec<Row> = on_pool!(&self.pool, |p| sqlx::query_as(
            "SELECT purpose, version, given_at, withdrawn_at FROM consents WHERE person_id = $1
              ORDER BY given_at DESC, purpose"
        )
        .bind(person_id)
        .fetch_all(p)
        .await?);
        rows.into_iter()
            .map(|r| {
                let purpose = ConsentPurpose::try_from(r.purpose).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                Ok(ConsentRecord {
                    purpose,
                    version: r.version,
                    given_at: r.given_at.into(),
                    withdrawn_at: r.withdrawn_at.map(Into::into),
                })
            })
            .collect()
    }
}

impl UnitOfWork {
    /// Uses up the number's code if it is `code_hash`, unexpired and not tried `max_attempts`
    /// times; `false` otherwise. Rolled back with the rest if the registration fails.
    pub async fn take_mobile_code(
        &mut self,
        mobile: &str,
        code_hash: &str,
        at: DateTime<Utc>,
        max_attempts: i32,
    ) -> Result<bool, sqlx::Error> {
        let taken = on_tx!(self.tx(), |c| sqlx::query(
            "DELETE FROM mobile_codes WHERE mobile = $1 AND code_hash = $2 AND expires_at > $3 AND attempts < $4"
        )
        .bind(mobile)
        .bind(code_hash)
        .bind(Timestamp::from(at))
        .bind(max_attempts)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(taken == 1)
    }

    /// Records a consent given now.
    pub async fn give_consent(
        &mut self,
        person_id: &str,
        purpose: ConsentPurpose,
        version: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self.tx(), |c| sqlx::query(
            "INSERT INTO consents (person_id, purpose, version, given_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(person_id)
        .bind(purpose.as_str())
        .bind(version)
        .bind(Timestamp::from(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Withdraws the person's consent to processing their identity number: the consent is
    /// marked withdrawn, the account loses its password (it becomes a record as a window makes
    /// one, which only a window can give an account again), every session ends, and answers
    /// kept for later forms are deleted. `false` if no such consent held.
    pub async fn close_account(&mut self, person_id: &str, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        on_tx!(self.tx(), |c| {
            let withdrawn = sqlx::query(
                "UPDATE consents SET withdrawn_at = $3
                  WHERE person_id = $1 AND purpose = $2 AND withdrawn_at IS NULL",
            )
            .bind(person_id)
            .bind(ConsentPurpose::IdentityNumber.as_str())
            .bind(Timestamp::from(at))
            .execute(&mut *c)
            .await?
            .rows_affected();
            if withdrawn == 0 {
                return Ok(false);
            }
            for sql in [
                "UPDATE persons SET password_hash = '', remember_answers = FALSE WHERE id = $1",
                "DELETE FROM sessions WHERE person_id = $1",
                "DELETE FROM answer_memory WHERE person_id = $1",
            ] {
                sqlx::query(sql).bind(person_id).execute(&mut *c).await?;
            }
            Ok::<_, sqlx::Error>(true)
        })
    }
}
