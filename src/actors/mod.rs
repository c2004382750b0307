//! The supervised actors that hold the business rules, and the addresses the rest
//! of the system uses to reach them.

pub mod health;
pub mod supervision;

use actix::{Addr, Supervisor};

use crate::config::Config;
use crate::db::DbPool;

use health::HealthActor;

/// The addresses of every long-lived actor, cloned into each HTTP worker.
#[derive(Clone)]
pub struct Actors {
    pub health: Addr<HealthActor>,
}

impl Actors {
    /// Starts every actor under a `Supervisor` on the current arbiter.
    pub fn start(_config: &Config, pool: DbPool) -> Self {
        let health = Supervisor::start(move |_| HealthActor::new(pool));
        Actors { health }
    }
}
