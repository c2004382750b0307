//! `LiveCountsActor`: one per API process, feeding `GET /events/{id}/live`. Every
//! check-in transaction ends with `NOTIFY troupe_scans, '<event_id>'` (delivered at
//! commit, on whichever node it ran); this actor `LISTEN`s, marks the event dirty,
//! and every 250 ms reads the counts of each dirty event that someone watches — once
//! per event, however many connections watch it — into a `watch` channel. A
//! connection holds only the latest counts (older ones are skipped, never queued),
//! so memory per connection is bounded and updates are coalesced to at most 4 a
//! second. A lost LISTEN session is reopened with backoff and every watched event is
//! read again, so a blip never leaves a view stale.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures_util::stream::StreamExt;
use tokio::sync::watch;

use crate::actors::attendance::rules::{id_rule, require_committee};
use crate::actors::auth::rules::Checks;
use crate::backoff::{Backoff, RetryPolicy};
use crate::db::{DbPool, listen, live_counts};
use crate::error::AppResult;
use crate::messages::venue_events::{LiveFeed, LiveView, WatchEvent};

/// How often dirty events are read again: at most this many updates per second.
const TICK: Duration = Duration::from_millis(250);

struct Feed {
    sender: watch::Sender<Option<Arc<LiveView>>>,
    dirty: bool,
    reading: bool,
}

pub struct LiveCountsActor {
    pool: DbPool,
    listen_config: tokio_postgres::Config,
    feeds: HashMap<String, Feed>,
    /// Kept alive so that the LISTEN session stays open.
    listener: Option<tokio_postgres::Client>,
    reconnect: Backoff,
}

impl LiveCountsActor {
    pub fn new(pool: DbPool, mut listen_config: tokio_postgres::Config) -> Self {
        listen_config.application_name(format!("troupe-live-{}", std::process::id()));
        LiveCountsActor {
            pool,
            listen_config,
            feeds: HashMap::new(),
            listener: None,
            reconnect: Backoff::new(RetryPolicy::reconnect_within(Duration::from_secs(5))),
        }
    }

    fn listen(&mut self, ctx: &mut Context<Self>) {
        let config = self.listen_config.clone();
        let connect = async move { listen::listen(config, &["troupe_scans"]).await };
        ctx.spawn(
            connect
                .into_actor(self)
                .map(|result, act, ctx| match result {
                    Ok((client, notifications)) => {
                        ctx.add_stream(notifications.map(|(_, event_id)| event_id));
                        act.listener = Some(client);
                        act.reconnect.reset();
                        // Whatever happened while nobody listened.
                        act.feeds.values_mut().for_each(|f| f.dirty = true);
                    }
                    Err(e) => act.listen_later(ctx, &e.to_string()),
                }),
        );
    }

    fn listen_later(&mut self, ctx: &mut Context<Self>, why: &str) {
        self.listener = None;
        let wait = self.reconnect.next_delay();
        tracing::warn!(
            "live counts: the LISTEN session is down ({why}); again in {:.1} s",
            wait.as_secs_f32()
        );
        ctx.run_later(wait, |act, ctx| act.listen(ctx));
    }

    /// Drops feeds nobody watches and reads the dirty ones.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        self.feeds.retain(|_, f| f.sender.receiver_count() > 0);
        let due: Vec<String> = self
            .feeds
            .iter_mut()
            .filter(|(_, f)| f.dirty && !f.reading)
            .map(|(id, f)| {
                f.dirty = false;
                f.reading = true;
                id.clone()
            })
            .collect();
        for event_id in due {
            let pool = self.pool.clone();
            let id = event_id.clone();
            let read = async move {
                let db = pool.get().await?;
                let view: AppResult<LiveView> = Ok(live_counts::read(&db, &id).await?);
                view
            };
            let id = event_id.clone();
            ctx.spawn(read.into_actor(self).map(move |result, act, _| {
                let Some(feed) = act.feeds.get_mut(&id) else {
                    return;
                };
                feed.reading = false;
                match result {
                    Ok(view) => {
                        feed.sender.send_if_modified(|current| {
                            // Only a change wakes the connections.
                            let changed = current.as_ref().is_none_or(|c| {
                                (c.checked_in, c.inside, &c.refused, &c.gates)
                                    != (view.checked_in, view.inside, &view.refused, &view.gates)
                            });
                            if changed {
                                *current = Some(Arc::new(view));
                            }
                            changed
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "live counts: cannot read; trying again");
                        feed.dirty = true;
                    }
                }
            }));
        }
    }
}

impl Actor for LiveCountsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.listen(ctx);
        ctx.run_interval(TICK, |act, ctx| act.tick(ctx));
    }
}

impl Supervised for LiveCountsActor {}

impl StreamHandler<String> for LiveCountsActor {
    fn handle(&mut self, event_id: String, _: &mut Context<Self>) {
        if let Some(feed) = self.feeds.get_mut(&event_id) {
            feed.dirty = true;
        }
    }

    /// The LISTEN session ended: open it again.
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.listen_later(ctx, "the session closed");
    }
}

impl Handler<WatchEvent> for LiveCountsActor {
    type Result = ResponseFuture<AppResult<LiveFeed>>;

    fn handle(&mut self, msg: WatchEvent, _: &mut Context<Self>) -> Self::Result {
        let feed = self.watch(msg);
        Box::pin(async move { feed })
    }
}

crate::traced!(LiveCountsActor: WatchEvent);

impl LiveCountsActor {
    fn watch(&mut self, msg: WatchEvent) -> AppResult<LiveFeed> {
        require_committee(&msg.caller, "watching live counts")?;
        let mut checks = Checks::default();
        checks.note("event_id", id_rule(&msg.event_id));
        checks.finish()?;
        let feed = self.feeds.entry(msg.event_id).or_insert_with(|| Feed {
            sender: watch::channel(None).0,
            dirty: true,
            reading: false,
        });
        let mut receiver = feed.sender.subscribe();
        // A new watcher gets the current counts at once, if there are any.
        receiver.mark_changed();
        Ok(receiver)
    }
}
