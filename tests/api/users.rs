//! SPEC §1 and §3: the users API and the role rules.

use serde_json::json;

use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, spawn_app};

#[actix_web::test]
async fn listing_users_needs_a_token_and_hides_private_fields_from_non_admins() {
    let app = spawn_app().await;
    app.get("/users").await.problem(401, "missing_token");
    let rina = app.user("rina").await;
    let list = app.list_users(&rina.access, "").await;
    assert_eq!(list.status, 200, "{}", list.text);
    let body = list.json();
    assert_eq!(body["total"], 2, "root and rina: {body}");
    assert_eq!(body["page"], 1);
    assert_eq!(body["size"], 20);
    assert_eq!(body["pages"], 1);
    let root_entry = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "root")
        .unwrap();
    assert!(root_entry.get("email").is_none(), "{root_entry}");
    let own_entry = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "rina")
        .unwrap();
    assert_eq!(
        own_entry["email"], "rina@example.org",
        "a user sees their own fields"
    );

    let root = app.root().await;
    let admin_view = app.list_users(&root.access, "").await.json();
    let rina_entry = admin_view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "rina")
        .unwrap();
    assert_eq!(rina_entry["email"], "rina@example.org");
}

#[actix_web::test]
async fn q_matches_username_and_name_and_email_only_for_admins() {
    let app = spawn_app().await;
    let sari = app.user("sari").await;
    app.user("tono").await;
    let by_name = app.list_users(&sari.access, "q=TON").await.json();
    assert_eq!(by_name["total"], 1);
    assert_eq!(by_name["items"][0]["username"], "tono");
    let by_email = app.list_users(&sari.access, "q=tono@example").await.json();
    assert_eq!(by_email["total"], 0, "non-admins cannot search by email");
    let root = app.root().await;
    let admin = app.list_users(&root.access, "q=tono@example").await.json();
    assert_eq!(admin["total"], 1);
    let like = app.list_users(&sari.access, "q=%25").await.json();
    assert_eq!(like["total"], 0, "% is matched literally");
}

#[actix_web::test]
async fn pagination_is_validated_and_counted() {
    let app = spawn_app().await;
    let umi = app.user("umi").await;
    for i in 0..4 {
        app.register(&format!("page{i}")).await;
    }
    let page = app.list_users(&umi.access, "page=2&size=2").await.json();
    assert_eq!(page["total"], 6);
    assert_eq!(page["pages"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    for bad in ["page=0", "size=0", "size=101", "page=abc"] {
        app.list_users(&umi.access, bad)
            .await
            .problem(400, "validation_failed");
    }
}

#[actix_web::test]
async fn getting_a_user_shows_public_fields_and_404_for_unknown_ids() {
    let app = spawn_app().await;
    let vera = app.user("vera").await;
    let wawan = app.user("wawan").await;
    let seen = app.get_user(&vera.access, &wawan.id).await.json();
    assert_eq!(seen["username"], "wawan");
    assert!(seen.get("email").is_none() && seen.get("phone").is_none());
    let unknown = uuid::Uuid::now_v7();
    app.get_user(&vera.access, &unknown)
        .await
        .problem(404, "not_found");
    app.get_user(&vera.access, &"not-a-uuid")
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn only_admins_create_users_and_only_roles_below_their_own() {
    let app = spawn_app().await;
    let admin = app.user_with_role("adam", "admin").await;
    let body =
        |name: &str, role: &str| json!({"username": name, "password": PASSWORD, "role": role});
    let committee = app
        .create_user(&admin.access, &body("comm1", "committee"))
        .await;
    assert_eq!(committee.status, 201, "{}", committee.text);
    assert_eq!(committee.json()["role"], "committee");
    app.create_user(&admin.access, &body("admin2", "admin"))
        .await
        .problem(403, "role_not_grantable");
    let root = app.root().await;
    assert_eq!(
        app.create_user(&root.access, &body("super2", "superadmin"))
            .await
            .status,
        201
    );
    let user = app.user("ulla").await;
    app.create_user(&user.access, &body("user2", "user"))
        .await
        .problem(403, "admin_required");
}

#[actix_web::test]
async fn an_owner_patches_their_account_partially_and_null_clears() {
    let app = spawn_app().await;
    let yuni = app.user("yuni").await;
    let _path = format!("/users/{}", yuni.id);
    let set = json!({"name": "Yuni", "phone": "0812", "gender": "f"});
    assert_eq!(
        app.update_user(&yuni.access, &yuni.id, &set).await.status,
        200
    );
    let reply = app
        .replace_user(&yuni.access, &yuni.id, &json!({"phone": null}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let user = reply.json();
    assert_eq!(user["name"], "Yuni", "absent fields are unchanged");
    assert_eq!(user["gender"], "f");
    assert!(user["phone"].is_null(), "null clears");
    assert_eq!(user["email"], "yuni@example.org");
    app.update_user(&yuni.access, &yuni.id, &json!({"email": "bad"}))
        .await
        .problem(400, "validation_failed");
}

#[actix_web::test]
async fn a_user_cannot_patch_someone_else_or_raise_their_own_role() {
    let app = spawn_app().await;
    let zaki = app.user("zaki").await;
    let other = app.user("other").await;
    app.update_user(&zaki.access, &other.id, &json!({"name": "x"}))
        .await
        .problem(403, "forbidden");
    app.update_user(&zaki.access, &zaki.id, &json!({"role": "admin"}))
        .await
        .problem(403, "role_not_grantable");
    let root = app.root().await;
    let edited = app
        .update_user(&root.access, &other.id, &json!({"name": "By Admin"}))
        .await;
    assert_eq!(edited.json()["name"], "By Admin");
    app.update_user(&root.access, &other.id, &json!({"username": "ZAKI"}))
        .await
        .problem(409, "duplicate");
}

#[actix_web::test]
async fn an_admin_cannot_manage_a_peer_admin() {
    let app = spawn_app().await;
    let a1 = app.user_with_role("admin1", "admin").await;
    let a2 = app.user_with_role("admin2", "admin").await;
    app.update_user(&a1.access, &a2.id, &json!({"name": "x"}))
        .await
        .problem(403, "forbidden");
    app.delete_user(&a1.access, &a2.id)
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn changing_ones_own_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let bayu = app.user("bayu").await;
    let _path = format!("/users/{}", bayu.id);
    app.update_user(
        &bayu.access,
        &bayu.id,
        &json!({"password": "new password 1"}),
    )
    .await
    .problem(400, "validation_failed");
    let wrong = json!({"password": "new password 1", "current_password": "nope nope"});
    let doc = app
        .update_user(&bayu.access, &bayu.id, &wrong)
        .await
        .problem(400, "validation_failed");
    assert_eq!(doc["errors"]["current_password"], "is incorrect");
    let right = json!({"password": "new password 1", "current_password": PASSWORD});
    assert_eq!(
        app.update_user(&bayu.access, &bayu.id, &right).await.status,
        200
    );
    app.login("bayu", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    app.login_user("bayu", "new password 1").await;
    app.refresh_with(&json!({"refresh_token": bayu.refresh}))
        .await
        .problem(401, "invalid_refresh_token");
    // An admin resets someone else's password without knowing it.
    let root = app.root().await;
    let reset = json!({"password": "reset password 2"});
    assert_eq!(
        app.update_user(&root.access, &bayu.id, &reset).await.status,
        200
    );
    app.login_user("bayu", "reset password 2").await;
}

#[actix_web::test]
async fn the_last_superadmin_can_be_neither_demoted_nor_deleted() {
    let app = spawn_app().await;
    let root = app.root().await;
    let _path = format!("/users/{}", root.id);
    app.update_user(&root.access, &root.id, &json!({"role": "admin"}))
        .await
        .problem(409, "last_superadmin");
    app.delete_user(&root.access, &root.id)
        .await
        .problem(409, "last_superadmin");
    // With a second superadmin, one of them may go.
    let second = app.user_with_role("second", "superadmin").await;
    let demoted = app
        .update_user(&second.access, &root.id, &json!({"role": "admin"}))
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.text);
    app.delete_user(&second.access, &second.id)
        .await
        .problem(409, "last_superadmin");
}

#[actix_web::test]
async fn two_superadmins_demoting_each_other_at_once_leave_one() {
    let app = spawn_app().await;
    let root = app.root().await;
    let other = app.user_with_role("other_sa", "superadmin").await;
    let demote = json!({"role": "admin"});
    let (other_path, root_path) = (
        format!("/users/{}", other.id),
        format!("/users/{}", root.id),
    );
    let (a, b) = tokio::join!(
        app.call("PATCH", &other_path, &root.access, Some(&demote)),
        app.call("PATCH", &root_path, &other.access, Some(&demote)),
    );
    // One demotion wins. The other loses either at the last-superadmin guard
    // (it was authorised before the winner committed) or at authorisation
    // (the winner committed first, so the loser's token carries a role it no
    // longer has): both refuse, and either way one superadmin is left.
    let (won, lost) = if a.status == 200 { (&a, &b) } else { (&b, &a) };
    assert_eq!(won.status, 200, "{} / {}", a.text, b.text);
    let code = lost.json()["code"].as_str().unwrap_or_default().to_owned();
    match lost.status {
        409 => assert_eq!(code, "last_superadmin", "{}", lost.text),
        401 => assert_eq!(code, "role_changed", "{}", lost.text),
        other => panic!("the losing demotion answered {other}: {}", lost.text),
    }
    let roles = [
        app.login(ROOT_USERNAME, ROOT_PASSWORD).await.json()["user"]["role"].clone(),
        app.login("other_sa", PASSWORD).await.json()["user"]["role"].clone(),
    ];
    let superadmins = roles.iter().filter(|r| *r == "superadmin").count();
    assert_eq!(superadmins, 1, "roles after the race: {roles:?}");
}

#[actix_web::test]
async fn an_admin_deletes_a_user_and_their_sessions_end() {
    let app = spawn_app().await;
    let cici = app.user("cici").await;
    let dodi = app.user("dodi").await;
    let _path = format!("/users/{}", cici.id);
    app.delete_user(&dodi.access, &cici.id)
        .await
        .problem(403, "forbidden");
    let root = app.root().await;
    let deleted = app.delete_user(&root.access, &cici.id).await;
    assert_eq!(deleted.status, 204);
    app.get_user(&root.access, &cici.id)
        .await
        .problem(404, "not_found");
    app.refresh_with(&json!({"refresh_token": cici.refresh}))
        .await
        .problem(401, "invalid_refresh_token");
    app.me(&cici.access).await.problem(401, "account_gone");
    app.delete_user(&root.access, &cici.id)
        .await
        .problem(404, "not_found");
}

/// The unfiltered list is kept per process with its encodings (admin, public): each
/// caller still gets the page as they may see it, and a conditional GET of it.
#[actix_web::test]
async fn a_kept_users_page_is_shaped_for_each_caller_and_answers_304_while_unchanged() {
    let app = spawn_app().await;
    let rina = app.user("rina").await;
    let sari = app.user("sari").await;
    let tono = app.user("tono").await;
    let root = app.root().await;
    let callers = [
        ("rina", &rina.access, rina.id.to_string(), false),
        ("sari", &sari.access, sari.id.to_string(), false),
        ("tono", &tono.access, tono.id.to_string(), false),
        ("root", &root.access, root.id.to_string(), true),
    ];
    // Twice round: the first request keeps the page, the rest answer from it.
    let mut tags = std::collections::HashMap::new();
    for round in 0..2 {
        for (name, token, id, admin) in &callers {
            let reply = app.list_users(token, "page=1&size=2").await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            let body = reply.json();
            let items = body["items"].as_array().unwrap();
            assert_eq!(
                (items.len(), body["total"].as_u64()),
                (2, Some(4)),
                "{body}"
            );
            for item in items {
                let own = item["id"] == id.as_str();
                assert_eq!(
                    item.get("updated_at").is_some(),
                    *admin || own,
                    "round {round}, {name} sees {item}"
                );
            }
            let tag = reply.header("etag").expect("an ETag").to_owned();
            assert_eq!(
                *tags.entry(*name).or_insert_with(|| tag.clone()),
                tag,
                "{name}"
            );
        }
    }
    assert_ne!(
        tags["root"], tags["sari"],
        "admins and users see different bytes"
    );

    let path = "/users?page=1&size=2";
    let held = |token: &str, tag: &str| {
        app.send(
            app.client
                .get(app.url(path))
                .bearer_auth(token)
                .header("if-none-match", tag),
        )
    };
    assert_eq!(held(&root.access, &tags["root"]).await.status, 304);
    assert_eq!(held(&sari.access, &tags["root"]).await.status, 200);
    let first = app.list_users(&root.access, "page=1&size=2").await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let renamed = app
        .update_user(&root.access, first, &json!({"name": "Nama Baru"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let after = held(&root.access, &tags["root"]).await;
    assert_eq!(after.status, 200, "the list changed: {}", after.text);
}
