//! Conditional GETs of public resources (issue 17): a weak `ETag` of the answer's
//! bytes, `304` while it is current, a new tag as soon as the resource changes.

use serde_json::json;

use crate::support::{Reply, TestApp, spawn_app};

async fn get_if(app: &TestApp, path: &str, etag: &str) -> Reply {
    app.send(app.client.get(app.url(path)).header("if-none-match", etag))
        .await
}

fn etag(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text);
    let tag = reply.headers["etag"]
        .to_str()
        .expect("ascii etag")
        .to_owned();
    assert!(tag.starts_with("W/\""), "weak: {tag}");
    assert_eq!(reply.headers["cache-control"], "no-cache");
    tag
}

#[actix_web::test]
async fn a_project_a_profile_and_list_pages_answer_304_until_they_change() {
    let app = spawn_app().await;
    let pia = app.user("pia").await;
    let id = app.project(&pia, "Kiln").await;
    let paths = [
        format!("/projects/{id}"),
        format!("/profiles/{}", pia.id),
        "/projects?size=5".to_owned(),
        format!("/projects/user/{}", pia.id),
        format!("/api/v1/projects/{id}"),
    ];
    let mut tags = Vec::new();
    for path in &paths {
        let tag = etag(&app.get(path).await);
        let again = get_if(&app, path, &tag).await;
        assert_eq!(again.status, 304, "{path}: {}", again.text);
        assert_eq!(again.text, "", "no body with a 304");
        assert_eq!(again.headers["etag"].to_str().unwrap(), tag);
        // Another tag, or a list holding it among others, or `*`.
        assert_eq!(get_if(&app, path, "W/\"0000\"").await.status, 200);
        assert_eq!(
            get_if(&app, path, &format!("\"x\", {tag}")).await.status,
            304
        );
        assert_eq!(get_if(&app, path, "*").await.status, 304);
        tags.push(tag);
    }
    // A change to the project shows in its own tag and in the lists'; the profile
    // name change shows in the profile's (and the projects', via display_name).
    let reply = app
        .update_project(&pia.access, &id, &json!({"title": "Kiln II"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    app.put_profile(&pia.access, &json!({"name": "Pia Potter"}))
        .await;
    for (path, old) in paths.iter().zip(&tags) {
        let now = get_if(&app, path, old).await;
        assert_eq!(now.status, 200, "{path} changed");
        assert_ne!(&etag(&now), old, "{path}");
    }
}
