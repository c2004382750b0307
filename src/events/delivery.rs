//! The one delivery function both buses use: hand an event to its route's consumer
//! (with a timeout), then decide — done, retry after the policy's delay, or dead —
//! and count and log that decision. The bus then carries it out its own way (rows
//! in `event_deliveries`, or republishing to a retry or dead-letter queue).

use std::time::Duration;

use crate::backoff::RetryPolicy;
use crate::events::routing::Route;
use crate::messages::events::{EventEnvelope, HandleEvent, HandlerError};
use crate::metrics;

/// How long a handler may take; the memory bus's claim lease is a bit longer.
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(25);

/// What becomes of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    Done,
    /// Try again after `delay` (this was retry number `retries` of the budget, 0
    /// for the first try).
    Retry {
        delay: Duration,
        error: String,
    },
    /// No retry: the budget is spent or the handler said it cannot succeed.
    Dead {
        error: String,
    },
}

/// Delivers one event that has had `retries` retries so far. An unreadable
/// envelope is dead at once: reading it again gives the same answer.
pub async fn deliver(
    route: &Route,
    envelope: Result<EventEnvelope, String>,
    retries: u32,
    policy: &RetryPolicy,
) -> Settlement {
    let next_delay = policy.delay(retries);
    let event_type = envelope.as_ref().map_or("unknown", |e| e.event_type());
    let event_id = envelope.as_ref().map(|e| e.event_id).ok();
    let span = tracing::debug_span!(
        "event",
        queue = %route.queue,
        event_type,
        event_id = event_id.map(tracing::field::display),
        attempt = retries + 1,
    );
    let outcome = match envelope {
        Err(e) => Err(HandlerError::abort(format!("unreadable envelope: {e}"))),
        Ok(envelope) => {
            let message = HandleEvent {
                queue: route.queue.clone(),
                envelope,
                last_attempt: next_delay.is_none(),
                span,
            };
            match tokio::time::timeout(HANDLER_TIMEOUT, route.consumer.send(message)).await {
                Ok(Ok(result)) => result,
                Ok(Err(e)) => Err(HandlerError::retry(format!("consumer unreachable: {e}"))),
                Err(_) => Err(HandlerError::retry(format!(
                    "handler took longer than {HANDLER_TIMEOUT:?}"
                ))),
            }
        }
    };
    let settlement = match outcome {
        Ok(()) => Settlement::Done,
        Err(HandlerError::Abort(error)) => Settlement::Dead { error },
        Err(HandlerError::Retry(error)) => match next_delay {
            Some(delay) => Settlement::Retry { delay, error },
            None => Settlement::Dead { error },
        },
    };
    let labels = [route.queue.as_str(), event_type];
    let attempt = retries + 1;
    match &settlement {
        Settlement::Done => metrics::EVENTS_HANDLED.with_label_values(&labels).inc(),
        Settlement::Retry { delay, error } => {
            metrics::EVENTS_RETRIED.with_label_values(&labels).inc();
            tracing::warn!(queue = %route.queue, event_id = ?event_id, attempt, %error,
                "event handler failed; retrying in {} s", delay.as_secs());
        }
        Settlement::Dead { error } => {
            metrics::EVENTS_DEAD.with_label_values(&labels).inc();
            tracing::error!(queue = %route.queue, event_id = ?event_id, attempt, %error,
                "event handler failed for good; dead-lettered");
        }
    }
    settlement
}

#[cfg(test)]
mod tests {
    use actix::prelude::*;

    use super::*;
    use crate::messages::events::{DomainEvent, ProjectDeleted};

    struct Answers(Result<(), HandlerError>);

    impl Actor for Answers {
        type Context = Context<Self>;
    }

    impl Handler<HandleEvent> for Answers {
        type Result = Result<(), HandlerError>;
        fn handle(&mut self, _: HandleEvent, _: &mut Context<Self>) -> Self::Result {
            self.0.clone()
        }
    }

    fn route(answer: Result<(), HandlerError>) -> Route {
        Route {
            queue: "q".to_owned(),
            bindings: vec!["#".to_owned()],
            consumer: Answers(answer).start().recipient(),
        }
    }

    fn envelope() -> Result<EventEnvelope, String> {
        Ok(EventEnvelope::new(DomainEvent::ProjectDeleted(
            ProjectDeleted {
                project_id: uuid::Uuid::nil(),
            },
        )))
    }

    #[actix_rt::test]
    async fn retries_wait_the_policy_then_die_and_an_abort_dies_at_once() {
        let policy = RetryPolicy::event_retries(2);
        let ok = route(Ok(()));
        assert_eq!(deliver(&ok, envelope(), 0, &policy).await, Settlement::Done);
        let flaky = route(Err(HandlerError::retry("down")));
        assert_eq!(
            deliver(&flaky, envelope(), 1, &policy).await,
            Settlement::Retry {
                delay: Duration::from_secs(4),
                error: "down".to_owned()
            }
        );
        assert_eq!(
            deliver(&flaky, envelope(), 2, &policy).await,
            Settlement::Dead {
                error: "down".to_owned()
            }
        );
        let broken = route(Err(HandlerError::abort("not an image")));
        assert_eq!(
            deliver(&broken, envelope(), 0, &policy).await,
            Settlement::Dead {
                error: "not an image".to_owned()
            }
        );
        let unreadable = deliver(&ok, Err("bad json".to_owned()), 0, &policy).await;
        assert!(matches!(unreadable, Settlement::Dead { error } if error.contains("bad json")));
    }
}
