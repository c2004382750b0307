//! `OutboxRelay`: hands committed events on to the bus, oldest first, and deletes an
//! outbox row only in the same transaction that recorded its delivery (memory bus)
//! or after the broker confirmed it (RabbitMQ). Woken by `LISTEN troupe_outbox`,
//! with a slow poll as a safety net; a failure leaves the rows and retries with
//! backoff, so an outage of the bus loses nothing. The LISTEN session is the
//! relay's own: when it is lost the relay stops and its supervisor restarts it
//! (see `events::supervision`).

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::stream::{self, StreamExt};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::backoff::{Backoff, RetryPolicy};
use crate::db::{DbPool, outbox};
use crate::error::AppResult;
use crate::events::bus::Bus;
use crate::events::supervision::Restarts;
use crate::metrics;

/// Rows claimed per transaction.
const BATCH: i64 = 256;
/// How often the outbox is read even without a notification.
const SAFETY_POLL: Duration = Duration::from_secs(5);

pub struct OutboxRelay {
    pool: DbPool,
    listen_config: tokio_postgres::Config,
    bus: Arc<dyn Bus>,
    draining: bool,
    drain_again: bool,
    /// A failed drain (the bus or the database is down) waits before the next, at
    /// most `SAFETY_POLL`.
    drain_backoff: Backoff,
    retry_pending: bool,
    /// Kept alive so that the LISTEN session stays open.
    listener: Option<tokio_postgres::Client>,
    /// The LISTEN session is this actor's: losing it restarts the actor.
    restarts: Restarts,
}

impl OutboxRelay {
    pub fn new(pool: DbPool, mut listen_config: tokio_postgres::Config, bus: Arc<dyn Bus>) -> Self {
        listen_config.application_name(format!("troupe-listen-{}", std::process::id()));
        OutboxRelay {
            pool,
            listen_config,
            bus,
            draining: false,
            drain_again: false,
            drain_backoff: Backoff::new(RetryPolicy::reconnect_within(SAFETY_POLL)),
            retry_pending: false,
            listener: None,
            restarts: Restarts::new("outbox_relay"),
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.draining {
            self.drain_again = true;
            return;
        }
        if self.retry_pending {
            // A failed drain waits out its backoff: wake-ups do not shorten it.
            return;
        }
        self.draining = true;
        let work = drain_outbox(self.pool.clone(), self.bus.clone());
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            act.draining = false;
            match result {
                Ok(_) => {
                    act.drain_backoff.reset();
                    if std::mem::take(&mut act.drain_again) {
                        act.drain(ctx);
                    }
                }
                Err(e) => {
                    let wait = act.drain_backoff.next_delay();
                    tracing::warn!(error = %e, "outbox relay: cannot hand events on; retrying in {:.1} s", wait.as_secs_f32());
                    act.retry_pending = true;
                    act.drain_again = false;
                    ctx.run_later(wait, |act, ctx| {
                        act.retry_pending = false;
                        act.drain(ctx);
                    });
                }
            }
        }));
    }

    /// Opens the LISTEN session; its notifications arrive as a stream.
    fn listen(&mut self, ctx: &mut Context<Self>) {
        let config = self.listen_config.clone();
        let connect = async move { config.connect(NoTls).await };
        ctx.spawn(connect.into_actor(self).map(|result, act, ctx| {
            let (client, mut connection) = match result {
                Ok(pair) => pair,
                Err(e) => {
                    return act
                        .restarts
                        .stop(ctx, format!("cannot open the LISTEN session: {e}"));
                }
            };
            let notifications =
                stream::poll_fn(move |cx| connection.poll_message(cx)).filter_map(|m| async move {
                    match m {
                        Ok(AsyncMessage::Notification(_)) => Some(()),
                        _ => None,
                    }
                });
            ctx.add_stream(notifications);
            let listen = async move {
                client
                    .batch_execute("LISTEN troupe_outbox")
                    .await
                    .map(|_| client)
            };
            ctx.spawn(listen.into_actor(act).map(|result, act, ctx| match result {
                Ok(client) => {
                    act.listener = Some(client);
                    act.restarts.connected();
                    // Anything committed while we were not listening.
                    act.drain(ctx);
                }
                Err(e) => act.restarts.stop(ctx, format!("LISTEN failed: {e}")),
            }));
        }));
    }
}

impl Actor for OutboxRelay {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_later(self.restarts.delay(), |act, ctx| act.listen(ctx));
        ctx.run_interval(SAFETY_POLL, |act, ctx| act.drain(ctx));
    }
}

impl Supervised for OutboxRelay {
    fn restarting(&mut self, _: &mut Context<Self>) {
        // A drain in flight was cancelled with the old context (its transaction
        // rolls back, its rows stay in the outbox).
        self.listener = None;
        self.draining = false;
        self.drain_again = false;
        self.retry_pending = false;
        self.restarts.record();
    }
}

impl StreamHandler<()> for OutboxRelay {
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        self.drain(ctx);
    }

    /// The LISTEN session ended: restart (the safety poll covers the gap).
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.restarts.stop(ctx, "the LISTEN session closed");
    }
}

/// Hands on batches until the outbox is empty; returns how many events moved.
async fn drain_outbox(pool: DbPool, bus: Arc<dyn Bus>) -> AppResult<usize> {
    let mut moved = 0;
    loop {
        let mut db = pool.get().await?;
        let tx = db.transaction().await?;
        let claimed = outbox::claim(&tx, BATCH).await?;
        if claimed.is_empty() {
            return Ok(moved);
        }
        let mut seqs = Vec::with_capacity(claimed.len());
        let mut batch = Vec::with_capacity(claimed.len());
        for row in claimed {
            match row {
                Ok(row) => {
                    seqs.push(row.seq);
                    batch.push(row);
                }
                Err(seq) => {
                    // Written by this code, so unreadable only after a bad manual edit:
                    // dropping it is better than blocking every event behind it.
                    tracing::error!(seq, "outbox row with an unreadable envelope dropped");
                    seqs.push(seq);
                }
            }
        }
        bus.hand_on(&tx, &batch).await?;
        outbox::delete(&tx, &seqs).await?;
        tx.commit().await?;
        for row in &batch {
            metrics::EVENTS_PUBLISHED
                .with_label_values(&[row.envelope.event_type()])
                .inc();
        }
        bus.committed();
        moved += batch.len();
    }
}
