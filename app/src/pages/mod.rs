//! 页面 — one module per route.

pub mod catalogue;
pub mod guide;
pub mod home;
pub mod not_found;
