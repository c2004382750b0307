//! SPEC §2 tokens: refresh rotation and reuse detection, logout, verify, JWT attacks.

use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, app, spawn_app};

async fn refresh(app: &TestApp, token: &str) -> crate::support::Reply {
    app.refresh_with(&json!({"refresh_token": token})).await
}

#[actix_web::test]
async fn refresh_rotates_and_an_older_generation_revokes_the_session() {
    let app = spawn_app().await;
    let gita = app.user("gita").await;
    let first = refresh(&app, &gita.refresh).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let body = first.json();
    assert_eq!(body["token_type"], "bearer");
    let second_token = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, gita.refresh);
    assert_eq!(
        app.verify(body["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );
    let third = refresh(&app, &second_token).await.json();
    let third_token = third["refresh_token"].as_str().unwrap().to_owned();

    // The first token is two generations old: theft. The session ends, its newest
    // refresh token and its access tokens with it.
    refresh(&app, &gita.refresh)
        .await
        .problem(401, "refresh_token_reused");
    refresh(&app, &third_token)
        .await
        .problem(401, "invalid_refresh_token");
    app.verify(third["access_token"].as_str().unwrap())
        .await
        .problem(401, "session_revoked");
    // Another session of the same user is untouched.
    let other = app.login_user("gita", PASSWORD).await;
    assert_eq!(refresh(&app, &other.refresh).await.status, 200);
}

#[actix_web::test]
async fn concurrent_refreshes_of_one_token_all_succeed_within_the_reuse_interval() {
    let app = app()
        .settings(&[("REFRESH_REUSE_INTERVAL", "2")])
        .start()
        .await;
    let hadi = app.user("hadi").await;
    let replies = join_all((0..10).map(|_| refresh(&app, &hadi.refresh))).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // Only hashes are stored: every caller gets the one successor of the token.
    let received: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| r.json()["refresh_token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(received.len(), 1, "{received:?}");
    let successor = received.into_iter().next().unwrap();
    for r in &replies {
        let access = r.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.verify(&access).await.status, 200);
    }
    // It works once: its own successor is new, and the session lives on.
    let next = refresh(&app, &successor).await;
    assert_eq!(next.status, 200, "{}", next.text);
    let next_token = next.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next_token, successor);

    // After the interval, showing the first token again is reuse: the session ends.
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    refresh(&app, &hadi.refresh)
        .await
        .problem(401, "refresh_token_reused");
    refresh(&app, &next_token)
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn only_the_immediate_predecessor_gets_its_successor_and_only_once_it_is_unused() {
    let app = spawn_app().await;
    let ines = app.user("ines").await;
    let b = refresh(&app, &ines.refresh).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A again at once: the same B (a second tab).
    let again = refresh(&app, &ines.refresh).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["refresh_token"], b.as_str());
    // B is used; now A is no longer B's immediate, unused predecessor.
    assert_eq!(refresh(&app, &b).await.status, 200);
    refresh(&app, &ines.refresh)
        .await
        .problem(401, "refresh_token_reused");
}

#[actix_web::test]
async fn refresh_accepts_the_token_alias_and_the_compatibility_route() {
    let app = spawn_app().await;
    let ina = app.user("ina").await;
    let reply = app
        .post_json("/api/v1/auth/refresh-token", &json!({"token": ina.refresh}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    refresh(&app, "not-a-token")
        .await
        .problem(401, "invalid_refresh_token");
    refresh(&app, "").await.problem(400, "validation_failed");
}

#[actix_web::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app().await;
    let joko = app.user("joko").await;
    app.sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        .await;
    refresh(&app, &joko.refresh)
        .await
        .problem(401, "refresh_token_expired");
}

#[actix_web::test]
async fn logout_revokes_the_session_is_idempotent_and_checks_the_owner() {
    let app = spawn_app().await;
    let kiki = app.user("kiki").await;
    let lia = app.user("lia").await;
    // Lia may not log Kiki out.
    app.call(
        "POST",
        "/auth/logout",
        &lia.access,
        Some(&json!({"refresh_token": kiki.refresh})),
    )
    .await
    .problem(403, "not_your_token");
    assert_eq!(
        app.logout_with(&json!({"refresh_token": kiki.refresh}))
            .await
            .status,
        200
    );
    refresh(&app, &kiki.refresh)
        .await
        .problem(401, "invalid_refresh_token");
    for path in ["/auth/logout", "/users/logout"] {
        let again = app
            .post_json(path, &json!({"refresh_token": kiki.refresh}))
            .await;
        assert_eq!(again.status, 200, "{path}: {}", again.text);
        assert!(again.json()["message"].is_string());
    }
}

#[actix_web::test]
async fn logout_all_revokes_every_refresh_token_of_the_caller() {
    let app = spawn_app().await;
    let one = app.user("maya").await;
    let two = app.login_user("maya", PASSWORD).await;
    let reply = app.logout_all(&one.access).await;
    assert_eq!(reply.status, 200);
    refresh(&app, &one.refresh)
        .await
        .problem(401, "invalid_refresh_token");
    refresh(&app, &two.refresh)
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn verify_and_me_describe_the_caller() {
    let app = spawn_app().await;
    let nina = app.user("nina").await;
    let verified = app.verify(&nina.access).await.json();
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["user_id"], nina.id.as_str());
    assert_eq!(verified["username"], "nina");
    assert_eq!(verified["role"], "user");
    assert!(verified["exp"].as_i64().unwrap() > time::OffsetDateTime::now_utc().unix_timestamp());
    let me = app.me(&nina.access).await.json();
    for field in [
        "id",
        "username",
        "email",
        "name",
        "phone",
        "gender",
        "role",
        "created_at",
        "updated_at",
    ] {
        assert!(me.get(field).is_some(), "me lacks {field}: {me}");
    }
}

fn secret(app: &TestApp) -> Vec<u8> {
    std::fs::read_to_string(app.data_path.join("jwt_secret"))
        .expect("generated secret")
        .trim()
        .as_bytes()
        .to_vec()
}

fn forge(claims: serde_json::Value, alg: Algorithm, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(key)).unwrap()
}

#[actix_web::test]
async fn every_kind_of_bad_access_token_is_a_401() {
    let app = spawn_app().await;
    let omar = app.user("omar").await;
    let key = secret(&app);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |iss: &str, aud: &str, exp: i64| {
        json!({"sub": omar.id, "username": "omar", "role": "superadmin", "sid": uuid::Uuid::new_v4(),
               "iat": now - 10, "exp": exp, "jti": uuid::Uuid::new_v4(), "iss": iss, "aud": aud})
    };
    // The genuine shape is accepted, which shows the forgeries fail for their flaw alone.
    let genuine = forge(
        claims("troupe", "troupe-api", now + 60),
        Algorithm::HS256,
        &key,
    );
    assert_eq!(app.verify(&genuine).await.status, 200);

    let b64 =
        |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
    let alg_none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&claims("troupe", "troupe-api", now + 60).to_string())
    );
    let bad = [
        (
            "expired",
            forge(
                claims("troupe", "troupe-api", now - 120),
                Algorithm::HS256,
                &key,
            ),
        ),
        (
            "wrong issuer",
            forge(
                claims("evil", "troupe-api", now + 60),
                Algorithm::HS256,
                &key,
            ),
        ),
        (
            "wrong audience",
            forge(claims("troupe", "other", now + 60), Algorithm::HS256, &key),
        ),
        (
            "wrong secret",
            forge(
                claims("troupe", "troupe-api", now + 60),
                Algorithm::HS256,
                b"another-secret-of-32-bytes-long!",
            ),
        ),
        (
            "HS512",
            forge(
                claims("troupe", "troupe-api", now + 60),
                Algorithm::HS512,
                &key,
            ),
        ),
        ("alg none", alg_none),
        ("no session", {
            let mut without_sid = claims("troupe", "troupe-api", now + 60);
            without_sid.as_object_mut().unwrap().remove("sid");
            forge(without_sid, Algorithm::HS256, &key)
        }),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in bad {
        let reply = app.verify(&token).await;
        reply.problem(401, "invalid_token");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    app.get("/auth/me").await.problem(401, "missing_token");
    let basic = app
        .send(
            app.client
                .get(app.url("/auth/me"))
                .header("authorization", "Basic b21hcjp4"),
        )
        .await;
    basic.problem(401, "invalid_token");
}

#[actix_web::test]
async fn a_role_change_refuses_older_access_tokens_at_once_and_the_refresh_carries_it() {
    let app = spawn_app().await;
    let putu = app.user("putu").await;
    let root = app.root().await;
    let promote = json!({"role": "committee"});
    let reply = app.update_user(&root.access, &putu.id, &promote).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    app.verify(&putu.access).await.problem(401, "role_changed");
    let renewed = refresh(&app, &putu.refresh).await.json();
    let new_access = renewed["access_token"].as_str().unwrap();
    let new = app.verify(new_access).await.json();
    assert_eq!(new["role"], "committee");
    // The admin's own token is untouched.
    assert_eq!(app.verify(&root.access).await.status, 200);
}
