//! 统一身份认证 — registering, signing in and out, sessions, the staff second factor, acting for
//! an enterprise and managing its agents, and unmasking an identity number with a reason.

pub mod error;
pub mod factor;
pub mod lockout;
pub mod password;
pub mod proxies;
pub mod registration;
pub mod service;
pub mod session;
pub mod totp;

pub use error::{IdentityError, Whom};
pub use service::IdentityService;
