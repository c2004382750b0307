//! An app whose every event lands in a log the test can read, to check which events
//! a request emitted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use serde_json::Value;
use troupe::events::routing::Route;
use troupe::messages::events::{HandleEvent, HandlerError};

use crate::support::{TestApp, app, wait_for};

#[derive(Clone, Default)]
pub struct EventLog(Arc<Mutex<Vec<Value>>>);

struct Collector(EventLog);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<HandleEvent> for Collector {
    type Result = Result<(), HandlerError>;
    fn handle(&mut self, msg: HandleEvent, _: &mut Context<Self>) -> Self::Result {
        let json = serde_json::to_value(&msg.envelope).map_err(HandlerError::retry)?;
        (self.0).0.lock().expect("log").push(json);
        Ok(())
    }
}

impl EventLog {
    /// Every `(event_type, data)` seen so far, in arrival order.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.0
            .lock()
            .expect("log")
            .iter()
            .map(|e| {
                (
                    e["event_type"].as_str().unwrap_or("").to_owned(),
                    e["data"].clone(),
                )
            })
            .collect()
    }

    pub fn of_type(&self, event_type: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|(t, _)| t == event_type)
            .map(|(_, d)| d)
            .collect()
    }

    /// Waits until `n` events of `event_type` arrived (and reports whether they did).
    pub async fn wait_for(&self, event_type: &str, n: usize) -> bool {
        wait_for(Duration::from_secs(10), || async {
            self.of_type(event_type).len() >= n
        })
        .await
    }

    /// Lets events still in flight arrive, for assertions that something did *not*.
    pub async fn settle(&self, app: &TestApp) {
        let drained = wait_for(Duration::from_secs(10), || async {
            let text = app.get("/metrics").await.text;
            text.contains("event_backlog{stage=\"outbox\"} 0")
                && text.contains("event_backlog{stage=\"deliveries\"} 0")
        })
        .await;
        assert!(drained, "the event backlog drains");
    }
}

pub async fn spawn_app_with_event_log() -> (TestApp, EventLog) {
    let log = EventLog::default();
    let collector = Collector(log.clone()).start();
    let sub = Route {
        queue: "test.log".to_owned(),
        bindings: vec!["#".to_owned()],
        consumer: collector.recipient(),
    };
    (app().subscribe(vec![sub]).start().await, log)
}
