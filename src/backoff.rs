//! The one backoff policy, below every layer that waits: restarting actors and
//! reconnecting to PostgreSQL (1 s, 2 s, 4 s … capped at 60 s, with jitter), event
//! retries on the memory bus (2^n s up to `MAX_RETRIES`) and the TTLs of RabbitMQ's
//! retry queues all ask it how long to wait.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff: `base · 2^attempt`, capped, with optional ±20 % jitter.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    base: Duration,
    cap: Duration,
    /// How many retries are allowed before giving up (`None`: never give up).
    max_retries: Option<u32>,
    jitter: bool,
}

impl RetryPolicy {
    /// For reconnecting to a dependency: 1 s, 2 s, 4 s … 60 s, forever, with jitter.
    pub fn reconnect() -> Self {
        RetryPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            max_retries: None,
            jitter: true,
        }
    }

    /// Like `reconnect`, but never waiting longer than `cap`.
    pub fn reconnect_within(cap: Duration) -> Self {
        RetryPolicy {
            cap,
            ..Self::reconnect()
        }
    }

    /// For failed event handlers (SPEC §9): retry `n` waits 2^n s, at most `max_retries`.
    pub fn event_retries(max_retries: u32) -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(3600),
            max_retries: Some(max_retries),
            jitter: false,
        }
    }

    /// How many retries are allowed (`None`: never give up).
    pub fn max_retries(&self) -> Option<u32> {
        self.max_retries
    }

    /// The wait before retry number `attempt` (0-based), or `None` when the budget is
    /// spent.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if self.max_retries.is_some_and(|max| attempt >= max) {
            return None;
        }
        let factor = 2u32.saturating_pow(attempt.min(31));
        let raw = self.base.saturating_mul(factor).min(self.cap);
        if !self.jitter {
            return Some(raw);
        }
        let spread = rand::rng().random_range(0.8..=1.2);
        Some(raw.mul_f64(spread).min(self.cap))
    }
}

/// A running backoff for one reconnecting actor: `next()` grows, `reset()` after a
/// success starts again from the base delay.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    attempt: u32,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Self {
        Backoff { policy, attempt: 0 }
    }

    /// The next wait; the reconnect policy never runs out, so this falls back to the
    /// cap only for a policy with a budget that has been spent.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.policy.delay(self.attempt).unwrap_or(self.policy.cap);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_what_the_policy_was_built_with() {
        assert_eq!(RetryPolicy::event_retries(5).max_retries(), Some(5));
        assert_eq!(RetryPolicy::reconnect().max_retries(), None);
    }

    #[test]
    fn event_retries_double_from_two_seconds_and_stop_at_the_budget() {
        let p = RetryPolicy::event_retries(3);
        assert_eq!(p.delay(0), Some(Duration::from_secs(2)));
        assert_eq!(p.delay(1), Some(Duration::from_secs(4)));
        assert_eq!(p.delay(2), Some(Duration::from_secs(8)));
        assert_eq!(p.delay(3), None);
    }

    #[test]
    fn reconnect_backoff_grows_with_jitter_and_is_capped_at_a_minute() {
        let mut b = Backoff::new(RetryPolicy::reconnect());
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
        let second = b.next_delay();
        assert!(second >= Duration::from_millis(1600) && second <= Duration::from_millis(2400));
        for _ in 0..40 {
            assert!(b.next_delay() <= Duration::from_secs(60));
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(1200));
    }
}
