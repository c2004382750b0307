//! `AmqpPublisher`: publishes the relay's batches to `troupe.events` as persistent
//! messages on a confirm-mode channel (a replayed dead letter straight to its one
//! queue), and answers only once the broker confirmed every one. Without a
//! connection it answers `Err` at once (the relay keeps the rows); a lost
//! connection stops it, and its supervisor restarts it with backoff.

use std::time::Duration;

use actix::prelude::*;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection};

use super::ConnectionLost;
use super::topology::{self, EXCHANGE};
use crate::backoff::RetryPolicy;
use crate::events::supervision::Restarts;
use crate::messages::events::EventEnvelope;

/// How long the broker gets to confirm a batch.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

/// Events to publish, each by its type or (`Some(queue)`) to that queue only.
#[derive(Message)]
#[rtype(result = "Result<(), String>")]
pub struct PublishBatch(pub Vec<(EventEnvelope, Option<String>)>);

/// Whether the publisher has a live channel (for `/ready`).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct IsConnected;

pub struct AmqpPublisher {
    url: String,
    queues: Vec<(String, Vec<String>)>,
    policy: RetryPolicy,
    link: Option<(Connection, Channel)>,
    restarts: Restarts,
}

impl AmqpPublisher {
    pub fn new(url: String, queues: Vec<(String, Vec<String>)>, policy: RetryPolicy) -> Self {
        AmqpPublisher {
            url,
            queues,
            policy,
            link: None,
            restarts: Restarts::new("amqp_publisher"),
        }
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        let (url, queues, policy) = (self.url.clone(), self.queues.clone(), self.policy.clone());
        let work = async move {
            let connection = super::connect(&url, "troupe-publisher").await?;
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            topology::declare(&channel, &queues, &policy).await?;
            Ok::<_, lapin::Error>((connection, channel))
        };
        let work = super::within_connect_timeout(work);
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| match result {
            Ok((connection, channel)) => {
                tracing::info!(broker = %super::describe(&act.url), "event publisher connected to RabbitMQ");
                ctx.add_stream(super::connection_errors(connection.events_listener()));
                act.link = Some((connection, channel));
                act.restarts.connected();
            }
            Err(e) => act.restarts.stop(
                ctx,
                format!("cannot reach RabbitMQ at {}: {e}", super::describe(&act.url)),
            ),
        }));
    }

    fn live_channel(&self) -> Option<Channel> {
        self.link
            .as_ref()
            .filter(|(connection, channel)| {
                connection.status().connected() && channel.status().connected()
            })
            .map(|(_, channel)| channel.clone())
    }
}

impl Actor for AmqpPublisher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_later(self.restarts.delay(), |act, ctx| act.connect(ctx));
    }
}

impl Supervised for AmqpPublisher {
    /// Batches in flight fail now (their futures die with the old context, so the
    /// relay gets an error at once and keeps its rows); the link is closed.
    fn restarting(&mut self, _: &mut Context<Self>) {
        if let Some((connection, _)) = self.link.take() {
            super::close_in_background(connection);
        }
        self.restarts.record();
    }
}

impl StreamHandler<ConnectionLost> for AmqpPublisher {
    fn handle(&mut self, lost: ConnectionLost, ctx: &mut Context<Self>) {
        self.restarts
            .stop(ctx, format!("the RabbitMQ connection was lost: {}", lost.0));
    }

    fn finished(&mut self, _: &mut Context<Self>) {}
}

impl Handler<IsConnected> for AmqpPublisher {
    type Result = bool;

    fn handle(&mut self, _: IsConnected, _: &mut Context<Self>) -> bool {
        self.live_channel().is_some()
    }
}

impl Handler<PublishBatch> for AmqpPublisher {
    type Result = ResponseActFuture<Self, Result<(), String>>;

    fn handle(&mut self, batch: PublishBatch, ctx: &mut Context<Self>) -> Self::Result {
        let Some(channel) = self.live_channel() else {
            if self.link.is_some() {
                self.restarts.stop(ctx, "the channel is closed");
            }
            return Box::pin(fut::ready(Err("not connected to RabbitMQ".to_owned())));
        };
        let work = async move {
            let mut confirms = Vec::with_capacity(batch.0.len());
            for (envelope, queue) in &batch.0 {
                let payload = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
                // A replay goes through the default exchange, whose routing key is
                // the queue's name.
                let (exchange, key) = match queue {
                    Some(queue) => ("", queue.as_str()),
                    None => (EXCHANGE, envelope.event_type()),
                };
                let properties = BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_content_type("application/json".into())
                    .with_message_id(envelope.event_id.to_string().into())
                    .with_type(envelope.event_type().into());
                let confirm = channel
                    .basic_publish(
                        exchange.into(),
                        key.into(),
                        BasicPublishOptions::default(),
                        &payload,
                        properties,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                confirms.push(confirm);
            }
            for confirm in confirms {
                let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
                    .await
                    .map_err(|_| "the broker did not confirm in time".to_owned())?
                    .map_err(|e| e.to_string())?;
                if !confirmation.is_ack() {
                    return Err("the broker refused a message (nack)".to_owned());
                }
            }
            Ok(())
        };
        Box::pin(work.into_actor(self).map(|result, act, ctx| {
            if let Err(e) = &result {
                act.restarts.stop(ctx, format!("publishing failed: {e}"));
            }
            result
        }))
    }
}
