//! Answers of the embedded index, remembered per index generation. A tantivy
//! searcher of one generation sees exactly one set of segments and deletes, so
//! the same request answered twice by it gives the same answer: remembering it is
//! exact, not an approximation. Every commit (and every read-only reload) starts a
//! new generation, and the first request of a new generation drops the old
//! answers — freshness is the index's own. Bounded by aging in two halves: new
//! answers go into the recent half; when it is full it becomes the older half (the
//! previous older half is dropped), and an answer found in the older half moves
//! back to the recent one — what is asked for often stays, at a map lookup's cost.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

pub struct AnswerCache<K, V> {
    inner: Mutex<Generation<K, V>>,
    capacity: usize,
}

struct Generation<K, V> {
    id: u64,
    recent: HashMap<K, V>,
    older: HashMap<K, V>,
}

impl<K: Eq + Hash, V> Generation<K, V> {
    fn clear(&mut self) {
        self.recent.clear();
        self.older.clear();
    }

    /// Keeps `answer` in the recent half, aging the halves first when it is full.
    fn keep(&mut self, key: K, answer: V, half: usize) {
        if self.recent.len() >= half {
            self.older = std::mem::take(&mut self.recent);
        }
        self.recent.insert(key, answer);
    }
}

impl<K: Eq + Hash, V: Clone> AnswerCache<K, V> {
    pub fn with_capacity(capacity: usize) -> Self {
        AnswerCache {
            inner: Mutex::new(Generation {
                id: u64::MAX,
                recent: HashMap::new(),
                older: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The answer to `key` in index generation `generation`, if one was kept.
    pub fn get(&self, generation: u64, key: &K) -> Option<V> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.id != generation {
            return None;
        }
        if let Some(answer) = inner.recent.get(key) {
            return Some(answer.clone());
        }
        let (key, answer) = inner.older.remove_entry(key)?;
        let kept = answer.clone();
        inner.keep(key, answer, self.half());
        Some(kept)
    }

    fn half(&self) -> usize {
        (self.capacity / 2).max(1)
    }

    /// Keeps `answer`, computed by a searcher of `generation`. An answer of an
    /// older generation than the one kept is not stored.
    pub fn put(&self, generation: u64, key: K, answer: V) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.id != generation {
            if inner.id != u64::MAX && generation < inner.id {
                return;
            }
            inner.id = generation;
            inner.clear();
        }
        let half = self.half();
        inner.keep(key, answer, half);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_only_as_long_as_their_generation() {
        let cache = AnswerCache::with_capacity(8);
        cache.put(3, "rust", 1);
        assert_eq!(cache.get(3, &"rust"), Some(1));
        assert_eq!(
            cache.get(4, &"rust"),
            None,
            "a new generation knows nothing"
        );
        cache.put(4, "rust", 2);
        assert_eq!(cache.get(3, &"rust"), None, "the old generation is gone");
        cache.put(3, "camera", 9); // late answer of an older searcher
        assert_eq!(cache.get(4, &"camera"), None);
        assert_eq!(cache.get(4, &"rust"), Some(2));
    }

    #[test]
    fn memory_is_bounded() {
        const CAPACITY: usize = 1024;
        let cache = AnswerCache::with_capacity(CAPACITY);
        for i in 0..(CAPACITY * 3) {
            cache.put(1, i, i);
        }
        let inner = cache.inner.lock().unwrap();
        assert!(inner.recent.len() + inner.older.len() <= CAPACITY);
    }

    #[test]
    fn an_answer_asked_for_often_outlives_a_stream_of_new_ones() {
        let cache = AnswerCache::with_capacity(100);
        cache.put(1, 0, 0);
        for i in 1..1_000 {
            cache.put(1, i, i);
            assert_eq!(cache.get(1, &0), Some(0), "after {i} new answers");
        }
        assert_eq!(
            cache.get(1, &1),
            None,
            "an answer never asked for again ages out"
        );
        assert_eq!(cache.get(1, &999), Some(999));
    }
}
