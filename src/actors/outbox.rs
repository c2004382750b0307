//! `OutboxRelay`: hands committed events on to the bus, oldest first, and deletes an
//! outbox row only in the same transaction that recorded its delivery (memory bus)
//! or after the broker confirmed it (RabbitMQ). Woken by `LISTEN troupe_outbox`,
//! with a slow poll as a safety net; a failure leaves the rows and retries with
//! backoff, so an outage of the bus loses nothing.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::stream::{self, StreamExt};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::actors::bridge::publisher::{AmqpPublisher, PublishBatch};
use crate::actors::dispatcher::{DeliveriesReady, EventDispatcher};
use crate::actors::subscriptions::Subscription;
use crate::actors::supervision::{Backoff, RetryPolicy};
use crate::db::{DbPool, deliveries, outbox};
use crate::error::{AppError, AppResult};
use crate::messages::events::EventEnvelope;
use crate::metrics;

/// Rows claimed per transaction.
const BATCH: i64 = 256;
/// How often the outbox is read even without a notification.
const SAFETY_POLL: Duration = Duration::from_secs(5);

/// Where the relay hands events.
#[derive(Clone)]
pub enum BusHandle {
    Memory {
        subscriptions: Arc<Vec<Subscription>>,
        dispatcher: Addr<EventDispatcher>,
    },
    Amqp(Addr<AmqpPublisher>),
}

/// Ask the relay to read the outbox now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DrainOutbox;

pub struct OutboxRelay {
    pool: DbPool,
    listen_config: tokio_postgres::Config,
    bus: BusHandle,
    draining: bool,
    drain_again: bool,
    drain_backoff: Backoff,
    listen_backoff: Backoff,
    /// Kept alive so that the LISTEN session stays open.
    listener: Option<tokio_postgres::Client>,
}

impl OutboxRelay {
    pub fn new(pool: DbPool, listen_config: tokio_postgres::Config, bus: BusHandle) -> Self {
        OutboxRelay {
            pool,
            listen_config,
            bus,
            draining: false,
            drain_again: false,
            drain_backoff: Backoff::new(RetryPolicy::reconnect()),
            listen_backoff: Backoff::new(RetryPolicy::reconnect()),
            listener: None,
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.draining {
            self.drain_again = true;
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
                    ctx.run_later(wait, |act, ctx| act.drain(ctx));
                }
            }
        }));
    }

    /// Opens the LISTEN session; its notifications arrive as a stream.
    fn listen(&mut self, ctx: &mut Context<Self>) {
        let config = self.listen_config.clone();
        let connect = async move { config.connect(NoTls).await };
        ctx.spawn(
            connect
                .into_actor(self)
                .map(|result, act, ctx| match result {
                    Ok((client, mut connection)) => {
                        let notifications = stream::poll_fn(move |cx| connection.poll_message(cx))
                            .filter_map(|m| async move {
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
                                act.listen_backoff.reset();
                                // Anything committed while we were not listening.
                                act.drain(ctx);
                            }
                            Err(e) => act.listen_later(ctx, &e.to_string()),
                        }));
                    }
                    Err(e) => act.listen_later(ctx, &e.to_string()),
                }),
        );
    }

    fn listen_later(&mut self, ctx: &mut Context<Self>, reason: &str) {
        self.listener = None;
        let wait = self.listen_backoff.next_delay();
        tracing::warn!(
            "outbox relay: LISTEN session lost ({reason}); reconnecting in {:.1} s",
            wait.as_secs_f32()
        );
        ctx.run_later(wait, |act, ctx| act.listen(ctx));
    }
}

impl Actor for OutboxRelay {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.listen(ctx);
        ctx.run_interval(SAFETY_POLL, |act, ctx| act.drain(ctx));
    }
}

impl Supervised for OutboxRelay {}

impl StreamHandler<()> for OutboxRelay {
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        self.drain(ctx);
    }

    /// The LISTEN connection ended: reconnect (the safety poll covers the gap).
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.listen_later(ctx, "connection closed");
    }
}

impl Handler<DrainOutbox> for OutboxRelay {
    type Result = ();

    fn handle(&mut self, _: DrainOutbox, ctx: &mut Context<Self>) {
        self.drain(ctx);
    }
}

/// Hands on batches until the outbox is empty; returns how many events moved.
async fn drain_outbox(pool: DbPool, bus: BusHandle) -> AppResult<usize> {
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
                    batch.push((row.seq, row.envelope));
                }
                Err(seq) => {
                    // Written by this code, so unreadable only after a bad manual edit:
                    // dropping it is better than blocking every event behind it.
                    tracing::error!(seq, "outbox row with an unreadable envelope dropped");
                    seqs.push(seq);
                }
            }
        }
        hand_on(&bus, &tx, &batch).await?;
        outbox::delete(&tx, &seqs).await?;
        tx.commit().await?;
        for (_, envelope) in &batch {
            metrics::EVENTS_PUBLISHED
                .with_label_values(&[envelope.event_type()])
                .inc();
        }
        if let BusHandle::Memory { dispatcher, .. } = &bus {
            // A wake-up signal only: if the mailbox is full a wake-up is pending anyway.
            let _ = dispatcher.try_send(DeliveriesReady);
        }
        moved += batch.len();
    }
}

async fn hand_on(
    bus: &BusHandle,
    tx: &deadpool_postgres::Transaction<'_>,
    batch: &[(i64, EventEnvelope)],
) -> AppResult<()> {
    match bus {
        BusHandle::Memory { subscriptions, .. } => {
            for (seq, envelope) in batch {
                for sub in subscriptions
                    .iter()
                    .filter(|s| s.wants(envelope.event_type()))
                {
                    deliveries::enqueue(tx, &sub.queue, *seq, envelope).await?;
                }
            }
            Ok(())
        }
        BusHandle::Amqp(publisher) => {
            let envelopes = batch.iter().map(|(_, e)| e.clone()).collect();
            publisher
                .send(PublishBatch(envelopes))
                .await?
                .map_err(|e| AppError::Unavailable {
                    code: "event_bus_unavailable",
                    detail: e,
                    retry_after_secs: 2,
                })
        }
    }
}
