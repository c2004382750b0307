//! SPEC §2: registration, login, rate limiting, problem shapes on auth bodies.

use futures_util::future::join_all;
use serde_json::json;

use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, app, spawn_app};

#[actix_web::test]
async fn register_answers_201_with_the_spec_fields_and_the_user_role() {
    let app = spawn_app().await;
    let reply = app
        .register_with(
            &json!({"username": "Ana.B", "password": PASSWORD, "email": " Ana@Example.ORG "}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    assert!(uuid::Uuid::parse_str(body["user_id"].as_str().unwrap()).is_ok());
    assert_eq!(body["username"], "Ana.B");
    assert_eq!(
        body["email"], "ana@example.org",
        "stored lower-case and trimmed"
    );
    assert_eq!(body["role"], "user");
    assert!(body["message"].is_string());
}

#[actix_web::test]
async fn register_accepts_the_seed_aliases_fullname_and_no_tlp() {
    let app = spawn_app().await;
    let body = json!({"username": "budi", "password": PASSWORD, "fullname": "Budi S", "no_tlp": "+62 812-000"});
    assert_eq!(app.post_json("/users/register", &body).await.status, 201);
    let budi = app.login_user("budi", PASSWORD).await;
    let me = app.me(&budi.access).await.json();
    assert_eq!(me["name"], "Budi S");
    assert_eq!(me["phone"], "+62 812-000");
    assert!(me.get("password_hash").is_none() && me.get("password").is_none());
}

#[actix_web::test]
async fn register_asking_for_a_privileged_role_is_403_and_creates_nothing() {
    let app = spawn_app().await;
    for role in ["admin", "committee", "superadmin"] {
        let body = json!({"username": "sneaky", "password": PASSWORD, "role": role});
        app.register_with(&body)
            .await
            .problem(403, "role_requires_admin");
    }
    app.login("sneaky", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let explicit_user = json!({"username": "honest", "password": PASSWORD, "role": "user"});
    assert_eq!(app.register_with(&explicit_user).await.status, 201);
}

#[actix_web::test]
async fn register_reports_every_invalid_field_at_once() {
    let app = spawn_app().await;
    let body = json!({"username": "a b", "password": "short", "email": "not-an-email"});
    let doc = app
        .register_with(&body)
        .await
        .problem(400, "validation_failed");
    for field in ["username", "password", "email"] {
        assert!(
            doc["errors"][field].is_string(),
            "no message for {field}: {doc}"
        );
    }
    app.login("a b", "short")
        .await
        .problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn a_password_over_72_bytes_is_refused_not_truncated() {
    let app = spawn_app().await;
    let long = "€".repeat(25); // 75 bytes
    let doc = app
        .register_with(&json!({"username": "longpw", "password": long}))
        .await
        .problem(400, "validation_failed");
    assert!(doc["errors"]["password"].as_str().unwrap().contains("72"));
    let exactly_72 = "x".repeat(72);
    let reply = app
        .register_with(&json!({"username": "pw72", "password": exactly_72}))
        .await;
    assert_eq!(reply.status, 201);
    app.login_user("pw72", &"x".repeat(72)).await;
    // The first 72 bytes plus more must not log in (no truncation on verify either).
    app.login("pw72", &"x".repeat(73))
        .await
        .problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn duplicate_username_or_email_is_409_case_insensitively() {
    let app = spawn_app().await;
    app.register("carla").await;
    let doc = app
        .register_with(&json!({"username": "CARLA", "password": PASSWORD}))
        .await
        .problem(409, "duplicate");
    assert_eq!(doc["errors"]["username"], "username has been taken");
    let doc = app
        .register_with(
            &json!({"username": "carla2", "password": PASSWORD, "email": "Carla@Example.org"}),
        )
        .await
        .problem(409, "duplicate");
    assert_eq!(doc["errors"]["email"], "email has been taken");
}

#[actix_web::test]
async fn of_concurrent_registrations_of_one_username_exactly_one_succeeds() {
    let app = spawn_app().await;
    // 16: the bcrypt pool admits 16 jobs per thread; more would get 503 hasher_busy.
    let attempts = (0..16).map(|i| {
        let body =
            json!({"username": if i % 2 == 0 { "race" } else { "RACE" }, "password": PASSWORD});
        let app = &app;
        async move { app.register_with(&body).await }
    });
    let replies = join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let conflicts = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(conflicts, 15);
}

#[actix_web::test]
async fn login_accepts_username_email_or_login_and_the_alias_routes() {
    let app = spawn_app().await;
    app.register("dewi").await;
    let by_username = app
        .login_with(&json!({"username": "DEWI", "password": PASSWORD}))
        .await;
    assert_eq!(by_username.status, 200, "{}", by_username.text);
    let body = by_username.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["user"]["username"], "dewi");
    assert_eq!(body["user"]["email"], "dewi@example.org");
    assert_eq!(body["user"]["role"], "user");
    assert!(
        body["refresh_token"].as_str().unwrap().len() >= 43,
        "256 bits, base64url"
    );
    let by_email = json!({"email": "dewi@example.org", "password": PASSWORD});
    for path in [
        "/auth/login",
        "/api/v1/auth/token",
        "/users/login",
        "/api/v1/auth/login",
    ] {
        assert_eq!(app.post_json(path, &by_email).await.status, 200, "{path}");
    }
}

#[actix_web::test]
async fn login_failure_is_the_same_401_for_unknown_users_and_wrong_passwords() {
    let app = spawn_app().await;
    app.register("eko").await;
    let wrong = app
        .login("eko", "wrong password")
        .await
        .problem(401, "invalid_credentials");
    let unknown = app
        .login("nobody", "wrong password")
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(wrong["detail"], unknown["detail"]);
    app.login_with(&json!({"password": "x"}))
        .await
        .problem(400, "validation_failed");
}

#[actix_web::test]
async fn failed_logins_are_limited_per_account_with_429_and_retry_after() {
    let app = app().settings(&[("LOGIN_RATE_LIMIT", "3")]).start().await;
    app.register("fajar").await;
    for _ in 0..3 {
        app.login("fajar", "wrong password")
            .await
            .problem(401, "invalid_credentials");
    }
    let limited = app.login("fajar", PASSWORD).await;
    limited.problem(429, "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let reply = app
        .post_raw(
            "/auth/register",
            "application/json",
            b"{\"username\": ".to_vec(),
        )
        .await;
    reply.problem(400, "malformed_json");
    let wrong_type = app
        .register_with(&json!({"username": 42, "password": PASSWORD}))
        .await;
    wrong_type.problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_json_body_over_64_kib_is_a_413_problem() {
    let app = spawn_app().await;
    let big = json!({"username": "big", "password": PASSWORD, "name": "x".repeat(70 * 1024)});
    app.register_with(&big)
        .await
        .problem(413, "payload_too_large");
    app.login("big", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    app.post_raw("/auth/login", "text/plain", b"login=x".to_vec())
        .await
        .problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn the_bootstrap_admin_is_created_once_and_never_changed() {
    let app = spawn_app().await;
    let root = app.root().await;
    let me = app.me(&root.access).await.json();
    assert_eq!(me["role"], "superadmin");
    // A second start with another bootstrap password leaves the existing user alone.
    let again = crate::support::app()
        .on_database(&app.db_name)
        .settings(&[
            ("BOOTSTRAP_ADMIN_USERNAME", ROOT_USERNAME),
            ("BOOTSTRAP_ADMIN_PASSWORD", "another-password"),
        ])
        .start()
        .await;
    again.login_user(ROOT_USERNAME, ROOT_PASSWORD).await;
    again
        .login(ROOT_USERNAME, "another-password")
        .await
        .problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn troupe_user_create_reads_the_password_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_troupe"))
        .args([
            "user",
            "create",
            "--username",
            "gate1",
            "--role",
            "committee",
            "--email",
            "gate1@example.org",
        ])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{}", app.db_name),
        )
        .env("DATA_DIR", &app.data_path)
        .env("APP_ENV", "test")
        .env("BCRYPT_COST", "4")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("troupe binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"gate-password-1\n")
        .expect("password written");
    let out = child.wait_with_output().expect("troupe exits");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created committee gate1"));
    let gate = app.login_user("gate1", "gate-password-1").await;
    let me = app.me(&gate.access).await.json();
    assert_eq!(me["role"], "committee");
    assert_eq!(me["email"], "gate1@example.org");
}

#[actix_web::test]
async fn a_login_flood_beyond_the_hashing_pool_gets_fast_503s_with_retry_after() {
    let app = app()
        .settings(&[
            ("HASHER_THREADS", "1"),
            ("BCRYPT_COST", "10"),
            ("LOGIN_RATE_LIMIT", "0"),
        ])
        .start()
        .await;
    let attempts = (0..40).map(|_| app.login("nobody", "wrong password"));
    let replies = join_all(attempts).await;
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    let refused = replies.iter().filter(|r| r.status == 401).count();
    assert_eq!(busy.len() + refused, 40);
    assert!(
        refused >= 16,
        "the pool admits 16 jobs per thread: {refused}"
    );
    assert!(
        !busy.is_empty(),
        "40 concurrent logins exceed one thread's 16 places"
    );
    let doc = busy[0].problem(503, "hasher_busy");
    assert!(doc["detail"].is_string());
    assert_eq!(busy[0].header("retry-after"), Some("1"));
}
