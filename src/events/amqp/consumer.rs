//! `AmqpConsumer`: one per queue. Takes deliveries with a bounded prefetch and
//! acks each only once it is settled:
//! - on a route's queue, `delivery::deliver` hands it to the route's actor; a
//!   failure is republished (confirmed) to the queue's next retry queue, or to its
//!   dead-letter queue, and only then acked — if even that fails it is nacked back;
//! - on a dead-letter queue `Q.dead`, it is recorded in `dead_events` (with its
//!   headers), where the admin API and `troupe dead` list, replay and discard it.
//!
//! The connection is the actor's: when it is lost the actor stops, its supervisor
//! restarts it with backoff, and the broker redelivers whatever was not acked.

use actix::prelude::*;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};

use super::ConnectionLost;
use super::settle::{record_dead_letter, settle};
use super::topology;
use crate::backoff::RetryPolicy;
use crate::db::DbPool;
use crate::events::routing::Route;
use crate::events::supervision::Restarts;

/// Unacknowledged deliveries the broker may push to this consumer at once.
const PREFETCH: u16 = 32;

/// What a consumer does with its queue's messages.
#[derive(Clone)]
pub enum Sink {
    /// Deliver to the route's actor (the queue is the route's).
    Route(Route),
    /// Record `queue`'s dead letters (the consumer reads `queue.dead`).
    DeadLetters { queue: String, pool: DbPool },
}

impl Sink {
    fn consumed_queue(&self) -> String {
        match self {
            Sink::Route(route) => route.queue.clone(),
            Sink::DeadLetters { queue, .. } => topology::dead_queue(queue),
        }
    }
}

pub struct AmqpConsumer {
    url: String,
    sink: Sink,
    queues: Vec<(String, Vec<String>)>,
    policy: RetryPolicy,
    link: Option<(Connection, Channel)>,
    restarts: Restarts,
}

impl AmqpConsumer {
    pub fn new(
        url: String,
        sink: Sink,
        queues: Vec<(String, Vec<String>)>,
        policy: RetryPolicy,
    ) -> Self {
        let restarts = Restarts::new(format!("amqp_consumer/{}", sink.consumed_queue()));
        AmqpConsumer {
            url,
            sink,
            queues,
            policy,
            link: None,
            restarts,
        }
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        let queue = self.sink.consumed_queue();
        let (url, queues, policy) = (self.url.clone(), self.queues.clone(), self.policy.clone());
        let work = async move {
            let connection = super::connect(&url, &format!("troupe-consumer-{queue}")).await?;
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            topology::declare(&channel, &queues, &policy).await?;
            channel
                .basic_qos(PREFETCH, BasicQosOptions::default())
                .await?;
            let consumer = channel
                .basic_consume(
                    queue.as_str().into(),
                    format!("troupe-{queue}-{}", uuid::Uuid::now_v7()).into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok::<_, lapin::Error>((connection, channel, consumer))
        };
        let work = super::within_connect_timeout(work);
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| match result {
            Ok((connection, channel, consumer)) => {
                tracing::info!(actor = %act.restarts.actor(), "event consumer attached to RabbitMQ");
                act.restarts.connected();
                ctx.add_stream(super::connection_errors(connection.events_listener()));
                act.link = Some((connection, channel));
                ctx.add_stream(consumer);
            }
            Err(e) => act.restarts.stop(
                ctx,
                format!("cannot consume from RabbitMQ at {}: {e}", super::describe(&act.url)),
            ),
        }));
    }
}

impl Actor for AmqpConsumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_later(self.restarts.delay(), |act, ctx| act.connect(ctx));
    }
}

impl Supervised for AmqpConsumer {
    /// Handlers in flight die with the old context; their deliveries were not acked,
    /// so the broker gives them to the next consumer.
    fn restarting(&mut self, _: &mut Context<Self>) {
        if let Some((connection, _)) = self.link.take() {
            super::close_in_background(connection);
        }
        self.restarts.record();
    }
}

impl StreamHandler<ConnectionLost> for AmqpConsumer {
    fn handle(&mut self, lost: ConnectionLost, ctx: &mut Context<Self>) {
        self.restarts
            .stop(ctx, format!("the RabbitMQ connection was lost: {}", lost.0));
    }

    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl StreamHandler<Result<Delivery, lapin::Error>> for AmqpConsumer {
    fn handle(&mut self, item: Result<Delivery, lapin::Error>, ctx: &mut Context<Self>) {
        let delivery = match item {
            Ok(delivery) => delivery,
            Err(e) => return self.restarts.stop(ctx, format!("the consumer failed: {e}")),
        };
        let Some((_, channel)) = &self.link else {
            return; // the broker redelivers whatever was not acked
        };
        match &self.sink {
            Sink::Route(route) => {
                let work = settle(
                    channel.clone(),
                    route.clone(),
                    self.policy.clone(),
                    delivery,
                );
                ctx.spawn(work.into_actor(self));
            }
            Sink::DeadLetters { queue, pool } => {
                let work = record_dead_letter(pool.clone(), queue.clone(), delivery);
                ctx.spawn(work.into_actor(self));
            }
        }
    }

    /// The consumer was cancelled or the connection dropped.
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.restarts.stop(ctx, "the delivery stream ended");
    }
}
