//! 多行写入 — many rows of one table in one `INSERT`, on either engine, and several such
//! statements written together ([`Batch`]). The group-commit writer writes a whole group's
//! applications, cases, materials, steps and audit events this way: each statement is a round
//! trip to PostgreSQL and a hand-off to SQLite's connection thread, so a group of 200
//! submissions costs a few statements instead of several thousand; on SQLite a batch is one
//! hand-off however many statements it holds. SQLite is given `VALUES (…), (…)`; PostgreSQL
//! one array a column, made into rows by `UNNEST`, so that a table's statement has one text
//! whatever the group's size ([`Rows::unnest`]).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use sqlx::postgres::Postgres;
use sqlx::{Database, Encode, Type};

use super::{Timestamp, Tx, UnitOfWork};

/// Values one statement binds at most: SQLite takes 32,766 and PostgreSQL 65,535.
const MAX_BINDS: usize = 32_000;

/// One value of a row.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    /// Text.
    Text(&'a str),
    /// Text or NULL.
    MaybeText(Option<&'a str>),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A moment.
    At(Timestamp),
    /// A JSON document written once and read whole, never searched inside (an application's
    /// form and receipt): `json` in PostgreSQL, whose text is bound as text and only checked,
    /// where `jsonb` parses it into a tree; text in SQLite.
    Document(&'a serde_json::value::RawValue),
}

/// Rows for one table, to insert in as few statements as the bind limits allow.
pub struct Rows<'a> {
    table: &'static str,
    columns: &'static [&'static str],
    cells: Vec<Cell<'a>>,
    /// What a row whose key is taken does instead (`ON CONFLICT …`).
    on_conflict: Option<&'static str>,
}

impl<'a> Rows<'a> {
    /// No rows yet for `table`'s `columns`.
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self { table, columns, cells: Vec::new(), on_conflict: None }
    }

    /// Rows whose key is taken do `action` (`"(key) DO UPDATE SET …"`) instead. Within one
    /// set of rows each key must appear once (PostgreSQL refuses to update a row twice in
    /// one statement).
    pub fn on_conflict(mut self, action: &'static str) -> Self {
        self.on_conflict = Some(action);
        self
    }

    /// Adds a row: one cell per column, in the columns' order.
    pub fn push<const N: usize>(&mut self, row: [Cell<'a>; N]) {
        assert_eq!(N, self.columns.len(), "a row of {} has one cell per column", self.table);
        self.cells.extend(row);
    }

    /// SQLite's statements, each with the cells it binds: rows of anonymous parameters (`?`),
    /// since SQLite looks each numbered name up in a list, which for thousands of values costs
    /// more than the insert.
    fn statements(&self) -> impl Iterator<Item = (String, &[Cell<'a>])> {
        let width = self.columns.len();
        let rows_per_statement = (MAX_BINDS / width).max(1);
        self.cells.chunks(rows_per_statement * width).map(move |chunk| {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
            let row = format!("({})", vec!["?"; width].join(", "));
            sql.push_str(&vec![row; chunk.len() / width].join(", "));
            self.push_on_conflict(&mut sql);
            (sql, chunk)
        })
    }

    /// PostgreSQL's one statement, whatever the number of rows: each column bound as one array
    /// and the rows made by `UNNEST`. Its text is the same for every group, so the connection
    /// prepares it once and PostgreSQL plans it once, where a `VALUES` list of each group's
    /// length was a new statement to parse, describe and plan for nearly every group
    /// (BENCHMARKS.md, "PostgreSQL: a group's rows from arrays"). `None` without rows.
    fn unnest(&self) -> Result<Option<(String, Vec<Column<'a>>)>, sqlx::Error> {
        let width = self.columns.len();
        if self.cells.is_empty() {
            return Ok(None);
        }
        let mut columns: Vec<Column<'a>> = self.cells[..width].iter().map(Column::of).collect();
        for row in self.cells.chunks(width) {
            for ((cell, column), name) in row.iter().zip(&mut columns).zip(self.columns) {
                column.push(*cell).map_err(|cell| {
                    sqlx::Error::Encode(format!("{}.{name} mixes kinds of value: {cell:?}", self.table).into())
                })?;
            }
        }
        let arrays: Vec<String> =
            columns.iter().enumerate().map(|(i, column)| format!("${}::{}", i + 1, column.pg_array())).collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
            self.table,
            self.columns.join(", "),
            arrays.join(", ")
        );
        self.push_on_conflict(&mut sql);
        Ok(Some((sql, columns)))
    }

    fn push_on_conflict(&self, sql: &mut String) {
        if let Some(action) = self.on_conflict {
            sql.push_str(" ON CONFLICT ");
            sql.push_str(action);
        }
    }
}

/// One column of [`Rows`] as the array PostgreSQL's `UNNEST` reads.
#[derive(Debug)]
enum Column<'a> {
    Text(Vec<Option<&'a str>>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    At(Vec<DateTime<Utc>>),
    /// Bound as text and read as `json` ([`Cell::Document`]).
    Document(Vec<&'a str>),
}

impl<'a> Column<'a> {
    /// An empty column of `cell`'s kind.
    fn of(cell: &Cell<'a>) -> Self {
        match cell {
            Cell::Text(_) | Cell::MaybeText(_) => Self::Text(Vec::new()),
            Cell::Int(_) => Self::Int(Vec::new()),
            Cell::Bool(_) => Self::Bool(Vec::new()),
            Cell::At(_) => Self::At(Vec::new()),
            Cell::Document(_) => Self::Document(Vec::new()),
        }
    }

    /// Adds `cell`, or gives it back when it is of another kind than the column's.
    fn push(&mut self, cell: Cell<'a>) -> Result<(), Cell<'a>> {
        match (self, cell) {
            (Self::Text(v), Cell::Text(s)) => v.push(Some(s)),
            (Self::Text(v), Cell::MaybeText(s)) => v.push(s),
            (Self::Int(v), Cell::Int(n)) => v.push(n),
            (Self::Bool(v), Cell::Bool(b)) => v.push(b),
            (Self::At(v), Cell::At(t)) => v.push(t.into()),
            (Self::Document(v), Cell::Document(d)) => v.push(d.get()),
            (_, other) => return Err(other),
        }
        Ok(())
    }

    /// The array's type in PostgreSQL.
    fn pg_array(&self) -> &'static str {
        match self {
            Self::Text(_) => "text[]",
            Self::Int(_) => "int8[]",
            Self::Bool(_) => "bool[]",
            Self::At(_) => "timestamptz[]",
            Self::Document(_) => "json[]",
        }
    }
}

/// Statements written together, in order: on SQLite as one text of several statements, whose
/// anonymous parameters SQLite's driver binds in order across them, in one hand-off to the
/// connection's thread (each hand-off is a wake-up of that thread and then of the writer's
/// task); on PostgreSQL one after another. Alone it did not raise the peak, since the writer's
/// own work lay between its statements (BENCHMARKS.md, "a group's time by phase").
#[derive(Default)]
pub struct Batch<'a> {
    parts: Vec<Part<'a>>,
}

enum Part<'a> {
    Rows(Rows<'a>),
    /// One statement, spelled for each engine: PostgreSQL's numbered parameters, and the same
    /// statement with `?` for SQLite.
    Statement {
        numbered: &'static str,
        anonymous: &'static str,
        cells: Vec<Cell<'a>>,
    },
}

impl<'a> Batch<'a> {
    /// Adds the inserts of `rows`.
    pub fn rows(&mut self, rows: Rows<'a>) {
        self.parts.push(Part::Rows(rows));
    }

    /// Adds one statement, `numbered` for PostgreSQL (`$1`, `$2`, … in order) and `anonymous`
    /// for SQLite (`?`), binding `cells`.
    pub fn statement(&mut self, numbered: &'static str, anonymous: &'static str, cells: Vec<Cell<'a>>) {
        self.parts.push(Part::Statement { numbered, anonymous, cells });
    }

    /// SQLite's one text and every cell it binds, in order.
    fn joined(&self) -> (String, Vec<Cell<'a>>) {
        let mut sql: Vec<Cow<'_, str>> = Vec::new();
        let mut cells = Vec::new();
        for part in &self.parts {
            match part {
                Part::Rows(rows) => {
                    for (text, bound) in rows.statements() {
                        sql.push(Cow::Owned(text));
                        cells.extend_from_slice(bound);
                    }
                }
                Part::Statement { anonymous, cells: bound, .. } => {
                    sql.push(Cow::Borrowed(anonymous));
                    cells.extend_from_slice(bound);
                }
            }
        }
        (sql.join(";\n"), cells)
    }
}

impl UnitOfWork {
    /// Inserts `rows` in this transaction.
    pub(super) async fn insert_rows(&mut self, rows: &Rows<'_>) -> Result<(), sqlx::Error> {
        match self.tx() {
            Tx::Postgres(t) => insert_unnested(t, rows).await,
            Tx::Sqlite(t) => {
                for (sql, cells) in rows.statements() {
                    bind(sqlx::query(&sql), cells).execute(&mut **t).await?;
                }
                Ok(())
            }
        }
    }

    /// Writes `batch` in this transaction.
    pub(super) async fn write_batch(&mut self, batch: &Batch<'_>) -> Result<(), sqlx::Error> {
        match self.tx() {
            Tx::Postgres(t) => {
                for part in &batch.parts {
                    match part {
                        Part::Rows(rows) => insert_unnested(t, rows).await?,
                        Part::Statement { numbered, cells, .. } => {
                            bind(sqlx::query(numbered), cells).execute(&mut **t).await?;
                        }
                    }
                }
            }
            Tx::Sqlite(t) => {
                let (sql, cells) = batch.joined();
                if !sql.is_empty() {
                    bind(sqlx::query(&sql), &cells).execute(&mut **t).await?;
                }
            }
        }
        Ok(())
    }
}

/// Inserts `rows` on PostgreSQL in one statement of arrays ([`Rows::unnest`]).
async fn insert_unnested(t: &mut sqlx::Transaction<'static, Postgres>, rows: &Rows<'_>) -> Result<(), sqlx::Error> {
    let Some((sql, columns)) = rows.unnest()? else { return Ok(()) };
    let mut query = sqlx::query(&sql);
    for column in columns {
        query = match column {
            Column::Text(v) => query.bind(v),
            Column::Int(v) => query.bind(v),
            Column::Bool(v) => query.bind(v),
            Column::At(v) => query.bind(v),
            Column::Document(v) => query.bind(v),
        };
    }
    query.execute(&mut **t).await?;
    Ok(())
}

fn bind<'q, DB: Database>(
    mut query: sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>,
    cells: &'q [Cell<'_>],
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    Timestamp: Encode<'q, DB> + Type<DB>,
{
    for cell in cells {
        query = match *cell {
            Cell::Text(s) => query.bind(s),
            Cell::MaybeText(s) => query.bind(s),
            Cell::Int(n) => query.bind(n),
            Cell::Bool(b) => query.bind(b),
            Cell::At(t) => query.bind(t),
            Cell::Document(d) => query.bind(d.get()),
        };
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_rows_are_anonymous_and_split_at_the_bind_limit() {
        let mut rows = Rows::new("t", &["a", "b"]);
        rows.push([Cell::Int(1), Cell::Text("x")]);
        rows.push([Cell::Int(2), Cell::MaybeText(None)]);
        let statements: Vec<_> = rows.statements().collect();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].0, "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
        assert_eq!(statements[0].1.len(), 4);

        let mut many = Rows::new("t", &["a", "b", "c"]).on_conflict("(a) DO NOTHING");
        for n in 0..20_000 {
            many.push([Cell::Int(n), Cell::Int(n), Cell::Int(n)]);
        }
        let statements: Vec<_> = many.statements().collect();
        assert_eq!(statements.len(), 2, "60,000 values need two statements");
        assert!(statements.iter().all(|(_, cells)| cells.len() <= MAX_BINDS && cells.len() % 3 == 0));
        assert_eq!(statements.iter().map(|(_, c)| c.len()).sum::<usize>(), 60_000);
        assert!(statements[1].0.starts_with("INSERT INTO t (a, b, c) VALUES (?, ?, ?), (?"));
        assert!(statements.iter().all(|(sql, _)| sql.ends_with(") ON CONFLICT (a) DO NOTHING")));
    }

    #[test]
    fn postgresql_rows_are_one_statement_of_arrays_whatever_their_number() {
        let form = serde_json::value::RawValue::from_string("{\"a\":1}".to_owned()).expect("JSON");
        let at = Timestamp::from_unix(1_764_000_000).expect("in range");
        let text = |rows: &Rows<'_>| rows.unnest().expect("one kind a column").map(|(sql, _)| sql);
        let mut rows = Rows::new("t", &["a", "b", "c", "d", "e"]).on_conflict("(a) DO NOTHING");
        assert_eq!(text(&rows), None, "no rows, no statement");
        rows.push([Cell::Int(1), Cell::Text("x"), Cell::Bool(true), Cell::At(at), Cell::Document(&form)]);
        let one = text(&rows);
        rows.push([Cell::Int(2), Cell::MaybeText(None), Cell::Bool(false), Cell::At(at), Cell::Document(&form)]);
        let (sql, columns) = rows.unnest().expect("one kind a column").expect("rows");
        assert_eq!(
            sql,
            "INSERT INTO t (a, b, c, d, e) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::bool[], \
             $4::timestamptz[], $5::json[]) ON CONFLICT (a) DO NOTHING"
        );
        assert_eq!(one.as_deref(), Some(sql.as_str()), "the same text for one row as for two");
        let shown: Vec<String> = columns.iter().map(|c| format!("{c:?}")).collect();
        assert_eq!(shown[0], "Int([1, 2])");
        assert_eq!(shown[1], "Text([Some(\"x\"), None])", "text and text or NULL make one column");
        assert_eq!(shown[4], "Document([\"{\\\"a\\\":1}\", \"{\\\"a\\\":1}\"])");

        let mut mixed = Rows::new("t", &["a"]);
        mixed.push([Cell::Int(1)]);
        mixed.push([Cell::Text("1")]);
        let err = mixed.unnest().expect_err("a column of two kinds");
        assert!(err.to_string().contains("t.a mixes kinds of value"), "{err}");
    }

    #[test]
    fn a_batch_is_one_text_for_sqlite_with_its_cells_in_order() {
        let mut batch = Batch::default();
        let mut first = Rows::new("t", &["a"]);
        first.push([Cell::Int(1)]);
        first.push([Cell::Int(2)]);
        batch.rows(first);
        batch.rows(Rows::new("empty", &["a"]));
        batch.statement("UPDATE h SET x = $1", "UPDATE h SET x = ?", vec![Cell::Text("head")]);
        let (sql, cells) = batch.joined();
        assert_eq!(sql, "INSERT INTO t (a) VALUES (?), (?);\nUPDATE h SET x = ?", "an empty set of rows adds nothing");
        let values: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Cell::Int(n) => n.to_string(),
                Cell::Text(t) => (*t).to_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(values, ["1", "2", "head"]);
    }
}
