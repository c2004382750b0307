//! Issue 16: one request's log shows its steps — handler, actor, SQL, the bcrypt
//! pool, the search index — each as a span nested under the request's span, with
//! its own time, so a slow request's log says which step was slow.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use std::time::Duration;

use crate::support::{PASSWORD, spawn_app, wait_for};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Every closed span's line (`message: close`).
    fn closed(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("utf-8");
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["message"] == "close")
            .collect()
    }

    /// The closed spans whose parents include `request_id`'s request span.
    fn steps_of(&self, request_id: &str) -> Vec<Value> {
        self.closed()
            .into_iter()
            .filter(|line| {
                line["spans"].as_array().is_some_and(|spans| {
                    spans
                        .iter()
                        .any(|s| s["name"] == "request" && s["request_id"] == request_id)
                })
            })
            .collect()
    }
}

/// The steps' `span` objects, for assertions and failure messages.
fn spans(steps: &[Value]) -> Vec<&Value> {
    steps.iter().map(|s| &s["span"]).collect()
}

fn has(steps: &[Value], name: &str, field: &str, value: &str) -> bool {
    spans(steps)
        .iter()
        .any(|s| s["name"] == name && s[field] == value)
}

#[actix_rt::test]
async fn one_requests_log_shows_handler_actor_sql_pool_and_index_steps_with_their_times() {
    let log = Captured::default();
    let settings = std::collections::HashMap::from([
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "info,troupe=debug"),
    ]);
    let config = troupe::config::Config::from_lookup(|k| settings.get(k).map(|v| v.to_string()))
        .expect("log settings");
    let writer = log.clone();
    troupe::telemetry::init_with_writer(&config, move || writer.clone());
    let app = spawn_app().await;
    app.user("tracy").await;

    let login = app
        .send(
            app.client
                .post(app.url("/auth/login"))
                .header("x-request-id", "trace-login")
                .json(&json!({"login": "tracy", "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let created = app
        .send(
            app.client
                .post(app.url("/projects"))
                .bearer_auth(&token)
                .header("x-request-id", "trace-create")
                .json(&json!({"title": "Traced steps"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let search = app
        .send(
            app.client
                .get(app.url("/search?query=traced"))
                .header("x-request-id", "trace-search"),
        )
        .await;
    assert_eq!(search.status, 200, "{}", search.text);

    // A span's line is written when its last handle drops, which for the actor's
    // can be a moment after the reply went out.
    let complete = || async {
        has(&log.closed(), "actor", "message", "CreateProject")
            && has(&log.steps_of("trace-search"), "index", "op", "search")
    };
    wait_for(Duration::from_secs(5), complete).await;
    let steps = log.steps_of("trace-create");
    assert!(
        has(&steps, "handler", "handler", "projects::create"),
        "{:#?}",
        spans(&steps)
    );
    // The actor's own line is written when its future is dropped, outside the
    // request's context; its steps' lines name it among their parents.
    assert!(has(&log.closed(), "actor", "message", "CreateProject"));
    assert!(
        has(&steps, "sql", "call", "projects::insert"),
        "{:#?}",
        spans(&steps)
    );
    assert!(
        has(&steps, "sql", "call", "outbox::record"),
        "{:#?}",
        spans(&steps)
    );
    // Nested in order: the SQL step's parents are request > handler > actor.
    let insert = steps
        .iter()
        .find(|s| s["span"]["call"] == "projects::insert")
        .expect("insert step");
    let parents: Vec<&str> = insert["spans"]
        .as_array()
        .expect("parents")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        insert["spans"]
            .as_array()
            .expect("parents")
            .iter()
            .any(|p| p["name"] == "actor" && p["message"] == "CreateProject"),
        "{insert}"
    );
    assert_eq!(parents, ["request", "handler", "actor"], "{insert}");
    assert!(
        insert["time.busy"].is_string(),
        "each step has its time: {insert}"
    );

    let steps = log.steps_of("trace-login");
    assert!(
        has(&steps, "bcrypt", "op", "verify"),
        "the pool thread's step: {:#?}",
        spans(&steps)
    );
    let steps = log.steps_of("trace-search");
    assert!(
        has(&steps, "index", "op", "search"),
        "the index step: {:#?}",
        spans(&steps)
    );
}
