//! SIGTERM during a burst: requests in flight finish, the process exits 0, and no
//! event is lost (what was committed reaches the index after a restart).

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_postgres::NoTls;

use crate::support::media_fixtures::png;
use crate::support::process::{ServerProcess, ServerSettings};
use crate::support::wait_for;

/// An upload body sent in two halves with a pause between them, so the request is
/// still in flight when the signal arrives.
fn slow_upload(pause: Duration) -> reqwest::Body {
    let mut body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.png\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&png(200, 100));
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let (first, second) = body.split_at(body.len() / 2);
    let halves = vec![
        Bytes::copy_from_slice(first),
        Bytes::copy_from_slice(second),
    ];
    let stream = futures_util::stream::iter(halves.into_iter().enumerate()).then(
        move |(i, half)| async move {
            if i == 1 {
                actix_rt::time::sleep(pause).await;
            }
            Ok::<_, std::io::Error>(half)
        },
    );
    reqwest::Body::wrap_stream(stream)
}

#[actix_web::test]
async fn sigterm_lets_requests_in_flight_finish_and_loses_no_event() {
    let data = tempfile::tempdir().expect("temp dir");
    let settings = ServerSettings::new(data.path());
    let server = ServerProcess::start(&settings).await;
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let token = server
        .access_token("stopper", "stopper-password-1", true)
        .await;

    // A burst of writes, and one upload whose body is still arriving at the signal.
    let mut burst = Vec::new();
    for i in 0..200 {
        let req = client
            .post(format!("{base}/projects"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("burst {i}")}));
        burst.push(actix_rt::spawn(async move {
            match req.send().await {
                Ok(res) => Some((res.status().as_u16(), res.json::<Value>().await.ok())),
                Err(_) => None, // refused once the server stopped accepting
            }
        }));
    }
    let upload = client
        .post(format!("{base}/media/upload"))
        .bearer_auth(&token)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(slow_upload(Duration::from_millis(1500)))
        .send();
    let upload = actix_rt::spawn(upload);
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let status = server.terminate(Duration::from_secs(35)).await;

    let uploaded = upload
        .await
        .expect("task")
        .expect("the in-flight upload got an answer");
    assert_eq!(uploaded.status(), 201, "the in-flight upload was cut short");
    let mut acknowledged = HashSet::new();
    for task in burst {
        if let Some((status, body)) = task.await.expect("task") {
            assert!(status < 500, "a request got {status} during shutdown");
            if status == 201 {
                acknowledged.insert(body.expect("json")["id"].as_str().expect("id").to_owned());
            }
        }
    }
    let status = status.expect("the process exited within the grace period");
    assert!(status.success(), "exit status {status}");

    // Whatever committed reaches the index once a process runs again.
    let server = ServerProcess::start(&settings).await;
    let (db, connection) = tokio_postgres::connect(&settings.vars["DATABASE_URL"], NoTls)
        .await
        .expect("database");
    actix_rt::spawn(connection);
    let stored: HashSet<String> = db
        .query("SELECT id::text FROM projects", &[])
        .await
        .expect("projects")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(acknowledged.is_subset(&stored));
    let search = format!("{}/search?query=burst&size=1", server.base);
    let all_indexed = wait_for(Duration::from_secs(60), || {
        let (client, search, expected) = (client.clone(), search.clone(), stored.len());
        async move {
            let found: Value = client
                .get(search)
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            found["total"] == expected
        }
    })
    .await;
    assert!(
        all_indexed,
        "committed projects missing from the index after the restart"
    );
    let thumbnailed = wait_for(Duration::from_secs(60), || async {
        db.query_one(
            "SELECT count(*) FROM media WHERE thumbnail_status = 'done'",
            &[],
        )
        .await
        .expect("count")
        .get::<_, i64>(0)
            == 1
    })
    .await;
    assert!(
        thumbnailed,
        "the upload accepted during shutdown never got its thumbnail"
    );
}
