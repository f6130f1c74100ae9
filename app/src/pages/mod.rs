//! 页面 — one module per route.

pub mod account;
pub mod agents;
pub mod applications;
pub mod apply;
pub mod case;
pub mod catalogue;
#[cfg(feature = "guides")]
pub mod full_app;
pub mod guide;
pub mod home;
pub mod licenses;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod progress;
pub mod proxies;
pub mod receipt;
pub mod register;
pub mod staff;
