//! Which new queries are computed on the asking thread instead of a blocking one.
//!
//! Handing a query to a blocking thread costs two thread switches and, on a small
//! machine, puts a third runnable thread beside the HTTP workers: on two cores that
//! hand-off, not the query, set the `/search` p99 (BENCHMARKS.md, 2026-12-07). So a
//! query whose shape bounds its cost (see `embedded_query::is_cheap_search`) is
//! computed where it was asked, while the queries of that shape stay cheap on this
//! index: every one's compute time is recorded, wherever it ran, and the slowest of
//! the recent ones — held, then decaying by an eighth per query — must stay within
//! `BUDGET`. One slow query (a cold page cache, a big index) sends the next ones to
//! blocking threads until their times bring the held figure back down.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The compute time a query run on an HTTP worker may take: the wait it adds to
/// the requests queued behind it on that worker.
pub const BUDGET: Duration = Duration::from_millis(1);

/// The slowest recent compute time of cheap-shaped queries, in microseconds.
#[derive(Debug, Default)]
pub struct InlineBudget {
    held_micros: AtomicU64,
}

impl InlineBudget {
    /// Whether the next cheap-shaped query may run on the asking thread.
    pub fn allows_inline(&self) -> bool {
        self.held_micros.load(Ordering::Relaxed) <= micros(BUDGET)
    }

    /// Records what a cheap-shaped query took to compute, wherever it ran.
    pub fn record(&self, took: Duration) {
        let sample = micros(took);
        // An update lost to a racing one only delays the decay by one query.
        let held = self.held_micros.load(Ordering::Relaxed);
        let decayed = held - held / 8;
        self.held_micros
            .store(decayed.max(sample), Ordering::Relaxed);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slow_query_stops_inline_work_until_fast_ones_bring_it_back() {
        let budget = InlineBudget::default();
        assert!(budget.allows_inline());
        for _ in 0..100 {
            budget.record(Duration::from_micros(300));
        }
        assert!(budget.allows_inline());
        budget.record(Duration::from_millis(5));
        assert!(!budget.allows_inline());
        // 5 ms × (7/8)^n ≤ 1 ms from n = 13 on.
        let mut fast = 0;
        while !budget.allows_inline() {
            budget.record(Duration::from_micros(300));
            fast += 1;
            assert!(fast < 100, "the held time never decayed");
        }
        assert_eq!(fast, 13);
        // A run of queries just over budget keeps it closed.
        for _ in 0..50 {
            budget.record(BUDGET + Duration::from_micros(1));
        }
        assert!(!budget.allows_inline());
    }
}
