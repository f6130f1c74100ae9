//! Yiwang's domain core (领域核心): every rule that the server and the app must agree on,
//! written once. It does no I/O and reads no clock: callers pass `today` in.
//!
//! It builds natively for the server and for `wasm32-unknown-unknown` for the app.

pub mod account;
pub mod api;
pub mod application;
pub mod audit;
pub mod catalogue;
pub mod identity;
pub mod license;
pub mod problem;
pub mod text;

pub use identity::{ResidentId, ResidentIdError, Sex, Uscc, UsccError};
pub use problem::{FieldError, Problem, ProblemCode};
pub use text::Bilingual;
