//! A stand-in for the Elasticsearch HTTP API: it records every request and answers
//! with the Elasticsearch-shaped responses a test sets up (Elasticsearch itself
//! cannot run on these machines).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The lines of an NDJSON body.
    pub fn lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("NDJSON line"))
            .collect()
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    replies: Vec<(String, String, u16, String)>,
}

#[derive(Clone)]
pub struct EsStub {
    pub url: String,
    state: Arc<Mutex<State>>,
}

async fn answer(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let mut s = state.lock().expect("stub state");
    let recorded = Recorded {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let reply = s
        .replies
        .iter()
        .rev()
        .find(|(m, p, _, _)| {
            let path_matches = match p.strip_suffix('*') {
                Some(prefix) => recorded.path.starts_with(prefix),
                None => *p == recorded.path,
            };
            *m == recorded.method && path_matches
        })
        .cloned();
    s.requests.push(recorded);
    match reply {
        Some((_, _, status, body)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
                .content_type("application/json")
                .body(body)
        }
        None => HttpResponse::NotFound()
            .content_type("application/json")
            .body(r#"{"error":"not stubbed"}"#),
    }
}

impl EsStub {
    pub async fn start() -> Self {
        let state: Arc<Mutex<State>> = Arc::default();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("stub binds");
        let port = server.addrs()[0].port();
        actix_rt::spawn(server.run());
        EsStub {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// Answers `method path` with `status` and `body` from now on (a path ending
    /// in `*` matches every path with that prefix).
    pub fn reply(&self, method: &str, path: &str, status: u16, body: Value) {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.state.lock().expect("stub state").replies.push((
            method.into(),
            path.into(),
            status,
            text,
        ));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("stub state").requests.clone()
    }

    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut self.state.lock().expect("stub state").requests)
    }
}
