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

use std::collections::{HashMap, HashSet};
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
pub struct PageAnchors(Arc<Mutex<Lists>>);

#[derive(Default)]
struct Lists {
    anchors: HashMap<Option<Uuid>, Arc<Anchors>>,
    /// Lists whose anchors one request is building now: the others read with
    /// `OFFSET` meanwhile instead of all building them at once.
    building: HashSet<Option<Uuid>>,
}

impl PageAnchors {
    fn lists(&self) -> std::sync::MutexGuard<'_, Lists> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, list: Option<Uuid>) -> Option<Arc<Anchors>> {
        self.lists().anchors.get(&list).cloned()
    }

    /// True when the caller may build the list's anchors (nobody else is).
    fn start_building(&self, list: Option<Uuid>) -> bool {
        self.lists().building.insert(list)
    }

    /// Ends a build: keeps `anchors` if the build succeeded.
    fn finish_building(&self, list: Option<Uuid>, anchors: Option<Arc<Anchors>>) {
        let mut lists = self.lists();
        lists.building.remove(&list);
        let Some(anchors) = anchors else {
            return;
        };
        if lists.anchors.len() >= MAX_LISTS && !lists.anchors.contains_key(&list) {
            let oldest = lists
                .anchors
                .iter()
                .min_by_key(|(_, a)| a.built)
                .map(|(l, _)| *l);
            if let Some(oldest) = oldest {
                lists.anchors.remove(&oldest);
            }
        }
        lists.anchors.insert(list, anchors);
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
        if !self.start_building(owner) {
            return plain().await;
        }
        // A failed build is not kept; the plain read below reports the error.
        let built = project_pages::anchors(db, owner, STRIDE).await.ok();
        let anchors = built.map(|(version, keys)| {
            Arc::new(Anchors {
                version,
                keys,
                built: Instant::now(),
            })
        });
        self.finish_building(owner, anchors.clone());
        let Some(anchors) = anchors else {
            return plain().await;
        };
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
