//! A JSON client for a server the test reaches by address (a child process, or
//! nginx in front of several): one call, its status and its JSON body.

use serde_json::{Value, json};

pub struct Remote {
    pub base: String,
    pub client: reqwest::Client,
}

impl Remote {
    pub fn new(base: &str) -> Self {
        Remote {
            base: base.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Logs in; the access token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let body = json!({"login": login, "password": password});
        let (status, reply) = self.call("POST", "/auth/login", None, Some(body)).await;
        assert_eq!(status, 200, "login {login}: {reply}");
        reply["access_token"].as_str().expect("token").to_owned()
    }
}
