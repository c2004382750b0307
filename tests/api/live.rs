//! Issue 19: live counts over Server-Sent Events, pushed from whichever node scanned.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestApp, app};

/// An open `GET /events/{id}/live`, read event by event.
struct Live {
    response: reqwest::Response,
    buffer: String,
}

impl Live {
    async fn open(app: &TestApp, token: &str, event: &str) -> Live {
        let response = reqwest::Client::new()
            .get(app.url(&format!("/events/{event}/live")))
            .bearer_auth(token)
            .send()
            .await
            .expect("connected");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Live {
            response,
            buffer: String::new(),
        }
    }

    /// The next `counts` event, within `limit`.
    async fn next(&mut self, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                    assert!(block.starts_with("event: counts\n"), "{block}");
                    return serde_json::from_str(data).expect("JSON data");
                }
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .expect("an update in time")
                .expect("stream open")
                .expect("stream not ended");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Updates until one satisfies `done`; returns it and how long that took.
    async fn until(&mut self, limit: Duration, done: impl Fn(&Value) -> bool) -> (Value, Duration) {
        let start = Instant::now();
        loop {
            let left = limit.saturating_sub(start.elapsed());
            let view = self.next(left).await;
            if done(&view) {
                return (view, start.elapsed());
            }
        }
    }
}

#[actix_web::test]
async fn a_scan_on_one_node_reaches_a_watcher_on_another_within_a_second() {
    let secret = [("JWT_SECRET", "live-counts-test-secret-of-at-least-32-bytes")];
    let watched = app().settings(&secret).start().await;
    let scanned = app()
        .settings(&secret)
        .on_database(&watched.db_name)
        .start()
        .await;
    let admin = watched.user_with_role("live_admin", "admin").await;
    let gate = watched.user_with_role("live_gate", "committee").await;
    let body = json!({"id": "arena", "name": "Arena", "reentry": true});
    assert_eq!(
        watched
            .call("POST", "/events", &admin.access, Some(&body))
            .await
            .status,
        201
    );

    let mut live = Live::open(&watched, &gate.access, "arena").await;
    let first = live.next(Duration::from_secs(2)).await;
    assert_eq!(first["checked_in"], 0, "the counts at once: {first}");
    assert_eq!(first["inside"], 0);

    let scan = |ticket: &'static str, direction: &'static str, gate_name: &'static str| {
        let body = json!({"event_id": "arena", "ticket_id": ticket, "direction": direction, "gate": gate_name});
        let (node, token) = (&scanned, gate.access.clone());
        async move { node.call("POST", "/checkins", &token, Some(&body)).await }
    };
    assert_eq!(scan("A1", "entry", "north").await.status, 201);
    let (view, took) = live
        .until(Duration::from_secs(3), |v| v["checked_in"] == 1)
        .await;
    assert!(took <= Duration::from_secs(1), "pushed after {took:?}");
    assert_eq!(view["inside"], 1);
    assert_eq!(view["gates"]["north"]["passed"], 1);

    assert_eq!(scan("A2", "entry", "south").await.status, 201);
    assert_eq!(scan("A1", "exit", "north").await.status, 201);
    assert_eq!(scan("A2", "entry", "south").await.status, 409);
    let (view, took) = live
        .until(Duration::from_secs(3), |v| {
            v["refused"]["already_checked_in"] == 1
        })
        .await;
    assert!(took <= Duration::from_secs(1), "pushed after {took:?}");
    assert_eq!(view["checked_in"], 2);
    assert_eq!(view["inside"], 1, "A1 went out");
    assert_eq!(view["gates"]["south"], json!({"passed": 1, "refused": 1}));

    // Many scans in a burst arrive coalesced, ending at the true counts: at most one
    // update per tick (250 ms) from the burst's start — updates pushed while the burst
    // was still being sent count too, so the clock starts before it.
    let start = Instant::now();
    for i in 0..30 {
        let body = json!({"event_id": "arena", "ticket_id": format!("B{i}")});
        scanned
            .call("POST", "/checkins", &gate.access, Some(&body))
            .await;
    }
    let mut updates = 0;
    loop {
        let view = live.next(Duration::from_secs(3)).await;
        updates += 1;
        if view["checked_in"] == 32 {
            break;
        }
    }
    assert!(
        updates <= 1 + (start.elapsed().as_millis() / 250) as usize + 1,
        "{updates} updates"
    );

    let visitor = watched.user("live_visitor").await;
    let refused = reqwest::Client::new()
        .get(watched.url("/events/arena/live"))
        .bearer_auth(&visitor.access)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 403);
    let bad = reqwest::Client::new()
        .get(watched.url("/events/has%20space/live"))
        .bearer_auth(&gate.access)
        .send()
        .await
        .expect("answered");
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}
