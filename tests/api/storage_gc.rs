//! Issue 21: garbage collection of objects. A process killed between writing an
//! upload's object and committing its row leaves an object no row names; so does a
//! media row deleted behind the consumer's back (its upload and thumbnail). The next
//! collection past the grace period removes exactly those — nothing else — on the
//! filesystem store (`troupe gc`, with a dry run first) and on S3 (SeaweedFS; the
//! worker's own periodic job, counted in `storage_gc_removed_total`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use troupe::storage::ObjectKey;
use troupe::storage::ObjectStore;
use troupe::storage::s3::{S3Settings, S3Store};

use crate::support::media_fixtures::png;
use crate::support::process::{ServerProcess, ServerSettings};
use crate::support::seaweedfs::{ACCESS_KEY, SECRET_KEY, SeaweedFs};
use crate::support::{PASSWORD, app, wait_for};

/// Every file under `dir`, as keys relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                found.push(rel.display().to_string());
            }
        }
    }
    found.sort();
    found
}

async fn upload(base: &str, token: &str) -> Result<Value, reqwest::Error> {
    let part = reqwest::multipart::Part::bytes(png(40, 30)).file_name("gc.png");
    let form = reqwest::multipart::Form::new().part("file", part);
    reqwest::Client::new()
        .post(format!("{base}/media/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?
        .json()
        .await
}

/// Uploads and waits for the thumbnail; the media document.
async fn upload_with_thumbnail(base: &str, token: &str) -> Value {
    let media = upload(base, token).await.expect("upload");
    let id = media["id"].as_str().expect("id").to_owned();
    let read = || async {
        let got: Value = reqwest::get(format!("{base}/media/{id}"))
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        got
    };
    let made = wait_for(Duration::from_secs(20), || async {
        read().await["thumbnail_url"].is_string()
    })
    .await;
    assert!(made, "the thumbnail of {id} is made");
    read().await
}

fn gc(settings: &ServerSettings, grace: &str, dry_run: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_troupe"));
    command.arg("gc");
    if dry_run {
        command.arg("--dry-run");
    }
    let out = command
        .envs(&settings.vars)
        .env("GC_GRACE_SECS", grace)
        .output()
        .expect("troupe gc runs");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    said
}

#[actix_web::test]
async fn a_crash_between_object_and_row_leaves_an_orphan_that_gc_removes_and_nothing_else() {
    let data = tempfile::tempdir().expect("temp dir");
    let objects = data.path().join("objects");
    let settings = ServerSettings::new(data.path()).with("GC_INTERVAL_SECS", "0");

    // A process that dies right after writing an upload's object.
    let crashing = settings
        .sibling()
        .with("TROUPE_FAULT", "upload-after-object-write");
    let mut crashy = ServerProcess::start(&crashing).await;
    let token = crashy.access_token("gc_user", PASSWORD, true).await;
    assert!(
        upload(&crashy.base, &token).await.is_err(),
        "the process died mid-request"
    );
    assert!(crashy.exited(Duration::from_secs(10)).await.is_some());
    let orphans = files(&objects);
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    assert!(orphans[0].starts_with("uploads/"));

    // A healthy process: one file that stays, one whose row is deleted behind the
    // consumer's back (its upload and thumbnail become orphans).
    let server = ServerProcess::start(&settings).await;
    let token = server.access_token("gc_user", PASSWORD, false).await;
    let kept = upload_with_thumbnail(&server.base, &token).await;
    let dropped = upload_with_thumbnail(&server.base, &token).await;
    let url = settings.vars["DATABASE_URL"].clone();
    let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("db");
    actix_rt::spawn(connection);
    let id = uuid::Uuid::parse_str(dropped["id"].as_str().unwrap()).unwrap();
    db.execute("DELETE FROM media WHERE id = $1", &[&id])
        .await
        .expect("delete the row");
    assert_eq!(files(&objects).len(), 5, "{:?}", files(&objects));

    // A dry run names the three orphans and removes nothing.
    let said = gc(&settings, "0", true);
    assert_eq!(said.matches("orphan: ").count(), 3, "{said}");
    assert!(said.contains(&orphans[0]), "{said}");
    assert_eq!(files(&objects).len(), 5);
    // Within the grace period nothing is touched.
    let said = gc(&settings, "3600", false);
    assert!(said.contains("0 removed"), "{said}");
    assert_eq!(files(&objects).len(), 5);
    // Past it, exactly the orphans go.
    let said = gc(&settings, "0", false);
    assert!(said.contains("3 removed"), "{said}");
    let left = files(&objects);
    assert_eq!(left.len(), 2, "{left:?}");
    for field in ["file_url", "thumbnail_url"] {
        let path = kept[field].as_str().unwrap();
        let res = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{field} still served");
    }
}

#[actix_web::test]
async fn the_worker_collects_s3_orphans_on_its_own_and_counts_them() {
    let seaweed = SeaweedFs::start().await;
    let mut settings = seaweed.settings("gc-bucket");
    settings.push(("GC_INTERVAL_SECS", "1".to_owned()));
    settings.push(("GC_GRACE_SECS", "2".to_owned()));
    let app = app().settings(&settings).start().await;
    let ana = app.user("ana").await;
    let kept = app.upload(&ana.access, "kept.png", png(32, 32), None).await;
    assert_eq!(kept.status, 201, "{}", kept.text);
    let store = S3Store::new(S3Settings {
        endpoint: seaweed.endpoint.clone(),
        region: "us-east-1".into(),
        bucket: "gc-bucket".into(),
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        path_style: true,
    })
    .expect("store");
    let orphan = ObjectKey::parse(&format!("uploads/{}/orphan.png", uuid::Uuid::now_v7())).unwrap();
    store
        .put(&orphan, bytes::Bytes::from(png(8, 8)), "image/png")
        .await
        .expect("put");
    let collected = wait_for(Duration::from_secs(30), || async {
        let metrics = app.get("/metrics").await.text;
        let removed = metrics
            .lines()
            .find_map(|l| l.strip_prefix("storage_gc_removed_total "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0);
        removed >= 1 && store.head(&orphan).await.ok().flatten().is_none()
    })
    .await;
    assert!(
        collected,
        "the worker removed the orphan past the grace period"
    );
    let file = kept.json()["file_url"].as_str().unwrap().to_owned();
    assert_eq!(app.fetch(&file).await.0, 200, "the named object stays");
}
