//! A recording consumer on the event backbone: what it saw, how often, and a way
//! to make chosen events fail; and outbox helpers for the event tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use troupe::events::routing::Route;
use troupe::messages::events::{DomainEvent, HandleEvent, HandlerError, ProjectDeleted};
use uuid::Uuid;

use super::app::{TestApp, app};
use super::services::wait_for;

pub const QUEUE: &str = "test.events";

/// What the recording consumer saw; `fail` says how many times an event fails
/// before it succeeds (`u32::MAX`: always).
#[derive(Default)]
pub struct Seen {
    pub attempts: HashMap<Uuid, Vec<Instant>>,
    pub applied: Vec<Uuid>,
    pub fail: HashMap<Uuid, u32>,
}

#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Seen>>);

impl Log {
    pub fn with<T>(&self, f: impl FnOnce(&mut Seen) -> T) -> T {
        f(&mut self.0.lock().expect("log lock"))
    }
}

/// An idempotent consumer: it applies an event only the first time (by event id),
/// so redeliveries change nothing; `attempts` sees every delivery.
struct Recorder {
    log: Log,
}

impl Actor for Recorder {
    type Context = Context<Self>;
}

impl Handler<HandleEvent> for Recorder {
    type Result = ResponseFuture<Result<(), HandlerError>>;

    fn handle(&mut self, msg: HandleEvent, _: &mut Context<Self>) -> Self::Result {
        let id = msg.envelope.event_id;
        let log = self.log.clone();
        Box::pin(async move {
            let failures = log.with(|s| {
                s.attempts.entry(id).or_default().push(Instant::now());
                let tries = s.attempts[&id].len() as u32;
                s.fail.get(&id).is_some_and(|n| tries <= *n)
            });
            if failures {
                return Err(HandlerError::retry("told to fail"));
            }
            log.with(|s| {
                if !s.applied.contains(&id) {
                    s.applied.push(id);
                }
            });
            Ok(())
        })
    }
}

pub async fn app_with_recorder(settings: &[(&str, &str)]) -> (TestApp, Log) {
    let log = Log::default();
    let recorder = Recorder { log: log.clone() }.start();
    let sub = Route {
        queue: QUEUE.to_owned(),
        bindings: vec!["#".to_owned()],
        consumer: recorder.clone().recipient(),
    };
    let app = app().settings(settings).subscribe(vec![sub]).start().await;
    (app, log)
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.pool.get().await.expect("connection");
    db.query_one(sql, &[]).await.expect("count").get(0)
}

pub async fn all_applied(log: &Log, ids: &[Uuid], limit: Duration) -> bool {
    wait_for(limit, || async {
        log.with(|s| ids.iter().all(|id| s.applied.contains(id)))
    })
    .await
}

pub fn event() -> DomainEvent {
    DomainEvent::ProjectDeleted(ProjectDeleted {
        project_id: Uuid::now_v7(),
    })
}

/// Records a specific event id (so a test can arm failures before it exists).
pub async fn record_with_id(tx: &deadpool_postgres::Transaction<'_>, id: Uuid) {
    let envelope = troupe::messages::events::EventEnvelope {
        event_id: id,
        ..troupe::messages::events::EventEnvelope::new(event())
    };
    tx.execute(
        "INSERT INTO outbox (event_id, event_type, envelope) VALUES ($1, $2, $3)",
        &[
            &id,
            &envelope.event_type(),
            &serde_json::to_value(&envelope).unwrap(),
        ],
    )
    .await
    .unwrap();
}

/// Records events that fail for good, and waits until they are all dead.
pub async fn kill(app: &TestApp, log: &Log, n: usize) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    log.with(|s| {
        for id in &ids {
            s.fail.insert(*id, u32::MAX);
        }
    });
    let before = count(app, "SELECT count(*) FROM dead_events").await;
    let mut db = app.pool.get().await.expect("db");
    let tx = db.transaction().await.expect("tx");
    for id in &ids {
        record_with_id(&tx, *id).await;
    }
    tx.commit().await.expect("commit");
    let dead = wait_for(Duration::from_secs(20), || async {
        count(app, "SELECT count(*) FROM dead_events").await == before + n as i64
    })
    .await;
    assert!(dead, "{n} events dead-lettered");
    ids
}
