//! The store's own column types: what `shared` has no type for, encoded for each engine.

use chrono::{DateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Encode, Type};

/// 时间 — a moment as the store keeps it, in whole seconds: INTEGER Unix seconds in SQLite
/// (as every release has written them), `timestamptz` in PostgreSQL. Both engines keep the same
/// precision, so that the same data compares the same way on either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The moment, in Unix seconds.
    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    /// The moment `secs` Unix seconds after 1970, as SQLite stores it.
    pub fn from_unix(secs: i64) -> Result<Self, String> {
        DateTime::from_timestamp(secs, 0).map(Self).ok_or_else(|| format!("time {secs} is out of range"))
    }
}

/// As the progress look-up reads it from SQLite ([`super::hot_reads`]).
impl rusqlite::types::FromSql for Timestamp {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Self::from_unix(value.as_i64()?).map_err(|e| rusqlite::types::FromSqlError::Other(e.into()))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        // Whole seconds on both engines; every time in range has them.
        Self(DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at))
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Sqlite>>::encode(self.unix(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from_unix(<i64 as Decode<'r, Sqlite>>::decode(value)?)?)
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut <Postgres as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<'r, Postgres>>::decode(value).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_keeps_whole_seconds() {
        let at = DateTime::from_timestamp(1_764_000_000, 999_999_999).expect("in range");
        let stored = Timestamp::from(at);
        assert_eq!(stored.unix(), 1_764_000_000);
        assert_eq!(DateTime::<Utc>::from(stored).timestamp_subsec_nanos(), 0);
    }
}
