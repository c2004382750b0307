//! Accounts: registering, logging in, the users a test needs, and the auth and
//! users endpoints (SPEC §1–§3).

use std::fmt::Display;

use serde_json::Value;

use super::app::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, TestApp};
use super::reply::Reply;

/// A logged-in user of the test app.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn register(&self, username: &str) -> Reply {
        self.post_json(
            "/auth/register",
            &serde_json::json!({"username": username, "password": PASSWORD, "email": format!("{username}@example.org")}),
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.post_json(
            "/auth/login",
            &serde_json::json!({"login": login, "password": password}),
        )
        .await
    }

    pub async fn login_user(&self, login: &str, password: &str) -> TestUser {
        let reply = self.login(login, password).await;
        assert_eq!(reply.status, 200, "login of {login} failed: {}", reply.text);
        let body = reply.json();
        TestUser {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
        }
    }

    pub async fn root(&self) -> TestUser {
        self.login_user(ROOT_USERNAME, ROOT_PASSWORD).await
    }

    /// Registers `username` and logs in.
    pub async fn user(&self, username: &str) -> TestUser {
        let reply = self.register(username).await;
        assert_eq!(reply.status, 201, "register {username}: {}", reply.text);
        self.login_user(username, PASSWORD).await
    }

    /// Creates `username` with `role` through the root superadmin and logs in.
    pub async fn user_with_role(&self, username: &str, role: &str) -> TestUser {
        let root = self.root().await;
        let body = serde_json::json!({"username": username, "password": PASSWORD, "role": role});
        let reply = self.call("POST", "/users", &root.access, Some(&body)).await;
        assert_eq!(
            reply.status, 201,
            "create {username} as {role}: {}",
            reply.text
        );
        self.login_user(username, PASSWORD).await
    }
}

/// SPEC §1–§3 endpoints, one method each.
impl TestApp {
    pub async fn register_with(&self, body: &Value) -> Reply {
        self.post_json("/auth/register", body).await
    }

    pub async fn login_with(&self, body: &Value) -> Reply {
        self.post_json("/auth/login", body).await
    }

    /// `POST /auth/refresh` with a body as given (wrong shapes included).
    pub async fn refresh_with(&self, body: &Value) -> Reply {
        self.post_json("/auth/refresh", body).await
    }

    /// `POST /auth/logout` with a body as given.
    pub async fn logout_with(&self, body: &Value) -> Reply {
        self.post_json("/auth/logout", body).await
    }

    pub async fn logout_all(&self, token: &str) -> Reply {
        self.call("POST", "/auth/logout-all", token, None).await
    }

    pub async fn me(&self, token: &str) -> Reply {
        self.call("GET", "/auth/me", token, None).await
    }

    pub async fn verify(&self, token: &str) -> Reply {
        self.call("GET", "/auth/verify", token, None).await
    }

    /// `GET /users?{query}` (`query` without the `?`, may be empty).
    pub async fn list_users(&self, token: &str, query: &str) -> Reply {
        self.call("GET", &with_query("/users", query), token, None)
            .await
    }

    pub async fn get_user(&self, token: &str, id: impl Display) -> Reply {
        self.call("GET", &format!("/users/{id}"), token, None).await
    }

    pub async fn create_user(&self, token: &str, body: &Value) -> Reply {
        self.call("POST", "/users", token, Some(body)).await
    }

    pub async fn update_user(&self, token: &str, id: impl Display, body: &Value) -> Reply {
        self.call("PATCH", &format!("/users/{id}"), token, Some(body))
            .await
    }

    /// The PUT alias of `update_user`.
    pub async fn replace_user(&self, token: &str, id: impl Display, body: &Value) -> Reply {
        self.call("PUT", &format!("/users/{id}"), token, Some(body))
            .await
    }

    pub async fn delete_user(&self, token: &str, id: impl Display) -> Reply {
        self.call("DELETE", &format!("/users/{id}"), token, None)
            .await
    }
}

/// `path?query`, or `path` when `query` is empty.
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}
