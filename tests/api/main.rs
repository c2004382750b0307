//! Integration tests over real HTTP against a real PostgreSQL: each test gets its own
//! database, data directory and port (see `harness.rs`).

mod auth;
mod harness;
mod operations;
mod tokens;
mod users;
