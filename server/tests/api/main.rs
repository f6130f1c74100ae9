//! Integration tests: each starts the real server on a random port and talks HTTP to it.
//! Every test body runs twice, against a fresh SQLite file and a fresh PostgreSQL database.

#[path = "../drive/mod.rs"]
mod drive;
mod helpers;

mod applying;
mod cases;
mod catalogue;
mod deadlines;
mod identifiers;
mod identity;
mod notify;
mod one_number;
mod security;
mod storage;
mod system;
