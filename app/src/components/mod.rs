//! 组件 — the building blocks pages are made of.

#[cfg(not(feature = "guides"))]
pub mod authenticator;
#[cfg(not(feature = "guides"))]
pub mod deadline;
#[cfg(not(feature = "guides"))]
pub mod form;
pub mod item_card;
pub mod layout;
pub mod status;
#[cfg(not(feature = "guides"))]
pub mod upload;
