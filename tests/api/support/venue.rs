//! Check-in, attendance, dead letters and the operations endpoints (SPEC §8–§10).

use std::fmt::Display;

use serde_json::Value;

use super::accounts::with_query;
use super::app::TestApp;
use super::reply::Reply;

impl TestApp {
    pub async fn check_in_with(&self, token: &str, body: &Value) -> Reply {
        self.call("POST", "/checkins", token, Some(body)).await
    }

    /// `GET /attendance/{event_id}?{query}`.
    pub async fn attendance(&self, token: &str, event_id: &str, query: &str) -> Reply {
        let path = with_query(&format!("/attendance/{event_id}"), query);
        self.call("GET", &path, token, None).await
    }

    /// `GET /admin/dead-events?{query}`.
    pub async fn dead_events(&self, token: &str, query: &str) -> Reply {
        let path = with_query("/admin/dead-events", query);
        self.call("GET", &path, token, None).await
    }

    pub async fn replay_dead_event(&self, token: &str, id: impl Display) -> Reply {
        let path = format!("/admin/dead-events/{id}/replay");
        self.call("POST", &path, token, None).await
    }

    /// `POST /admin/dead-events/replay?{query}` (by queue and/or event type).
    pub async fn replay_dead_events(&self, token: &str, query: &str) -> Reply {
        let path = with_query("/admin/dead-events/replay", query);
        self.call("POST", &path, token, None).await
    }

    pub async fn discard_dead_event(&self, token: &str, id: impl Display) -> Reply {
        let path = format!("/admin/dead-events/{id}");
        self.call("DELETE", &path, token, None).await
    }

    pub async fn health(&self) -> Reply {
        self.get("/health").await
    }

    pub async fn ready(&self) -> Reply {
        self.get("/ready").await
    }

    pub async fn metrics(&self) -> Reply {
        self.get("/metrics").await
    }

    pub async fn openapi(&self) -> Reply {
        self.get("/openapi.json").await
    }
}
