//! SPEC §7 on the embedded index: freshness, ranking, typos, tags, pages, suggest,
//! renames, deletes, and convergence of the indexer under a messy event stream.

use std::time::{Duration, Instant};

use actix::prelude::*;
use serde_json::{Value, json};
use troupe::actors::indexer::IndexerActor;
use troupe::messages::events::{
    DomainEvent, EventEnvelope, HandleEvent, ProjectChanged, ProjectDeleted,
};
use troupe::messages::page::PageRequest;
use troupe::search::{IndexChanges, SearchDoc, SearchRequest};
use uuid::Uuid;

use crate::support::{TestApp, TestUser, spawn_app, wait_for};

async fn create(app: &TestApp, who: &TestUser, body: Value) -> String {
    let reply = app.create_project(&who.access, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["id"].as_str().unwrap().to_owned()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let reply = app.search(query).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

fn ids(results: &Value) -> Vec<String> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["project_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until a search returns exactly `expected` ids (in that order).
async fn eventually(app: &TestApp, query: &str, expected: &[&String]) -> Value {
    let last = std::cell::RefCell::new(Value::Null);
    let ok = wait_for(Duration::from_secs(5), || async {
        let now = search(app, query).await;
        let matches = ids(&now).iter().collect::<Vec<_>>() == expected;
        *last.borrow_mut() = now;
        matches
    })
    .await;
    let last = last.into_inner();
    assert!(
        ok,
        "search {query} never returned {expected:?}; last: {last}"
    );
    last
}

#[actix_web::test]
async fn a_new_project_is_searchable_within_a_second_with_the_spec_fields() {
    let app = spawn_app().await;
    let ann = app.user("annie").await;
    let written = Instant::now();
    let id = create(
        &app,
        &ann,
        json!({"title": "Ceramic vase", "description": "wheel thrown", "tags": ["clay"]}),
    )
    .await;
    let found = eventually(&app, "query=ceramic", &[&id]).await;
    assert!(
        written.elapsed() < Duration::from_secs(1),
        "visible after {:?}",
        written.elapsed()
    );
    let hit = &found["results"][0];
    assert_eq!(hit["title"], "Ceramic vase");
    assert_eq!(hit["description"], "wheel thrown");
    assert_eq!(hit["tags"], json!(["clay"]));
    assert_eq!(hit["username"], "annie", "the display name");
    assert_eq!(hit["user_id"], ann.id.as_str());
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(hit["updated_at"].is_string());
    assert_eq!(found["total"], 1);
    assert_eq!(found["page"], 1);
    assert_eq!(found["size"], 20);
    assert_eq!(found["pages"], 1);
}

#[actix_web::test]
async fn title_outranks_display_name_which_outranks_description() {
    let app = spawn_app().await;
    let owner = app.user("plain").await;
    let named = app.user("other").await;
    app.put_profile(&named.access, &json!({"name": "Harbor Studio"}))
        .await;
    let in_description = create(
        &app,
        &owner,
        json!({"title": "One", "description": "harbor at dawn"}),
    )
    .await;
    let in_name = create(&app, &named, json!({"title": "Two"})).await;
    let in_title = create(&app, &owner, json!({"title": "Harbor lights"})).await;
    eventually(
        &app,
        "query=HARBOR",
        &[&in_title, &in_name, &in_description],
    )
    .await;
}

#[actix_web::test]
async fn one_typo_is_forgiven_in_words_of_five_letters_or_more_only() {
    let app = spawn_app().await;
    let u = app.user("typist").await;
    let id = create(
        &app,
        &u,
        json!({"title": "Watercolor painting", "description": "clay and sand"}),
    )
    .await;
    eventually(&app, "query=paintng", &[&id]).await;
    eventually(&app, "query=watercolour", &[&id]).await;
    assert_eq!(
        search(&app, "query=paintnig+xyzzy").await["total"],
        1,
        "a transposition is one edit"
    );
    assert_eq!(
        search(&app, "query=clai").await["total"],
        0,
        "four letters must match exactly"
    );
    assert_eq!(
        search(&app, "query=pantng").await["total"],
        0,
        "two edits are too many"
    );
}

#[actix_web::test]
async fn tags_keep_projects_with_any_of_them_and_no_query_lists_newest_first() {
    let app = spawn_app().await;
    let u = app.user("tagger").await;
    let a = create(&app, &u, json!({"title": "A", "tags": ["wood"]})).await;
    let b = create(&app, &u, json!({"title": "B", "tags": ["metal", "Wood"]})).await;
    let c = create(&app, &u, json!({"title": "C", "tags": ["glass"]})).await;
    eventually(&app, "", &[&c, &b, &a]).await;
    let found = search(&app, "tags=glass,METAL").await;
    let mut got = ids(&found);
    got.sort();
    let mut want = vec![b.clone(), c.clone()];
    want.sort();
    assert_eq!(got, want);
    let both = search(&app, "query=a+b&tags=wood").await;
    let mut got = ids(&both);
    got.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(got, want);
    let scores: Vec<f64> = both["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "score descending: {scores:?}"
    );
    let page = search(&app, "size=2&page=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["pages"], 2);
    assert_eq!(ids(&page), [a]);
    app.search("size=101")
        .await
        .problem(400, "validation_failed");
}

#[actix_web::test]
async fn equal_scores_are_ordered_by_the_most_recent_update() {
    let app = spawn_app().await;
    let u = app.user("twins").await;
    let first = create(&app, &u, json!({"title": "Twin sculpture"})).await;
    let second = create(&app, &u, json!({"title": "Twin sculpture"})).await;
    eventually(&app, "query=twin", &[&second, &first]).await;
    // Touching the older one makes it the most recent.
    app.update_project(&u.access, &first, &json!({"link": "https://twins.example"}))
        .await;
    eventually(&app, "query=twin", &[&first, &second]).await;
}

#[actix_web::test]
async fn suggest_offers_at_most_five_distinct_titles_and_tags_by_prefix() {
    let app = spawn_app().await;
    let u = app.user("suggester").await;
    let pottery = create(
        &app,
        &u,
        json!({"title": "Pottery class", "tags": ["pottery", "paint"]}),
    )
    .await;
    create(
        &app,
        &u,
        json!({"title": "Street painting", "tags": ["paint"]}),
    )
    .await;
    for i in 0..5 {
        create(&app, &u, json!({"title": format!("Palette {i}")})).await;
    }
    assert!(
        wait_for(Duration::from_secs(5), || async {
            search(&app, "").await["total"] == 7
        })
        .await
    );
    let reply = app.suggest("query=Pot").await.json();
    let suggestions = reply["suggestions"].as_array().unwrap();
    assert_eq!(
        suggestions[0],
        json!({"text": "Pottery class", "kind": "title", "project_id": pottery})
    );
    assert_eq!(suggestions[1], json!({"text": "pottery", "kind": "tag"}));
    assert_eq!(suggestions.len(), 2);
    let pa = app.suggest("query=pa").await.json();
    let texts: Vec<&str> = pa["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 5, "{texts:?}");
    let mut unique = texts.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no duplicates: {texts:?}");
    let word_inside = app.suggest("query=paintin").await.json();
    assert_eq!(
        word_inside["suggestions"][0]["text"], "Street painting",
        "a word inside a title matches"
    );
    assert_eq!(app.suggest("query=").await.json()["suggestions"], json!([]));
}

#[actix_web::test]
async fn a_profile_rename_an_update_and_a_delete_reach_the_index() {
    let app = spawn_app().await;
    let u = app.user("renamer").await;
    let id = create(&app, &u, json!({"title": "Bronze cast"})).await;
    eventually(&app, "query=bronze", &[&id]).await;
    app.put_profile(&u.access, &json!({"name": "Zanzibar Foundry"}))
        .await;
    let found = eventually(&app, "query=zanzibar", &[&id]).await;
    assert_eq!(found["results"][0]["username"], "Zanzibar Foundry");
    app.update_project(&u.access, &id, &json!({"title": "Iron cast"}))
        .await;
    eventually(&app, "query=iron", &[&id]).await;
    eventually(&app, "query=bronze", &[]).await;
    app.delete_project(&u.access, &id).await;
    eventually(&app, "query=iron", &[]).await;
}

fn doc(id: Uuid, title: &str, version: i64) -> SearchDoc {
    let now = time::OffsetDateTime::now_utc();
    SearchDoc {
        project_id: id,
        user_id: Uuid::nil(),
        title: title.to_owned(),
        description: None,
        tags: vec![],
        display_name: "someone".to_owned(),
        thumbnail_url: None,
        index_version: version,
        created_at: now,
        updated_at: now,
    }
}

#[actix_web::test]
async fn a_stale_write_never_replaces_a_newer_document() {
    let app = spawn_app().await;
    let id = Uuid::now_v7();
    let index = &app.search_index;
    index
        .apply(IndexChanges {
            upserts: vec![doc(id, "newer title", 10)],
            deletes: vec![],
        })
        .await
        .unwrap();
    index
        .apply(IndexChanges {
            upserts: vec![doc(id, "older title", 9)],
            deletes: vec![],
        })
        .await
        .unwrap();
    let page = PageRequest { page: 1, size: 10 };
    let found = index
        .search(SearchRequest {
            query: Some("title".into()),
            tags: vec![],
            page,
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.hits[0].title, "newer title");
}

#[actix_web::test]
async fn the_indexer_converges_on_the_database_under_a_shuffled_duplicated_event_stream() {
    let app = spawn_app().await;
    let u = app.user("converge").await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(create(&app, &u, json!({"title": format!("original {i}")})).await);
    }
    assert!(
        wait_for(Duration::from_secs(10), || async {
            search(&app, "").await["total"] == 40
        })
        .await
    );
    // Behind the indexer's back: rename half, delete a quarter.
    app.sql("UPDATE projects SET title = 'renamed ' || title, index_version = nextval('project_index_version')
             WHERE title ~ '(0|2|4|6|8)$'").await;
    app.sql("DELETE FROM projects WHERE title ~ '(1|5|9)$'")
        .await;

    // Every event, stale ones included, twice, in a shuffled order.
    let mut events = Vec::new();
    for id in &ids {
        let project_id: Uuid = id.parse().unwrap();
        for event in [
            DomainEvent::ProjectUpdated(ProjectChanged {
                project_id,
                user_id: u.id.parse().unwrap(),
            }),
            DomainEvent::ProjectDeleted(ProjectDeleted { project_id }),
        ] {
            events.push(EventEnvelope::new(event.clone()));
            events.push(EventEnvelope::new(event));
        }
    }
    let mut seed = 7u64;
    for i in (1..events.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        events.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let indexer = IndexerActor::new(app.pool.clone(), app.search_index.clone()).start();
    let sends = events.into_iter().map(|envelope| {
        indexer.send(HandleEvent {
            queue: "test".into(),
            envelope,
            last_attempt: false,
            span: tracing::Span::none(),
        })
    });
    for outcome in futures_util::future::join_all(sends).await {
        outcome.expect("indexer alive").expect("indexed");
    }

    let db = app.pool.get().await.unwrap();
    let rows = db
        .query("SELECT id, title FROM projects ORDER BY id", &[])
        .await
        .unwrap();
    let mut expected: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get::<_, Uuid>(0).to_string(), r.get::<_, String>(1)))
        .collect();
    expected.sort();
    let everything = search(&app, "size=100").await;
    let mut indexed: Vec<(String, String)> = everything["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["project_id"].as_str().unwrap().to_owned(),
                r["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    indexed.sort();
    assert_eq!(indexed.len(), 28, "40 minus the 12 deleted");
    assert_eq!(indexed, expected, "the index equals the database");
}

/// Runs `troupe reindex` on the test app's database and data directory.
fn troupe_reindex(app: &TestApp) -> std::process::Output {
    app.troupe(&["reindex"])
}

#[actix_web::test]
async fn troupe_reindex_rebuilds_the_index_an_api_process_reads() {
    let app = crate::support::app()
        .settings(&[("ROLE", "api")])
        .start()
        .await;
    let u = app.user("cli_reader").await;
    for i in 0..3 {
        create(&app, &u, json!({"title": format!("rebuilt {i}")})).await;
    }
    assert_eq!(
        search(&app, "query=rebuilt").await["total"],
        0,
        "an api process does not index"
    );

    let out = troupe_reindex(&app);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reindexed 3 projects"));
    let meta = std::fs::read_to_string(app.data_path.join("search/meta.json")).unwrap();
    assert_eq!(
        meta.matches("\"segment_id\"").count(),
        1,
        "a rebuild ends merged into one segment: {meta}"
    );
    // The read-only reader notices the other process's commit by itself.
    assert!(
        wait_for(Duration::from_secs(5), || async {
            search(&app, "query=rebuilt").await["total"] == 3
        })
        .await
    );
}

#[actix_web::test]
async fn troupe_reindex_refuses_while_another_process_writes_the_index() {
    let app = spawn_app().await;
    let out = troupe_reindex(&app);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        format!("{stdout}{stderr}").contains("POST /admin/reindex-projects"),
        "the refusal says what to do instead: {stdout}{stderr}"
    );
}
