//! `HealthActor` answers readiness checks and refreshes gauges, so that the HTTP
//! side never touches the database itself.

use std::collections::BTreeMap;
use std::time::Duration;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::db::DbPool;
use crate::messages::ops::{CheckReadiness, CheckState, Readiness, RefreshGauges};
use crate::metrics;

/// How long one readiness probe may take before the dependency counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct HealthActor {
    pool: DbPool,
}

impl HealthActor {
    pub fn new(pool: DbPool) -> Self {
        HealthActor { pool }
    }
}

impl Actor for HealthActor {
    type Context = Context<Self>;
}

impl Supervised for HealthActor {}

impl Handler<CheckReadiness> for HealthActor {
    type Result = ResponseFuture<Readiness>;

    fn handle(&mut self, _: CheckReadiness, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            let database = tokio::time::timeout(PROBE_TIMEOUT, async {
                let client = pool.get().await.ok()?;
                client.simple_query("SELECT 1").await.ok()
            })
            .await;
            let database = match database {
                Ok(Some(_)) => CheckState::Ok,
                _ => CheckState::Down,
            };
            Readiness {
                checks: BTreeMap::from([("database", database)]),
            }
        })
    }
}

impl Handler<RefreshGauges> for HealthActor {
    type Result = ();

    fn handle(&mut self, _: RefreshGauges, _: &mut Context<Self>) {
        let status = self.pool.status();
        let in_use = status.size.saturating_sub(status.available);
        metrics::DB_POOL_CONNECTIONS
            .with_label_values(&["in_use"])
            .set(in_use as i64);
        metrics::DB_POOL_CONNECTIONS
            .with_label_values(&["idle"])
            .set(status.available as i64);
        metrics::DB_POOL_CONNECTIONS
            .with_label_values(&["max"])
            .set(status.max_size as i64);
    }
}
