//! Failed-login limiting per client IP and per account (`LOGIN_RATE_LIMIT` a minute
//! each). Kept in the process: each API node limits on its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked keys, expired windows are swept out.
const SWEEP_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    limit: u32,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl LoginThrottle {
    /// `limit` failures a minute per key; 0 disables limiting.
    pub fn new(limit: u32) -> Self {
        LoginThrottle {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when any key has used up its failures this minute.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| windows.get(k))
            .filter(|w| now.duration_since(w.started) < WINDOW && w.failures >= self.limit)
            .map(|w| (WINDOW - now.duration_since(w.started)).as_secs().max(1))
            .max();
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, keys: &[String]) {
        if self.limit == 0 {
            return;
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        for key in keys {
            let w = windows.entry(key.clone()).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now.duration_since(w.started) >= WINDOW {
                *w = Window {
                    started: now,
                    failures: 0,
                };
            }
            w.failures = w.failures.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_failures_per_key() {
        let t = LoginThrottle::new(2);
        let keys = vec!["ip:1".to_owned(), "account:ana".to_owned()];
        assert!(t.check(&keys).is_ok());
        t.record_failure(&keys);
        t.record_failure(&keys);
        let wait = t.check(&keys).unwrap_err();
        assert!((1..=60).contains(&wait));
        // Another account from another address is not affected.
        assert!(
            t.check(&["ip:2".to_owned(), "account:bo".to_owned()])
                .is_ok()
        );
        // The same account from another address is.
        assert!(
            t.check(&["ip:2".to_owned(), "account:ana".to_owned()])
                .is_err()
        );
    }

    #[test]
    fn zero_disables_the_limit() {
        let t = LoginThrottle::new(0);
        let keys = vec!["ip:1".to_owned()];
        for _ in 0..100 {
            t.record_failure(&keys);
        }
        assert!(t.check(&keys).is_ok());
    }
}
