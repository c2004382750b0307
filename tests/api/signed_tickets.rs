//! Issue 19: signed ticket codes — issued by Troupe, checked at the gate, verified
//! by an independent library (PyPI `cryptography`) with the published key alone.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{TestApp, TestUser, spawn_app};

async fn signed_event(app: &TestApp, admin: &TestUser, id: &str) {
    let body = json!({"id": id, "name": id, "mode": "signed"});
    let reply = app
        .call("POST", "/events", &admin.access, Some(&body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

async fn issue(app: &TestApp, admin: &TestUser, event: &str, tickets: Value) -> Vec<Value> {
    let path = format!("/events/{event}/tickets");
    let reply = app
        .call(
            "POST",
            &path,
            &admin.access,
            Some(&json!({"tickets": tickets})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["tickets"].as_array().unwrap().clone()
}

/// What `cryptography` says of a code, given the JWK's `x`: the payload's three
/// lines when the signature holds, `bad signature` when it does not.
fn verify_in_python(code: &str, x: &str) -> String {
    let script = r#"
import base64, sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
code, x = sys.argv[1], sys.argv[2]
prefix, payload, signature = code.split(".")
assert prefix == "TRP1"
key = Ed25519PublicKey.from_public_bytes(b64(x))
try:
    key.verify(b64(signature), b64(payload))
    print("|".join(b64(payload).decode().split("\n")))
except InvalidSignature:
    print("bad signature")
"#;
    let out = Command::new("python3")
        .args(["-c", script, code, x])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "PyPI cryptography is needed (pip install cryptography): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[actix_web::test]
async fn codes_verify_with_the_published_key_alone_and_the_gate_refuses_forged_and_revoked_ones() {
    let app = spawn_app().await;
    let admin = app.user_with_role("sig_admin", "admin").await;
    let gate = app.user_with_role("sig_gate", "committee").await;
    signed_event(&app, &admin, "sig").await;
    signed_event(&app, &admin, "other").await;
    let issued = issue(
        &app,
        &admin,
        "sig",
        json!([{"ticket_id": "S-1", "holder_name": "Ayu", "category": "VIP"},
               {"holder_name": "Budi", "category": "regular"}]),
    )
    .await;
    let code = issued[0]["code"].as_str().unwrap().to_owned();
    let generated = issued[1]["ticket_id"].as_str().unwrap().to_owned();
    assert!(generated.starts_with("T-"));
    let key = app
        .call("GET", "/events/sig/signing-key", &gate.access, None)
        .await;
    assert_eq!(key.status, 200, "{}", key.text);
    let key = key.json();
    assert_eq!(key["jwk"]["kty"], "OKP");
    assert_eq!(key["jwk"]["crv"], "Ed25519");
    let x = key["jwk"]["x"].as_str().unwrap();

    // An independent library, the published key and nothing else.
    assert_eq!(verify_in_python(&code, x), "sig|S-1|VIP");
    let payload_of = |event: &str, ticket: &str, category: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{event}\n{ticket}\n{category}"))
    };
    let signature = code.rsplit('.').next().unwrap();
    let forged = format!("TRP1.{}.{signature}", payload_of("sig", "S-1", "BACKSTAGE"));
    assert_eq!(verify_in_python(&forged, x), "bad signature");
    let other_key = app
        .call("GET", "/events/other/signing-key", &gate.access, None)
        .await
        .json();
    assert_eq!(
        verify_in_python(&code, other_key["jwk"]["x"].as_str().unwrap()),
        "bad signature",
        "each event has its own key"
    );

    // The gate.
    let scan = |body: Value| {
        let app = &app;
        let gate = &gate;
        async move {
            app.call("POST", "/checkins", &gate.access, Some(&body))
                .await
        }
    };
    let ok = scan(json!({"event_id": "sig", "code": code})).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(ok.json()["record"]["ticket_id"], "S-1");
    assert_eq!(ok.json()["ticket"]["holder_name"], "Ayu");
    scan(json!({"event_id": "sig", "code": code}))
        .await
        .problem(409, "already_checked_in");
    scan(json!({"event_id": "sig", "code": forged}))
        .await
        .problem(422, "invalid_signature");
    scan(json!({"event_id": "sig", "ticket_id": generated}))
        .await
        .problem(422, "invalid_signature");
    scan(json!({"event_id": "sig", "code": "TRP1.garbage"}))
        .await
        .problem(422, "invalid_signature");
    let elsewhere = issue(&app, &admin, "other", json!([{"ticket_id": "O-1"}])).await;
    scan(json!({"event_id": "sig", "code": elsewhere[0]["code"]}))
        .await
        .problem(422, "invalid_signature");
    scan(json!({"event_id": "sig", "ticket_id": "S-1", "code": code}))
        .await
        .problem(400, "validation_failed");

    // Revocation, downloadable for offline gates.
    let path = format!("/events/sig/tickets/{generated}/revoke");
    app.call("POST", &path, &gate.access, None)
        .await
        .problem(403, "admin_required");
    assert_eq!(
        app.call("POST", &path, &admin.access, None).await.status,
        204
    );
    let revoked = app
        .call("GET", "/events/sig/tickets/revoked", &gate.access, None)
        .await
        .json();
    assert_eq!(revoked["revoked"], json!([generated]));
    let doc = scan(json!({"event_id": "sig", "code": issued[1]["code"]}))
        .await
        .problem(422, "revoked");
    assert_eq!(doc["ticket"]["holder_name"], "Budi");
    let log = app
        .call(
            "GET",
            "/events/sig/scans?result=invalid_signature",
            &gate.access,
            None,
        )
        .await
        .json();
    assert_eq!(log["items"].as_array().unwrap().len(), 4, "{log}");

    // Offline scanners send codes too.
    let fresh = issue(&app, &admin, "sig", json!([{"ticket_id": "S-9"}])).await;
    let upload = json!({"scans": [{"nonce": "n1", "event_id": "sig", "code": fresh[0]["code"],
                                   "scanned_at": "2026-06-01T10:00:00Z"}]});
    let results = app
        .call("POST", "/checkins/batch", &gate.access, Some(&upload))
        .await
        .json();
    assert_eq!(results["results"][0]["result"], "ok", "{results}");
    assert_eq!(results["results"][0]["record"]["ticket_id"], "S-9");

    // Only signed events sign.
    let open = json!({"id": "plain", "name": "Plain"});
    app.call("POST", "/events", &admin.access, Some(&open))
        .await;
    app.call(
        "POST",
        "/events/plain/tickets",
        &admin.access,
        Some(&json!({"tickets": [{}]})),
    )
    .await
    .problem(400, "validation_failed");
}
