//! Issue 21: what the README says to back up is enough. A `pg_dump` of one
//! process's database, restored into a new database, serves a fresh process with a
//! fresh `DATA_DIR` — accounts, projects — and `troupe reindex` rebuilds search from
//! it (the index is never backed up).

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::support::{PASSWORD, app, spawn_app, wait_for};

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (PostgreSQL's client tools): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_web::test]
async fn a_restored_dump_serves_a_fresh_process_and_reindex_rebuilds_search() {
    let first = spawn_app().await;
    let bea = first.user("bea").await;
    for i in 0..3 {
        let made = first
            .create_project(
                &bea.access,
                &json!({"title": format!("harbor lantern {i}")}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text);
    }
    let indexed = wait_for(Duration::from_secs(10), || async {
        first.search("query=lantern").await.json()["total"] == 3
    })
    .await;
    assert!(indexed);

    // Back up the database only, restore it into a new one.
    let scratch = tempfile::tempdir().expect("temp dir");
    let dump = scratch.path().join("troupe.dump");
    let dump = dump.to_str().unwrap();
    let pg = ["-h", "127.0.0.1", "-U", "postgres"];
    run(
        "pg_dump",
        &[&pg[..], &["-Fc", "-f", dump, &first.db_name]].concat(),
    );
    let restored = format!("troupe_test_{}", uuid::Uuid::new_v4().simple());
    run("createdb", &[&pg[..], &[restored.as_str()]].concat());
    run(
        "pg_restore",
        &[&pg[..], &["--no-owner", "-d", &restored, dump]].concat(),
    );

    // A fresh data directory: no index. `troupe reindex` rebuilds it from the rows.
    let data = scratch.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_troupe"))
        .arg("reindex")
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{restored}"),
        )
        .env("DATA_DIR", &data)
        .env("APP_ENV", "test")
        .output()
        .expect("troupe reindex runs");
    assert!(
        out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("reindexed 3 projects"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let second = app()
        .on_database(&restored)
        .settings(&[("DATA_DIR", data.to_str().unwrap())])
        .start()
        .await;
    let again = second.login_user("bea", PASSWORD).await;
    assert_eq!(again.id, bea.id, "the same account");
    let projects = second.get("/projects").await.json();
    assert_eq!(projects["total"], 3, "{projects}");
    let found = second.search("query=lantern").await.json();
    assert_eq!(found["total"], 3, "{found}");
    // The old process's tokens are not the new one's business: its secret lived in
    // the old DATA_DIR (set JWT_SECRET to keep sessions across a restore).
    assert_eq!(second.verify(&again.access).await.status, 200);
}
