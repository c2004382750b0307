//! The supervised actors that hold the business rules, and the addresses the rest
//! of the system uses to reach them.

pub mod attendance;
pub mod auth;
pub mod bridge;
pub mod cpu_priority;
pub mod dispatcher;
pub mod hasher;
pub mod health;
pub mod indexer;
pub mod links;
pub mod media;
pub mod outbox;
pub mod portfolio;
pub mod profile;
pub mod search;
pub mod subscriptions;
pub mod supervision;

use std::sync::Arc;
use std::time::Duration;

use actix::{Addr, Supervisor};

use crate::config::{Config, EventBusKind, SearchBackend, StorageConfig};
use crate::db::{self, DbPool};
use crate::imaging::thumbnail::ThumbnailSpec;
use crate::jwt::{self, JwtKeys};
use crate::search::SearchIndex;
use crate::search::elastic::ElasticIndex;
use crate::search::embedded::{Embedded, EmbeddedIndex};
use crate::storage::ObjectStore;
use crate::storage::fs::FsStore;
use crate::storage::s3::{S3Settings, S3Store};

use attendance::AttendanceActor;
use auth::throttle::LoginThrottle;
use auth::{AuthActor, AuthContext};
use bridge::consumer::AmqpConsumer;
use bridge::publisher::AmqpPublisher;
use dispatcher::EventDispatcher;
use hasher::HasherPool;
use health::HealthActor;
use indexer::IndexerActor;
use media::jobs::{MediaJobs, MediaJobsActor};
use media::naming::MediaUrls;
use media::thumbnailer::ThumbnailerPool;
use media::{MediaActor, MediaContext};
use outbox::{BusHandle, OutboxRelay};
use portfolio::PortfolioActor;
use profile::ProfileActor;
use search::SearchActor;
use subscriptions::{SPEC_QUEUES, Subscription};

/// The process-wide actors and the state the per-worker actors share.
#[derive(Clone)]
pub struct Actors {
    pub health: Addr<HealthActor>,
    /// One for the process: it gathers check-ins into group commits.
    pub attendance: Addr<AttendanceActor>,
    /// Present where this process runs the workers (`ROLE` all or worker).
    pub relay: Option<Addr<OutboxRelay>>,
    pub auth: Arc<AuthContext>,
    pub keys: Arc<JwtKeys>,
    pub search_index: Arc<dyn SearchIndex>,
    pub store: Arc<dyn ObjectStore>,
    pub media: Arc<MediaContext>,
}

/// Actors started once per HTTP worker thread. They hold no state of their own
/// (only `Arc`s of the shared context), so one per worker is on purpose: requests
/// on different workers never queue behind one actor's mailbox.
#[derive(Clone)]
pub struct WorkerActors {
    pub auth: Addr<AuthActor>,
    pub profile: Addr<ProfileActor>,
    pub portfolio: Addr<PortfolioActor>,
    pub search: Addr<SearchActor>,
    pub media: Addr<MediaActor>,
}

impl Actors {
    /// Starts the process-wide actors on the current arbiter. `subscriptions` are
    /// the event consumers of this process (the domain's, plus any a test adds).
    pub fn start(
        config: &Config,
        pool: DbPool,
        subscriptions: Vec<Subscription>,
    ) -> std::io::Result<Self> {
        let secret = jwt::load_secret(config)?;
        let keys = Arc::new(JwtKeys::new(&secret, config.access_token_ttl_secs));
        let auth = Arc::new(AuthContext {
            pool: pool.clone(),
            keys: keys.clone(),
            hasher: HasherPool::start(config.bcrypt_cost, config.hasher_threads),
            throttle: LoginThrottle::new(config.login_rate_limit),
            refresh_ttl: Duration::from_secs(config.refresh_token_ttl_secs),
        });
        let search_index = open_search_index(config)?;
        let store = open_store(config)?;
        let urls = MediaUrls {
            base: config.public_base_url.clone(),
        };
        let (relay, publisher) = if config.role.runs_workers() {
            let mut subscriptions = subscriptions;
            subscriptions.push(media_subscription(config, &pool, &store, &urls));
            let (indexer_pool, index) = (pool.clone(), search_index.clone());
            let indexer = Supervisor::start(move |_| IndexerActor::new(indexer_pool, index));
            for (queue, binding) in [
                ("project.events", "project.*"),
                ("profile.events", "profile.*"),
            ] {
                subscriptions.push(Subscription {
                    queue: queue.to_owned(),
                    bindings: vec![binding.to_owned()],
                    consumer: indexer.clone().recipient(),
                });
            }
            let (relay, publisher) = start_events(config, pool.clone(), subscriptions)?;
            (Some(relay), publisher)
        } else {
            (None, None)
        };
        let attendance_pool = pool.clone();
        let batch = config.checkin_batch_max;
        let attendance = Supervisor::start(move |_| AttendanceActor::new(attendance_pool, batch));
        let (health_index, health_store) = (search_index.clone(), store.clone());
        let health = Supervisor::start(move |_| {
            HealthActor::new(pool, publisher, health_index, health_store)
        });
        let media = Arc::new(MediaContext {
            pool: auth.pool.clone(),
            store: store.clone(),
            urls,
            max_image_pixels: config.max_image_pixels,
        });
        Ok(Actors {
            health,
            attendance,
            relay,
            auth,
            keys,
            search_index,
            store,
            media,
        })
    }

    /// Starts this worker's actors, each under a `Supervisor`, on the worker's arbiter.
    pub fn start_worker_actors(&self) -> WorkerActors {
        let auth = self.auth.clone();
        let (pool_a, pool_b) = (self.auth.pool.clone(), self.auth.pool.clone());
        let index = self.search_index.clone();
        let media = self.media.clone();
        WorkerActors {
            media: Supervisor::start(move |_| MediaActor::new(media)),
            search: Supervisor::start(move |_| SearchActor::new(index)),
            auth: Supervisor::start(move |_| AuthActor::new(auth)),
            profile: Supervisor::start(move |_| ProfileActor::new(pool_a)),
            portfolio: Supervisor::start(move |_| PortfolioActor::new(pool_b)),
        }
    }
}

/// `media.events` → the thumbnail and file-removal jobs.
fn media_subscription(
    config: &Config,
    pool: &DbPool,
    store: &Arc<dyn ObjectStore>,
    urls: &MediaUrls,
) -> Subscription {
    let spec = ThumbnailSpec {
        size: config.thumbnail_size,
        quality: config.thumbnail_quality,
        max_pixels: config.max_image_pixels,
    };
    let portfolio_pool = pool.clone();
    let jobs = Arc::new(MediaJobs {
        pool: pool.clone(),
        store: store.clone(),
        thumbnailer: ThumbnailerPool::start(config.thumbnail_threads, spec),
        portfolio: Supervisor::start(move |_| PortfolioActor::new(portfolio_pool)),
        urls: urls.clone(),
    });
    let consumer = Supervisor::start(move |_| MediaJobsActor::new(jobs.clone()));
    Subscription {
        queue: "media.events".to_owned(),
        bindings: vec!["media.*".to_owned()],
        consumer: consumer.recipient(),
    }
}

/// The outbox relay and the bus behind it: the memory dispatcher, or the RabbitMQ
/// publisher and one consumer per subscribed queue.
fn start_events(
    config: &Config,
    pool: DbPool,
    subscriptions: Vec<Subscription>,
) -> std::io::Result<(Addr<OutboxRelay>, Option<Addr<AmqpPublisher>>)> {
    let listen_config = db::session_config(config).map_err(std::io::Error::other)?;
    let max_retries = config.max_retries;
    let (bus, publisher) = match config.event_bus {
        EventBusKind::Memory => {
            let subscriptions = Arc::new(subscriptions);
            let (pool, subs) = (pool.clone(), subscriptions.clone());
            let dispatcher =
                Supervisor::start(move |_| EventDispatcher::new(pool, subs, max_retries));
            (
                BusHandle::Memory {
                    subscriptions,
                    dispatcher,
                },
                None,
            )
        }
        EventBusKind::RabbitMq => {
            let queues = queue_table(&subscriptions);
            let url = config.rabbitmq_url.clone();
            let (u, q) = (url.clone(), queues.clone());
            let publisher = Supervisor::start(move |_| AmqpPublisher::new(u, q, max_retries));
            for sub in subscriptions {
                let (u, q) = (url.clone(), queues.clone());
                Supervisor::start(move |_| AmqpConsumer::new(u, sub, q, max_retries));
            }
            (BusHandle::Amqp(publisher.clone()), Some(publisher))
        }
    };
    let relay = Supervisor::start(move |_| OutboxRelay::new(pool, listen_config, bus));
    Ok((relay, publisher))
}

/// SPEC §9's queues, plus any other queue a subscription names, with bindings.
fn queue_table(subscriptions: &[Subscription]) -> Vec<(String, Vec<String>)> {
    let mut queues: Vec<(String, Vec<String>)> = SPEC_QUEUES
        .iter()
        .map(|(q, b)| ((*q).to_owned(), vec![(*b).to_owned()]))
        .collect();
    for sub in subscriptions {
        if !queues.iter().any(|(q, _)| *q == sub.queue) {
            queues.push((sub.queue.clone(), sub.bindings.clone()));
        }
    }
    queues
}

/// The search backend: the embedded index under `DATA_DIR/search` (writable where
/// the indexer runs), or Elasticsearch.
fn open_search_index(config: &Config) -> std::io::Result<Arc<dyn SearchIndex>> {
    match config.search_backend {
        SearchBackend::Embedded => {
            let dir = config.data_dir.join("search");
            let index = EmbeddedIndex::open(&dir, config.role.runs_workers())
                .map_err(std::io::Error::other)?;
            Ok(Arc::new(Embedded(index)))
        }
        SearchBackend::Elasticsearch => {
            let index = ElasticIndex::new(&config.elasticsearch_url, &config.search_index)
                .map_err(std::io::Error::other)?;
            Ok(Arc::new(index))
        }
    }
}

/// Files under `DATA_DIR/objects`, or the S3 bucket (created on first use).
fn open_store(config: &Config) -> std::io::Result<Arc<dyn ObjectStore>> {
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
