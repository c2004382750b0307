//! The typed vocabulary between the HTTP side, the actors and the wire: one file per
//! domain. Depends on nothing but serde (serde_json for answers encoded once), uuid
//! and time types (and the error type the replies carry).

pub mod attendance;
pub mod auth;
pub mod dead_events;
pub mod events;
pub mod json_body;
pub mod media;
pub mod ops;
pub mod page;
pub mod profiles;
pub mod projects;
pub mod search;
pub mod sessions;
pub mod users;
pub mod venue_events;
