//! Page anchors: `?page=400` costs about what `?page=1` does. For a list read at
//! depth, the process keeps the key of every `STRIDE`-th row together with the
//! list's version (from `list_tallies`); a deep page starts just after the nearest
//! anchor and skips fewer than `STRIDE` rows of the index.
//!
//! Anchors are only a hint: the page is read in one statement that also returns the
//! list's version, and a page whose version is not the anchors' version is thrown
//! away (the list changed: the anchors may have moved). The list is then read again
//! with fresh anchors, or — when its anchors were rebuilt less than a second ago,
//! i.e. it is being written to right now — with a plain `OFFSET`, which is always
//! right. So answers are exactly what `OFFSET` would give, on every node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::db::project_pages::{self, ListedPage};
use crate::messages::page::ListKey;

/// Rows between two anchors: a deep page skips fewer than this many index entries.
pub const STRIDE: i64 = 100;
/// Lists whose anchors are kept (the least recently built go first); each holds one
/// key per `STRIDE` rows.
const MAX_LISTS: usize = 1024;
/// A list whose anchors went stale sooner than this is read with `OFFSET` instead of
/// rebuilding them on every write.
const REBUILD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

struct Anchors {
    version: i64,
    keys: Vec<ListKey>,
    built: Instant,
}

impl Anchors {
    /// Where a page at `offset` starts: after which key, skipping how many rows.
    fn start(&self, offset: i64) -> (Option<ListKey>, i64) {
        let block = usize::try_from(offset / STRIDE).unwrap_or(usize::MAX);
        let k = block.min(self.keys.len());
        match k.checked_sub(1).and_then(|i| self.keys.get(i)) {
            None => (None, offset),
            Some(key) => (Some(*key), offset - STRIDE * k as i64),
        }
    }
}

/// The anchors of the lists this process was asked for at depth (`None` = every
/// project, `Some(owner)` = one owner's), shared by the HTTP workers.
#[derive(Clone, Default)]
pub struct PageAnchors(Arc<Mutex<HashMap<Option<Uuid>, Arc<Anchors>>>>);

impl PageAnchors {
    fn get(&self, list: Option<Uuid>) -> Option<Arc<Anchors>> {
        let lists = self.0.lock().unwrap_or_else(|p| p.into_inner());
        lists.get(&list).cloned()
    }

    fn put(&self, list: Option<Uuid>, anchors: Arc<Anchors>) {
        let mut lists = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lists.len() >= MAX_LISTS && !lists.contains_key(&list) {
            let oldest = lists.iter().min_by_key(|(_, a)| a.built).map(|(l, _)| *l);
            if let Some(oldest) = oldest {
                lists.remove(&oldest);
            }
        }
        lists.insert(list, anchors);
    }

    /// `limit` rows of the list from row `offset`, as `OFFSET` would give them.
    pub async fn page(
        &self,
        db: &impl deadpool_postgres::GenericClient,
        owner: Option<Uuid>,
        offset: i64,
        limit: i64,
    ) -> Result<ListedPage, tokio_postgres::Error> {
        let plain = || project_pages::page(db, owner, None, offset, limit);
        if offset < STRIDE {
            return plain().await;
        }
        let cached = self.get(owner);
        if let Some(anchors) = &cached {
            let page = read(db, owner, anchors, offset, limit).await?;
            if page.version == anchors.version {
                return Ok(page);
            }
            if anchors.built.elapsed() < REBUILD_AT_MOST_EVERY {
                return plain().await;
            }
        }
        let (version, keys) = project_pages::anchors(db, owner, STRIDE).await?;
        let anchors = Arc::new(Anchors {
            version,
            keys,
            built: Instant::now(),
        });
        self.put(owner, anchors.clone());
        let page = read(db, owner, &anchors, offset, limit).await?;
        if page.version == anchors.version {
            return Ok(page);
        }
        plain().await
    }
}

async fn read(
    db: &impl deadpool_postgres::GenericClient,
    owner: Option<Uuid>,
    anchors: &Anchors,
    offset: i64,
    limit: i64,
) -> Result<ListedPage, tokio_postgres::Error> {
    let (after, skip) = anchors.start(offset);
    project_pages::page(db, owner, after, skip, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(n: usize) -> Anchors {
        let key = |i: usize| ListKey {
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            id: Uuid::from_u128(i as u128),
        };
        Anchors {
            version: 1,
            keys: (0..n).map(key).collect(),
            built: Instant::now(),
        }
    }

    #[test]
    fn a_page_starts_after_the_anchor_just_before_it() {
        let a = anchors(3); // rows 99, 199 and 299
        assert_eq!(a.start(0), (None, 0));
        assert_eq!(a.start(99), (None, 99));
        assert_eq!(a.start(100), (Some(a.keys[0]), 0));
        assert_eq!(a.start(7_980 % 300 + 100), (Some(a.keys[1]), 80));
        // Past the last anchor: from the last one (fewer than STRIDE rows remain).
        assert_eq!(a.start(1_000), (Some(a.keys[2]), 700));
        assert_eq!(anchors(0).start(500), (None, 500));
    }
}
