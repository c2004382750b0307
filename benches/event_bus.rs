//! Outbox → consumer throughput and latency, on the memory bus and on RabbitMQ.
//!
//! `cargo bench --bench event_bus` (needs PostgreSQL on 127.0.0.1:5432 and, for the
//! RabbitMQ half, RabbitMQ on 127.0.0.1:5672 with `rabbitmqctl` on the PATH).
//! Throughput: 20,000 events recorded in transactions of 100, timed from the first
//! commit to the last handler call. Latency: 500 single-event transactions, 10 ms
//! apart, each timed from its commit returning to its handler being called.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use troupe::app::Application;
use troupe::config::Config;
use troupe::db::outbox;
use troupe::events::routing::Route;
use troupe::messages::events::{DomainEvent, HandleEvent, HandlerError, ProjectDeleted};
use uuid::Uuid;

type Arrivals = Arc<Mutex<HashMap<Uuid, Instant>>>;

struct Stopwatch(Arrivals);

impl Actor for Stopwatch {
    type Context = Context<Self>;
}

impl Handler<HandleEvent> for Stopwatch {
    type Result = Result<(), HandlerError>;
    fn handle(&mut self, msg: HandleEvent, _: &mut Context<Self>) -> Self::Result {
        if let Ok(mut seen) = self.0.lock() {
            seen.entry(msg.envelope.event_id)
                .or_insert_with(Instant::now);
        }
        Ok(())
    }
}

fn event() -> DomainEvent {
    DomainEvent::ProjectDeleted(ProjectDeleted {
        project_id: Uuid::now_v7(),
    })
}

async fn start(bus: &str, amqp_url: &str) -> (Application, Arrivals) {
    let db = format!("troupe_bench_{}", Uuid::new_v4().simple());
    let data = std::env::temp_dir().join(&db);
    let vars: HashMap<&str, String> = HashMap::from([
        ("APP_HOST", "127.0.0.1".to_owned()),
        ("APP_PORT", "0".to_owned()),
        (
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{db}"),
        ),
        ("DATA_DIR", data.display().to_string()),
        ("EVENT_BUS", bus.to_owned()),
        ("RABBITMQ_URL", amqp_url.to_owned()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let arrivals: Arrivals = Arc::default();
    let stopwatch = Stopwatch(arrivals.clone()).start();
    let sub = Route {
        queue: "bench.events".to_owned(),
        bindings: vec!["#".to_owned()],
        consumer: stopwatch.recipient(),
    };
    let app = Application::build_with(config, vec![sub])
        .await
        .expect("app starts");
    (app, arrivals)
}

async fn wait_all(arrivals: &Arrivals, ids: &[Uuid], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if arrivals
            .lock()
            .map(|s| ids.iter().all(|id| s.contains_key(id)))
            .unwrap_or(false)
        {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn run(bus: &str, amqp_url: &str) {
    let (app, arrivals) = start(bus, amqp_url).await;
    let pool = app.pool();
    let mut db = pool.get().await.expect("connection");

    // Warm-up: connections, prepared statements, broker topology.
    let mut warm = Vec::new();
    let tx = db.transaction().await.expect("tx");
    for _ in 0..100 {
        warm.push(outbox::record(&tx, event()).await.expect("record").event_id);
    }
    tx.commit().await.expect("commit");
    assert!(
        wait_all(&arrivals, &warm, Duration::from_secs(30)).await,
        "warm-up delivered"
    );

    // Throughput.
    let mut ids = Vec::with_capacity(20_000);
    let started = Instant::now();
    for _ in 0..200 {
        let tx = db.transaction().await.expect("tx");
        for _ in 0..100 {
            ids.push(outbox::record(&tx, event()).await.expect("record").event_id);
        }
        tx.commit().await.expect("commit");
    }
    let written = started.elapsed();
    assert!(
        wait_all(&arrivals, &ids, Duration::from_secs(300)).await,
        "all delivered"
    );
    let last = arrivals
        .lock()
        .map(|s| ids.iter().map(|id| s[id]).max())
        .ok()
        .flatten()
        .expect("arrivals");
    let total = last - started;
    println!(
        "{bus}: throughput {} events in {:.2} s = {:.0} events/s (writing took {:.2} s)",
        ids.len(),
        total.as_secs_f64(),
        ids.len() as f64 / total.as_secs_f64(),
        written.as_secs_f64()
    );

    // Latency, one event per transaction.
    let mut latencies = Vec::with_capacity(500);
    for _ in 0..500 {
        let tx = db.transaction().await.expect("tx");
        let id = outbox::record(&tx, event()).await.expect("record").event_id;
        tx.commit().await.expect("commit");
        let committed = Instant::now();
        assert!(
            wait_all(&arrivals, &[id], Duration::from_secs(10)).await,
            "delivered"
        );
        let arrived = arrivals.lock().map(|s| s[&id]).expect("arrival");
        latencies.push(arrived.saturating_duration_since(committed));
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    latencies.sort();
    println!(
        "{bus}: commit → handler latency over {} events: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    actix_rt::System::new().block_on(async move {
        if only.as_deref().is_none_or(|o| o == "memory") {
            run("memory", "amqp://guest:guest@127.0.0.1:5672/%2f").await;
        }
        if only.as_deref().is_none_or(|o| o == "rabbitmq") {
            let vhost = format!("troupe_bench_{}", Uuid::new_v4().simple());
            for args in [
                vec!["add_vhost", vhost.as_str()],
                vec![
                    "set_permissions",
                    "-p",
                    vhost.as_str(),
                    "guest",
                    ".*",
                    ".*",
                    ".*",
                ],
            ] {
                let ok = std::process::Command::new("rabbitmqctl")
                    .args(&args)
                    .status()
                    .map(|s| s.success());
                assert!(matches!(ok, Ok(true)), "rabbitmqctl {args:?} failed");
            }
            run(
                "rabbitmq",
                &format!("amqp://guest:guest@127.0.0.1:5672/{vhost}"),
            )
            .await;
            let _ = std::process::Command::new("rabbitmqctl")
                .args(["delete_vhost", &vhost])
                .status();
        }
    });
}
