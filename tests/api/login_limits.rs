//! Issue 18: failed-login limits shared by every node, keyed by the client address
//! a trusted proxy forwards, and a temporary, escalating account lockout that the
//! owner's usual addresses and an admin get around.

use serde_json::json;

use crate::support::{PASSWORD, Reply, TestApp, app};

/// Two API processes on one database, as behind one proxy (127.0.0.1 is trusted).
async fn two_nodes(settings: &[(&str, &str)]) -> (TestApp, TestApp) {
    let mut all = vec![
        ("JWT_SECRET", "login-limits-secret-of-32-bytes-or-more"),
        ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
    ];
    all.extend_from_slice(settings);
    let first = app().settings(&all).start().await;
    let second = app()
        .settings(&all)
        .on_database(&first.db_name)
        .start()
        .await;
    (first, second)
}

async fn login_from(node: &TestApp, client: &str, login: &str, password: &str) -> Reply {
    node.send(
        node.client
            .post(node.url("/auth/login"))
            .header("x-forwarded-for", client)
            .json(&json!({"login": login, "password": password})),
    )
    .await
}

#[actix_web::test]
async fn failures_from_one_client_count_on_every_node_and_other_clients_are_not_affected() {
    let (a, b) = two_nodes(&[("LOGIN_RATE_LIMIT", "3"), ("LOGIN_LOCKOUT_THRESHOLD", "0")]).await;
    a.user("sari").await;
    let attacker = "198.51.100.7";
    for (i, node) in [&a, &b, &a].into_iter().enumerate() {
        let reply = login_from(node, attacker, "sari", "wrong-password").await;
        reply.problem(401, "invalid_credentials");
        assert_eq!(reply.status, 401, "attempt {i}");
    }
    // The fourth, on the other node, even with the right password.
    let limited = login_from(&b, attacker, "sari", PASSWORD).await;
    limited.problem(429, "rate_limited");
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another client behind the same proxy gets in.
    assert_eq!(
        login_from(&a, "198.51.100.8", "sari", PASSWORD)
            .await
            .status,
        200
    );
    // A spoofed left part does not make the attacker someone else.
    let spoofed = login_from(&b, &format!("203.0.113.50, {attacker}"), "sari", PASSWORD).await;
    spoofed.problem(429, "rate_limited");
}

#[actix_web::test]
async fn without_trusted_proxies_forwarded_for_is_ignored() {
    let node = app()
        .settings(&[("LOGIN_RATE_LIMIT", "2"), ("LOGIN_LOCKOUT_THRESHOLD", "0")])
        .start()
        .await;
    node.user("tari").await;
    for i in 0..2 {
        let reply = login_from(&node, &format!("198.51.100.{i}"), "tari", "nope-nope").await;
        assert_eq!(reply.status, 401);
    }
    login_from(&node, "198.51.100.99", "tari", PASSWORD)
        .await
        .problem(429, "rate_limited");
}

#[actix_web::test]
async fn an_account_lockout_escalates_spares_the_owners_addresses_and_an_admin_clears_it() {
    let (a, b) = two_nodes(&[
        ("LOGIN_RATE_LIMIT", "100"),
        ("LOGIN_LOCKOUT_THRESHOLD", "3"),
        ("LOGIN_LOCKOUT_SECS", "60"),
    ])
    .await;
    let umi = a.user("umi").await;
    // The owner's usual address (a session was opened from it).
    assert_eq!(
        login_from(&a, "203.0.113.1", "umi", PASSWORD).await.status,
        200
    );
    // A stranger tries from three addresses, on both nodes.
    for (i, node) in [&a, &b, &a].into_iter().enumerate() {
        let reply = login_from(node, &format!("198.51.100.{i}"), "umi", "guess-guess").await;
        assert_eq!(reply.status, 401, "{}", reply.text);
    }
    // Locked for a new address, right password or not …
    let locked = login_from(&b, "198.51.100.9", "umi", PASSWORD).await;
    locked.problem(429, "account_locked");
    let first_wait: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((50..=60).contains(&first_wait), "{first_wait}");
    // … but not for the owner's usual address.
    assert_eq!(
        login_from(&b, "203.0.113.1", "umi", PASSWORD).await.status,
        200
    );

    // The next lockout is longer: end this one early and fail again.
    a.sql(&format!(
        "UPDATE login_attempts SET locked_until = now() - interval '1 second'
         WHERE key = 'account:{}'",
        umi.id
    ))
    .await;
    for i in 0..3 {
        let reply = login_from(&a, &format!("198.51.100.{}", 20 + i), "umi", "guess").await;
        assert_eq!(reply.status, 401);
    }
    let again = login_from(&a, "198.51.100.30", "umi", PASSWORD).await;
    again.problem(429, "account_locked");
    let second_wait: u64 = again.header("retry-after").unwrap().parse().unwrap();
    assert!((110..=120).contains(&second_wait), "{second_wait}");

    // An admin clears it; a user may not.
    let path = format!("/users/{}/lockout", umi.id);
    a.call("DELETE", &path, &umi.access, None)
        .await
        .problem(403, "admin_required");
    let admin = a.user_with_role("lock_admin", "admin").await;
    assert_eq!(
        a.call("DELETE", &path, &admin.access, None).await.status,
        204
    );
    assert_eq!(
        login_from(&b, "198.51.100.31", "umi", PASSWORD)
            .await
            .status,
        200
    );
}
