//! Yiwang server.
