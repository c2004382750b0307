//! Exchange, queues, retry delay queues and dead-letter queues (SPEC §9).
//!
//! A failed message of queue `Q` is republished to `Q.retry.n` (n = 1, 2, …), whose
//! TTL is the retry policy's wait before retry n (2^n s) and whose dead-letter
//! target is `Q` again; after `MAX_RETRIES` (or at once, for an abort) it goes to
//! `Q.dead`. The retry count and the last error travel in headers.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use crate::backoff::RetryPolicy;

pub const EXCHANGE: &str = "troupe.events";
pub const ATTEMPT_HEADER: &str = "x-attempt";
pub const ERROR_HEADER: &str = "x-last-error";

pub fn retry_queue(queue: &str, attempt: u32) -> String {
    format!("{queue}.retry.{attempt}")
}

pub fn dead_queue(queue: &str) -> String {
    format!("{queue}.dead")
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

/// Declares everything (idempotently) for these queues and their bindings.
pub async fn declare(
    channel: &Channel,
    queues: &[(String, Vec<String>)],
    policy: &RetryPolicy,
) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            EXCHANGE.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    for (queue, bindings) in queues {
        channel
            .queue_declare(queue.as_str().into(), durable(), FieldTable::default())
            .await?;
        for binding in bindings {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    EXCHANGE.into(),
                    binding.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        channel
            .queue_declare(dead_queue(queue).into(), durable(), FieldTable::default())
            .await?;
        // Retry n (1-based) waits the policy's delay for retry index n - 1.
        for (attempt, delay) in (1..).map_while(|n: u32| policy.delay(n - 1).map(|d| (n, d))) {
            let ttl_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
            let mut arguments = FieldTable::default();
            arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl_ms));
            arguments.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString("".into()),
            );
            arguments.insert(
                "x-dead-letter-routing-key".into(),
                AMQPValue::LongString(queue.as_str().into()),
            );
            channel
                .queue_declare(retry_queue(queue, attempt).into(), durable(), arguments)
                .await?;
        }
    }
    Ok(())
}
