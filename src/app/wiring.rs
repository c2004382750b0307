//! The process's wiring: build the adapters (storage, search), start the actors
//! and, where `ROLE` runs the workers, the consumers and the event backbone.

use std::sync::Arc;
use std::time::Duration;

use actix::Supervisor;

use crate::actors::attendance::AttendanceActor;
use crate::actors::auth::revocations::RevocationSet;
use crate::actors::auth::signing_keys::KeySource;
use crate::actors::auth::{AuthActor, AuthContext};
use crate::actors::auth_feed::AuthFeedActor;
use crate::actors::dead_letters::DeadLettersActor;
use crate::actors::health::HealthActor;
use crate::actors::indexer::IndexerActor;
use crate::actors::live_counts::LiveCountsActor;
use crate::actors::media::jobs::{MediaJobs, MediaJobsActor};
use crate::actors::media::naming::MediaUrls;
use crate::actors::media::thumbnailer::ThumbnailerPool;
use crate::actors::media::{MediaActor, MediaContext};
use crate::actors::portfolio::{ListMemory, PortfolioActor};
use crate::actors::profile::ProfileActor;
use crate::actors::search::SearchActor;
use crate::actors::storage_gc::{Collector, StorageGcActor};
use crate::actors::{Actors, WorkerActors};
use crate::config::{Config, SearchBackend, StorageConfig};
use crate::db::{DbPool, PoolRecipe};
use crate::events::routing::{self, Consumers, Route};
use crate::imaging::thumbnail::ThumbnailSpec;
use crate::jwt::{JwtKeys, KeyRing};
use crate::search::SearchIndex;
use crate::search::elastic::ElasticIndex;
use crate::search::embedded::{Embedded, EmbeddedIndex};
use crate::storage::ObjectStore;
use crate::storage::fs::FsStore;
use crate::storage::s3::{S3Settings, S3Store};

impl Actors {
    /// Starts the process-wide actors on the current arbiter. `extra_routes` are
    /// event routes beyond the routing table's (a test's own queues).
    /// `source` and `ring` are the access-token keys as `KeySource::load` found them.
    pub fn start(
        config: &Config,
        pool: DbPool,
        extra_routes: Vec<Route>,
        source: KeySource,
        ring: KeyRing,
    ) -> std::io::Result<Self> {
        let keys = Arc::new(JwtKeys::new(ring, config.auth.access_token_ttl_secs));
        let revocations = Arc::new(RevocationSet::new(config.auth.access_token_ttl_secs));
        let auth = Arc::new(AuthContext::new(
            config,
            pool.clone(),
            keys.clone(),
            revocations.clone(),
            &source,
            config.auth.hasher_threads,
        ));
        let search_index = open_search_index(config)?;
        let store = open_store(config)?;
        let urls = MediaUrls {
            base: config.server.public_base_url.clone(),
        };
        let storage_gc = (config.server.role.runs_workers() && config.media.gc_interval_secs > 0)
            .then(|| {
                let collector = Collector {
                    pool: pool.clone(),
                    store: store.clone(),
                    grace: Duration::from_secs(config.media.gc_grace_secs),
                };
                let every = Duration::from_secs(config.media.gc_interval_secs);
                Supervisor::start(move |_| StorageGcActor::new(collector.clone(), every))
            });
        let backbone = if config.server.role.runs_workers() {
            let consumers = start_consumers(config, &pool, &store, &search_index, &urls);
            let routes = routing::routes(&consumers, extra_routes);
            Some(Arc::new(crate::events::start(
                config,
                pool.clone(),
                routes,
            )?))
        } else {
            None
        };
        let publisher = backbone.as_ref().and_then(|b| b.publisher.clone());
        let attendance_pool = pool.clone();
        let batch = config.checkin_batch_max;
        let attendance = Supervisor::start(move |_| AttendanceActor::new(attendance_pool, batch));
        let (live_pool, live_config) = (
            pool.clone(),
            crate::db::session_config(config).map_err(std::io::Error::other)?,
        );
        let (feed_pool, feed_config, feed_set, feed_keys, source) = (
            pool.clone(),
            live_config.clone(),
            revocations.clone(),
            keys.clone(),
            Arc::new(source),
        );
        let live = Supervisor::start(move |_| LiveCountsActor::new(live_pool, live_config.clone()));
        let auth_feed = Supervisor::start(move |_| {
            AuthFeedActor::new(
                feed_pool.clone(),
                feed_config.clone(),
                feed_set.clone(),
                feed_keys.clone(),
                source.clone(),
            )
        });
        let dead_pool = pool.clone();
        let dead_letters = Supervisor::start(move |_| DeadLettersActor::new(dead_pool));
        let worker_pool =
            PoolRecipe::per_worker(config, super::http_workers()).map_err(std::io::Error::other)?;
        let (health_index, health_store, health_workers) =
            (search_index.clone(), store.clone(), worker_pool.clone());
        let health = Supervisor::start(move |_| {
            HealthActor::new(pool, health_workers, publisher, health_index, health_store)
        });
        let media = Arc::new(MediaContext {
            pool: auth.pool.clone(),
            store,
            urls,
            max_image_pixels: config.media.max_image_pixels,
        });
        Ok(Actors {
            backbone,
            health,
            attendance,
            live,
            dead_letters,
            auth,
            keys,
            revocations,
            auth_feed,
            storage_gc,
            search_index,
            media,
            list_memory: ListMemory::default(),
            worker_pool,
        })
    }

    /// Starts this worker's actors, each under a `Supervisor`, on the worker's arbiter.
    pub fn start_worker_actors(&self) -> WorkerActors {
        // Building a pool opens no connection; it fails only on settings that
        // `PoolRecipe::per_worker` checked at start-up. Should it fail anyway, the
        // worker shares the process's pool.
        let pool = self.worker_pool.build().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot build a worker's pool; using the shared one");
            self.auth.pool.clone()
        });
        let auth = Arc::new(AuthContext {
            pool: pool.clone(),
            ..(*self.auth).clone()
        });
        let media = Arc::new(MediaContext {
            pool: pool.clone(),
            ..(*self.media).clone()
        });
        let (pool_a, pool_b) = (pool.clone(), pool);
        let index = self.search_index.clone();
        let lists = self.list_memory.clone();
        WorkerActors {
            media: Supervisor::start(move |_| MediaActor::new(media)),
            search: Supervisor::start(move |_| SearchActor::new(index)),
            auth: Supervisor::start(move |_| AuthActor::new(auth)),
            profile: Supervisor::start(move |_| ProfileActor::new(pool_a)),
            portfolio: Supervisor::start(move |_| PortfolioActor::new(pool_b, lists.clone())),
        }
    }
}

/// The consumer actors the routing table sends events to.
fn start_consumers(
    config: &Config,
    pool: &DbPool,
    store: &Arc<dyn ObjectStore>,
    index: &Arc<dyn SearchIndex>,
    urls: &MediaUrls,
) -> Consumers {
    let (indexer_pool, indexer_index) = (pool.clone(), index.clone());
    let indexer = Supervisor::start(move |_| IndexerActor::new(indexer_pool, indexer_index));
    let spec = ThumbnailSpec {
        size: config.media.thumbnail_size,
        quality: config.media.thumbnail_quality,
        max_pixels: config.media.max_image_pixels,
    };
    let portfolio_pool = pool.clone();
    let jobs = Arc::new(MediaJobs {
        pool: pool.clone(),
        store: store.clone(),
        thumbnailer: ThumbnailerPool::start(config.media.thumbnail_threads, spec),
        portfolio: Supervisor::start(move |_| {
            PortfolioActor::new(portfolio_pool.clone(), ListMemory::default())
        }),
        urls: urls.clone(),
    });
    let media_jobs = Supervisor::start(move |_| MediaJobsActor::new(jobs.clone()));
    Consumers {
        indexer: indexer.recipient(),
        media_jobs: media_jobs.recipient(),
    }
}

/// The search backend: the embedded index under `DATA_DIR/search` (writable where
/// the indexer runs), or Elasticsearch.
fn open_search_index(config: &Config) -> std::io::Result<Arc<dyn SearchIndex>> {
    match config.search.backend {
        SearchBackend::Embedded => {
            let dir = config.data_dir.join("search");
            let index = EmbeddedIndex::open(
                &dir,
                config.server.role.runs_workers(),
                config.search.hit_table_docs,
            )
            .map_err(std::io::Error::other)?;
            Ok(Arc::new(Embedded::new(index)))
        }
        SearchBackend::Elasticsearch => {
            let index = ElasticIndex::new(&config.search.elasticsearch_url, &config.search.index)
                .map_err(std::io::Error::other)?;
            Ok(Arc::new(index))
        }
    }
}

/// Files under `DATA_DIR/objects`, or the S3 bucket (created on first use).
pub fn open_store(config: &Config) -> std::io::Result<Arc<dyn ObjectStore>> {
    match &config.storage {
        StorageConfig::Fs => {
            let store =
                FsStore::new(&config.data_dir.join("objects")).map_err(std::io::Error::other)?;
            Ok(Arc::new(store))
        }
        StorageConfig::S3 {
            endpoint,
            region,
            bucket,
            access_key,
            secret_key,
            path_style,
        } => {
            let settings = S3Settings {
                endpoint: endpoint.clone(),
                region: region.clone(),
                bucket: bucket.clone(),
                access_key: access_key.clone(),
                secret_key: secret_key.expose().to_owned(),
                path_style: *path_style,
            };
            Ok(Arc::new(
                S3Store::new(settings).map_err(std::io::Error::other)?,
            ))
        }
    }
}
