//! A response with its body read, and the problem-document check every error test uses.

use serde_json::Value;

/// A response with its body read, for assertions.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the SPEC §0 problem shape and returns the document.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem document: {}",
            self.text
        );
        let doc = self.json();
        assert_eq!(doc["status"], status);
        assert_eq!(doc["code"], code, "{doc}");
        assert_eq!(doc["type"], format!("https://troupe.dev/errors/{code}"));
        assert!(
            doc["title"].is_string() && doc["detail"].is_string(),
            "{doc}"
        );
        doc
    }
}
