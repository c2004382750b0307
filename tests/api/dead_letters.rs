//! The dead-letter tools (issue 15), on both buses: the admin API lists dead
//! letters with their attempts and last error, replays one or all that match (the
//! replayed event is handled once), discards; `troupe dead` does the same.

use std::time::Duration;

use uuid::Uuid;

use crate::support::recorder::{Log, QUEUE, all_applied, app_with_recorder, count, kill};
use crate::support::{TestApp, rabbitmq_vhost};

fn heal(log: &Log, ids: &[Uuid]) {
    log.with(|s| {
        for id in ids {
            s.fail.remove(id);
        }
    });
}

/// `troupe dead …` against the app's database; its standard output.
async fn cli(app: &TestApp, args: &[&str]) -> String {
    let url = format!("postgres://postgres@127.0.0.1:5432/{}", app.db_name);
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_troupe"))
            .arg("dead")
            .args(&args)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .output()
    })
    .await
    .expect("joined")
    .expect("troupe runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "troupe dead: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn tools_work(settings: &[(&str, &str)]) {
    let mut settings = settings.to_vec();
    settings.push(("MAX_RETRIES", "0"));
    let (app, log) = app_with_recorder(&settings).await;
    let root = app.root().await;
    let ana = app.user("ana").await;

    // Listed with attempts and last error, filtered by queue and type.
    let first = kill(&app, &log, 1).await[0];
    let listed = app
        .dead_events(&root.access, &format!("queue={QUEUE}"))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let page = listed.json();
    assert_eq!(page["total"], 1, "{page}");
    let item = &page["items"][0];
    assert_eq!(item["event_id"], first.to_string());
    assert_eq!(item["queue"], QUEUE);
    assert_eq!(item["event_type"], "project.deleted");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["last_error"], "told to fail");
    assert_eq!(item["envelope"]["event_id"], first.to_string());
    let other = app
        .dead_events(&root.access, "event_type=media.uploaded")
        .await
        .json();
    assert_eq!(other["total"], 0, "{other}");
    app.dead_events(&ana.access, "")
        .await
        .problem(403, "admin_required");
    assert_eq!(app.replay_dead_events(&ana.access, "").await.status, 403);

    // Replayed: handled once, and gone from the dead letters.
    heal(&log, &[first]);
    let id = item["id"].as_i64().expect("id");
    let replayed = app.replay_dead_event(&root.access, &id).await;
    assert_eq!(replayed.status, 202, "{}", replayed.text);
    assert!(
        all_applied(&log, &[first], Duration::from_secs(15)).await,
        "replayed event handled"
    );
    assert_eq!(
        log.with(|s| s.applied.iter().filter(|a| **a == first).count()),
        1
    );
    assert_eq!(count(&app, "SELECT count(*) FROM dead_events").await, 0);
    app.replay_dead_event(&root.access, &id)
        .await
        .problem(404, "not_found");

    // Replay by filter from the API.
    let two = kill(&app, &log, 2).await;
    heal(&log, &two);
    let all = app
        .replay_dead_events(&root.access, &format!("queue={QUEUE}"))
        .await;
    assert_eq!(all.status, 202, "{}", all.text);
    assert_eq!(all.json()["replayed"], 2);
    assert!(all_applied(&log, &two, Duration::from_secs(15)).await);

    // The CLI lists, replays by filter and discards.
    let three = kill(&app, &log, 3).await;
    let table = cli(&app, &["list", "--queue", QUEUE]).await;
    for id in &three {
        assert!(table.contains(&id.to_string()), "{table}");
    }
    assert!(
        table.contains("told to fail") && table.contains("(3 dead letters)"),
        "{table}"
    );
    heal(&log, &three[..2]);
    let db = app.pool.get().await.expect("db");
    let keep: i64 = db
        .query_one(
            "SELECT id FROM dead_events WHERE event_id = $1",
            &[&three[2]],
        )
        .await
        .expect("row")
        .get(0);
    let gone = cli(&app, &["discard", &keep.to_string()]).await;
    assert!(gone.contains("discarded 1"), "{gone}");
    let back = cli(&app, &["replay", "--event-type", "project.deleted"]).await;
    assert!(back.contains("replayed 2"), "{back}");
    assert!(all_applied(&log, &three[..2], Duration::from_secs(15)).await);
    assert_eq!(count(&app, "SELECT count(*) FROM dead_events").await, 0);
    let none = cli(&app, &["replay", "--all"]).await;
    assert!(none.contains("replayed 0"), "{none}");

    // The depth gauge follows the table.
    kill(&app, &log, 1).await;
    let metrics = app.metrics().await.text;
    assert!(
        metrics.contains(&format!("event_dead_letters{{queue=\"{QUEUE}\"}} 1")),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("dead"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let discarded = app.dead_events(&root.access, "").await.json();
    let id = discarded["items"][0]["id"].as_i64().expect("id");
    let deleted = app.discard_dead_event(&root.access, &id).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(count(&app, "SELECT count(*) FROM dead_events").await, 0);
}

#[actix_web::test]
async fn dead_letters_are_listed_replayed_once_and_discarded_on_the_memory_bus() {
    tools_work(&[]).await;
}

#[actix_web::test]
async fn dead_letters_are_listed_replayed_once_and_discarded_over_rabbitmq() {
    let (_vhost, url) = rabbitmq_vhost();
    tools_work(&[("EVENT_BUS", "rabbitmq"), ("RABBITMQ_URL", url.as_str())]).await;
}
