//! 组件 — the building blocks pages are made of.

pub mod authenticator;
pub mod deadline;
pub mod form;
pub mod item_card;
pub mod layout;
pub mod status;
pub mod upload;
