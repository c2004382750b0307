//! Garbage collection of objects (issue 21): an object no row names — an upload
//! whose process died between writing the object and committing its row, a
//! thumbnail whose media row is gone, a stray temporary file — is removed once it is
//! older than the grace period (`GC_GRACE_SECS`, default 1 h, so an upload in
//! progress is never touched). Only keys under `uploads/` and `thumbnails/` are
//! looked at. Run by `troupe gc [--dry-run]` and, in every worker, every
//! `GC_INTERVAL_SECS` by `StorageGcActor`. Collectors running at once are harmless:
//! removing a missing object is not an error.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use crate::actors::media::naming::OBJECT_PREFIXES;
use crate::db::{DbPool, object_refs};
use crate::storage::{ObjectKey, ObjectStore};

/// What one collection saw and did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GcReport {
    pub listed: u64,
    /// Older than the grace period and named by no row.
    pub orphans: u64,
    pub removed: u64,
}

#[derive(Clone)]
pub struct Collector {
    pub pool: DbPool,
    pub store: Arc<dyn ObjectStore>,
    pub grace: Duration,
}

impl Collector {
    /// One pass over the store; `progress` is told after every page. With `dry_run`
    /// the orphans are counted, not removed.
    pub async fn run(
        &self,
        dry_run: bool,
        mut progress: impl FnMut(&GcReport, &[String]),
    ) -> Result<GcReport, String> {
        let mut report = GcReport::default();
        let cutoff = time::OffsetDateTime::now_utc()
            - time::Duration::try_from(self.grace).unwrap_or(time::Duration::MAX);
        for prefix in OBJECT_PREFIXES {
            let mut next = None;
            loop {
                let page = self
                    .store
                    .list(prefix, next.take())
                    .await
                    .map_err(|e| e.to_string())?;
                report.listed += page.objects.len() as u64;
                let old: Vec<String> = page
                    .objects
                    .into_iter()
                    .filter(|o| o.modified < cutoff)
                    .map(|o| o.key)
                    .collect();
                let orphans = if old.is_empty() {
                    Vec::new()
                } else {
                    let db = self.pool.get().await.map_err(|e| e.to_string())?;
                    object_refs::unnamed(&db, &old)
                        .await
                        .map_err(|e| e.to_string())?
                };
                report.orphans += orphans.len() as u64;
                if !dry_run {
                    for key in &orphans {
                        let Some(object) = ObjectKey::parse(key) else {
                            tracing::warn!(key, "gc: a stored key that is not a valid key; left");
                            continue;
                        };
                        self.store
                            .delete(&object)
                            .await
                            .map_err(|e| e.to_string())?;
                        report.removed += 1;
                        crate::metrics::GC_REMOVED.inc();
                        tracing::info!(key, "gc: removed an object no row names");
                    }
                }
                progress(&report, &orphans);
                match page.next {
                    Some(token) => next = Some(token),
                    None => break,
                }
            }
        }
        Ok(report)
    }
}

/// Collects every `interval` in a worker process.
pub struct StorageGcActor {
    collector: Collector,
    interval: Duration,
    running: bool,
}

impl StorageGcActor {
    pub fn new(collector: Collector, interval: Duration) -> Self {
        StorageGcActor {
            collector,
            interval,
            running: false,
        }
    }

    fn collect(&mut self, ctx: &mut Context<Self>) {
        if self.running {
            return;
        }
        self.running = true;
        let collector = self.collector.clone();
        let run = async move { collector.run(false, |_, _| {}).await };
        ctx.spawn(run.into_actor(self).map(|result, act, _| {
            act.running = false;
            match result {
                Ok(report) => tracing::info!(?report, "gc: collection done"),
                Err(e) => tracing::warn!(error = %e, "gc: collection failed; again next time"),
            }
        }));
    }
}

impl Actor for StorageGcActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |act, ctx| act.collect(ctx));
    }
}

impl Supervised for StorageGcActor {}
