//! Settling one delivery: acked once handled, or once republished (with a confirm)
//! to its next retry queue or its dead-letter queue; a dead letter is acked once
//! recorded in `dead_events`. Anything that cannot be settled is nacked back.

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel};

use super::topology::{self, ATTEMPT_HEADER, ERROR_HEADER};
use crate::backoff::RetryPolicy;
use crate::db::{DbPool, dead_events};
use crate::events::delivery::{self, Settlement};
use crate::events::routing::Route;
use crate::messages::events::EventEnvelope;

pub async fn settle(channel: Channel, route: Route, policy: RetryPolicy, delivery: Delivery) {
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
pub async fn record_dead_letter(pool: DbPool, queue: String, delivery: Delivery) {
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
