//! Integration tests over real HTTP against a real PostgreSQL: each test gets its own
//! database, data directory and port (see `harness.rs`).

mod harness;
mod operations;
