//! The HTTP side: extract and validate, send a message to an actor, map the reply.
//! Nothing here talks to the database, the object store or the search index.

pub mod attendance;
pub mod auth;
pub mod client_ip;
pub mod compression;
pub mod conditional;
pub mod cors;
pub mod dead_events;
pub mod extract;
pub mod json_object;
pub mod live;
pub mod media;
pub mod media_files;
pub mod openapi;
pub mod ops;
pub mod patch;
pub mod problem;
pub mod profiles;
pub mod projects;
pub mod request_context;
pub mod routes;
pub mod search;
pub mod sessions;
pub mod signed_tickets;
pub mod users;
pub mod venue_events;
pub mod web_app;
