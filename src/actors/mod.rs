//! The supervised actors that hold the business rules, and the addresses the rest
//! of the system uses to reach them. `app::wiring` builds and starts them by `ROLE`.

pub mod attendance;
pub mod auth;
pub mod auth_feed;
pub mod cpu_priority;
pub mod dead_letters;
pub mod forward;
pub mod hasher;
pub mod health;
pub mod indexer;
pub mod links;
pub mod live_counts;
pub mod media;
pub mod page_memory;
pub mod portfolio;
pub mod profile;
pub mod search;
pub mod storage_gc;
pub mod tags;
pub mod traced;

use std::sync::Arc;

use actix::Addr;

use crate::db::PoolRecipe;
use crate::events::Backbone;
use crate::jwt::JwtKeys;
use crate::search::SearchIndex;

use attendance::AttendanceActor;
use auth::revocations::RevocationSet;
use auth::{AuthActor, AuthContext};
use auth_feed::AuthFeedActor;
use dead_letters::DeadLettersActor;
use health::HealthActor;
use live_counts::LiveCountsActor;
use media::{MediaActor, MediaContext};
use portfolio::{ListMemory, PortfolioActor};
use profile::ProfileActor;
use search::SearchActor;

/// The process-wide actors and the state the per-worker actors share.
#[derive(Clone)]
pub struct Actors {
    /// Where this process runs the workers (`ROLE` all or worker).
    pub backbone: Option<Arc<Backbone>>,
    pub health: Addr<HealthActor>,
    /// One for the process: it gathers check-ins into group commits.
    pub attendance: Addr<AttendanceActor>,
    /// One for the process: the venues' live counts, fed by `LISTEN troupe_scans`.
    pub live: Addr<LiveCountsActor>,
    pub dead_letters: Addr<DeadLettersActor>,
    pub auth: Arc<AuthContext>,
    pub keys: Arc<JwtKeys>,
    /// Revoked access tokens, checked on every authenticated request.
    pub revocations: Arc<RevocationSet>,
    /// One for the process: keeps `revocations` and `keys` in step with every node.
    pub auth_feed: Addr<AuthFeedActor>,
    /// Where this process runs the workers: the periodic garbage collection of objects.
    pub storage_gc: Option<Addr<storage_gc::StorageGcActor>>,
    pub search_index: Arc<dyn SearchIndex>,
    pub media: Arc<MediaContext>,
    /// Page anchors and kept pages of the project lists, shared by every worker's
    /// `PortfolioActor`.
    pub list_memory: ListMemory,
    /// Each HTTP worker's actors get a pool of their own (see `PoolRecipe`).
    pub worker_pool: PoolRecipe,
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
