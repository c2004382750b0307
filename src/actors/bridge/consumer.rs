//! `AmqpConsumer`: one per queue. Takes deliveries with a bounded prefetch, hands
//! each to the queue's consumer actor, and acks only after the handler succeeded.
//! A failure is republished (confirmed) to the queue's next retry queue, or to its
//! dead-letter queue after `MAX_RETRIES`, and only then acked; if even that fails
//! the delivery is nacked back onto the queue. Nothing waits on a failing message.

use std::time::Duration;

use actix::prelude::*;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};

use super::topology::{self, ATTEMPT_HEADER, ERROR_HEADER};
use crate::actors::subscriptions::Subscription;
use crate::actors::supervision::{Backoff, RetryPolicy};
use crate::messages::events::{EventEnvelope, HandleEvent};
use crate::metrics;

/// Unacknowledged deliveries the broker may push to this consumer at once.
const PREFETCH: u16 = 32;
const HANDLER_TIMEOUT: Duration = Duration::from_secs(25);

pub struct AmqpConsumer {
    url: String,
    subscription: Subscription,
    queues: Vec<(String, Vec<String>)>,
    max_retries: u32,
    link: Option<(Connection, Channel)>,
    backoff: Backoff,
}

impl AmqpConsumer {
    pub fn new(
        url: String,
        subscription: Subscription,
        queues: Vec<(String, Vec<String>)>,
        max_retries: u32,
    ) -> Self {
        AmqpConsumer {
            url,
            subscription,
            queues,
            max_retries,
            link: None,
            backoff: Backoff::new(RetryPolicy::reconnect()),
        }
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        let (url, queue, queues, max_retries) = (
            self.url.clone(),
            self.subscription.queue.clone(),
            self.queues.clone(),
            self.max_retries,
        );
        let work = async move {
            let connection = super::connect(&url, &format!("troupe-consumer-{queue}")).await?;
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            topology::declare(&channel, &queues, max_retries).await?;
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
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| match result {
            Ok((connection, channel, consumer)) => {
                tracing::info!(queue = %act.subscription.queue, "event consumer attached to RabbitMQ");
                act.backoff.reset();
                act.link = Some((connection, channel));
                ctx.add_stream(consumer);
            }
            Err(e) => act.reconnect_later(ctx, &e.to_string()),
        }));
    }

    fn reconnect_later(&mut self, ctx: &mut Context<Self>, reason: &str) {
        self.link = None;
        let wait = self.backoff.next_delay();
        tracing::warn!(
            queue = %self.subscription.queue,
            "cannot consume from RabbitMQ at {}: {reason}; retrying in {:.1} s",
            super::describe(&self.url),
            wait.as_secs_f32()
        );
        ctx.run_later(wait, |act, ctx| act.connect(ctx));
    }
}

impl Actor for AmqpConsumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.connect(ctx);
    }
}

impl Supervised for AmqpConsumer {}

impl StreamHandler<Result<Delivery, lapin::Error>> for AmqpConsumer {
    fn handle(&mut self, item: Result<Delivery, lapin::Error>, ctx: &mut Context<Self>) {
        let delivery = match item {
            Ok(delivery) => delivery,
            Err(e) => {
                tracing::warn!(queue = %self.subscription.queue, error = %e, "consumer stream error");
                return;
            }
        };
        let Some((_, channel)) = &self.link else {
            return; // the broker redelivers whatever was not acked
        };
        let work = handle_delivery(
            channel.clone(),
            self.subscription.clone(),
            self.max_retries,
            delivery,
        );
        ctx.spawn(work.into_actor(self));
    }

    /// The consumer was cancelled or the connection dropped: reconnect.
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.reconnect_later(ctx, "the delivery stream ended");
    }
}

async fn handle_delivery(
    channel: Channel,
    sub: Subscription,
    max_retries: u32,
    delivery: Delivery,
) {
    let attempt = attempt_of(&delivery);
    let parsed = serde_json::from_slice::<EventEnvelope>(&delivery.data)
        .map_err(|e| format!("unreadable event: {e}"));
    let event_type = parsed.as_ref().map_or("unknown", |e| e.event_type());
    let outcome = match parsed.clone() {
        Err(e) => Err(e),
        Ok(envelope) => {
            let message = HandleEvent {
                queue: sub.queue.clone(),
                envelope,
                last_attempt: attempt >= max_retries,
            };
            match tokio::time::timeout(HANDLER_TIMEOUT, sub.consumer.send(message)).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(e.0),
                Ok(Err(e)) => Err(format!("consumer unreachable: {e}")),
                Err(_) => Err(format!("handler took longer than {HANDLER_TIMEOUT:?}")),
            }
        }
    };
    let settled = match outcome {
        Ok(()) => {
            metrics::EVENTS_HANDLED
                .with_label_values(&[sub.queue.as_str(), event_type])
                .inc();
            delivery.ack(BasicAckOptions::default()).await.map(|_| ())
        }
        Err(error) => {
            let next = attempt + 1;
            let (target, dead) = if next <= max_retries {
                (topology::retry_queue(&sub.queue, next), false)
            } else {
                (topology::dead_queue(&sub.queue), true)
            };
            let counter = if dead {
                &metrics::EVENTS_DEAD
            } else {
                &metrics::EVENTS_RETRIED
            };
            counter
                .with_label_values(&[sub.queue.as_str(), event_type])
                .inc();
            tracing::warn!(queue = %sub.queue, attempt = next, %error, %target, "event handler failed");
            match republish(&channel, &delivery, &target, next, &error).await {
                Ok(()) => delivery.ack(BasicAckOptions::default()).await.map(|_| ()),
                Err(e) => {
                    tracing::warn!(queue = %sub.queue, error = %e, "cannot park a failed event; requeueing it");
                    let requeue = BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    };
                    delivery.nack(requeue).await.map(|_| ())
                }
            }
        }
    };
    if let Err(e) = settled {
        // The broker redelivers an unsettled message when the channel comes back.
        tracing::warn!(queue = %sub.queue, error = %e, "cannot settle a delivery");
    }
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
