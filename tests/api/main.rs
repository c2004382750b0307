//! Integration tests over real HTTP against a real PostgreSQL: each test gets its own
//! database, data directory and port (see `harness.rs`).

mod attendance;
mod auth;
mod contract;
mod cors;
mod dead_letters;
mod elastic;
mod es_stub;
mod event_log;
mod events;
mod harness;
mod media;
mod media_fixtures;
mod media_rules;
mod nginx;
mod opensearch;
mod operations;
mod osmem;
mod profiles;
mod projects;
mod reliability;
mod remote;
mod scale_out;
mod search;
mod seaweedfs;
mod stack;
mod storage;
mod supervision;
mod tcp_proxy;
mod tokens;
mod traces;
mod users;
