//! 多行写入 — many rows of one table in one `INSERT … VALUES (…), (…)`, on either engine, and
//! several such statements written together ([`Batch`]). The group-commit writer writes a whole
//! group's applications, cases, materials, steps and audit events this way: each statement is a
//! round trip to PostgreSQL and a hand-off to SQLite's connection thread, so a group of 200
//! submissions costs a few statements instead of several thousand; on SQLite a batch is one
//! hand-off however many statements it holds.

use std::borrow::Cow;

use sqlx::{Database, Encode, Type};

use super::{Timestamp, Tx, UnitOfWork};
use crate::on_tx;

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

    /// The statements, each with the cells it binds. PostgreSQL numbers its parameters
    /// (`$1`); SQLite is given anonymous ones (`?`), since it looks each numbered name up in a
    /// list, which for thousands of values costs more than the insert.
    fn statements(&self, numbered: bool) -> impl Iterator<Item = (String, &[Cell<'a>])> {
        let width = self.columns.len();
        let rows_per_statement = (MAX_BINDS / width).max(1);
        self.cells.chunks(rows_per_statement * width).map(move |chunk| {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
            for row in 0..chunk.len() / width {
                sql.push_str(if row == 0 { "(" } else { ", (" });
                for col in 0..width {
                    if col > 0 {
                        sql.push_str(", ");
                    }
                    if numbered {
                        let n = row * width + col + 1;
                        match chunk[n - 1] {
                            Cell::Document(_) => sql.push_str(&format!("${n}::json")),
                            _ => sql.push_str(&format!("${n}")),
                        }
                    } else {
                        sql.push('?');
                    }
                }
                sql.push(')');
            }
            if let Some(action) = self.on_conflict {
                sql.push_str(" ON CONFLICT ");
                sql.push_str(action);
            }
            (sql, chunk)
        })
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

    /// The statements and their cells, for one engine.
    fn statements(&self, numbered: bool) -> Vec<(Cow<'_, str>, &[Cell<'a>])> {
        let mut statements = Vec::new();
        for part in &self.parts {
            match part {
                Part::Rows(rows) => statements.extend(rows.statements(numbered).map(|(sql, c)| (Cow::Owned(sql), c))),
                Part::Statement { numbered: n, anonymous: a, cells } => {
                    statements.push((Cow::Borrowed(if numbered { *n } else { *a }), cells.as_slice()));
                }
            }
        }
        statements
    }

    /// SQLite's one text and every cell it binds, in order.
    fn joined(&self) -> (String, Vec<Cell<'a>>) {
        let statements = self.statements(false);
        let sql = statements.iter().map(|(sql, _)| sql.as_ref()).collect::<Vec<_>>().join(";\n");
        let cells = statements.iter().flat_map(|(_, cells)| cells.iter().copied()).collect();
        (sql, cells)
    }
}

impl UnitOfWork {
    /// Inserts `rows` in this transaction.
    pub(super) async fn insert_rows(&mut self, rows: &Rows<'_>) -> Result<(), sqlx::Error> {
        let numbered = matches!(self.tx(), Tx::Postgres(_));
        for (sql, cells) in rows.statements(numbered) {
            on_tx!(self.tx(), |c| bind(sqlx::query(&sql), cells).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Writes `batch` in this transaction.
    pub(super) async fn write_batch(&mut self, batch: &Batch<'_>) -> Result<(), sqlx::Error> {
        match self.tx() {
            Tx::Postgres(t) => {
                for (sql, cells) in batch.statements(true) {
                    bind(sqlx::query(sql.as_ref()), cells).execute(&mut **t).await?;
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
    fn rows_are_numbered_across_a_statement_and_split_at_the_bind_limit() {
        let mut rows = Rows::new("t", &["a", "b"]);
        rows.push([Cell::Int(1), Cell::Text("x")]);
        rows.push([Cell::Int(2), Cell::MaybeText(None)]);
        let statements: Vec<_> = rows.statements(true).collect();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].0, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        let anonymous: Vec<_> = rows.statements(false).collect();
        assert_eq!(anonymous[0].0, "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
        assert_eq!(statements[0].1.len(), 4);

        let mut many = Rows::new("t", &["a", "b", "c"]);
        for n in 0..20_000 {
            many.push([Cell::Int(n), Cell::Int(n), Cell::Int(n)]);
        }
        let statements: Vec<_> = many.statements(true).collect();
        assert_eq!(statements.len(), 2, "60,000 values need two statements");
        assert!(statements.iter().all(|(_, cells)| cells.len() <= MAX_BINDS && cells.len() % 3 == 0));
        assert_eq!(statements.iter().map(|(_, c)| c.len()).sum::<usize>(), 60_000);
        assert!(statements[1].0.starts_with("INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4"));
    }

    #[test]
    fn a_batch_is_one_text_for_sqlite_with_its_cells_in_order_and_statements_for_postgresql() {
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
        let numbered: Vec<_> = batch.statements(true).into_iter().map(|(sql, c)| (sql.into_owned(), c.len())).collect();
        assert_eq!(
            numbered,
            [("INSERT INTO t (a) VALUES ($1), ($2)".to_owned(), 2), ("UPDATE h SET x = $1".to_owned(), 1)],
            "on PostgreSQL each statement numbers its own parameters"
        );
    }

    #[test]
    fn a_document_is_bound_as_text_and_read_as_json_by_postgresql() {
        let form = serde_json::value::RawValue::from_string("{\"a\":1}".to_owned()).expect("JSON");
        let mut rows = Rows::new("t", &["a", "d"]);
        rows.push([Cell::Int(1), Cell::Document(&form)]);
        rows.push([Cell::Int(2), Cell::Document(&form)]);
        let numbered: Vec<_> = rows.statements(true).collect();
        assert_eq!(numbered[0].0, "INSERT INTO t (a, d) VALUES ($1, $2::json), ($3, $4::json)");
        let anonymous: Vec<_> = rows.statements(false).collect();
        assert_eq!(anonymous[0].0, "INSERT INTO t (a, d) VALUES (?, ?), (?, ?)");
    }
}
