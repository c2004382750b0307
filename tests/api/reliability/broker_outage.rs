//! RabbitMQ goes away mid-stream (through a TCP proxy only this app uses): API
//! writes keep succeeding because the outbox absorbs their events, and once the
//! broker is back the search index equals the database.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::tcp_proxy::TcpProxy;
use crate::support::{TestApp, TestUser, app, rabbitmq_vhost, wait_for};

async fn create(app: &TestApp, user: &TestUser, title: &str) -> String {
    let body = json!({"title": title});
    let reply = app.create_project(&user.access, &body).await;
    assert_eq!(reply.status, 201, "{title}: {}", reply.text);
    reply.json()["id"].as_str().expect("id").to_owned()
}

/// `project_id → title` as the index has it (every page of an empty search).
async fn indexed(app: &TestApp) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for page in 1.. {
        let results: Value = app.search(&format!("size=100&page={page}")).await.json();
        let Some(batch) = results["results"].as_array().filter(|b| !b.is_empty()) else {
            return found;
        };
        for hit in batch {
            let id = hit["project_id"].as_str().unwrap_or_default().to_owned();
            found.insert(id, hit["title"].as_str().unwrap_or_default().to_owned());
        }
    }
    found
}

async fn stored(app: &TestApp) -> BTreeMap<String, String> {
    let db = app.pool.get().await.expect("db");
    db.query("SELECT id::text, title FROM projects", &[])
        .await
        .expect("projects")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[actix_web::test]
async fn writes_succeed_through_a_broker_outage_and_the_index_converges_after() {
    let (vhost, _) = rabbitmq_vhost();
    let proxy = TcpProxy::start("127.0.0.1:5672").await;
    let url = format!("amqp://guest:guest@127.0.0.1:{}/{vhost}", proxy.port());
    let app = app()
        .settings(&[("EVENT_BUS", "rabbitmq"), ("RABBITMQ_URL", url.as_str())])
        .start()
        .await;
    let ana = app.user("ana").await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(create(&app, &ana, &format!("before {i}")).await);
    }

    proxy.cut();
    for i in 0..120 {
        ids.push(create(&app, &ana, &format!("during {i}")).await);
    }
    for id in &ids[..30] {
        let body = json!({"title": format!("renamed {id}")});
        let reply = app.update_project(&ana.access, &id, &body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    for id in &ids[30..45] {
        let reply = app.delete_project(&ana.access, &id).await;
        assert_eq!(reply.status, 204, "{}", reply.text);
    }
    let down = wait_for(Duration::from_secs(10), || async {
        app.ready().await.status == 503
    })
    .await;
    assert!(down, "readiness did not report the broker down");

    proxy.restore();
    for i in 0..40 {
        create(&app, &ana, &format!("after {i}")).await;
    }
    let expected = stored(&app).await;
    assert_eq!(expected.len(), 40 + 120 - 15 + 40);
    let converged = wait_for(Duration::from_secs(60), || async {
        indexed(&app).await == expected
    })
    .await;
    let actual = indexed(&app).await;
    let missing = expected
        .iter()
        .filter(|(id, title)| actual.get(*id) != Some(title))
        .count();
    let extra = actual
        .keys()
        .filter(|id| !expected.contains_key(*id))
        .count();
    assert!(
        converged,
        "index differs from the database: {missing} missing or stale, {extra} extra"
    );
}
