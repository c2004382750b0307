//! Profiles, projects and search (SPEC §4, §5, §7), one method per endpoint.

use std::fmt::Display;

use serde_json::{Value, json};

use super::accounts::{TestUser, with_query};
use super::app::TestApp;
use super::reply::Reply;

impl TestApp {
    pub async fn my_profile(&self, token: &str) -> Reply {
        self.call("GET", "/profile/me", token, None).await
    }

    pub async fn put_profile(&self, token: &str, body: &Value) -> Reply {
        self.call("PUT", "/profile/me", token, Some(body)).await
    }

    pub async fn patch_profile(&self, token: &str, body: &Value) -> Reply {
        self.call("PATCH", "/profile/me", token, Some(body)).await
    }

    pub async fn public_profile(&self, user_id: impl Display) -> Reply {
        self.get(&format!("/profiles/{user_id}")).await
    }

    pub async fn create_project(&self, token: &str, body: &Value) -> Reply {
        self.call("POST", "/projects", token, Some(body)).await
    }

    /// Creates a project titled `title` for `user`; its id.
    pub async fn project(&self, user: &TestUser, title: &str) -> String {
        let reply = self
            .create_project(&user.access, &json!({"title": title}))
            .await;
        assert_eq!(reply.status, 201, "create project {title}: {}", reply.text);
        reply.json()["id"].as_str().expect("id").to_owned()
    }

    pub async fn get_project(&self, id: impl Display) -> Reply {
        self.get(&format!("/projects/{id}")).await
    }

    /// `GET /projects?{query}`.
    pub async fn list_projects(&self, query: &str) -> Reply {
        self.get(&with_query("/projects", query)).await
    }

    pub async fn update_project(&self, token: &str, id: impl Display, body: &Value) -> Reply {
        self.call("PATCH", &format!("/projects/{id}"), token, Some(body))
            .await
    }

    /// The PUT alias of `update_project`.
    pub async fn replace_project(&self, token: &str, id: impl Display, body: &Value) -> Reply {
        self.call("PUT", &format!("/projects/{id}"), token, Some(body))
            .await
    }

    pub async fn user_projects(&self, user_id: impl Display) -> Reply {
        self.get(&format!("/projects/user/{user_id}")).await
    }

    pub async fn set_thumbnail(&self, token: &str, id: impl Display, body: &Value) -> Reply {
        self.call(
            "PUT",
            &format!("/projects/{id}/thumbnail"),
            token,
            Some(body),
        )
        .await
    }

    pub async fn delete_project(&self, token: &str, id: impl Display) -> Reply {
        self.call("DELETE", &format!("/projects/{id}"), token, None)
            .await
    }

    pub async fn reindex_projects(&self, token: &str) -> Reply {
        self.call("POST", "/admin/reindex-projects", token, None)
            .await
    }

    /// `GET /search?{query}`.
    pub async fn search(&self, query: &str) -> Reply {
        self.get(&with_query("/search", query)).await
    }

    /// `GET /search/suggest?{query}`.
    pub async fn suggest(&self, query: &str) -> Reply {
        self.get(&with_query("/search/suggest", query)).await
    }
}
