//! `AuthFeedActor`: one per API process. It keeps this node's revocation set and key
//! ring in step with every other node: `LISTEN troupe_revocations` (written by the
//! triggers of `token_revocations`) adds each revocation within milliseconds of its
//! commit; `LISTEN troupe_keys` reloads the key ring after a rotation. At start and
//! after every lost LISTEN session the revocations of the last token lifetime and
//! the keys are read again, so a restart or a network blip never forgets one. It
//! also reloads the keys every minute (dropping keys past their last token) and
//! prunes revocations, login counters, sessions and refresh tokens nobody needs
//! any more.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use crate::actors::auth::revocations::RevocationSet;
use crate::actors::auth::signing_keys::KeySource;
use crate::backoff::{Backoff, RetryPolicy};
use crate::db::{DbPool, listen, login_attempts, sessions, token_revocations};
use crate::jwt::JwtKeys;
use crate::messages::sessions::Revocation;

const KEY_RELOAD: Duration = Duration::from_secs(60);
const PRUNE: Duration = Duration::from_secs(600);
/// Revocations arriving within this long of each other are applied together.
const COALESCE: Duration = Duration::from_millis(5);

pub struct AuthFeedActor {
    pool: DbPool,
    listen_config: tokio_postgres::Config,
    revocations: Arc<RevocationSet>,
    keys: Arc<JwtKeys>,
    source: Arc<KeySource>,
    listener: Option<tokio_postgres::Client>,
    reconnect: Backoff,
    /// Revocations heard of but not yet applied: a burst is applied as one change.
    pending: Vec<Revocation>,
}

impl AuthFeedActor {
    pub fn new(
        pool: DbPool,
        mut listen_config: tokio_postgres::Config,
        revocations: Arc<RevocationSet>,
        keys: Arc<JwtKeys>,
        source: Arc<KeySource>,
    ) -> Self {
        listen_config.application_name(format!("troupe-auth-{}", std::process::id()));
        AuthFeedActor {
            pool,
            listen_config,
            revocations,
            keys,
            source,
            listener: None,
            reconnect: Backoff::new(RetryPolicy::reconnect_within(Duration::from_secs(5))),
            pending: Vec::new(),
        }
    }

    fn listen(&mut self, ctx: &mut Context<Self>) {
        let config = self.listen_config.clone();
        let connect =
            async move { listen::listen(config, &["troupe_revocations", "troupe_keys"]).await };
        ctx.spawn(
            connect
                .into_actor(self)
                .map(|result, act, ctx| match result {
                    Ok((client, notifications)) => {
                        ctx.add_stream(notifications);
                        act.listener = Some(client);
                        act.reconnect.reset();
                        // Listening first, then reading: nothing falls between the two.
                        act.reload_revocations(ctx);
                        act.reload_keys(ctx);
                    }
                    Err(e) => act.listen_later(ctx, &e.to_string()),
                }),
        );
    }

    fn listen_later(&mut self, ctx: &mut Context<Self>, why: &str) {
        self.listener = None;
        let wait = self.reconnect.next_delay();
        tracing::warn!(
            "auth feed: the LISTEN session is down ({why}); again in {:.1} s",
            wait.as_secs_f32()
        );
        ctx.run_later(wait, |act, ctx| act.listen(ctx));
    }

    fn reload_revocations(&mut self, ctx: &mut Context<Self>) {
        let (pool, set) = (self.pool.clone(), self.revocations.clone());
        let read = async move {
            let db = pool.get().await.map_err(|e| e.to_string())?;
            token_revocations::recent(&db, set.keep_secs())
                .await
                .map_err(|e| e.to_string())
        };
        ctx.spawn(read.into_actor(self).map(|result, act, ctx| match result {
            Ok(recent) => act.revocations.replace(recent),
            Err(e) => {
                tracing::warn!(error = %e, "auth feed: cannot read revocations; again soon");
                ctx.run_later(Duration::from_secs(1), |act, ctx| {
                    act.reload_revocations(ctx)
                });
            }
        }));
    }

    fn reload_keys(&mut self, ctx: &mut Context<Self>) {
        let (pool, source, keys) = (self.pool.clone(), self.source.clone(), self.keys.clone());
        let load = async move {
            match source.load(&pool).await {
                Ok(ring) => keys.replace(ring),
                Err(e) => tracing::warn!(error = %e, "auth feed: cannot reload signing keys"),
            }
        };
        ctx.spawn(load.into_actor(self));
    }

    fn prune(&mut self, ctx: &mut Context<Self>) {
        let (pool, keep) = (self.pool.clone(), self.revocations.keep_secs());
        let prune = async move {
            let Ok(db) = pool.get().await else { return };
            // An hour past the token lifetime: a node's clock may lag a little.
            let results = [
                token_revocations::prune(&db, keep + 3600.0).await,
                login_attempts::prune(&db).await,
                sessions::prune(&db).await,
            ];
            if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
                tracing::warn!(error = %e, "auth feed: cannot prune");
            }
        };
        ctx.spawn(prune.into_actor(self));
    }
}

impl Actor for AuthFeedActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.listen(ctx);
        ctx.run_interval(KEY_RELOAD, |act, ctx| act.reload_keys(ctx));
        ctx.run_interval(PRUNE, |act, ctx| act.prune(ctx));
    }
}

impl Supervised for AuthFeedActor {}

impl StreamHandler<(String, String)> for AuthFeedActor {
    fn handle(&mut self, (channel, payload): (String, String), ctx: &mut Context<Self>) {
        if channel == "troupe_keys" {
            self.reload_keys(ctx);
        } else if let Some(revocation) = Revocation::from_payload(&payload) {
            if self.pending.is_empty() {
                ctx.run_later(COALESCE, |act, _| {
                    act.revocations.add(std::mem::take(&mut act.pending));
                });
            }
            self.pending.push(revocation);
        } else {
            tracing::warn!(%payload, "auth feed: an unreadable revocation; reading them all");
            self.reload_revocations(ctx);
        }
    }

    /// The LISTEN session ended: open it again (and read what was missed).
    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.listen_later(ctx, "the session closed");
    }
}
