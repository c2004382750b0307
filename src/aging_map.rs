//! A map bounded by aging in two halves, for answers kept in memory: new entries
//! go into the recent half; when it is full it becomes the older half (the
//! previous older half is dropped), and an entry found in the older half moves
//! back to the recent one. What is asked for often stays, at a map lookup's cost,
//! and a burst of new entries never empties the whole memory at once.

use std::collections::HashMap;
use std::hash::Hash;

pub struct AgingMap<K, V> {
    recent: HashMap<K, V>,
    older: HashMap<K, V>,
    half: usize,
}

impl<K, V> AgingMap<K, V> {
    /// Holds at most `capacity` entries (at least 2).
    pub fn with_capacity(capacity: usize) -> Self {
        AgingMap {
            recent: HashMap::new(),
            older: HashMap::new(),
            half: (capacity / 2).max(1),
        }
    }
}

impl<K: Eq + Hash, V> AgingMap<K, V> {
    /// The entry for `key`, moved to the recent half if it was in the older one.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        if !self.recent.contains_key(key) {
            let (key, value) = self.older.remove_entry(key)?;
            self.insert(key, value);
        }
        self.recent.get(key)
    }

    /// The entry for `key`, left where it is.
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.recent.get(key).or_else(|| self.older.get(key))
    }

    /// Keeps `value` in the recent half, aging the halves first when it is full.
    pub fn insert(&mut self, key: K, value: V) {
        if self.recent.len() >= self.half && !self.recent.contains_key(&key) {
            self.older = std::mem::take(&mut self.recent);
        }
        self.older.remove(&key);
        self.recent.insert(key, value);
    }

    pub fn clear(&mut self) {
        self.recent.clear();
        self.older.clear();
    }

    pub fn len(&self) -> usize {
        self.recent.len() + self.older.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::AgingMap;

    #[test]
    fn memory_is_bounded() {
        let mut map = AgingMap::with_capacity(1024);
        for i in 0..3 * 1024 {
            map.insert(i, i);
            assert!(map.len() <= 1024);
        }
        assert_eq!(map.peek(&(3 * 1024 - 1)), Some(&(3 * 1024 - 1)));
    }

    #[test]
    fn an_entry_asked_for_often_outlives_a_stream_of_new_ones() {
        let mut map = AgingMap::with_capacity(100);
        map.insert(0, 0);
        for i in 1..1_000 {
            map.insert(i, i);
            assert_eq!(map.get(&0), Some(&0), "after {i} new entries");
        }
        assert_eq!(map.get(&1), None, "an entry never asked for again ages out");
        assert_eq!(map.get(&999), Some(&999));
    }

    #[test]
    fn a_replaced_entry_answers_its_new_value_from_either_half() {
        let mut map = AgingMap::with_capacity(4);
        map.insert("a", 1);
        map.insert("b", 2);
        map.insert("c", 3); // "a" and "b" are the older half now
        map.insert("a", 9);
        assert_eq!(map.peek(&"a"), Some(&9));
        assert_eq!(map.get(&"a"), Some(&9));
        map.clear();
        assert!(map.is_empty());
    }
}
