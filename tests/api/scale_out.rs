//! The scaled-out shape without Docker: one `worker` and two `api` processes of the
//! real binary on RabbitMQ and an S3 server, sharing one `DATA_DIR` for the embedded
//! index (the worker writes it, the APIs read it). The whole flow must pass against
//! both API ports.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::media_fixtures::png;
use crate::support::process::{ServerProcess, ServerSettings};
use crate::support::remote::Remote;
use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, rabbitmq_vhost, wait_for};

#[actix_web::test]
async fn two_api_processes_and_a_worker_serve_the_whole_flow() {
    let (_vhost, amqp) = rabbitmq_vhost();
    let s3_root = tempfile::tempdir().expect("temp dir");
    let s3 = crate::storage::s3_server(s3_root.path()).await;
    let data = tempfile::tempdir().expect("temp dir");
    let worker_settings = ServerSettings::new(data.path())
        .with("EVENT_BUS", "rabbitmq")
        .with("RABBITMQ_URL", &amqp)
        .with("STORAGE_BACKEND", "s3")
        .with("S3_ENDPOINT", &s3)
        .with("S3_REGION", "us-east-1")
        .with("S3_BUCKET", "media-files")
        .with("S3_ACCESS_KEY", "test-access-key")
        .with("S3_SECRET_KEY", "test-secret-key")
        .with("ROLE", "worker");
    // The worker first: it creates the index the API processes open read-only.
    let worker = ServerProcess::start(&worker_settings).await;
    let first = ServerProcess::start(&worker_settings.sibling().with("ROLE", "api")).await;
    let second = ServerProcess::start(&worker_settings.sibling().with("ROLE", "api")).await;
    let apis = [&first, &second].map(|p| Remote::new(&p.base));
    let (status, _) = apis[0].call("GET", "/projects", None, None).await;
    assert_eq!(status, 200);
    let worker_api = reqwest::get(format!("{}/projects", worker.base))
        .await
        .expect("worker");
    assert_eq!(worker_api.status(), 404, "a worker serves no API");

    for (i, api) in apis.iter().enumerate() {
        let username = format!("scaler{i}");
        let body = json!({"username": username, "password": PASSWORD});
        let (status, reply) = api.call("POST", "/auth/register", None, Some(body)).await;
        assert_eq!(status, 201, "{reply}");
        // Tokens from one API are accepted by the other (shared JWT secret).
        let token = apis[1 - i].login(&username, PASSWORD).await;
        let title = format!("Lighthouse {i}");
        let (status, project) = api
            .call(
                "POST",
                "/projects",
                Some(&token),
                Some(json!({"title": title})),
            )
            .await;
        assert_eq!(status, 201, "{project}");
        let project_id = project["id"].as_str().expect("id").to_owned();

        let part = reqwest::multipart::Part::bytes(png(600, 300)).file_name("light.png");
        let form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("project_id", project_id.clone());
        let res = api
            .client
            .post(format!("{}/media/upload", api.base))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status(), 201);
        let media: Value = res.json().await.expect("json");
        let media_id = media["id"].as_str().expect("id").to_owned();

        // The worker makes the thumbnail; the other API sees it, on the media row,
        // on the project, and in search.
        let other = &apis[1 - i];
        let done = wait_for(Duration::from_secs(30), || async {
            other
                .call("GET", &format!("/media/{media_id}"), None, None)
                .await
                .1["thumbnail_status"]
                == "done"
        })
        .await;
        assert!(done, "no thumbnail from the worker");
        let (_, media) = other
            .call("GET", &format!("/media/{media_id}"), None, None)
            .await;
        let thumbnail = media["thumbnail_url"]
            .as_str()
            .expect("thumbnail")
            .to_owned();
        let served = other
            .client
            .get(format!("{}{thumbnail}", other.base))
            .send()
            .await
            .expect("thumbnail");
        assert_eq!(served.status(), 200);
        let query = format!("/search?query=lighthouse%20{i}");
        let found = wait_for(Duration::from_secs(30), || async {
            let (_, results) = other.call("GET", &query, None, None).await;
            results["results"][0]["project_id"] == project_id.as_str()
                && results["results"][0]["thumbnail_url"] == thumbnail.as_str()
        })
        .await;
        assert!(
            found,
            "search on the other API never showed project {i} with its thumbnail"
        );
    }

    // Check-ins through both APIs: distinct tickets succeed on either, a ticket
    // checked in on one is a duplicate on the other.
    let root = apis[0].login(ROOT_USERNAME, ROOT_PASSWORD).await;
    let clerk = json!({"username": "clerk", "password": PASSWORD, "role": "committee"});
    let (status, _) = apis[0]
        .call("POST", "/users", Some(&root), Some(clerk))
        .await;
    assert_eq!(status, 201);
    let clerk = apis[1].login("clerk", PASSWORD).await;
    for (i, api) in apis.iter().enumerate() {
        let body = json!({"event_id": "gala", "ticket_id": format!("T-{i}")});
        let (status, reply) = api
            .call("POST", "/checkins", Some(&clerk), Some(body.clone()))
            .await;
        assert_eq!(status, 201, "{reply}");
        let (status, reply) = apis[1 - i]
            .call("POST", "/checkins", Some(&clerk), Some(body))
            .await;
        assert_eq!(status, 409, "{reply}");
    }
    for api in &apis {
        let (status, list) = api
            .call("GET", "/attendance/gala", Some(&clerk), None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(list["total_checkins"], 2, "{list}");
    }
}
