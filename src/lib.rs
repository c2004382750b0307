//! Troupe: accounts, profiles, portfolio projects, media, search and event check-in
//! in one actix backend. The module list only; `main.rs` is the command line.

pub mod actors;
pub mod aging_map;
pub mod app;
pub mod backoff;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
#[cfg(debug_assertions)]
pub mod fault;
pub mod http;
pub mod imaging;
pub mod jwt;
pub mod messages;
pub mod metrics;
pub mod problem_code;
pub mod search;
pub mod storage;
pub mod telemetry;
pub mod ticket_code;
pub mod ticket_csv;
