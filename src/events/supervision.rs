//! What every actor that owns a connection or a session does the same way: when the
//! connection is lost it stops itself, its `Supervisor` restarts it, and `Restarts`
//! (kept in the actor, so it survives the restart) decides how long the restarted
//! actor waits before connecting again — 1 s, 2 s, 4 s … 60 s with jitter, from 1 s
//! again once a connection stayed up for `HEALTHY_PERIOD`. Each restart is counted
//! in `actor_restarts_total{actor}` and logged with its reason and delay.
//!
//! The idiom, in the actor:
//! - `started()`: `ctx.run_later(self.restarts.delay(), connect)`;
//! - on success: `self.restarts.connected()`;
//! - on loss or a failed connect: `self.restarts.stop(ctx, reason)`;
//! - `restarting()`: drop the link, fail whoever waits on it, `self.restarts.record()`.

use std::time::{Duration, Instant};

use actix::{ActorContext, AsyncContext};

use crate::backoff::{Backoff, RetryPolicy};
use crate::metrics;

/// A connection that lived this long counts as healthy: the next loss starts the
/// backoff from 1 s again.
pub const HEALTHY_PERIOD: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Restarts {
    actor: String,
    backoff: Backoff,
    connected_at: Option<Instant>,
    reason: Option<String>,
    next_delay: Duration,
}

impl Restarts {
    /// `actor` names it in logs and in the metric's label.
    pub fn new(actor: impl Into<String>) -> Self {
        Restarts {
            actor: actor.into(),
            backoff: Backoff::new(RetryPolicy::reconnect()),
            connected_at: None,
            reason: None,
            next_delay: Duration::ZERO,
        }
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// How long `started()` waits before connecting: nothing on the first start.
    pub fn delay(&self) -> Duration {
        self.next_delay
    }

    /// The connection is up.
    pub fn connected(&mut self) {
        self.connected_at = Some(Instant::now());
    }

    pub fn is_connected(&self) -> bool {
        self.connected_at.is_some()
    }

    /// The connection is lost (or could not be made): stop, so the supervisor
    /// restarts the actor. The first reason given before the restart is kept.
    pub fn stop<C: ActorContext + AsyncContext<A>, A: actix::Actor<Context = C>>(
        &mut self,
        ctx: &mut C,
        reason: impl Into<String>,
    ) {
        if self.reason.is_none() {
            self.reason = Some(reason.into());
        }
        ctx.stop();
    }

    /// Called from `restarting()`: picks the delay, counts and logs the restart.
    pub fn record(&mut self) {
        let healthy = self
            .connected_at
            .take()
            .is_some_and(|at| at.elapsed() >= HEALTHY_PERIOD);
        if healthy {
            self.backoff.reset();
        }
        self.next_delay = self.backoff.next_delay();
        let reason = self.reason.take().unwrap_or_else(|| "stopped".to_owned());
        metrics::ACTOR_RESTARTS
            .with_label_values(&[self.actor.as_str()])
            .inc();
        metrics::ACTOR_RESTART_DELAY
            .with_label_values(&[self.actor.as_str()])
            .set(self.next_delay.as_secs_f64());
        tracing::warn!(
            actor = %self.actor,
            "{reason}; restarting, reconnecting in {:.1} s",
            self.next_delay.as_secs_f32()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_delays_grow_from_a_second_and_the_first_start_waits_nothing() {
        let mut restarts = Restarts::new("test");
        assert_eq!(restarts.delay(), Duration::ZERO);
        let mut previous = Duration::ZERO;
        for _ in 0..4 {
            restarts.record();
            assert!(restarts.delay() > previous, "{:?}", restarts.delay());
            previous = restarts.delay();
        }
        assert!(previous >= Duration::from_millis(6400));
    }
}
