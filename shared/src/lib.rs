//! Yiwang's domain core (领域核心): every rule that the server and the app must agree on,
//! written once. It does no I/O and reads no clock: callers pass `today` in.
//!
//! It builds natively for the server and for `wasm32-unknown-unknown` for the app.

/// Gives enums that derive strum's `IntoStaticStr` and `EnumString` (snake_case) their one
/// stored and wire name: `as_str()`, and `TryFrom<String>` that fails on a name no version
/// wrote, so that a store decodes them loudly.
macro_rules! stored_name {
    ($($t:ty),* $(,)?) => {$(
        impl $t {
            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl TryFrom<String> for $t {
            type Error = strum::ParseError;
            fn try_from(name: String) -> Result<Self, Self::Error> {
                name.parse()
            }
        }
    )*};
}

pub mod account;
pub mod api;
pub mod application;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod consent;
pub mod identity;
pub mod ids;
pub mod known;
pub mod license;
pub mod memory;
pub mod notify;
pub mod problem;
pub mod proxy;
pub mod search;
pub mod supervision;
pub mod text;
pub mod workflow;

pub use identity::{ResidentId, ResidentIdError, Sex, Uscc, UsccError};
pub use problem::{FieldCode, FieldError, Problem, ProblemBrief, ProblemCode};
pub use text::Bilingual;
