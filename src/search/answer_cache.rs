//! Answers of the embedded index, remembered per index generation. A tantivy
//! searcher of one generation sees exactly one set of segments and deletes, so
//! the same request answered twice by it gives the same answer: remembering it is
//! exact, not an approximation. Every commit (and every read-only reload) starts a
//! new generation, and the first request of a new generation drops the old
//! answers — freshness is the index's own. Bounded by `AgingMap`'s two halves.

use std::hash::Hash;
use std::sync::Mutex;

use crate::aging_map::AgingMap;

pub struct AnswerCache<K, V> {
    inner: Mutex<Generation<K, V>>,
}

struct Generation<K, V> {
    id: u64,
    answers: AgingMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> AnswerCache<K, V> {
    pub fn with_capacity(capacity: usize) -> Self {
        AnswerCache {
            inner: Mutex::new(Generation {
                id: u64::MAX,
                answers: AgingMap::with_capacity(capacity),
            }),
        }
    }

    /// The answer to `key` in index generation `generation`, if one was kept.
    pub fn get(&self, generation: u64, key: &K) -> Option<V> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.id != generation {
            return None;
        }
        inner.answers.get(key).cloned()
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
            inner.answers.clear();
        }
        inner.answers.insert(key, answer);
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
}
