//! 页面 — one module per route.

pub mod account;
pub mod agents;
pub mod catalogue;
pub mod guide;
pub mod home;
pub mod login;
pub mod not_found;
pub mod register;
