//! SPEC §4: profiles.

use serde_json::json;

use crate::support::event_log::spawn_app_with_event_log;
use crate::support::spawn_app;

#[actix_web::test]
async fn a_profile_is_null_until_set_and_the_public_one_has_no_email() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let me = app.my_profile(&ana.access).await.json();
    assert_eq!(me["user_id"], ana.id.as_str());
    assert_eq!(me["username"], "ana");
    assert_eq!(me["email"], "ana@example.org");
    for field in [
        "name",
        "bio",
        "contact",
        "social_links",
        "avatar_url",
        "created_at",
        "updated_at",
    ] {
        assert!(me[field].is_null(), "{field} should be null: {me}");
    }
    let public = app.public_profile(&ana.id).await.json();
    assert_eq!(public["username"], "ana");
    assert!(public.get("email").is_none(), "{public}");
    app.public_profile(&uuid::Uuid::now_v7())
        .await
        .problem(404, "not_found");
    app.get("/profile/me").await.problem(401, "missing_token");
}

#[actix_web::test]
async fn put_upserts_the_given_fields_only_and_null_clears() {
    let app = spawn_app().await;
    let bo = app.user("bobo").await;
    let first = json!({"name": "Bo", "bio": "painter", "social_links": {"github": "https://github.com/bo"},
                       "avatar_url": "/media/uploads/x/y.png"});
    let reply = app.put_profile(&bo.access, &first).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let second = app
        .patch_profile(&bo.access, &json!({"contact": "bo@studio", "bio": null}))
        .await
        .json();
    assert_eq!(second["name"], "Bo", "absent fields stay");
    assert!(second["bio"].is_null(), "null clears");
    assert_eq!(second["contact"], "bo@studio");
    assert_eq!(second["social_links"]["github"], "https://github.com/bo");
    assert!(second["created_at"].is_string() && second["updated_at"].is_string());
    let public = app.public_profile(&bo.id).await.json();
    assert_eq!(public["name"], "Bo");
}

#[actix_web::test]
async fn profile_limits_are_enforced_and_a_rejected_update_changes_nothing() {
    let app = spawn_app().await;
    let cy = app.user("cyan").await;
    app.put_profile(&cy.access, &json!({"name": "Cy"})).await;
    let many: serde_json::Map<String, serde_json::Value> =
        (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    for bad in [
        json!({"name": "x".repeat(101)}),
        json!({"bio": "x".repeat(2001)}),
        json!({"contact": "x".repeat(201)}),
        json!({"social_links": many}),
        json!({"social_links": {"Bad Key": "v"}}),
        json!({"social_links": {"ok": "x".repeat(201)}}),
        json!({"avatar_url": "javascript:alert(1)"}),
        json!({"avatar_url": format!("https://{}", "a".repeat(500))}),
    ] {
        let reply = app.put_profile(&cy.access, &bad).await;
        let doc = reply.problem(400, "validation_failed");
        assert!(
            doc["errors"].as_object().is_some_and(|e| e.len() == 1),
            "{doc}"
        );
    }
    let me = app.my_profile(&cy.access).await.json();
    assert_eq!(me["name"], "Cy");
}

#[actix_web::test]
async fn every_profile_update_emits_profile_updated_once_and_a_rejected_one_none() {
    let (app, log) = spawn_app_with_event_log().await;
    let di = app.user("dian").await;
    app.put_profile(&di.access, &json!({"name": "Di"})).await;
    app.put_profile(&di.access, &json!({"name": "x".repeat(101)}))
        .await;
    assert!(log.wait_for("profile.updated", 1).await);
    log.settle(&app).await;
    let events = log.of_type("profile.updated");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0],
        json!({"user_id": di.id, "username": "dian", "name": "Di"})
    );
}

#[actix_web::test]
async fn a_json_array_body_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ana = app.user("ana").await;
    let body = serde_json::json!({"name": "Ana", "bio": "Potter"});
    assert_eq!(app.put_profile(&ana.access, &body).await.status, 200);
    // serde would read an array as the fields by position: [name, bio] = [null, null].
    for method in ["PUT", "PATCH"] {
        let reply = app
            .call(
                method,
                "/profile/me",
                &ana.access,
                Some(&serde_json::json!([null, null])),
            )
            .await;
        reply.problem(400, "validation_failed");
    }
    let profile = app.my_profile(&ana.access).await.json();
    assert_eq!(
        (profile["name"].as_str(), profile["bio"].as_str()),
        (Some("Ana"), Some("Potter"))
    );
}
