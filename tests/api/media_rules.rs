//! SPEC §6's rules at the edges: size limits enforced while reading, who may attach
//! and delete, path escapes, EXIF orientation, final failures, redelivery, and
//! user deletion.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::media_fixtures::{Store, app_on, png, sideways_jpeg, stored_objects};
use crate::support::{spawn_app, wait_for};

const MIB: usize = 1024 * 1024;

/// A multipart body whose file part is `size` bytes of a PNG signature and zeros,
/// streamed in 64 KiB chunks; after `stall_after` bytes the stream never ends.
fn endless_body(stall_after: usize) -> reqwest::Body {
    let head = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\r\n\x89PNG\r\n\x1a\n".to_vec();
    let chunks = std::iter::once(head).chain(std::iter::repeat_n(
        vec![0u8; 64 * 1024],
        stall_after / (64 * 1024),
    ));
    let stream = futures_util::stream::iter(chunks.map(Ok::<_, std::io::Error>))
        .chain(futures_util::stream::pending());
    reqwest::Body::wrap_stream(stream)
}

#[actix_web::test]
async fn oversized_uploads_are_refused_while_reading_not_after() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let request = |declared: Option<usize>| {
        let mut req = app
            .client
            .post(app.url("/media/upload"))
            .bearer_auth(&ana.access)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .timeout(Duration::from_secs(10));
        if let Some(length) = declared {
            req = req.header("content-length", length.to_string());
        }
        req
    };
    // A declared 6 MiB is refused before any byte of it is read: the body stalls
    // after 64 KiB and the answer still comes.
    let res = request(Some(6 * MIB))
        .body(endless_body(64 * 1024))
        .send()
        .await
        .expect("answered without the body");
    assert_eq!(res.status().as_u16(), 413);
    // Without a length, reading stops as soon as the limit is passed: the body
    // stalls after 6 MiB and never ends, yet the answer comes.
    let res = request(None)
        .body(endless_body(6 * MIB))
        .send()
        .await
        .expect("answered before the body ended");
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    // The limit is MAX_UPLOAD_BYTES (5 MiB): 4 MiB of PNG is accepted.
    let mut big = png(1024, 1024);
    big.resize(4 * MIB, 0);
    let reply = app.upload(&ana.access, "big.png", big, None).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[actix_web::test]
async fn only_your_own_projects_take_uploads_and_bad_forms_are_refused() {
    let app = spawn_app().await;
    let (ana, bob) = (app.user("ana").await, app.user("bob").await);
    let admin = app.user_with_role("ada", "admin").await;
    let anas = app.project(&ana, "Ana's").await;
    app.upload(&bob.access, "a.png", png(8, 8), Some(&anas))
        .await
        .problem(403, "not_your_project");
    let unknown = uuid::Uuid::now_v7().to_string();
    app.upload(&ana.access, "a.png", png(8, 8), Some(&unknown))
        .await
        .problem(404, "not_found");
    app.upload(&ana.access, "a.png", png(8, 8), Some("not-a-uuid"))
        .await
        .problem(400, "validation_failed");
    let reply = app
        .upload(&admin.access, "a.png", png(8, 8), Some(&anas))
        .await;
    assert_eq!(reply.status, 201, "an admin may attach: {}", reply.text);

    let form = reqwest::multipart::Form::new().text("project_id", anas.clone());
    let reply = app
        .send(
            app.client
                .post(app.url("/media/upload"))
                .bearer_auth(&ana.access)
                .multipart(form),
        )
        .await;
    let doc = reply.problem(400, "validation_failed");
    assert_eq!(doc["errors"]["file"], "is required");
    app.send(
        app.client
            .post(app.url("/media/upload"))
            .bearer_auth(&ana.access)
            .json(&json!({"file": "x"})),
    )
    .await
    .problem(415, "unsupported_media_type");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png(8, 8)).file_name("a.png"),
    );
    app.send(app.client.post(app.url("/media/upload")).multipart(form))
        .await
        .problem(401, "missing_token");
    let reply = app
        .send(
            app.client
                .post(app.url("/media/upload"))
                .bearer_auth(&ana.access)
                .header("content-type", "multipart/form-data; boundary=XyZ")
                .body(
                    b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".to_vec(),
                ),
        )
        .await;
    reply.problem(400, "malformed_multipart");
    app.list_media("project_id=nope")
        .await
        .problem(400, "validation_failed");
    app.list_media(&format!("project_id={unknown}"))
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn a_projects_files_come_page_by_page_with_the_exact_total_past_the_end_too() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let project = app.project(&ana, "Harbour").await;
    let empty = app.project(&ana, "Empty").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let reply = app
            .upload(&ana.access, &format!("{n}.png"), png(8, 8), Some(&project))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(reply.json()["id"].clone());
    }
    ids.reverse(); // newest first
    let none: &[serde_json::Value] = &[];
    let pages = [
        (1, 2, &ids[..2]),
        (2, 2, &ids[2..]),
        (3, 2, none),
        (1, 3, &ids[..]),
        (2, 3, none),
        (1, 20, &ids[..]),
    ];
    for (page, size, expected) in pages {
        let reply = app
            .list_media(&format!("project_id={project}&page={page}&size={size}"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["total"], 3, "page {page} of {size}: {body}");
        let got: Vec<_> = body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| item["id"].clone())
            .collect();
        assert_eq!(got, expected, "page {page} of {size}");
    }
    for page in [1, 2] {
        let reply = app
            .list_media(&format!("project_id={empty}&page={page}"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json()["total"], 0, "{}", reply.text);
        assert_eq!(reply.json()["items"], json!([]), "{}", reply.text);
    }
}

#[actix_web::test]
async fn files_are_deleted_by_their_owner_or_an_admin_only() {
    let app = spawn_app().await;
    let (ana, bob) = (app.user("ana").await, app.user("bob").await);
    let admin = app.user_with_role("ada", "admin").await;
    let first = app
        .upload(&ana.access, "a.png", png(8, 8), None)
        .await
        .json();
    let second = app
        .upload(&ana.access, "b.png", png(8, 8), None)
        .await
        .json();
    let path = |m: &serde_json::Value| format!("/media/{}", m["id"].as_str().unwrap());
    app.call("DELETE", &path(&first), &bob.access, None)
        .await
        .problem(403, "not_your_file");
    let anonymous = app.send(app.client.delete(app.url(&path(&first)))).await;
    anonymous.problem(401, "missing_token");
    assert_eq!(
        app.call("DELETE", &path(&first), &admin.access, None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.call("DELETE", &path(&second), &ana.access, None)
            .await
            .status,
        204
    );
    app.call("DELETE", &path(&second), &ana.access, None)
        .await
        .problem(404, "not_found");
    let listed = app.list_media("").await.json();
    assert_eq!(listed["total"], 0);
}

/// A raw request, so that no client tidies the path first.
async fn raw_status(address: &str, path: &str) -> u16 {
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    socket.read_to_end(&mut bytes).await.expect("read");
    let answer = String::from_utf8_lossy(&bytes);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

async fn no_path_leads_outside(store: Store) {
    let (app, _s3) = app_on(store, &[]).await;
    let ana = app.user("ana").await;
    let media = app
        .upload(&ana.access, "a.png", png(8, 8), None)
        .await
        .json();
    let good = media["file_url"].as_str().unwrap().to_owned();
    assert_eq!(raw_status(&app.address, &good).await, 200);
    // DATA_DIR holds `jwt_secret` next to `objects/`: none of these may reach it.
    assert!(app.data_path.join("jwt_secret").exists());
    for path in [
        "/media/uploads/../jwt_secret",
        "/media/uploads/../../jwt_secret",
        "/media/uploads/%2e%2e/%2e%2e/jwt_secret",
        "/media/uploads/..%2f..%2fjwt_secret",
        "/media/uploads/%2fetc%2fpasswd",
        "/media/uploads//etc/passwd",
        "/media/thumbnails/..%5c..%5cjwt_secret",
        "/media/uploads/x/.%2e/.%2e/.%2e/jwt_secret.png",
        "/media/uploads/",
        "/media/objects/uploads/x.png",
        "/media/uploads/a/b.exe",
        &good.replace("/uploads/", "/thumbnails/"),
    ] {
        let status = raw_status(&app.address, path).await;
        assert!(status == 404 || status == 400, "{path} answered {status}");
    }
}

#[actix_web::test]
async fn no_path_leads_outside_the_store_on_the_filesystem() {
    no_path_leads_outside(Store::Fs).await;
}

#[actix_web::test]
async fn no_path_leads_outside_the_store_on_s3() {
    no_path_leads_outside(Store::S3).await;
}

#[actix_web::test]
async fn an_exif_rotated_jpeg_gets_an_upright_thumbnail() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let reply = app
        .upload(&ana.access, "phone.jpg", sideways_jpeg(), None)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let done = app.settled(reply.json()["id"].as_str().unwrap()).await;
    assert_eq!(done["thumbnail_status"], "done", "{done}");
    let (_, _, jpeg) = app.fetch(done["thumbnail_url"].as_str().unwrap()).await;
    let thumb = image::load_from_memory(&jpeg).unwrap().into_rgb8();
    // Stored 200×100 with red left; shown rotated: 100×200 with red on top.
    assert_eq!((thumb.width(), thumb.height()), (100, 200));
    let top = thumb.get_pixel(50, 20);
    let bottom = thumb.get_pixel(50, 180);
    assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
    // No metadata rides along: no APP1 (EXIF) segment in the thumbnail.
    assert!(!jpeg.windows(6).any(|w| w == b"Exif\0\0"));
}

#[actix_web::test]
async fn an_undecodable_image_is_failed_and_dead_lettered_at_once_with_its_reason() {
    // The default budget (5 retries, about a minute): an abort does not use it.
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    // A valid header (so the upload is accepted) over pixel data cut short.
    let mut cut = png(400, 300);
    cut.truncate(cut.len() / 2);
    let started = std::time::Instant::now();
    let reply = app.upload(&ana.access, "cut.png", cut, None).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let failed = app.settled(&id).await;
    assert_eq!(failed["thumbnail_status"], "failed", "{failed}");
    assert!(failed["thumbnail_url"].is_null());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "failed after {:?}: it was retried",
        started.elapsed()
    );
    let db = app.pool.get().await.unwrap();
    let row = db
        .query_one(
            "SELECT count(*), min(attempts), min(last_error) FROM dead_events
             WHERE queue = 'media.events' AND envelope->'data'->>'file_id' = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    assert_eq!(row.get::<_, Option<i32>>(1), Some(1), "one try, no retry");
    let reason: String = row.get(2);
    assert!(reason.contains("cannot be thumbnailed"), "{reason}");
}

async fn index_version(app: &crate::support::TestApp, project_id: &str) -> i64 {
    let db = app.pool.get().await.unwrap();
    let id: uuid::Uuid = project_id.parse().unwrap();
    db.query_one("SELECT index_version FROM projects WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0)
}

#[actix_web::test]
async fn a_redelivered_upload_event_changes_nothing_twice() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let project_id = app.project(&ana, "Twice").await;
    let media = app
        .upload(&ana.access, "a.png", png(640, 480), Some(&project_id))
        .await
        .json();
    let id = media["id"].as_str().unwrap().to_owned();
    let done = app.settled(&id).await;
    let thumb_url = done["thumbnail_url"].as_str().unwrap().to_owned();
    let (_, _, first_bytes) = app.fetch(&thumb_url).await;
    let before = app.get_project(&project_id).await.json();
    let version_before = index_version(&app, &project_id).await;

    // As if the worker died after setting the project but before marking the row:
    // the row is pending again and the same event arrives once more.
    app.sql(&format!(
        "UPDATE media SET thumbnail_status = 'pending' WHERE id = '{id}'"
    ))
    .await;
    let envelope = json!({
        "event_id": uuid::Uuid::now_v7(),
        "event_type": "media.uploaded",
        "data": {"file_id": id, "path": media["file_path"], "owner_id": ana.id,
                 "project_id": project_id, "file_url": media["file_url"], "mime_type": "image/png"},
        "timestamp": "2026-11-21T10:00:00Z",
        "version": 1
    });
    app.sql(&format!(
        "INSERT INTO outbox (event_id, event_type, envelope) VALUES ('{}', 'media.uploaded', '{}')",
        envelope["event_id"].as_str().unwrap(),
        envelope
    ))
    .await;
    let again = app.settled(&id).await;
    assert_eq!(again["thumbnail_status"], "done");
    assert_eq!(again["thumbnail_url"], thumb_url.as_str());
    let (_, _, second_bytes) = app.fetch(&thumb_url).await;
    assert_eq!(first_bytes, second_bytes, "the same object");
    let after = app.get_project(&project_id).await.json();
    assert_eq!(
        after["updated_at"], before["updated_at"],
        "no second project update"
    );
    assert_eq!(
        index_version(&app, &project_id).await,
        version_before,
        "no new version"
    );
}

#[actix_web::test]
async fn deleting_a_user_removes_their_files() {
    let (app, s3) = app_on(Store::S3, &[]).await;
    let ana = app.user("ana").await;
    let root = app.root().await;
    for name in ["a.png", "b.png"] {
        let reply = app.upload(&ana.access, name, png(64, 64), None).await;
        app.settled(reply.json()["id"].as_str().unwrap()).await;
    }
    assert_eq!(
        stored_objects(&app, s3.s3s_root()).len(),
        4,
        "two uploads, two thumbnails"
    );
    let reply = app.delete_user(&root.access, &ana.id).await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.list_media("").await.json()["total"], 0);
    let emptied = wait_for(Duration::from_secs(10), || async {
        stored_objects(&app, s3.s3s_root()).is_empty()
    })
    .await;
    assert!(
        emptied,
        "left behind: {:?}",
        stored_objects(&app, s3.s3s_root())
    );
}
