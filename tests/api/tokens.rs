//! SPEC §2 tokens: refresh rotation and reuse detection, logout, verify, JWT attacks.

use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, spawn_app};

async fn refresh(app: &TestApp, token: &str) -> crate::support::Reply {
    app.refresh_with(&json!({"refresh_token": token})).await
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
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

    // The rotated token shown again: theft. Both it and its successor die.
    refresh(&app, &gita.refresh)
        .await
        .problem(401, "refresh_token_reused");
    refresh(&app, &second_token)
        .await
        .problem(401, "invalid_refresh_token");
    // Another session of the same user is untouched.
    let other = app.login_user("gita", PASSWORD).await;
    assert_eq!(refresh(&app, &other.refresh).await.status, 200);
}

#[actix_web::test]
async fn of_concurrent_refreshes_of_one_token_exactly_one_wins_and_the_family_is_revoked() {
    let app = spawn_app().await;
    let hadi = app.user("hadi").await;
    let replies = join_all((0..10).map(|_| refresh(&app, &hadi.refresh))).await;
    let winners: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status != 200)
            .all(|r| r.status == 401)
    );
    // The losers presented a rotated token: the winner's new token is revoked too.
    let winner_token = winners[0].json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    refresh(&app, &winner_token)
        .await
        .problem(401, "invalid_refresh_token");
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
        json!({"sub": omar.id, "username": "omar", "role": "superadmin", "iat": now - 10, "exp": exp,
               "jti": uuid::Uuid::new_v4(), "iss": iss, "aud": aud})
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
async fn a_role_change_takes_effect_at_the_next_refresh() {
    let app = spawn_app().await;
    let putu = app.user("putu").await;
    let root = app.root().await;
    let promote = json!({"role": "committee"});
    let reply = app.update_user(&root.access, &putu.id, &promote).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let old = app.verify(&putu.access).await.json();
    assert_eq!(old["role"], "user", "the old access token keeps its claims");
    let renewed = refresh(&app, &putu.refresh).await.json();
    let new_access = renewed["access_token"].as_str().unwrap();
    let new = app.verify(new_access).await.json();
    assert_eq!(new["role"], "committee");
}
