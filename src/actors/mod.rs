//! The supervised actors that hold the business rules, and the addresses the rest
//! of the system uses to reach them.

pub mod auth;
pub mod hasher;
pub mod health;
pub mod supervision;

use std::sync::Arc;
use std::time::Duration;

use actix::{Addr, Supervisor};

use crate::config::Config;
use crate::db::DbPool;
use crate::jwt::{self, JwtKeys};

use auth::throttle::LoginThrottle;
use auth::{AuthActor, AuthContext};
use hasher::HasherPool;
use health::HealthActor;

/// The process-wide actors and the state the per-worker actors share.
#[derive(Clone)]
pub struct Actors {
    pub health: Addr<HealthActor>,
    pub auth: Arc<AuthContext>,
    pub keys: Arc<JwtKeys>,
}

/// Actors started once per HTTP worker thread. They hold no state of their own
/// (only `Arc`s of the shared context), so one per worker is on purpose: requests
/// on different workers never queue behind one actor's mailbox.
#[derive(Clone)]
pub struct WorkerActors {
    pub auth: Addr<AuthActor>,
}

impl Actors {
    /// Starts the process-wide actors on the current arbiter.
    pub fn start(config: &Config, pool: DbPool) -> std::io::Result<Self> {
        let secret = jwt::load_secret(config)?;
        let keys = Arc::new(JwtKeys::new(&secret, config.access_token_ttl_secs));
        let auth = Arc::new(AuthContext {
            pool: pool.clone(),
            keys: keys.clone(),
            hasher: HasherPool::start(config.bcrypt_cost, config.hasher_threads),
            throttle: LoginThrottle::new(config.login_rate_limit),
            refresh_ttl: Duration::from_secs(config.refresh_token_ttl_secs),
        });
        let health = Supervisor::start(move |_| HealthActor::new(pool));
        Ok(Actors { health, auth, keys })
    }

    /// Starts this worker's actors, each under a `Supervisor`, on the worker's arbiter.
    pub fn start_worker_actors(&self) -> WorkerActors {
        let auth = self.auth.clone();
        WorkerActors {
            auth: Supervisor::start(move |_| AuthActor::new(auth)),
        }
    }
}
