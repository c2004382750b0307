//! Supervision (issue 15): the actors that own a connection stop when it is cut and
//! their supervisors restart them after 1 s, 2 s, 4 s … (with jitter); meanwhile
//! `/ready` answers 503 at once, and afterwards events flow again. Only this test's
//! own connections are cut: its RabbitMQ vhost, its database's sessions.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{TestApp, app, rabbitmq_vhost, spawn_app, wait_for};

/// `name{actor="…"}` from `/metrics` (0 when the series does not exist yet).
async fn metric(app: &TestApp, name: &str, actor: &str) -> f64 {
    let text = app.metrics().await.text;
    let series = format!("{name}{{actor=\"{actor}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The `n`th restart in a row (1-based) waits 2^(n-1) s ± 20 %.
fn assert_backoff(actor: &str, n: f64, delay: f64) {
    let base = 2f64.powf(n - 1.0);
    assert!(
        delay >= 0.8 * base - 0.01 && delay <= 1.2 * base + 0.01,
        "{actor}: restart {n} waited {delay} s, not 2^{} s ± 20 %",
        n - 1.0
    );
}

/// Runs a blocking command off the test's thread (the app's actors share it) and
/// returns what it printed.
async fn run(program: &'static str, args: Vec<String>) -> String {
    let out = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(program).args(&args).output()
    })
    .await
    .expect("joined")
    .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many connections the app holds open in its RabbitMQ vhost.
async fn open_connections(vhost: &str) -> usize {
    let args = ["list_connections", "-p", vhost, "--silent", "name"];
    run("rabbitmqctl", args.map(str::to_owned).to_vec())
        .await
        .lines()
        .filter(|line| !line.trim().is_empty())
        .count()
}

async fn searchable_soon(app: &TestApp, token: &str, title: &str, limit: Duration) -> bool {
    let body = json!({"title": title});
    let reply = app.create_project(token, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let query = format!("/search?q={}", title.replace(' ', "+"));
    wait_for(limit, || async {
        app.get(&query).await.json()["total"].as_u64() == Some(1)
    })
    .await
}

#[actix_web::test]
async fn cut_rabbitmq_connections_restart_publisher_and_consumers_with_growing_delays() {
    let (vhost, url) = rabbitmq_vhost();
    let app = app()
        .settings(&[("EVENT_BUS", "rabbitmq"), ("RABBITMQ_URL", url.as_str())])
        .start()
        .await;
    let ana = app.user("ana").await;
    assert!(searchable_soon(&app, &ana.access, "before any cut", Duration::from_secs(10)).await);

    let actors = ["amqp_publisher", "amqp_consumer/project.events"];
    // Restarts so far per actor: a reconnect that itself fails (a slow machine) is
    // one more restart, and the delay follows the count, not the cuts.
    let mut seen = [0.0f64; 2];
    // A restart is counted when it is scheduled, before its delay: each cut waits
    // until every connection is open again, or it would miss an actor still waiting.
    let connected = open_connections(&vhost).await;
    assert!(connected >= 2, "only {connected} connections in the vhost");
    for n in 1..=3u32 {
        let all_open = wait_for(Duration::from_secs(20), || async {
            open_connections(&vhost).await >= connected
        })
        .await;
        assert!(
            all_open,
            "cut {n}: the app's {connected} connections did not reopen"
        );
        let cut = Instant::now();
        run(
            "rabbitmqctl",
            vec![
                "close_all_connections".into(),
                "-p".into(),
                vhost.clone(),
                "test cut".into(),
            ],
        )
        .await;
        // While the publisher restarts, readiness says so at once.
        let saw_down = std::cell::Cell::new(false);
        let back = wait_for(Duration::from_secs(20), || async {
            let asked = Instant::now();
            let status = app.ready().await.status;
            assert!(
                asked.elapsed() < Duration::from_millis(2500),
                "/ready took {:?}",
                asked.elapsed()
            );
            saw_down.set(saw_down.get() || status == 503);
            status == 200 && metric(&app, "actor_restarts_total", actors[0]).await > seen[0]
        })
        .await;
        assert!(back, "cut {n}: the publisher did not come back");
        assert!(
            saw_down.get(),
            "cut {n}: /ready never reported the bus down"
        );
        for (i, actor) in actors.into_iter().enumerate() {
            let restarted = wait_for(Duration::from_secs(20), || async {
                metric(&app, "actor_restarts_total", actor).await > seen[i]
            })
            .await;
            assert!(restarted, "cut {n}: {actor} was not restarted once more");
            seen[i] = metric(&app, "actor_restarts_total", actor).await;
            let delay = metric(&app, "actor_restart_delay_seconds", actor).await;
            assert_backoff(actor, seen[i], delay);
        }
        let publisher_delay = metric(&app, "actor_restart_delay_seconds", actors[0]).await;
        assert!(
            cut.elapsed().as_secs_f64() >= publisher_delay,
            "cut {n}: back after {:?}, before its {publisher_delay} s delay",
            cut.elapsed()
        );
    }
    // Every consumer is attached again: a new project reaches the index.
    assert!(
        searchable_soon(
            &app,
            &ana.access,
            "after three cuts",
            Duration::from_secs(15)
        )
        .await,
        "events flow again after the restarts"
    );
}

/// Terminates this app's sessions whose application name starts with `prefix`;
/// returns how many.
async fn terminate(app: &TestApp, prefix: &str) -> i64 {
    let db = app.pool.get().await.expect("db");
    db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND application_name LIKE $2 || '%'",
        &[&app.db_name, &prefix],
    )
    .await
    .expect("terminate")
    .len() as i64
}

async fn sessions(app: &TestApp, prefix: &str) -> i64 {
    let db = app.pool.get().await.expect("db");
    db.query_one(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2 || '%'",
        &[&app.db_name, &prefix],
    )
    .await
    .expect("count")
    .get(0)
}

#[actix_web::test]
async fn terminated_listen_and_lease_sessions_restart_the_relay_and_dispatcher_with_growing_delays()
{
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let watched = [
        ("troupe-listen-", "outbox_relay"),
        ("troupe-lease-", "event_dispatcher"),
    ];
    for (prefix, _) in watched {
        let open = wait_for(Duration::from_secs(10), || async {
            sessions(&app, prefix).await == 1
        })
        .await;
        assert!(open, "{prefix} session is open");
    }
    for n in 1..=3u32 {
        let mut cut = Vec::new();
        for (prefix, _) in watched {
            assert_eq!(
                terminate(&app, prefix).await,
                1,
                "cut {n}: one {prefix} session"
            );
            cut.push(Instant::now());
        }
        for ((prefix, actor), at) in watched.into_iter().zip(cut) {
            let back = wait_for(Duration::from_secs(20), || async {
                metric(&app, "actor_restarts_total", actor).await == f64::from(n)
                    && sessions(&app, prefix).await == 1
            })
            .await;
            assert!(back, "cut {n}: {actor} did not restart and reconnect");
            let delay = metric(&app, "actor_restart_delay_seconds", actor).await;
            assert_backoff(actor, f64::from(n), delay);
            assert!(
                at.elapsed().as_secs_f64() >= delay,
                "cut {n}: {actor} reconnected before its delay"
            );
        }
    }
    // LISTEN is back: a new project is indexed well before the 5 s safety poll.
    assert!(
        searchable_soon(
            &app,
            &ana.access,
            "after the sessions",
            Duration::from_secs(3)
        )
        .await,
        "events flow again"
    );
}
