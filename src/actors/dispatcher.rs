//! `EventDispatcher` (EVENT_BUS=memory): hands each queue's due deliveries to the
//! queue's consumer actor. A failure waits 2^n s (n = 1, 2, …) and after
//! `MAX_RETRIES` retries the event goes to `dead_events` with the last error. Each
//! delivery is its own row, so a failing event never holds up the ones behind it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::join_all;

use crate::actors::subscriptions::Subscription;
use crate::actors::supervision::RetryPolicy;
use crate::db::{DbPool, deliveries};
use crate::error::AppResult;
use crate::messages::events::HandleEvent;
use crate::metrics;

/// A claimed delivery stays invisible this long; a handler gets a bit less.
const LEASE: Duration = Duration::from_secs(30);
const HANDLER_TIMEOUT: Duration = Duration::from_secs(25);
/// Deliveries claimed (and handled concurrently) at a time per queue.
const BATCH: i64 = 32;
/// How often due retries are looked for without a wake-up.
const TICK: Duration = Duration::from_millis(500);

/// New deliveries were committed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeliveriesReady;

pub struct EventDispatcher {
    pool: DbPool,
    subscriptions: Arc<Vec<Subscription>>,
    policy: RetryPolicy,
    busy: HashSet<String>,
    again: HashSet<String>,
}

impl EventDispatcher {
    pub fn new(pool: DbPool, subscriptions: Arc<Vec<Subscription>>, max_retries: u32) -> Self {
        EventDispatcher {
            pool,
            subscriptions,
            policy: RetryPolicy::event_retries(max_retries),
            busy: HashSet::new(),
            again: HashSet::new(),
        }
    }

    fn dispatch_all(&mut self, ctx: &mut Context<Self>) {
        let subscriptions = self.subscriptions.clone();
        for sub in subscriptions.iter() {
            self.dispatch(sub.clone(), ctx);
        }
    }

    /// One drain per queue at a time; a wake-up during a drain runs it again after.
    fn dispatch(&mut self, sub: Subscription, ctx: &mut Context<Self>) {
        if !self.busy.insert(sub.queue.clone()) {
            self.again.insert(sub.queue.clone());
            return;
        }
        let work = drain_queue(self.pool.clone(), sub.clone(), self.policy.clone());
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.busy.remove(&sub.queue);
            if let Err(e) = result {
                tracing::warn!(queue = %sub.queue, error = %e, "event dispatch failed; the next tick retries");
            }
            if act.again.remove(&sub.queue) {
                act.dispatch(sub, ctx);
            }
        }));
    }
}

impl Actor for EventDispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(TICK, |act, ctx| act.dispatch_all(ctx));
    }
}

impl Supervised for EventDispatcher {}

impl Handler<DeliveriesReady> for EventDispatcher {
    type Result = ();

    fn handle(&mut self, _: DeliveriesReady, ctx: &mut Context<Self>) {
        self.dispatch_all(ctx);
    }
}

async fn drain_queue(pool: DbPool, sub: Subscription, policy: RetryPolicy) -> AppResult<()> {
    loop {
        let db = pool.get().await?;
        let claimed = deliveries::claim(&db, &sub.queue, LEASE, BATCH).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let handled = join_all(claimed.into_iter().map(|d| {
            let consumer = sub.consumer.clone();
            let queue = sub.queue.clone();
            // `attempts` counts this try: it is the last when no retry n follows.
            let retry = u32::try_from(d.attempts.max(1) - 1).unwrap_or(u32::MAX);
            let last_attempt = policy.delay(retry).is_none();
            async move {
                let outcome = match d.envelope.clone() {
                    Err(e) => Err(format!("unreadable envelope: {e}")),
                    Ok(envelope) => {
                        let event_type = envelope.event_type();
                        let message = HandleEvent {
                            queue,
                            envelope,
                            last_attempt,
                        };
                        match tokio::time::timeout(HANDLER_TIMEOUT, consumer.send(message)).await {
                            Ok(Ok(Ok(()))) => Ok(event_type),
                            Ok(Ok(Err(e))) => Err(e.0),
                            Ok(Err(e)) => Err(format!("consumer unreachable: {e}")),
                            Err(_) => Err(format!("handler took longer than {HANDLER_TIMEOUT:?}")),
                        }
                    }
                };
                (d, outcome)
            }
        }))
        .await;

        let mut done = Vec::new();
        for (d, outcome) in handled {
            let event_type = d.envelope.as_ref().map_or("unknown", |e| e.event_type());
            match outcome {
                Ok(_) => {
                    metrics::EVENTS_HANDLED
                        .with_label_values(&[sub.queue.as_str(), event_type])
                        .inc();
                    done.push(d.event_id);
                }
                Err(error) => {
                    // `attempts` counts this try: retry n waits 2^n s.
                    let retry = u32::try_from(d.attempts.max(1) - 1).unwrap_or(u32::MAX);
                    match policy.delay(retry) {
                        Some(delay) => {
                            metrics::EVENTS_RETRIED
                                .with_label_values(&[sub.queue.as_str(), event_type])
                                .inc();
                            tracing::warn!(queue = %sub.queue, event_id = %d.event_id, attempt = d.attempts, %error,
                                "event handler failed; retrying in {} s", delay.as_secs());
                            deliveries::retry_later(&db, &sub.queue, d.event_id, delay, &error)
                                .await?;
                        }
                        None => {
                            metrics::EVENTS_DEAD
                                .with_label_values(&[sub.queue.as_str(), event_type])
                                .inc();
                            tracing::error!(queue = %sub.queue, event_id = %d.event_id, attempts = d.attempts, %error,
                                "event handler failed for good; moved to dead_events");
                            deliveries::bury(&db, &sub.queue, d.event_id, &error).await?;
                        }
                    }
                }
            }
        }
        if !done.is_empty() {
            deliveries::complete(&db, &sub.queue, &done).await?;
        }
    }
}
