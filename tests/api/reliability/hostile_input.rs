//! Hostile callers: tampered and algorithm-confused tokens, injection-shaped text,
//! NUL characters, oversized headers and URLs. Each is refused cleanly or stored
//! verbatim — never a 5xx, never a changed meaning.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::media_fixtures::png;
use crate::support::spawn_app;

/// HMAC-SHA256 (RFC 2104), enough to sign a forged token the way a confused
/// verifier would accept it.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[actix_web::test]
async fn tampered_and_algorithm_confused_tokens_are_401() {
    let app = spawn_app().await;
    let omar = app.user("omar").await;
    let key = std::fs::read_to_string(app.data_path.join("jwt_secret")).expect("secret");
    let key = key.trim().as_bytes();
    let parts: Vec<&str> = omar.access.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload")).expect("json");
    assert_eq!(claims["role"], "user");

    // The genuine token with its role claim raised, signature kept.
    claims["role"] = json!("superadmin");
    let raised = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged_role = format!("{}.{raised}.{}", parts[0], parts[2]);
    // RS256 in the header, HMAC-signed with the server's secret (HS/RS confusion).
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{raised}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(key, signing_input.as_bytes()));
    let confused = format!("{signing_input}.{signature}");
    // The same HMAC under an honest HS256 header is accepted: the forgeries above
    // fail for their flaw alone, not for a broken signature helper.
    let honest_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let honest_input = format!("{honest_header}.{raised}");
    let honest = format!(
        "{honest_input}.{}",
        URL_SAFE_NO_PAD.encode(hmac_sha256(key, honest_input.as_bytes()))
    );
    assert_eq!(app.verify(&honest).await.status, 200);

    for (what, token) in [("raised role", forged_role), ("RS256 confusion", confused)] {
        let reply = app.list_users(&token, "").await;
        assert_eq!(reply.status, 401, "{what}: {}", reply.text);
        reply.problem(401, "invalid_token");
    }
}

const NASTY: &[&str] = &[
    "'; DROP TABLE projects; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "$1 $$ $tag$ %s %x {0} ${jndi:ldap://x}",
    "\\'; SELECT pg_sleep(10); --",
    "<script>alert(1)</script>",
    "ünïcødé ✓ 🎭",
];

#[actix_web::test]
async fn injection_shaped_text_is_stored_and_returned_verbatim() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let committee = app.user_with_role("clerk", "committee").await;
    for (i, nasty) in NASTY.iter().enumerate() {
        let body = json!({"title": nasty, "description": nasty, "tags": [nasty]});
        let reply = app.create_project(&ana.access, &body).await;
        assert_eq!(reply.status, 201, "{nasty}: {}", reply.text);
        let id = reply.json()["id"].as_str().expect("id").to_owned();
        let stored = app.get_project(&id).await.json();
        assert_eq!(stored["title"], nasty.trim());
        assert_eq!(stored["description"], *nasty);
        assert_eq!(stored["tags"][0], nasty.trim().to_lowercase());

        let profile = json!({"name": nasty, "bio": nasty, "contact": nasty});
        let reply = app.patch_profile(&ana.access, &profile).await;
        assert_eq!(reply.status, 200, "{nasty}: {}", reply.text);
        assert_eq!(reply.json()["bio"], *nasty);

        let search = app
            .send(
                app.client
                    .get(app.url("/search"))
                    .query(&[("query", nasty), ("tags", nasty)]),
            )
            .await;
        assert_eq!(search.status, 200, "{nasty}: {}", search.text);

        // Ticket and event ids have a character set of their own: refused cleanly.
        let body = json!({"event_id": nasty, "ticket_id": format!("{nasty}{i}")});
        let reply = app.check_in_with(&committee.access, &body).await;
        reply.problem(400, "validation_failed");

        let file = app
            .upload(&ana.access, &format!("{nasty}.png"), png(4, 4), None)
            .await;
        assert_eq!(file.status, 201, "{nasty}: {}", file.text);
        // Kept for display as its last path segment.
        let name = format!("{nasty}.png");
        let expected = name.rsplit(['/', '\\']).next().unwrap_or_default();
        assert_eq!(file.json()["original_filename"], expected);
    }
    // Nothing was dropped or deleted along the way.
    assert_eq!(app.list_projects("").await.json()["total"], NASTY.len());
    let attendance = app.attendance(&committee.access, "x", "").await;
    assert_eq!(attendance.status, 200, "{}", attendance.text);
    assert_eq!(app.me(&ana.access).await.status, 200);
}

/// The status of a raw GET, or `None` when the server closed the connection
/// without an answer (what it does to a request line it will not read).
async fn raw_request(address: &str, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let _ = socket.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).and_then(|code| code.parse().ok())
}

#[actix_web::test]
async fn nul_characters_and_oversized_headers_are_refused_cleanly() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    // PostgreSQL text cannot hold NUL: a clear 400, not a 500.
    let body = json!({"title": "a\u{0}b"});
    let reply = app.create_project(&ana.access, &body).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let reply = app
        .patch_profile(&ana.access, &json!({"bio": "x\u{0}"}))
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let search = app
        .send(
            app.client
                .get(app.url("/search"))
                .query(&[("query", "a\u{0}b")]),
        )
        .await;
    assert!(search.status < 500, "{}", search.text);

    let huge = "x".repeat(256 * 1024);
    let reply = app
        .send(
            app.client
                .get(app.url("/health"))
                .header("x-padding", &huge),
        )
        .await;
    assert!(
        reply.status == 431 || reply.status == 400,
        "a 256 KiB header got {}",
        reply.status
    );
    // Sent raw (client libraries refuse to build a URL this long).
    let status = raw_request(&app.address, &format!("/projects?{huge}")).await;
    assert!(
        status.is_none_or(|s| (400..500).contains(&s)),
        "a 256 KiB URL got {status:?}"
    );
    // The server is unharmed.
    assert_eq!(app.me(&ana.access).await.status, 200);
    assert_eq!(app.list_projects("").await.json()["total"], 0);
}

#[actix_web::test]
async fn a_deleted_accounts_still_valid_token_gets_401_not_500() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let root = app.root().await;
    let reply = app.delete_user(&root.access, &ana.id).await;
    assert_eq!(reply.status, 204);
    // The access token is stateless and still within its lifetime.
    let body = json!({"title": "ghost"});
    app.create_project(&ana.access, &body)
        .await
        .problem(401, "account_gone");
    app.patch_profile(&ana.access, &json!({"bio": "ghost"}))
        .await
        .problem(401, "account_gone");
    let file = app.upload(&ana.access, "ghost.png", png(4, 4), None).await;
    file.problem(401, "account_gone");
    assert_eq!(app.list_media("").await.json()["total"], 0);
}
