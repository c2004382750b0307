//! List pages (projects, users) kept per process, each with the list's content
//! version it was read at (migration V9: it moves with every insert, delete, or
//! change of what a page shows). A request reads the list's current version — one small statement
//! over at most 8 tally rows, about the cost of a key lookup — and answers a kept
//! page only when the versions are equal, i.e. when the list is exactly as it was;
//! otherwise it reads the page and keeps that. So a kept page is never stale, on any
//! node, and a client sees its own write at once. When no page is kept for a key
//! (`holds`), the version is not asked: the page's own statement reads it.

use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::aging_map::AgingMap;

/// Pages kept per list kind, aged in two halves (`AgingMap`, which never empties
/// itself at once): a page of 20 projects is about 10 KB, so about 20 MB.
const CAPACITY: usize = 2048;

/// A kept page with the content version it was read at.
type Kept<P> = (i64, Arc<P>);

/// Pages `P` (a `Page`, or one encoded already) by `K`: where a page starts and its
/// size (and whose list).
pub struct PageMemory<K, P>(Arc<Mutex<AgingMap<K, Kept<P>>>>);

impl<K, P> Clone for PageMemory<K, P> {
    fn clone(&self) -> Self {
        PageMemory(self.0.clone())
    }
}

impl<K, P> Default for PageMemory<K, P> {
    fn default() -> Self {
        PageMemory(Arc::new(Mutex::new(AgingMap::with_capacity(CAPACITY))))
    }
}

impl<K: Eq + Hash, P> PageMemory<K, P> {
    /// Whether a page is kept for `key`, at any version: if not, asking the list's
    /// version first would only add a statement to the read of the page.
    pub fn holds(&self, key: &K) -> bool {
        let pages = self.0.lock().unwrap_or_else(|p| p.into_inner());
        pages.peek(key).is_some()
    }

    /// The kept page, if it was read at content version `content`.
    pub fn get(&self, key: &K, content: i64) -> Option<Arc<P>> {
        let mut pages = self.0.lock().unwrap_or_else(|p| p.into_inner());
        pages
            .get(key)
            .filter(|(kept, _)| *kept == content)
            .map(|(_, page)| page.clone())
    }

    /// Keeps `page`, read at content version `content`, unless a page read at a
    /// later version is kept already.
    pub fn put(&self, key: K, content: i64, page: Arc<P>) {
        let mut pages = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if pages.peek(&key).is_some_and(|(kept, _)| *kept > content) {
            return;
        }
        pages.insert(key, (content, page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::page::{Page, Position};

    fn page(total: u64) -> Arc<Page<()>> {
        Arc::new(Page {
            items: Vec::new(),
            total,
            page: Some(1),
            size: 20,
            pages: 0,
            next_cursor: Some(None),
        })
    }

    #[test]
    fn a_page_is_answered_only_at_the_version_it_was_read_at() {
        let memory = PageMemory::default();
        let key = (Position::Page(1), 20);
        assert!(!memory.holds(&key));
        memory.put(key, 7, page(1));
        assert!(memory.holds(&key));
        assert_eq!(memory.get(&key, 7).map(|p| p.total), Some(1));
        assert!(memory.get(&key, 8).is_none(), "the list changed");
        memory.put(key, 9, page(2));
        memory.put(key, 8, page(3)); // a slower reader of an older version
        assert_eq!(memory.get(&key, 9).map(|p| p.total), Some(2));
        assert!(memory.get(&(Position::Page(2), 20), 9).is_none());
    }
}
