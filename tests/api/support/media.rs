//! Media uploads and stored files (SPEC §6), one method per endpoint.

use std::fmt::Display;
use std::time::Duration;

use serde_json::Value;

use super::accounts::with_query;
use super::app::TestApp;
use super::reply::Reply;

impl TestApp {
    /// `POST /media/upload`: `bytes` as the `file` part named `filename`.
    pub async fn upload(
        &self,
        token: &str,
        filename: &str,
        bytes: Vec<u8>,
        project_id: Option<&str>,
    ) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let mut form = reqwest::multipart::Form::new().part("file", part);
        if let Some(project) = project_id {
            form = form.text("project_id", project.to_owned());
        }
        self.send(
            self.client
                .post(self.url("/media/upload"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// Status, headers and raw bytes of a GET (a stored file).
    pub async fn fetch(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self.client.get(self.url(path)).send().await.expect("sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.expect("body").to_vec())
    }

    pub async fn get_media(&self, id: impl Display) -> Reply {
        self.get(&format!("/media/{id}")).await
    }

    /// `GET /media?{query}`.
    pub async fn list_media(&self, query: &str) -> Reply {
        self.get(&with_query("/media", query)).await
    }

    pub async fn delete_media(&self, token: &str, id: impl Display) -> Reply {
        self.call("DELETE", &format!("/media/{id}"), token, None)
            .await
    }

    /// Waits until the file's thumbnail status is no longer `pending`; its metadata.
    pub async fn settled(&self, id: &str) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let media = self.get_media(id).await.json();
            if media["thumbnail_status"] != "pending" || std::time::Instant::now() > deadline {
                return media;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
