//! The deployment shape on loopback, with real third-party parts: Debian's nginx
//! running `docker/nginx.conf` in front of two `ROLE=api` processes, one
//! `ROLE=worker`, on RabbitMQ, SeaweedFS (S3) and an OpenSearch-API server, all
//! configured from `docker/troupe.env` as the compose stack is. Everything is driven
//! through nginx; then one API process is killed mid-traffic.
//! Run alone: `cargo nextest run -E 'test(stack)'`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::nginx::Nginx;
use crate::support::osmem::Osmem;
use crate::support::process::{ServerProcess, ServerSettings};
use crate::support::remote::Remote;
use crate::support::seaweedfs::SeaweedFs;
use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, rabbitmq_vhost, wait_for};

/// `docker/troupe.env`: the settings the compose stack gives every Troupe process.
fn shared_settings() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docker/troupe.env");
    let text = std::fs::read_to_string(path).expect("docker/troupe.env");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// A PNG of noise (incompressible) of about `bytes` bytes.
fn noise_png(bytes: usize) -> Vec<u8> {
    let side = ((bytes / 3) as f64).sqrt() as u32;
    let mut state: u32 = 0x9e37_79b9;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        let mut px = [0u8; 3];
        for c in &mut px {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *c = state as u8;
        }
        image::Rgb(px)
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// Uploads through nginx.
async fn upload(web: &Remote, token: &str, bytes: Vec<u8>, project_id: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("noise.png");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("project_id", project_id.to_owned());
    web.client
        .post(format!("{}/media/upload", web.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload through nginx")
}

/// Sends only the head of a multipart upload declaring `size` bytes, then reads the
/// answer: (status, head, body).
async fn declare_upload(base: &str, token: &str, size: usize) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host)
        .await
        .expect("connect to nginx");
    let head = format!(
        "POST /media/upload HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {size}\r\n\
         Connection: close\r\n\r\n"
    );
    socket
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "no answer within 10 s to a declared {size}-byte upload"
    );
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    // A chunked body: the JSON is the one line that starts with '{'.
    let body = body
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or(body)
        .to_owned();
    (status, head.to_owned(), body)
}

/// `http_requests_total` of one API process, by (method, route), read from it directly.
async fn requests_seen(api: &ServerProcess) -> HashMap<(String, String), u64> {
    let text = reqwest::get(format!("{}/metrics", api.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let mut seen = HashMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
    {
        let label = |name: &str| {
            let start = line
                .find(&format!("{name}=\""))
                .map(|i| i + name.len() + 2)?;
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_owned())
        };
        let (Some(method), Some(route)) = (label("method"), label("route")) else {
            continue;
        };
        let count: u64 = line
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        *seen.entry((method, route)).or_insert(0) += count;
    }
    seen
}

fn count(seen: &HashMap<(String, String), u64>, method: &str, route: &str) -> u64 {
    seen.get(&(method.to_owned(), route.to_owned()))
        .copied()
        .unwrap_or(0)
}

#[actix_web::test]
async fn the_stack_serves_every_flow_through_nginx_and_survives_losing_an_api() {
    let started = Instant::now();
    let (_vhost, amqp) = rabbitmq_vhost();
    let s3 = SeaweedFs::start().await;
    let search = Osmem::start();
    let data = tempfile::tempdir().expect("temp dir");
    let mut settings = ServerSettings::new(data.path());
    for (k, v) in shared_settings() {
        settings = settings.with(&k, &v);
    }
    let settings = settings
        .with("RABBITMQ_URL", &amqp)
        .with("S3_ENDPOINT", &s3.endpoint)
        .with("S3_ACCESS_KEY", crate::support::seaweedfs::ACCESS_KEY)
        .with("S3_SECRET_KEY", crate::support::seaweedfs::SECRET_KEY)
        .with("ELASTICSEARCH_URL", &search.url)
        .with("JWT_SECRET", "stack-test-secret-of-at-least-32-bytes!")
        .with("BCRYPT_COST", "10")
        .with("LOGIN_RATE_LIMIT", "0")
        .with("RUST_LOG", "warn");
    assert_eq!(
        settings.vars["APP_ENV"], "production",
        "the stack runs as in production"
    );
    let worker = ServerProcess::start(&settings.sibling().with("ROLE", "worker")).await;
    let api1_settings = settings.sibling().with("ROLE", "api");
    let api2_settings = settings.sibling().with("ROLE", "api");
    let api1 = ServerProcess::start(&api1_settings).await;
    let api2 = ServerProcess::start(&api2_settings).await;
    let port = |s: &ServerSettings| s.port().parse::<u16>().expect("port");
    let nginx = Nginx::start([port(&api1_settings), port(&api2_settings)]).await;
    let web = Remote::new(&nginx.base);
    let ready = wait_for(Duration::from_secs(20), || async {
        web.call("GET", "/ready", None, None).await.0 == 200
    })
    .await;
    assert!(
        ready,
        "the stack is not ready: {:?}",
        web.call("GET", "/ready", None, None).await
    );

    // Accounts: register, login, refresh — spread over both API processes.
    let (status, reply) = web
        .call(
            "POST",
            "/auth/register",
            None,
            Some(json!({"username": "ana", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    // Four logins, then four refreshes: nginx's round robin sends two of each to
    // each API process.
    let mut refresh_tokens = Vec::new();
    for _ in 0..4 {
        let (status, tokens) = web
            .call(
                "POST",
                "/auth/login",
                None,
                Some(json!({"login": "ana", "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 200, "{tokens}");
        refresh_tokens.push(tokens["refresh_token"].clone());
    }
    let mut token = String::new();
    for refresh in refresh_tokens {
        let (status, rotated) = web
            .call(
                "POST",
                "/auth/refresh",
                None,
                Some(json!({"refresh_token": refresh})),
            )
            .await;
        assert_eq!(status, 200, "{rotated}");
        token = rotated["access_token"].as_str().expect("token").to_owned();
    }
    for api in [&api1, &api2] {
        let seen = requests_seen(api).await;
        assert!(
            count(&seen, "POST", "/auth/login") > 0,
            "logins reached only one API: {seen:?}"
        );
        assert!(
            count(&seen, "POST", "/auth/refresh") > 0,
            "refreshes reached only one API: {seen:?}"
        );
    }
    let (status, me) = web.call("GET", "/auth/me", Some(&token), None).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("ana")));

    // A 4 MiB upload streamed through nginx, its thumbnail by the worker, search.
    let (status, project) = web
        .call(
            "POST",
            "/projects",
            Some(&token),
            Some(json!({"title": "Noise field", "tags": ["static"]})),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let project_id = project["id"].as_str().expect("id").to_owned();
    let image = noise_png(4 * 1024 * 1024);
    assert!(
        image.len() > 4_000_000 && image.len() < 5 * 1024 * 1024,
        "{}",
        image.len()
    );
    let res = upload(&web, &token, image.clone(), &project_id).await;
    assert_eq!(res.status(), 201);
    let media: Value = res.json().await.expect("json");
    let media_id = media["id"].as_str().expect("id").to_owned();
    let done = wait_for(Duration::from_secs(60), || async {
        web.call("GET", &format!("/media/{media_id}"), None, None)
            .await
            .1["thumbnail_status"]
            == "done"
    })
    .await;
    assert!(
        done,
        "no thumbnail: {:?}",
        web.call("GET", &format!("/media/{media_id}"), None, None)
            .await
    );
    let (_, media) = web
        .call("GET", &format!("/media/{media_id}"), None, None)
        .await;
    let file = web
        .client
        .get(format!(
            "{}{}",
            web.base,
            media["file_url"].as_str().expect("file url")
        ))
        .send()
        .await
        .expect("file");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.bytes().await.expect("bytes").len(),
        image.len(),
        "the file comes back whole"
    );
    let thumbnail = media["thumbnail_url"]
        .as_str()
        .expect("thumbnail")
        .to_owned();
    let found = wait_for(Duration::from_secs(20), || async {
        let (_, results) = web
            .call("GET", "/search?query=noise&tags=static", None, None)
            .await;
        results["results"][0]["thumbnail_url"] == thumbnail.as_str()
    })
    .await;
    assert!(found, "search never showed the project with its thumbnail");

    // Too large: past MAX_UPLOAD_BYTES (our 413), and past nginx's own limit (nginx's
    // 413, as a problem document too).
    // The body is declared, not sent: both refuse on the Content-Length and close the
    // connection, which a client still sending would see as a reset, not the answer.
    for size in [5 * 1024 * 1024 + 512 * 1024, 7 * 1024 * 1024] {
        let (status, head, body) = declare_upload(&nginx.base, &token, size).await;
        assert_eq!(status, 413, "{size} bytes: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{size} bytes: {head}"
        );
        let problem: Value = serde_json::from_str(&body).expect("problem json");
        assert_eq!(problem["code"], "payload_too_large", "{problem}");
        assert_eq!(problem["status"], 413);
    }

    // Check-in: the same ticket through both API processes — one 201, one 409.
    let root = web.login(ROOT_USERNAME, ROOT_PASSWORD).await;
    let clerk = json!({"username": "clerk", "password": PASSWORD, "role": "committee"});
    assert_eq!(
        web.call("POST", "/users", Some(&root), Some(clerk)).await.0,
        201
    );
    let clerk = web.login("clerk", PASSWORD).await;
    let before = [requests_seen(&api1).await, requests_seen(&api2).await];
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let body = json!({"event_id": "gala", "ticket_id": "T-1"});
        statuses.push(
            web.call("POST", "/checkins", Some(&clerk), Some(body))
                .await
                .0,
        );
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    for (api, before) in [&api1, &api2].iter().zip(&before) {
        let after = requests_seen(api).await;
        assert_eq!(
            count(&after, "POST", "/checkins") - count(before, "POST", "/checkins"),
            1,
            "nginx sent one of the two check-ins to each API"
        );
    }
    let (status, list) = web
        .call("GET", "/attendance/gala", Some(&clerk), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["total_checkins"], 1, "{list}");

    // Kill one API process mid-traffic: idempotent GETs keep answering, no 5xx.
    let paths = [
        "/projects".to_owned(),
        format!("/projects/{project_id}"),
        format!("/media/{media_id}"),
        "/search?query=noise".to_owned(),
    ];
    let traffic = async {
        let mut answers: Vec<u16> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(4);
        let mut i = 0;
        while Instant::now() < deadline {
            let path = &paths[i % paths.len()];
            let res = web.client.get(format!("{}{path}", web.base)).send().await;
            answers.push(res.map(|r| r.status().as_u16()).unwrap_or(0));
            i += 1;
        }
        answers
    };
    let killer = async {
        actix_rt::time::sleep(Duration::from_secs(1)).await;
        api2.kill_hard();
    };
    let (answers, ()) = futures_util::join!(traffic, killer);
    let bad: Vec<&u16> = answers.iter().filter(|s| **s != 200).collect();
    assert!(answers.len() > 20, "too little traffic: {}", answers.len());
    assert!(
        bad.is_empty(),
        "{} of {} answers were not 200: {bad:?}\nnginx: {}",
        bad.len(),
        answers.len(),
        nginx.log()
    );
    drop(worker);
    eprintln!(
        "stack test: {} requests after the kill window, whole test {:.1} s",
        answers.len(),
        started.elapsed().as_secs_f64()
    );
}
