//! The typed vocabulary between the HTTP side, the actors and the wire: one file per
//! domain. Depends on nothing but serde, uuid and time types.

pub mod ops;
