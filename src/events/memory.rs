//! EVENT_BUS=memory. `MemoryBus` turns each outbox row into one `event_deliveries`
//! row per route that wants it (in the relay's transaction); `EventDispatcher`
//! claims each queue's due rows and delivers them (`delivery::deliver`). A failure
//! waits 2^n s; after `MAX_RETRIES` retries (or at once, for an abort) the event
//! goes to `dead_events` with the last error. Each delivery is its own row, so a
//! failing event never holds up the ones behind it.
//!
//! Claims are bound to a live worker: the dispatcher holds an advisory lock on a
//! session of its own (the lease session) and stamps its claims with that lock's
//! key. When its process dies PostgreSQL ends the session and drops the lock, and
//! the next claim round of any worker (every `TICK`, and at once on start) makes
//! those deliveries due again. Losing the lease session stops the dispatcher; its
//! supervisor restarts it with backoff.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use deadpool_postgres::Transaction;
use futures_util::future::join_all;
use futures_util::stream;
use tokio_postgres::NoTls;

use crate::backoff::RetryPolicy;
use crate::db::outbox::OutboxRow;
use crate::db::{DbPool, deliveries};
use crate::error::AppResult;
use crate::events::bus::Bus;
use crate::events::delivery::{self, HANDLER_TIMEOUT, Settlement};
use crate::events::routing::Route;
use crate::events::supervision::Restarts;

/// A claimed delivery stays invisible this long (a hung handler's is then retried).
const LEASE: Duration = HANDLER_TIMEOUT.saturating_add(Duration::from_secs(5));
/// Deliveries claimed (and handled concurrently) at a time per queue.
const BATCH: i64 = 32;
/// How often due retries and orphaned claims are looked for without a wake-up.
const TICK: Duration = Duration::from_millis(500);

pub struct MemoryBus {
    pub routes: Arc<Vec<Route>>,
    pub dispatcher: Addr<EventDispatcher>,
}

#[async_trait::async_trait(?Send)]
impl Bus for MemoryBus {
    async fn hand_on(&self, tx: &Transaction<'_>, batch: &[OutboxRow]) -> AppResult<()> {
        for row in batch {
            let event_type = row.envelope.event_type();
            let mut delivered = false;
            for route in self.routes.iter().filter(|r| match &row.target_queue {
                Some(queue) => r.queue == *queue,
                None => r.wants(event_type),
            }) {
                deliveries::enqueue(tx, &route.queue, row.seq, &row.envelope).await?;
                delivered = true;
            }
            if let (Some(queue), false) = (&row.target_queue, delivered) {
                tracing::warn!(%queue, event_id = %row.envelope.event_id,
                    "replayed event names a queue this process does not consume; dropped");
            }
        }
        Ok(())
    }

    fn committed(&self) {
        // A wake-up signal only: if the mailbox is full a wake-up is pending anyway.
        let _ = self.dispatcher.try_send(DeliveriesReady);
    }
}

/// New deliveries were committed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeliveriesReady;

pub struct EventDispatcher {
    pool: DbPool,
    session: tokio_postgres::Config,
    routes: Arc<Vec<Route>>,
    policy: RetryPolicy,
    /// The worker key this dispatcher's lease session holds.
    key: Option<i64>,
    /// Kept so that the lease session (and its lock) stays open.
    lease: Option<tokio_postgres::Client>,
    busy: HashSet<String>,
    again: HashSet<String>,
    restarts: Restarts,
}

impl EventDispatcher {
    pub fn new(
        pool: DbPool,
        mut session: tokio_postgres::Config,
        routes: Arc<Vec<Route>>,
        max_retries: u32,
    ) -> Self {
        // The process id lets an operator (or a test) tell the workers' sessions apart.
        session.application_name(format!("troupe-lease-{}", std::process::id()));
        EventDispatcher {
            pool,
            session,
            routes,
            policy: RetryPolicy::event_retries(max_retries),
            key: None,
            lease: None,
            busy: HashSet::new(),
            again: HashSet::new(),
            restarts: Restarts::new("event_dispatcher"),
        }
    }

    /// Opens the lease session and takes a worker key on it.
    fn open_lease(&mut self, ctx: &mut Context<Self>) {
        let config = self.session.clone();
        let connect = async move { config.connect(NoTls).await };
        ctx.spawn(connect.into_actor(self).map(|result, act, ctx| {
            let (client, connection) = match result {
                Ok(pair) => pair,
                Err(e) => {
                    return act
                        .restarts
                        .stop(ctx, format!("cannot open the lease session: {e}"));
                }
            };
            ctx.add_stream(stream::once(connection));
            let take = async move {
                deliveries::hold_worker_key(&client)
                    .await
                    .map(|k| (client, k))
            };
            ctx.spawn(take.into_actor(act).map(|result, act, ctx| {
                match result {
                    Ok((client, key)) => {
                        act.lease = Some(client);
                        act.key = Some(key);
                        act.restarts.connected();
                        tracing::info!(worker_key = key, "event dispatcher holds its lease");
                        act.dispatch_all(ctx);
                    }
                    Err(e) => act
                        .restarts
                        .stop(ctx, format!("cannot take a worker key: {e}")),
                }
            }));
        }));
    }

    fn dispatch_all(&mut self, ctx: &mut Context<Self>) {
        let Some(key) = self.key else { return };
        let routes = self.routes.clone();
        for route in routes.iter() {
            self.dispatch(route.clone(), key, ctx);
        }
    }

    /// One drain per queue at a time; a wake-up during a drain runs it again after.
    fn dispatch(&mut self, route: Route, key: i64, ctx: &mut Context<Self>) {
        if !self.busy.insert(route.queue.clone()) {
            self.again.insert(route.queue.clone());
            return;
        }
        let work = drain_queue(self.pool.clone(), route.clone(), key, self.policy.clone());
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.busy.remove(&route.queue);
            if let Err(e) = result {
                tracing::warn!(queue = %route.queue, error = %e, "event dispatch failed; the next tick retries");
            }
            if act.again.remove(&route.queue) {
                act.dispatch(route, key, ctx);
            }
        }));
    }

    /// Releases the claims of workers that are gone, then drains every queue.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.key.is_none() {
            return;
        }
        let pool = self.pool.clone();
        let release = async move {
            let db = pool.get().await?;
            Ok::<_, crate::error::AppError>(deliveries::release_orphaned_claims(&db).await?)
        };
        ctx.spawn(release.into_actor(self).map(|result, act, ctx| {
            match result {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    deliveries = n,
                    "took over deliveries claimed by a worker that is gone"
                ),
                Err(e) => tracing::warn!(error = %e, "cannot look for orphaned claims"),
            }
            act.dispatch_all(ctx);
        }));
    }
}

impl Actor for EventDispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_later(self.restarts.delay(), |act, ctx| {
            act.open_lease(ctx);
            act.tick(ctx);
        });
        ctx.run_interval(TICK, |act, ctx| act.tick(ctx));
    }
}

impl Supervised for EventDispatcher {
    fn restarting(&mut self, _: &mut Context<Self>) {
        // In-flight drains were cancelled with the old context; their claims carry
        // the old key, which dies with the lease session.
        self.key = None;
        self.lease = None;
        self.busy.clear();
        self.again.clear();
        self.restarts.record();
    }
}

/// The lease session's connection ended.
impl StreamHandler<Result<(), tokio_postgres::Error>> for EventDispatcher {
    fn handle(&mut self, ended: Result<(), tokio_postgres::Error>, ctx: &mut Context<Self>) {
        let reason = match ended {
            Ok(()) => "the lease session closed".to_owned(),
            Err(e) => format!("the lease session failed: {e}"),
        };
        self.restarts.stop(ctx, reason);
    }

    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<DeliveriesReady> for EventDispatcher {
    type Result = ();

    fn handle(&mut self, _: DeliveriesReady, ctx: &mut Context<Self>) {
        self.dispatch_all(ctx);
    }
}

async fn drain_queue(pool: DbPool, route: Route, key: i64, policy: RetryPolicy) -> AppResult<()> {
    loop {
        let db = pool.get().await?;
        let claimed = deliveries::claim(&db, &route.queue, key, LEASE, BATCH).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let settled = join_all(claimed.into_iter().map(|d| {
            let route = &route;
            let policy = &policy;
            async move {
                // `attempts` counts this try: the retries so far are one fewer.
                let retries = u32::try_from(d.attempts.max(1) - 1).unwrap_or(u32::MAX);
                let settlement = delivery::deliver(route, d.envelope, retries, policy).await;
                (d.event_id, settlement)
            }
        }))
        .await;

        let mut done = Vec::new();
        for (event_id, settlement) in settled {
            match settlement {
                Settlement::Done => done.push(event_id),
                Settlement::Retry { delay, error } => {
                    deliveries::retry_later(&db, &route.queue, event_id, delay, &error).await?;
                }
                Settlement::Dead { error } => {
                    deliveries::bury(&db, &route.queue, event_id, &error).await?;
                }
            }
        }
        if !done.is_empty() {
            deliveries::complete(&db, &route.queue, &done).await?;
        }
    }
}
