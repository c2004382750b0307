//! Issue 18: tokens name their key (`kid`); with `JWT_ALGORITHM=EdDSA` the public
//! keys are published as a JWKS that a separate service (PyPI `PyJWT`) verifies our
//! tokens with; every node shares the keys; a rotation reaches every node and keeps
//! the previous key verifying.

use std::process::Command;
use std::time::Duration;

use crate::support::{TestApp, app, spawn_app, wait_for};

const EDDSA: [(&str, &str); 3] = [
    ("JWT_ALGORITHM", "EdDSA"),
    ("JWT_SECRET", "keys-test-secret-of-32-bytes-or-more!"),
    (
        "JWT_KEY_ENCRYPTION_KEY",
        "keys-test-key-encryption-key-32-bytes+",
    ),
];

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a JWT")
        .kid
        .expect("a kid")
}

async fn jwks_kids(node: &TestApp) -> Vec<String> {
    let reply = node.get("/.well-known/jwks.json").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let jwks = reply.json();
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            assert_eq!(k["kty"], "OKP");
            assert_eq!(k["crv"], "Ed25519");
            assert_eq!(k["alg"], "EdDSA");
            assert!(k.get("d").is_none(), "never the private part");
            k["kid"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// PyJWT's verdict on `token`, given only the JWKS URL of `node`.
fn pyjwt_verifies(node: &TestApp, token: &str) -> (bool, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jwks/verify.py");
    let out = Command::new("python3")
        .args([script, &node.url("/.well-known/jwks.json"), token])
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("ModuleNotFoundError"),
        "PyPI PyJWT and cryptography are needed (pip install PyJWT cryptography; .ci/run does): {text}"
    );
    (out.status.success(), text)
}

/// `troupe keys rotate` on `node`'s database: whether it succeeded, and what it said.
fn rotate(node: &TestApp, settings: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_troupe"));
    command
        .args(["keys", "rotate"])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{}", node.db_name),
        )
        .env("DATA_DIR", &node.data_path)
        .env("APP_ENV", "test");
    for (k, v) in settings {
        command.env(k, v);
    }
    let out = command.output().expect("troupe runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[actix_web::test]
async fn hs256_tokens_name_their_key_and_nothing_is_published() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    assert!(kid(&ana.access).starts_with("hs256-"));
    let jwks = app.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.json(), serde_json::json!({"keys": []}));
    let (ok, said) = rotate(&app, &[]);
    assert!(!ok && said.contains("HS256"), "{said}");
}

#[actix_web::test]
async fn eddsa_keys_are_shared_published_verified_elsewhere_and_rotated_on_every_node() {
    let a = app().settings(&EDDSA).start().await;
    let b = app().settings(&EDDSA).on_database(&a.db_name).start().await;
    // One key, made by the first node, known to both.
    let kids = jwks_kids(&a).await;
    assert_eq!(kids.len(), 1);
    assert_eq!(jwks_kids(&b).await, kids);
    let ana = a.user("ana").await;
    assert_eq!(kid(&ana.access), kids[0]);
    assert_eq!(b.verify(&ana.access).await.status, 200);

    // A separate service verifies with the JWKS alone, and refuses a forgery.
    let (ok, said) = pyjwt_verifies(&b, &ana.access);
    assert!(ok, "{said}");
    assert!(said.starts_with(&ana.id), "{said}");
    let mut forged = ana.access.clone();
    let flip = forged.len() - 3;
    let c = if &forged[flip..flip + 1] == "A" {
        "B"
    } else {
        "A"
    };
    forged.replace_range(flip..flip + 1, c);
    let (ok, said) = pyjwt_verifies(&b, &forged);
    assert!(!ok, "a tampered token must fail: {said}");

    // The private key is sealed: a process with another encryption key cannot
    // open it (and says so), and nothing changes.
    let mut wrong = EDDSA.to_vec();
    wrong[2] = (
        "JWT_KEY_ENCRYPTION_KEY",
        "another-key-encryption-key-of-32-bytes",
    );
    let (ok, said) = rotate(&a, &wrong);
    assert!(!ok && said.contains("cannot be opened"), "{said}");
    assert_eq!(jwks_kids(&a).await, kids);

    // Rotation: both nodes publish the new key within a second …
    let (ok, said) = rotate(&a, &EDDSA);
    assert!(ok, "{said}");
    for node in [&a, &b] {
        let both = wait_for(Duration::from_secs(1), || async {
            jwks_kids(node).await.len() == 2
        })
        .await;
        assert!(both, "the new key is published on every node");
    }
    let new_kid = jwks_kids(&a)
        .await
        .into_iter()
        .find(|k| *k != kids[0])
        .unwrap();
    // … tokens of the old key keep working …
    assert_eq!(b.verify(&ana.access).await.status, 200);
    assert!(pyjwt_verifies(&a, &ana.access).0);
    // … and once it is due, the new key signs on every node.
    let signs = wait_for(Duration::from_secs(15), || async {
        let fresh = b.login_user("ana", crate::support::PASSWORD).await;
        kid(&fresh.access) == new_kid
    })
    .await;
    assert!(signs, "the new key signs after the rotation delay");
    let fresh = a.login_user("ana", crate::support::PASSWORD).await;
    assert_eq!(kid(&fresh.access), new_kid);
    assert_eq!(b.verify(&fresh.access).await.status, 200);
    let (ok, said) = pyjwt_verifies(&b, &fresh.access);
    assert!(ok, "{said}");
    assert_eq!(
        b.verify(&ana.access).await.status,
        200,
        "the old key still verifies"
    );
}
