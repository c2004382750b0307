//! Integration tests over real HTTP against a real PostgreSQL: each test gets its own
//! database, data directory and port (see `support/`).

mod attendance;
mod auth;
mod compression;
mod conditional;
mod contract;
mod cors;
mod dead_letters;
mod deploy;
mod elastic;
mod events;
mod keys;
mod list_pages;
mod live;
mod login_limits;
mod media;
mod media_rules;
mod observability;
mod opensearch;
mod operations;
mod profiles;
mod projects;
mod reliability;
mod scale_out;
mod search;
mod sessions;
mod signed_tickets;
mod stack;
mod storage;
mod storage_gc;
mod supervision;
mod support;
mod tokens;
mod traces;
mod users;
mod venue;
