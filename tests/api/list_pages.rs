//! Lists at depth (issue 17): pages by number and by cursor give exactly what an
//! `OFFSET` over the newest-first order gives, however the list changes between
//! reads and on whichever process reads it; totals stay exact under concurrent
//! writes.

use serde_json::{Value, json};

use crate::support::{TestApp, TestUser, app as app_builder, spawn_app};

/// `n` projects of `owner` written straight into the database, one second apart
/// (through the table's triggers, as the API's writes go).
async fn seed_projects(app: &TestApp, owner: &TestUser, n: usize) {
    app.sql(&format!(
        "INSERT INTO projects (id, user_id, title, created_at)
         SELECT gen_random_uuid(), '{}', 'seeded ' || i, now() - i * interval '1 second'
         FROM generate_series(1, {n}) AS i",
        owner.id
    ))
    .await;
}

/// The ids of the list in the order SPEC promises, straight from the table.
async fn truth(app: &TestApp, owner: Option<&TestUser>) -> Vec<String> {
    let db = app.pool.get().await.expect("pool");
    let rows = match owner {
        Some(o) => {
            let id: uuid::Uuid = o.id.parse().expect("uuid");
            db.query(
                "SELECT id FROM projects WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                &[&id],
            )
            .await
        }
        None => {
            db.query(
                "SELECT id FROM projects ORDER BY created_at DESC, id DESC",
                &[],
            )
            .await
        }
    }
    .expect("truth query");
    rows.iter()
        .map(|r| r.get::<_, uuid::Uuid>(0).to_string())
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn page_of(app: &TestApp, path: &str, page: usize, size: usize) -> Value {
    let reply = app.get(&format!("{path}?page={page}&size={size}")).await;
    assert_eq!(reply.status, 200, "{path} page {page}: {}", reply.text);
    reply.json()
}

/// Every page number `pages` of `path` equals the same slice of the truth.
async fn pages_match(app: &TestApp, path: &str, owner: Option<&TestUser>, pages: &[usize]) {
    let all = truth(app, owner).await;
    for &page in pages {
        let got = page_of(app, path, page, 20).await;
        let want: Vec<String> = all.iter().skip((page - 1) * 20).take(20).cloned().collect();
        assert_eq!(ids(&got), want, "{path} page {page}");
        assert_eq!(got["total"], all.len(), "{path} page {page} total");
        assert_eq!(got["page"], page);
    }
}

#[actix_web::test]
async fn deep_pages_by_number_stay_exact_while_the_list_changes_on_another_process() {
    // Two processes on one database, sharing the signing secret as replicas do.
    let secret = [("JWT_SECRET", "list-pages-test-secret-of-at-least-32-bytes")];
    let app = app_builder().settings(&secret).start().await;
    let other = app_builder()
        .settings(&secret)
        .on_database(&app.db_name)
        .start()
        .await;
    let ivy = app.user("ivy").await;
    let jon = app.user("jon").await;
    seed_projects(&app, &ivy, 450).await;
    seed_projects(&app, &jon, 130).await;
    let mine = format!("/projects/user/{}", ivy.id);
    let deep = [1, 5, 6, 7, 12, 22, 23, 24, 40];
    pages_match(&app, &mine, Some(&ivy), &deep).await;
    pages_match(&app, "/projects", None, &deep).await;

    // Written through the other process: a new newest project, one gone from the
    // middle; the first process's anchors are stale now.
    let fresh = other
        .create_project(&ivy.access, &json!({"title": "newest"}))
        .await;
    assert_eq!(fresh.status, 201, "{}", fresh.text);
    let victim = truth(&app, Some(&ivy)).await[250].clone();
    other.delete_project(&ivy.access, &victim).await;
    pages_match(&app, &mine, Some(&ivy), &deep).await;
    pages_match(&app, "/projects", None, &deep).await;
    // Changed again within a second of the rebuild: read without anchors, still exact.
    app.sql(&format!(
        "DELETE FROM projects WHERE id = '{}'",
        truth(&app, Some(&ivy)).await[120]
    ))
    .await;
    pages_match(&app, &mine, Some(&ivy), &deep).await;
    pages_match(&other, &mine, Some(&ivy), &deep).await;
    // Past the end: empty, total still exact.
    let beyond = page_of(&app, &mine, 99, 20).await;
    assert_eq!(ids(&beyond), Vec::<String>::new());
    assert_eq!(beyond["total"], 449);
    assert_eq!(beyond["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_cursor_walk_visits_every_project_once_even_as_new_ones_arrive() {
    let app = spawn_app().await;
    let kim = app.user("kim").await;
    seed_projects(&app, &kim, 95).await;
    let path = format!("/projects/user/{}", kim.id);
    let want = truth(&app, Some(&kim)).await;
    let first = page_of(&app, &path, 1, 20).await;
    let mut seen = ids(&first);
    let mut cursor = first["next_cursor"]
        .as_str()
        .expect("a next cursor")
        .to_owned();
    let mut pages = 1;
    loop {
        if pages == 2 {
            // A project created mid-walk is newer than the cursor: not on later pages.
            app.create_project(&kim.access, &json!({"title": "mid-walk"}))
                .await;
        }
        let reply = app.get(&format!("{path}?size=20&cursor={cursor}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page: Value = reply.json();
        assert!(
            page.get("page").is_none(),
            "no page number by cursor: {page}"
        );
        assert_eq!(page["size"], 20);
        seen.extend(ids(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => {
                assert_eq!(page["total"], 96, "the total counts the mid-walk project");
                break;
            }
        }
    }
    assert_eq!(seen, want, "every project once, in order");
    assert_eq!(pages, 5);

    for bad in [
        "cursor=bm90LWEtY3Vyc29y",
        "cursor=%21%21",
        "page=2&cursor=AAAA",
    ] {
        let doc = app
            .get(&format!("{path}?{bad}"))
            .await
            .problem(400, "validation_failed");
        assert!(doc["errors"]["cursor"].is_string(), "{bad}: {doc}");
    }
    app.get(&format!(
        "/projects/user/{}?cursor={cursor}",
        uuid::Uuid::now_v7()
    ))
    .await
    .problem(404, "not_found");
}

#[actix_web::test]
async fn totals_stay_exact_under_concurrent_creates_and_deletes() {
    let app = spawn_app().await;
    let mut people = Vec::new();
    for name in ["lea", "max", "ned"] {
        people.push(app.user(name).await);
    }
    let app = &app;
    let writes = people.iter().flat_map(|who| {
        (0..12).map(move |i| async move {
            let made = app
                .create_project(&who.access, &json!({"title": format!("p{i}")}))
                .await;
            assert_eq!(made.status, 201, "{}", made.text);
            if i % 3 == 0 {
                let id = made.json()["id"].as_str().expect("id").to_owned();
                assert_eq!(app.delete_project(&who.access, &id).await.status, 204);
            }
        })
    });
    futures_util::future::join_all(writes).await;
    assert_eq!(app.list_projects("").await.json()["total"], 3 * 8);
    for who in &people {
        let page = page_of(app, &format!("/projects/user/{}", who.id), 1, 5).await;
        assert_eq!(page["total"], 8);
        assert_eq!(page["pages"], 2);
    }
    // A deleted user's list is gone; everyone's total drops by their projects.
    let root = app.root().await;
    let gone = &people[0];
    let reply = app
        .call("DELETE", &format!("/users/{}", gone.id), &root.access, None)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(app.list_projects("").await.json()["total"], 2 * 8);
    app.user_projects(&gone.id).await.problem(404, "not_found");
}

/// A list whose page is not kept is read in one statement, which also says whether
/// the owner exists: an owner that does not exist is a 404 at every depth and by
/// cursor, before and after a real owner's pages are kept.
#[actix_web::test]
async fn an_owner_that_does_not_exist_has_no_list_at_any_depth() {
    let app = spawn_app().await;
    let uma = app.user("uma").await;
    seed_projects(&app, &uma, 3).await;
    let first = page_of(&app, &format!("/projects/user/{}", uma.id), 1, 2).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let nobody = uuid::Uuid::new_v4();
    for round in 0..2 {
        for query in [
            "page=1&size=20".to_owned(),
            "page=50&size=20".to_owned(),
            format!("size=2&cursor={cursor}"),
        ] {
            let path = format!("/projects/user/{nobody}?{query}");
            let problem = app.get(&path).await.problem(404, "not_found");
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("user")),
                "round {round}, {path}: {problem}"
            );
        }
    }
    // The real owner's list is unchanged beside them.
    let again = page_of(&app, &format!("/projects/user/{}", uma.id), 1, 2).await;
    assert_eq!(ids(&again), ids(&first));
    assert_eq!(again["total"], 3);
}

#[actix_web::test]
async fn users_page_by_number_and_by_cursor_with_and_without_a_filter() {
    let app = spawn_app().await;
    let ola = app.user("ola").await;
    for i in 0..7 {
        app.user(&format!("painter{i}")).await;
    }
    // root, ola and seven painters.
    let first = app.call("GET", "/users?size=4", &ola.access, None).await;
    let first: Value = first.json();
    assert_eq!(first["total"], 9);
    let mut names: Vec<String> = vec![];
    let mut page = first;
    loop {
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned()),
        );
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        page = app
            .call(
                "GET",
                &format!("/users?size=4&cursor={cursor}"),
                &ola.access,
                None,
            )
            .await
            .json();
    }
    assert_eq!(names.len(), 9);
    assert_eq!(names[0], "painter6", "newest first");
    // The first page was read (and kept) above: a change to a listed user, and a
    // new user, show at once.
    app.sql("UPDATE users SET name = 'Renamed Painter' WHERE username = 'painter6'")
        .await;
    let again: Value = app
        .call("GET", "/users?size=4", &ola.access, None)
        .await
        .json();
    assert_eq!(again["items"][0]["name"], "Renamed Painter");
    app.user("latecomer").await;
    let again: Value = app
        .call("GET", "/users?size=4", &ola.access, None)
        .await
        .json();
    assert_eq!(again["total"], 10);
    assert_eq!(again["items"][0]["username"], "latecomer");
    let by_number: Value = app
        .call("GET", "/users?size=4&page=3", &ola.access, None)
        .await
        .json();
    // The latecomer moved everyone down one place: row 8 is the old row 7.
    assert_eq!(by_number["items"][0]["username"], names[7]);

    let painters: Value = app
        .call("GET", "/users?q=paint&size=5", &ola.access, None)
        .await
        .json();
    assert_eq!(painters["total"], 7, "{painters}");
    let cursor = painters["next_cursor"].as_str().expect("more painters");
    let rest: Value = app
        .call(
            "GET",
            &format!("/users?q=paint&size=5&cursor={cursor}"),
            &ola.access,
            None,
        )
        .await
        .json();
    let rest_names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(rest_names, ["painter1", "painter0"]);
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_kept_page_never_outlives_a_change_made_anywhere() {
    let secret = [("JWT_SECRET", "list-pages-test-secret-of-at-least-32-bytes")];
    let app = app_builder().settings(&secret).start().await;
    let other = app_builder()
        .settings(&secret)
        .on_database(&app.db_name)
        .start()
        .await;
    let quinn = app.user("quinn").await;
    let id = app.project(&quinn, "Loom").await;
    let mine = format!("/projects/user/{}?page=1&size=5", quinn.id);
    let shown = |page: &Value| {
        let p = &page["items"][0];
        (
            p["title"].as_str().unwrap_or_default().to_owned(),
            p["display_name"].as_str().unwrap_or_default().to_owned(),
            p["username"].as_str().unwrap_or_default().to_owned(),
        )
    };
    for path in [&mine, &"/projects?size=5".to_owned()] {
        let page: Value = app.get(path).await.json(); // kept now
        assert_eq!(shown(&page).0, "Loom");
    }
    // Each change made through the other process (or straight in the database) is
    // on the first process's very next read of both lists.
    other
        .update_project(&quinn.access, &id, &json!({"title": "Loom II"}))
        .await;
    for path in [&mine, &"/projects?size=5".to_owned()] {
        assert_eq!(shown(&app.get(path).await.json()).0, "Loom II", "{path}");
    }
    other
        .put_profile(&quinn.access, &json!({"name": "Quinn Weaver"}))
        .await;
    for path in [&mine, &"/projects?size=5".to_owned()] {
        assert_eq!(
            shown(&app.get(path).await.json()).1,
            "Quinn Weaver",
            "{path}"
        );
    }
    app.sql(&format!(
        "UPDATE profiles SET name = NULL WHERE user_id = '{}'; UPDATE users SET username = 'quinn2' WHERE id = '{}'",
        quinn.id, quinn.id
    ))
    .await;
    for path in [&mine, &"/projects?size=5".to_owned()] {
        let now = shown(&app.get(path).await.json());
        assert_eq!(
            (now.1.as_str(), now.2.as_str()),
            ("quinn2", "quinn2"),
            "{path}"
        );
    }
    app.sql(&format!("DELETE FROM projects WHERE id = '{id}'"))
        .await;
    let gone: Value = app.get(&mine).await.json();
    assert_eq!(gone["total"], 0);
    assert_eq!(gone["items"], json!([]));
}
