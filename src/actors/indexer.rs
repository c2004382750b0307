//! `IndexerActor`: keeps the search index equal to the database. It consumes
//! `project.*` and `profile.*` events as triggers only: for the projects they name
//! (and every project of a renamed owner) it re-reads PostgreSQL and writes what it
//! finds, versioned, or deletes what is gone — so late, repeated or reordered events
//! converge on the database's state. Events arriving within 50 ms share one commit,
//! and each is acknowledged only after that commit (a failure retries through the
//! event backbone).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::db::{DbPool, search_docs};
use crate::messages::events::{DomainEvent, EventEnvelope, HandleEvent, HandlerError};
use crate::metrics;
use crate::search::{IndexChanges, SearchIndex};

const BATCH_WINDOW: Duration = Duration::from_millis(50);
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<(), HandlerError>>;

pub struct IndexerActor {
    pool: DbPool,
    index: Arc<dyn SearchIndex>,
    pending: Vec<(EventEnvelope, Reply)>,
    timer: Option<SpawnHandle>,
    writing: bool,
}

impl IndexerActor {
    pub fn new(pool: DbPool, index: Arc<dyn SearchIndex>) -> Self {
        IndexerActor {
            pool,
            index,
            pending: Vec::new(),
            timer: None,
            writing: false,
        }
    }

    /// One batch at a time: the index has a single writer.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        if self.writing || self.pending.is_empty() {
            return;
        }
        self.writing = true;
        let take = self.pending.len().min(MAX_BATCH);
        let batch: Vec<(EventEnvelope, Reply)> = self.pending.drain(..take).collect();
        let (pool, index) = (self.pool.clone(), self.index.clone());
        let work = async move {
            let envelopes: Vec<&EventEnvelope> = batch.iter().map(|(e, _)| e).collect();
            let outcome = index_batch(&pool, index.as_ref(), &envelopes).await;
            for (_, reply) in batch {
                let _ = reply.send(outcome.clone().map_err(HandlerError::Retry));
            }
        };
        ctx.spawn(work.into_actor(self).map(|(), act, ctx| {
            act.writing = false;
            act.flush(ctx);
        }));
    }
}

impl Actor for IndexerActor {
    type Context = Context<Self>;
}

impl Supervised for IndexerActor {}

impl Handler<HandleEvent> for IndexerActor {
    type Result = ResponseFuture<Result<(), HandlerError>>;

    fn handle(&mut self, msg: HandleEvent, ctx: &mut Context<Self>) -> Self::Result {
        let (reply, answer) = oneshot::channel();
        self.pending.push((msg.envelope, reply));
        if self.pending.len() >= MAX_BATCH {
            self.flush(ctx);
        } else if self.timer.is_none() {
            self.timer = Some(ctx.run_later(BATCH_WINDOW, |act, ctx| {
                act.timer = None;
                act.flush(ctx);
            }));
        }
        Box::pin(async move {
            answer
                .await
                .unwrap_or_else(|_| Err(HandlerError::retry("the indexer restarted")))
        })
    }
}

/// Re-reads what the events name and writes it to the index in one commit.
async fn index_batch(
    pool: &DbPool,
    index: &dyn SearchIndex,
    events: &[&EventEnvelope],
) -> Result<(), String> {
    let started = Instant::now();
    let mut ids: HashSet<Uuid> = HashSet::new();
    let mut owners: HashSet<Uuid> = HashSet::new();
    for envelope in events {
        match &envelope.event {
            DomainEvent::ProjectCreated(p) | DomainEvent::ProjectUpdated(p) => {
                ids.insert(p.project_id);
            }
            DomainEvent::ProjectDeleted(p) => {
                ids.insert(p.project_id);
            }
            DomainEvent::ProfileUpdated(p) => {
                owners.insert(p.user_id);
            }
            _ => {}
        }
    }
    if ids.is_empty() && owners.is_empty() {
        return Ok(());
    }
    let (ids, owners): (Vec<Uuid>, Vec<Uuid>) =
        (ids.into_iter().collect(), owners.into_iter().collect());
    let docs = {
        let db = pool.get().await.map_err(|e| e.to_string())?;
        search_docs::of_projects(&db, &ids, &owners)
            .await
            .map_err(|e| e.to_string())?
    };
    let found: HashSet<Uuid> = docs.iter().map(|d| d.project_id).collect();
    let deletes: Vec<Uuid> = ids.into_iter().filter(|id| !found.contains(id)).collect();
    let written = docs.len() + deletes.len();
    index
        .apply(IndexChanges {
            upserts: docs,
            deletes,
        })
        .await
        .map_err(|e| e.to_string())?;
    metrics::SEARCH_DOCUMENTS_WRITTEN.inc_by(written as u64);
    metrics::SEARCH_LATENCY
        .with_label_values(&["index_batch"])
        .observe(started.elapsed().as_secs_f64());
    Ok(())
}
