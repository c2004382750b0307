//! SPEC §5: portfolio projects, their events and index versions.

use serde_json::{Value, json};

use crate::support::event_log::spawn_app_with_event_log;
use crate::support::{TestApp, TestUser, spawn_app};

async fn create(app: &TestApp, who: &TestUser, body: Value) -> Value {
    let reply = app.create_project(&who.access, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

#[actix_web::test]
async fn creating_a_project_normalises_tags_and_shows_the_display_name() {
    let app = spawn_app().await;
    let eli = app.user("eli").await;
    let project = create(
        &app,
        &eli,
        json!({"title": "  Mural  ", "description": "city wall", "tags": [" Art", "art", "Street ", "paint"],
               "link": "https://eli.example/mural"}),
    )
    .await;
    assert_eq!(project["title"], "Mural");
    assert_eq!(project["tags"], json!(["art", "street", "paint"]));
    assert_eq!(project["user_id"], eli.id.as_str());
    assert_eq!(project["username"], "eli");
    assert_eq!(project["display_name"], "eli", "no profile name yet");
    assert!(project["thumbnail_url"].is_null());
    app.put_profile(&eli.access, &json!({"name": "Eli Artist"}))
        .await;
    let again = app
        .get_project(&project["id"].as_str().unwrap())
        .await
        .json();
    assert_eq!(again["display_name"], "Eli Artist");
    assert_eq!(again["username"], "eli");
}

#[actix_web::test]
async fn project_input_is_validated() {
    let app = spawn_app().await;
    let fay = app.user("fay").await;
    let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for (body, field) in [
        (json!({}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (
            json!({"title": "ok", "description": "x".repeat(5001)}),
            "description",
        ),
        (json!({"title": "ok", "tags": too_many}), "tags"),
        (json!({"title": "ok", "tags": ["x".repeat(51)]}), "tags"),
        (json!({"title": "ok", "tags": [""]}), "tags"),
        (json!({"title": "ok", "link": "ftp://x"}), "link"),
        (
            json!({"title": "ok", "thumbnail_url": "data:image/png;base64,xx"}),
            "thumbnail_url",
        ),
    ] {
        let doc = app
            .create_project(&fay.access, &body)
            .await
            .problem(400, "validation_failed");
        assert!(doc["errors"][field].is_string(), "{field}: {doc}");
    }
    app.post_json("/projects", &json!({"title": "anonymous"}))
        .await
        .problem(401, "missing_token");
    let list = app.list_projects("").await.json();
    assert_eq!(list["total"], 0, "nothing was created");
}

#[actix_web::test]
async fn anyone_reads_projects_newest_first_by_user_and_overall() {
    let app = spawn_app().await;
    let gus = app.user("gus").await;
    let hal = app.user("hal").await;
    for i in 0..3 {
        create(&app, &gus, json!({"title": format!("gus {i}")})).await;
    }
    create(&app, &hal, json!({"title": "hal 0"})).await;
    let all = app.list_projects("size=2").await.json();
    assert_eq!(all["total"], 4);
    assert_eq!(all["pages"], 2);
    assert_eq!(all["items"][0]["title"], "hal 0", "newest first");
    let by_gus = app.user_projects(&gus.id).await.json();
    let titles: Vec<&str> = by_gus["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["gus 2", "gus 1", "gus 0"]);
    app.user_projects(&uuid::Uuid::now_v7())
        .await
        .problem(404, "not_found");
    app.get_project(&uuid::Uuid::now_v7())
        .await
        .problem(404, "not_found");
    app.list_projects("size=0")
        .await
        .problem(400, "validation_failed");
    assert_eq!(app.get("/api/v1/projects").await.json()["total"], 4);
}

#[actix_web::test]
async fn a_partial_update_keeps_other_fields_and_null_clears_optional_ones() {
    let app = spawn_app().await;
    let ida = app.user("ida").await;
    let p = create(&app, &ida, json!({"title": "Loom", "description": "wool", "tags": ["textile"], "link": "https://ida.example"})).await;
    let _path = format!("/projects/{}", p["id"].as_str().unwrap());
    let updated = app
        .update_project(
            &ida.access,
            &p["id"].as_str().unwrap(),
            &json!({"description": null, "tags": ["Weave"]}),
        )
        .await
        .json();
    assert_eq!(updated["title"], "Loom");
    assert!(updated["description"].is_null());
    assert_eq!(updated["tags"], json!(["weave"]));
    assert_eq!(updated["link"], "https://ida.example");
    app.replace_project(
        &ida.access,
        &p["id"].as_str().unwrap(),
        &json!({"title": null}),
    )
    .await
    .problem(400, "validation_failed");
    let thumb = app
        .set_thumbnail(
            &ida.access,
            &p["id"].as_str().unwrap(),
            &json!({"thumbnail_url": "/media/thumbnails/a/b_thumb.jpg"}),
        )
        .await
        .json();
    assert_eq!(thumb["thumbnail_url"], "/media/thumbnails/a/b_thumb.jpg");
    assert_eq!(thumb["title"], "Loom");
}

#[actix_web::test]
async fn only_the_owner_or_an_admin_writes_a_project() {
    let app = spawn_app().await;
    let jon = app.user("jon").await;
    let kim = app.user("kim").await;
    let p = create(&app, &jon, json!({"title": "Kiln"})).await;
    let _path = format!("/projects/{}", p["id"].as_str().unwrap());
    app.update_project(
        &kim.access,
        &p["id"].as_str().unwrap(),
        &json!({"title": "mine"}),
    )
    .await
    .problem(403, "not_your_project");
    app.set_thumbnail(
        &kim.access,
        &p["id"].as_str().unwrap(),
        &json!({"thumbnail_url": null}),
    )
    .await
    .problem(403, "not_your_project");
    app.delete_project(&kim.access, &p["id"].as_str().unwrap())
        .await
        .problem(403, "not_your_project");
    let admin = app.user_with_role("moderator", "admin").await;
    let edited = app
        .update_project(
            &admin.access,
            &p["id"].as_str().unwrap(),
            &json!({"title": "Kiln (edited)"}),
        )
        .await;
    assert_eq!(edited.json()["title"], "Kiln (edited)");
    assert_eq!(edited.json()["user_id"], jon.id.as_str(), "the owner stays");
    assert_eq!(
        app.delete_project(&admin.access, &p["id"].as_str().unwrap())
            .await
            .status,
        204
    );
    app.get_project(&p["id"].as_str().unwrap())
        .await
        .problem(404, "not_found");
    app.delete_project(&jon.access, &p["id"].as_str().unwrap())
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn events_are_emitted_once_per_committed_change_and_never_for_a_rejected_one() {
    let (app, log) = spawn_app_with_event_log().await;
    let lee = app.user("lee").await;
    let max = app.user("max").await;
    let p = create(&app, &lee, json!({"title": "Quilt"})).await;
    let id = p["id"].as_str().unwrap().to_owned();
    let _path = format!("/projects/{id}");
    app.update_project(&lee.access, &id, &json!({"title": "Quilt II"}))
        .await;
    app.update_project(&lee.access, &id, &json!({"title": "Quilt II"}))
        .await; // no change
    app.update_project(&max.access, &id, &json!({"title": "stolen"}))
        .await; // 403
    app.update_project(&lee.access, &id, &json!({"title": ""}))
        .await; // 400
    app.delete_project(&max.access, &id).await; // 403
    app.delete_project(&lee.access, &id).await;
    assert!(log.wait_for("project.deleted", 1).await);
    log.settle(&app).await;
    let types: Vec<String> = log
        .events()
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| t.starts_with("project."))
        .collect();
    assert_eq!(
        types,
        ["project.created", "project.updated", "project.deleted"]
    );
    assert_eq!(
        log.of_type("project.created")[0],
        json!({"project_id": id, "user_id": lee.id})
    );
    assert_eq!(log.of_type("project.deleted")[0], json!({"project_id": id}));
}

#[actix_web::test]
async fn a_new_display_name_gives_the_owners_projects_new_index_versions() {
    let app = spawn_app().await;
    let ned = app.user("ned").await;
    create(&app, &ned, json!({"title": "one"})).await;
    create(&app, &ned, json!({"title": "two"})).await;
    let versions = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            let db = pool.get().await.unwrap();
            let rows = db
                .query("SELECT index_version FROM projects ORDER BY id", &[])
                .await
                .unwrap();
            rows.iter().map(|r| r.get::<_, i64>(0)).collect::<Vec<_>>()
        }
    };
    let before = versions(&app).await;
    app.put_profile(&ned.access, &json!({"bio": "no name change"}))
        .await;
    assert_eq!(
        versions(&app).await,
        before,
        "only the display name matters"
    );
    app.put_profile(&ned.access, &json!({"name": "Ned"})).await;
    let after = versions(&app).await;
    assert!(
        after.iter().zip(&before).all(|(a, b)| a > b),
        "{before:?} → {after:?}"
    );
}

#[actix_web::test]
async fn reindex_re_emits_every_project_for_admins_only() {
    let (app, log) = spawn_app_with_event_log().await;
    let ola = app.user("ola").await;
    for i in 0..7 {
        create(&app, &ola, json!({"title": format!("p{i}")})).await;
    }
    app.reindex_projects(&ola.access)
        .await
        .problem(403, "admin_required");
    let root = app.root().await;
    let reply = app.reindex_projects(&root.access).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.json()["queued"], 7);
    assert!(
        log.wait_for("project.updated", 7).await,
        "every project re-emitted"
    );
}

#[actix_web::test]
async fn deleting_a_user_deletes_their_projects_with_an_event_each() {
    let (app, log) = spawn_app_with_event_log().await;
    let pia = app.user("pia").await;
    let a = create(&app, &pia, json!({"title": "a"})).await;
    let b = create(&app, &pia, json!({"title": "b"})).await;
    let root = app.root().await;
    assert_eq!(app.delete_user(&root.access, &pia.id).await.status, 204);
    app.get_project(&a["id"].as_str().unwrap())
        .await
        .problem(404, "not_found");
    assert!(log.wait_for("project.deleted", 2).await);
    let mut deleted: Vec<String> = log
        .of_type("project.deleted")
        .iter()
        .map(|d| d["project_id"].as_str().unwrap().to_owned())
        .collect();
    deleted.sort();
    let mut expected = vec![
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(deleted, expected);
}
