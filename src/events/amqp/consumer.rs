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
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};

use super::ConnectionLost;
use super::topology::{self, ATTEMPT_HEADER, ERROR_HEADER};
use crate::backoff::RetryPolicy;
use crate::db::{DbPool, dead_events};
use crate::events::delivery::{self, Settlement};
use crate::events::routing::Route;
use crate::events::supervision::Restarts;
use crate::messages::events::EventEnvelope;

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

async fn settle(channel: Channel, route: Route, policy: RetryPolicy, delivery: Delivery) {
    let retries = attempt_of(&delivery);
    let parsed = serde_json::from_slice::<EventEnvelope>(&delivery.data)
        .map_err(|e| format!("unreadable event: {e}"));
    let (target, next, error) = match delivery::deliver(&route, parsed, retries, &policy).await {
        Settlement::Done => {
            return finish(&route.queue, delivery.ack(BasicAckOptions::default()).await);
        }
        Settlement::Retry { error, .. } => (
            topology::retry_queue(&route.queue, retries + 1),
            retries + 1,
            error,
        ),
        Settlement::Dead { error } => (topology::dead_queue(&route.queue), retries + 1, error),
    };
    let settled = match republish(&channel, &delivery, &target, next, &error).await {
        Ok(()) => delivery.ack(BasicAckOptions::default()).await,
        Err(e) => {
            tracing::warn!(queue = %route.queue, error = %e, "cannot park a failed event; requeueing it");
            let requeue = BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            };
            delivery.nack(requeue).await
        }
    };
    finish(&route.queue, settled);
}

/// Records a dead letter of `queue`, then acks it; a failure nacks it back.
async fn record_dead_letter(pool: DbPool, queue: String, delivery: Delivery) {
    let headers = delivery.properties.headers().clone().unwrap_or_default();
    let error = match headers.inner().get(ERROR_HEADER) {
        Some(AMQPValue::LongString(s)) => s.to_string(),
        _ => "unknown (no x-last-error header)".to_owned(),
    };
    let letter = dead_events::Letter {
        queue: queue.clone(),
        payload: delivery.data.clone(),
        attempts: i32::try_from(attempt_of(&delivery)).unwrap_or(i32::MAX),
        last_error: error,
        headers: headers_json(&headers),
    };
    let recorded = async {
        let db = pool.get().await.map_err(|e| e.to_string())?;
        dead_events::record(&db, &letter)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    let settled = match recorded {
        Ok(()) => delivery.ack(BasicAckOptions::default()).await,
        Err(e) => {
            tracing::warn!(%queue, error = %e, "cannot record a dead letter; it stays in the queue");
            let requeue = BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            };
            delivery.nack(requeue).await
        }
    };
    finish(&queue, settled);
}

fn finish<T>(queue: &str, settled: Result<T, lapin::Error>) {
    if let Err(e) = settled {
        // The broker redelivers an unsettled message when the channel comes back.
        tracing::warn!(%queue, error = %e, "cannot settle a delivery");
    }
}

/// The headers as JSON (strings, numbers and booleans; others by their debug text).
fn headers_json(headers: &FieldTable) -> serde_json::Value {
    let fields = headers.inner().iter().map(|(key, value)| {
        let json = match value {
            AMQPValue::LongString(s) => serde_json::Value::from(s.to_string()),
            AMQPValue::ShortString(s) => serde_json::Value::from(s.to_string()),
            AMQPValue::LongInt(n) => serde_json::Value::from(*n),
            AMQPValue::LongLongInt(n) => serde_json::Value::from(*n),
            AMQPValue::Boolean(b) => serde_json::Value::from(*b),
            other => serde_json::Value::from(format!("{other:?}")),
        };
        (key.to_string(), json)
    });
    serde_json::Value::Object(fields.collect())
}

/// The retries this message has had (header `x-attempt`, 0 when absent).
fn attempt_of(delivery: &Delivery) -> u32 {
    let Some(headers) = delivery.properties.headers() else {
        return 0;
    };
    match headers.inner().get(ATTEMPT_HEADER) {
        Some(AMQPValue::LongInt(n)) => u32::try_from(*n).unwrap_or(0),
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

async fn republish(
    channel: &Channel,
    delivery: &Delivery,
    queue: &str,
    attempt: u32,
    error: &str,
) -> Result<(), String> {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert(
        ATTEMPT_HEADER.into(),
        AMQPValue::LongInt(i32::try_from(attempt).unwrap_or(i32::MAX)),
    );
    let error: String = error.chars().take(1000).collect();
    headers.insert(ERROR_HEADER.into(), AMQPValue::LongString(error.into()));
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_headers(headers);
    let confirm = channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            &delivery.data,
            properties,
        )
        .await
        .map_err(|e| e.to_string())?;
    let confirmation = confirm.await.map_err(|e| e.to_string())?;
    if confirmation.is_ack() {
        Ok(())
    } else {
        Err("the broker refused the message".to_owned())
    }
}
