//! The test harness — the only place that knows the API's paths and bodies. `app()`
//! starts the real application (builder for settings, subscriptions, database);
//! `TestApp` has one method per endpoint (`accounts`, `portfolio`, `media`,
//! `venue`); the rest start and stop real third-party parts (SeaweedFS, osmem,
//! nginx, the server binary) or make fixtures.

pub mod accounts;
pub mod app;
pub mod es_stub;
pub mod event_log;
pub mod media;
pub mod media_fixtures;
pub mod nginx;
pub mod osmem;
pub mod portfolio;
pub mod process;
pub mod prometheus;
pub mod recorder;
pub mod remote;
pub mod reply;
pub mod seaweedfs;
pub mod services;
pub mod tcp_proxy;
pub mod venue;

pub use accounts::TestUser;
pub use app::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, TestApp, app, spawn_app};
pub use reply::Reply;
pub use services::{free_ports, rabbitmq_vhost, wait_for};
