//! 页面 — one module per route. The guides bundle (`--features guides`) compiles only its own
//! pages: the home page, the catalogue and the guides.

#[cfg(not(feature = "guides"))]
pub mod account;
#[cfg(not(feature = "guides"))]
pub mod agents;
#[cfg(not(feature = "guides"))]
pub mod applications;
#[cfg(not(feature = "guides"))]
pub mod apply;
#[cfg(not(feature = "guides"))]
pub mod case;
pub mod catalogue;
#[cfg(feature = "guides")]
pub mod full_app;
pub mod guide;
pub mod home;
#[cfg(not(feature = "guides"))]
pub mod licenses;
#[cfg(not(feature = "guides"))]
pub mod login;
#[cfg(not(feature = "guides"))]
pub mod not_found;
#[cfg(not(feature = "guides"))]
pub mod notifications;
#[cfg(not(feature = "guides"))]
pub mod progress;
#[cfg(not(feature = "guides"))]
pub mod proxies;
#[cfg(not(feature = "guides"))]
pub mod receipt;
#[cfg(not(feature = "guides"))]
pub mod register;
#[cfg(not(feature = "guides"))]
pub mod staff;
