//! `HealthActor` answers readiness checks and refreshes gauges, so that the HTTP
//! side never touches the database or the broker itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, Context, Handler, ResponseFuture, Supervised};

use crate::db::{DbPool, PoolRecipe, dead_events, deliveries, outbox};
use crate::events::amqp::publisher::{AmqpPublisher, IsConnected};
use crate::messages::ops::{CheckReadiness, CheckState, Readiness, RefreshGauges};
use crate::metrics;
use crate::search::SearchIndex;
use crate::storage::ObjectStore;

/// How long one readiness probe may take before the dependency counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct HealthActor {
    pool: DbPool,
    /// The HTTP workers' own pools, for the pool gauges.
    worker_pools: PoolRecipe,
    /// The RabbitMQ publisher when this process hands events to a broker.
    publisher: Option<Addr<AmqpPublisher>>,
    search: Arc<dyn SearchIndex>,
    store: Arc<dyn ObjectStore>,
}

impl HealthActor {
    pub fn new(
        pool: DbPool,
        worker_pools: PoolRecipe,
        publisher: Option<Addr<AmqpPublisher>>,
        search: Arc<dyn SearchIndex>,
        store: Arc<dyn ObjectStore>,
    ) -> Self {
        HealthActor {
            pool,
            worker_pools,
            publisher,
            search,
            store,
        }
    }
}

impl Actor for HealthActor {
    type Context = Context<Self>;
}

impl Supervised for HealthActor {}

fn pool_gauges(pool: &str, status: deadpool_postgres::Status) {
    let gauge = |state: &str, n: usize| {
        metrics::DB_POOL_CONNECTIONS
            .with_label_values(&[pool, state])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    };
    gauge("in_use", status.size.saturating_sub(status.available));
    gauge("idle", status.available);
    gauge("max", status.max_size);
}

/// Without a broker of its own, this process's events wait safely in the outbox:
/// the bus check is the broker link where there is one.
async fn bus_connected(publisher: Option<Addr<AmqpPublisher>>) -> bool {
    match publisher {
        None => true,
        Some(p) => tokio::time::timeout(PROBE_TIMEOUT, p.send(IsConnected))
            .await
            .is_ok_and(|r| r.unwrap_or(false)),
    }
}

fn state(ok: bool) -> CheckState {
    if ok { CheckState::Ok } else { CheckState::Down }
}

impl Handler<CheckReadiness> for HealthActor {
    type Result = ResponseFuture<Readiness>;

    fn handle(&mut self, _: CheckReadiness, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        let publisher = self.publisher.clone();
        let index = self.search.clone();
        let store = self.store.clone();
        Box::pin(async move {
            let database = tokio::time::timeout(PROBE_TIMEOUT, async {
                let client = pool.get().await.ok()?;
                client.simple_query("SELECT 1").await.ok()
            })
            .await
            .is_ok_and(|r| r.is_some());
            let event_bus = bus_connected(publisher).await;
            let storage = tokio::time::timeout(PROBE_TIMEOUT, store.healthy())
                .await
                .unwrap_or(false);
            let search = tokio::time::timeout(PROBE_TIMEOUT, index.healthy())
                .await
                .unwrap_or(false);
            for (name, up) in [
                ("database", database),
                ("event_bus", event_bus),
                ("search", search),
                ("storage", storage),
            ] {
                metrics::dependency_up(name, up);
            }
            Readiness {
                checks: BTreeMap::from([
                    ("database", state(database)),
                    ("event_bus", state(event_bus)),
                    ("search", state(search)),
                    ("storage", state(storage)),
                ]),
            }
        })
    }
}

impl Handler<RefreshGauges> for HealthActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: RefreshGauges, _: &mut Context<Self>) -> Self::Result {
        pool_gauges("shared", self.pool.status());
        for (n, status) in self.worker_pools.statuses().into_iter().enumerate() {
            pool_gauges(&format!("worker-{n}"), status);
        }
        let pool = self.pool.clone();
        let publisher = self.publisher.clone();
        Box::pin(async move {
            // The cheap checks on every scrape: the broker link, and the database
            // through the counts below.
            metrics::dependency_up("event_bus", bus_connected(publisher).await);
            let counts = tokio::time::timeout(PROBE_TIMEOUT, async {
                let db = pool.get().await.ok()?;
                Some((
                    outbox::backlog(&db).await.ok()?,
                    deliveries::backlog(&db).await.ok()?,
                    dead_events::depth_by_queue(&db).await.ok()?,
                ))
            })
            .await;
            metrics::dependency_up("database", matches!(counts, Ok(Some(_))));
            if let Ok(Some((waiting, undelivered, dead))) = counts {
                metrics::DEAD_LETTERS.reset();
                for (queue, n) in dead {
                    metrics::DEAD_LETTERS
                        .with_label_values(&[queue.as_str()])
                        .set(n);
                }
                metrics::EVENT_BACKLOG
                    .with_label_values(&["outbox"])
                    .set(waiting);
                metrics::EVENT_BACKLOG
                    .with_label_values(&["deliveries"])
                    .set(undelivered);
            }
        })
    }
}

crate::traced!(HealthActor: CheckReadiness, RefreshGauges);
