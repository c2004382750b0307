//! Issue 18: sessions a user sees and ends, and revocations that every node honours
//! within a second without a database read per request — also after a restart and
//! after a lost LISTEN session.

use std::time::Duration;

use serde_json::json;

use crate::support::{PASSWORD, TestApp, app, spawn_app, wait_for};

const SECRET: [(&str, &str); 1] = [("JWT_SECRET", "sessions-test-secret-of-32-bytes-or-more")];

/// Two API processes on one database, sharing the secret as replicas do.
async fn two_nodes() -> (TestApp, TestApp) {
    let first = app().settings(&SECRET).start().await;
    let second = app()
        .settings(&SECRET)
        .on_database(&first.db_name)
        .start()
        .await;
    (first, second)
}

async fn sessions(app: &TestApp, token: &str) -> serde_json::Value {
    let reply = app.call("GET", "/auth/sessions", token, None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

/// Whether `node` refuses `token` with `code` within one second.
async fn refused_within_a_second(node: &TestApp, token: &str, code: &str) -> bool {
    wait_for(Duration::from_secs(1), || async {
        let reply = node.verify(token).await;
        reply.status == 401 && reply.json()["code"] == code
    })
    .await
}

#[actix_web::test]
async fn a_user_lists_their_sessions_and_ends_one_whose_tokens_stop_at_once() {
    let app = spawn_app().await;
    let rini = app.user("rini").await;
    let phone = app
        .send(
            app.client
                .post(app.url("/auth/login"))
                .header("user-agent", "RiniPhone/1.0")
                .json(&json!({"login": "rini", "password": PASSWORD})),
        )
        .await
        .json();
    let phone_access = phone["access_token"].as_str().unwrap().to_owned();
    let phone_refresh = phone["refresh_token"].as_str().unwrap().to_owned();

    let list = sessions(&app, &rini.access).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let current: Vec<_> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let phone_row = list
        .iter()
        .find(|s| s["user_agent"] == "RiniPhone/1.0")
        .expect("the phone's session");
    assert_eq!(phone_row["current"], false);
    assert_eq!(phone_row["ip"], "127.0.0.1");
    for field in ["created_at", "last_used_at", "expires_at"] {
        assert!(phone_row[field].is_string(), "{field}");
    }

    // The phone's session ends: its access token at once, its refresh token too.
    let path = format!("/auth/sessions/{}", phone_row["id"].as_str().unwrap());
    assert_eq!(
        app.call("DELETE", &path, &rini.access, None).await.status,
        204
    );
    app.verify(&phone_access)
        .await
        .problem(401, "session_revoked");
    app.refresh_with(&json!({"refresh_token": phone_refresh}))
        .await
        .problem(401, "invalid_refresh_token");
    app.call("DELETE", &path, &rini.access, None)
        .await
        .problem(404, "not_found");
    assert_eq!(app.verify(&rini.access).await.status, 200);
    assert_eq!(
        sessions(&app, &rini.access).await.as_array().unwrap().len(),
        1
    );
}

#[actix_web::test]
async fn revoke_others_keeps_only_the_callers_session() {
    let app = spawn_app().await;
    let tono = app.user("tono").await;
    let others = [
        app.login_user("tono", PASSWORD).await,
        app.login_user("tono", PASSWORD).await,
    ];
    let reply = app
        .call("POST", "/auth/sessions/revoke-others", &tono.access, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["revoked"], 2);
    for other in &others {
        app.verify(&other.access)
            .await
            .problem(401, "session_revoked");
    }
    assert_eq!(app.verify(&tono.access).await.status, 200);
    let left = sessions(&app, &tono.access).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["current"], true);
}

#[actix_web::test]
async fn an_admin_sees_and_ends_a_users_sessions_but_not_a_peers() {
    let app = spawn_app().await;
    let vera = app.user("vera").await;
    let admin = app.user_with_role("ops_admin", "admin").await;
    let peer = app.user_with_role("peer_admin", "admin").await;
    let path = format!("/users/{}/sessions", vera.id);
    let list = app.call("GET", &path, &admin.access, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["current"], false, "not the admin's own session");
    let one = format!("{path}/{}", list[0]["id"].as_str().unwrap());
    assert_eq!(
        app.call("DELETE", &one, &admin.access, None).await.status,
        204
    );
    app.verify(&vera.access)
        .await
        .problem(401, "session_revoked");
    let vera = app.login_user("vera", PASSWORD).await;
    app.call("GET", &path, &vera.access, None)
        .await
        .problem(403, "admin_required");
    app.call(
        "GET",
        &format!("/users/{}/sessions", peer.id),
        &admin.access,
        None,
    )
    .await
    .problem(403, "forbidden");
}

#[actix_web::test]
async fn every_kind_of_revocation_reaches_the_other_node_within_a_second() {
    let (a, b) = two_nodes().await;
    // Logout on A: B refuses the access token of that session.
    let lia = a.user("lia").await;
    assert_eq!(b.verify(&lia.access).await.status, 200);
    let out = a.logout_with(&json!({"refresh_token": lia.refresh})).await;
    assert_eq!(out.status, 200, "{}", out.text);
    assert!(refused_within_a_second(&b, &lia.access, "session_revoked").await);

    // Logout everywhere on B: A refuses both sessions.
    let one = a.login_user("lia", PASSWORD).await;
    let two = b.login_user("lia", PASSWORD).await;
    assert_eq!(b.logout_all(&two.access).await.status, 200);
    assert!(refused_within_a_second(&a, &one.access, "session_revoked").await);
    assert!(refused_within_a_second(&a, &two.access, "session_revoked").await);

    // A password change on A.
    let mia = a.user("mia").await;
    let change = json!({"password": "a-new-password-1", "current_password": PASSWORD});
    assert_eq!(
        a.update_user(&mia.access, &mia.id, &change).await.status,
        200
    );
    assert!(refused_within_a_second(&b, &mia.access, "session_revoked").await);

    // A role change on B: A refuses the old token, which must be refreshed.
    let nia = a.user("nia").await;
    let root = b.root().await;
    let promote = json!({"role": "committee"});
    assert_eq!(
        b.update_user(&root.access, &nia.id, &promote).await.status,
        200
    );
    assert!(refused_within_a_second(&a, &nia.access, "role_changed").await);
    let renewed = a.refresh_with(&json!({"refresh_token": nia.refresh})).await;
    let access = renewed.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(b.verify(&access).await.json()["role"], "committee");

    // A deleted user on A.
    let oda = a.user("oda").await;
    assert_eq!(a.delete_user(&root.access, &oda.id).await.status, 204);
    assert!(refused_within_a_second(&b, &oda.access, "account_gone").await);
}

#[actix_web::test]
async fn a_restarted_node_and_a_node_whose_listen_session_broke_still_refuse() {
    let (a, b) = two_nodes().await;
    let pia = a.user("pia").await;
    let qia = a.user("qia").await;
    let out = a.logout_with(&json!({"refresh_token": pia.refresh})).await;
    assert_eq!(out.status, 200);

    // A node started after the revocation reads it at start.
    let c = app()
        .settings(&SECRET)
        .on_database(&a.db_name)
        .start()
        .await;
    c.verify(&pia.access).await.problem(401, "session_revoked");

    // B loses its LISTEN session; a revocation made meanwhile is read again when
    // it reconnects.
    let db = b.pool.get().await.expect("db");
    let killed = db
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND application_name LIKE 'troupe-auth-%'",
            &[&b.db_name],
        )
        .await
        .expect("terminate")
        .len();
    assert!(killed >= 1, "the nodes' LISTEN sessions exist");
    let out = a.logout_with(&json!({"refresh_token": qia.refresh})).await;
    assert_eq!(out.status, 200);
    let refused = wait_for(Duration::from_secs(10), || async {
        b.verify(&qia.access).await.status == 401
    })
    .await;
    assert!(refused, "B refuses after reconnecting");
    assert!(refused_within_a_second(&c, &qia.access, "session_revoked").await);
}

#[actix_web::test]
async fn sessions_ended_long_ago_and_expired_refresh_tokens_are_pruned_and_nothing_else() {
    let app = spawn_app().await;
    let wim = app.user("wim").await;
    let old = app.login_user("wim", PASSWORD).await;
    app.sql(&format!(
        "UPDATE sessions SET expires_at = now() - interval '91 days'
         WHERE user_id = '{}' AND id <> (SELECT id FROM sessions WHERE user_id = '{}'
                                          ORDER BY created_at LIMIT 1);
         UPDATE refresh_tokens SET expires_at = now() - interval '91 days'
         WHERE family_id IN (SELECT id FROM sessions WHERE expires_at < now())",
        wim.id, wim.id
    ))
    .await;
    let db = app.pool.get().await.expect("db");
    let pruned = troupe::db::sessions::prune(&db).await.expect("prune");
    assert_eq!(pruned, 1, "one session (its refresh tokens go with it)");
    let left = sessions(&app, &wim.access).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["current"], true);
    // The pruned session's refresh token is gone; the live one still works.
    app.refresh_with(&json!({"refresh_token": old.refresh}))
        .await
        .problem(401, "invalid_refresh_token");
    assert_eq!(
        app.refresh_with(&json!({"refresh_token": wim.refresh}))
            .await
            .status,
        200
    );
}
