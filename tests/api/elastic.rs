//! The Elasticsearch adapter against the exact HTTP API: each request's method, path
//! and body, and Elasticsearch-shaped answers (a version conflict, a failed item, a
//! 503), then the whole app searching through it.

use serde_json::{Value, json};
use troupe::messages::page::PageRequest;
use troupe::search::elastic::{ElasticIndex, mapping};
use troupe::search::{IndexChanges, SearchDoc, SearchIndex, SearchRequest};
use uuid::Uuid;

use crate::support::app;
use crate::support::es_stub::EsStub;

fn doc(title: &str, version: i64) -> SearchDoc {
    let at = time::macros::datetime!(2026-11-21 10:00:00 UTC);
    SearchDoc {
        project_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
        title: title.to_owned(),
        description: Some("desc".into()),
        tags: vec!["wood".into()],
        display_name: "Ana".into(),
        thumbnail_url: None,
        index_version: version,
        created_at: at,
        updated_at: at,
    }
}

/// The stub with the alias missing at first (so the adapter creates it).
async fn stub() -> EsStub {
    let es = EsStub::start().await;
    es.reply("HEAD", "/_alias/projects", 404, Value::Null);
    es.reply(
        "PUT",
        "/projects_v1",
        200,
        json!({"acknowledged": true, "index": "projects_v1"}),
    );
    es
}

#[actix_web::test]
async fn the_adapter_creates_its_alias_and_writes_versioned_documents_in_bulk() {
    let es = stub().await;
    let (a, b) = (doc("fresh", 7), doc("stale", 3));
    let gone = Uuid::now_v7();
    es.reply("POST", "/_bulk", 200, json!({"took": 3, "errors": true, "items": [
        {"index": {"_index": "projects_v1", "_id": a.project_id, "status": 201, "result": "created"}},
        {"index": {"_index": "projects_v1", "_id": b.project_id, "status": 409,
                   "error": {"type": "version_conflict_engine_exception", "reason": "current version [4] is higher"}}},
        {"delete": {"_index": "projects_v1", "_id": gone, "status": 404, "result": "not_found"}}
    ]}));
    let index = ElasticIndex::new(&es.url, "projects").unwrap();
    let changes = IndexChanges {
        upserts: vec![a.clone(), b.clone()],
        deletes: vec![gone],
    };
    index
        .apply(changes)
        .await
        .expect("a stale write and a missing delete are not errors");

    let r = es.requests();
    assert_eq!(
        (r[0].method.as_str(), r[0].path.as_str()),
        ("HEAD", "/_alias/projects")
    );
    assert_eq!(
        (r[1].method.as_str(), r[1].path.as_str()),
        ("PUT", "/projects_v1")
    );
    let mut expected_index = mapping();
    expected_index["aliases"] = json!({"projects": {}});
    assert_eq!(r[1].json(), expected_index);
    assert_eq!(
        (r[2].method.as_str(), r[2].path.as_str()),
        ("POST", "/_bulk")
    );
    assert!(r[2].query.contains("refresh=wait_for"), "{}", r[2].query);
    let lines = r[2].lines();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0],
        json!({"index": {"_index": "projects", "_id": a.project_id, "version": 7, "version_type": "external_gte"}})
    );
    assert_eq!(lines[1]["title"], "fresh");
    assert_eq!(lines[1]["display_name"], "Ana");
    assert_eq!(lines[1]["tags"], json!(["wood"]));
    assert_eq!(lines[1]["updated_at"], "2026-11-21T10:00:00Z");
    assert_eq!(lines[2]["index"]["version"], 3);
    assert_eq!(
        lines[4],
        json!({"delete": {"_index": "projects", "_id": gone}})
    );

    // The alias is checked once; later writes go straight to _bulk.
    es.take_requests();
    index
        .apply(IndexChanges {
            upserts: vec![doc("again", 8)],
            deletes: vec![],
        })
        .await
        .unwrap();
    let later: Vec<String> = es
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(later, ["POST /_bulk"]);
}

#[actix_web::test]
async fn a_failed_bulk_item_or_a_503_is_an_error_so_the_event_is_retried() {
    let es = stub().await;
    let index = ElasticIndex::new(&es.url, "projects").unwrap();
    let d = doc("x", 1);
    es.reply("POST", "/_bulk", 200, json!({"errors": true, "items": [
        {"index": {"_id": d.project_id, "status": 400, "error": {"type": "mapper_parsing_exception"}}}
    ]}));
    assert!(
        index
            .apply(IndexChanges {
                upserts: vec![d.clone()],
                deletes: vec![]
            })
            .await
            .is_err()
    );
    es.reply(
        "POST",
        "/_bulk",
        503,
        json!({"error": {"type": "cluster_block_exception"}, "status": 503}),
    );
    assert!(
        index
            .apply(IndexChanges {
                upserts: vec![d],
                deletes: vec![]
            })
            .await
            .is_err()
    );
}

fn search_answer(d: &SearchDoc) -> Value {
    json!({"took": 2, "timed_out": false, "hits": {"total": {"value": 42, "relation": "eq"}, "max_score": 3.5, "hits": [
        {"_index": "projects_v1", "_id": d.project_id, "_score": 3.5, "_source": troupe::search::elastic::source(d)}
    ]}})
}

#[actix_web::test]
async fn search_sends_the_spec_query_and_reads_the_hits() {
    let es = stub().await;
    let d = doc("Watercolor painting", 2);
    es.reply("POST", "/projects/_search", 200, search_answer(&d));
    let index = ElasticIndex::new(&es.url, "projects").unwrap();
    let request = SearchRequest {
        query: Some("paintng harbor".into()),
        tags: vec!["wood".into(), "clay".into()],
        page: PageRequest { page: 3, size: 10 },
    };
    let found = index.search(request).await.unwrap();
    assert_eq!(found.total, 42);
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].project_id, d.project_id);
    assert_eq!(found.hits[0].title, "Watercolor painting");
    assert_eq!(found.hits[0].username, "Ana");
    assert!((found.hits[0].score - 3.5).abs() < 1e-6);

    let sent = es
        .requests()
        .into_iter()
        .find(|r| r.path == "/projects/_search")
        .unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.json(),
        json!({
            "from": 20, "size": 10, "track_total_hits": true,
            "query": {"bool": {
                "must": [{"multi_match": {"query": "paintng harbor",
                                          "fields": ["title^3", "display_name^2", "description"],
                                          "fuzziness": "AUTO:5,100"}}],
                "filter": [{"terms": {"tags": ["wood", "clay"]}}]
            }},
            "sort": [{"_score": {"order": "desc"}}, {"updated_at": {"order": "desc"}}]
        })
    );

    es.take_requests();
    let everything = SearchRequest {
        query: None,
        tags: vec![],
        page: PageRequest { page: 1, size: 20 },
    };
    index.search(everything).await.unwrap();
    assert_eq!(
        es.requests()[0].json(),
        json!({
            "from": 0, "size": 20, "track_total_hits": true,
            "query": {"match_all": {}}, "sort": [{"created_at": {"order": "desc"}}]
        })
    );
}

#[actix_web::test]
async fn suggest_asks_for_title_and_tag_prefixes_and_ranks_like_the_embedded_index() {
    let es = stub().await;
    let pottery = doc("Pottery class", 1);
    let mut street = doc("Street painting", 1);
    street.tags = vec!["paint".into()];
    es.reply("POST", "/projects/_search", 200, json!({"hits": {"total": {"value": 2}, "hits": [
        {"_id": street.project_id, "_score": null, "_source": {"project_id": street.project_id, "title": street.title, "tags": street.tags}},
        {"_id": pottery.project_id, "_score": null, "_source": {"project_id": pottery.project_id, "title": pottery.title, "tags": ["pottery"]}}
    ]}}));
    let index = ElasticIndex::new(&es.url, "projects").unwrap();
    let suggestions = index.suggest("Po".into()).await.unwrap();
    assert_eq!(suggestions.len(), 2);
    assert_eq!(suggestions[0].text, "Pottery class");
    assert_eq!(suggestions[0].project_id, Some(pottery.project_id));
    assert_eq!(suggestions[1].text, "pottery");
    assert_eq!(suggestions[1].kind, "tag");
    let sent = es
        .requests()
        .into_iter()
        .find(|r| r.path == "/projects/_search")
        .unwrap();
    assert_eq!(
        sent.json()["query"]["bool"]["should"],
        json!([
            {"match_bool_prefix": {"title": "po"}}, {"prefix": {"tags": "po"}}
        ])
    );
    assert_eq!(
        sent.json()["sort"],
        json!([{"updated_at": {"order": "desc"}}])
    );
}

#[actix_web::test]
async fn the_app_searches_through_elasticsearch_and_answers_503_when_it_is_down() {
    let es = stub().await;
    es.reply(
        "GET",
        "/_cluster/health",
        200,
        json!({"cluster_name": "stub", "status": "green"}),
    );
    let d = doc("Bronze cast", 4);
    es.reply("POST", "/projects/_search", 200, search_answer(&d));
    let app = app()
        .settings(&[
            ("SEARCH_BACKEND", "elasticsearch"),
            ("ELASTICSEARCH_URL", es.url.as_str()),
        ])
        .start()
        .await;
    let found = app.search("query=bronze").await;
    assert_eq!(found.status, 200, "{}", found.text);
    let body = found.json();
    assert_eq!(body["total"], 42);
    assert_eq!(body["pages"], 3);
    assert_eq!(body["results"][0]["title"], "Bronze cast");
    assert_eq!(app.ready().await.json()["checks"]["search"], "ok");

    es.reply(
        "POST",
        "/projects/_search",
        503,
        json!({"error": "unavailable", "status": 503}),
    );
    es.reply(
        "GET",
        "/_cluster/health",
        503,
        json!({"error": "unavailable"}),
    );
    let down = app.search("query=bronze").await;
    down.problem(503, "search_unavailable");
    assert_eq!(down.header("retry-after"), Some("5"));
    let ready = app.ready().await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["checks"]["search"], "down");
}

#[actix_web::test]
async fn a_rebuild_fills_a_new_index_and_swaps_the_alias_in_one_call() {
    let es = EsStub::start().await;
    es.reply("HEAD", "/_alias/projects", 200, Value::Null);
    es.reply(
        "GET",
        "/_alias/projects",
        200,
        json!({"projects_v1": {"aliases": {"projects": {}}}}),
    );
    es.reply("PUT", "/projects_*", 200, json!({"acknowledged": true}));
    es.reply(
        "POST",
        "/projects_*",
        200,
        json!({"errors": false, "items": []}),
    );
    es.reply("POST", "/_aliases", 200, json!({"acknowledged": true}));
    let index = ElasticIndex::new(&es.url, "projects").unwrap();
    let rebuild = index.begin_rebuild().await.unwrap();
    index
        .rebuild_add(&rebuild, vec![doc("one", 1), doc("two", 2)])
        .await
        .unwrap();
    index.finish_rebuild(rebuild).await.unwrap();

    let r = es.requests();
    let create = r
        .iter()
        .find(|q| q.method == "PUT")
        .expect("a new index is created");
    assert!(
        create.path.starts_with("/projects_") && create.path != "/projects_v1",
        "{}",
        create.path
    );
    assert_eq!(create.json(), mapping());
    let fresh = create.path.trim_start_matches('/').to_owned();
    let bulk = r
        .iter()
        .find(|q| q.path == format!("/{fresh}/_bulk"))
        .expect("documents go to the new index");
    assert_eq!(bulk.lines().len(), 4);
    assert_eq!(bulk.lines()[0]["index"]["_index"], fresh.as_str());
    let swap = r
        .iter()
        .find(|q| q.path == "/_aliases")
        .expect("the alias is swapped");
    assert_eq!(
        swap.json(),
        json!({"actions": [
            {"add": {"index": fresh, "alias": "projects"}},
            {"remove_index": {"index": "projects_v1"}}
        ]})
    );
    assert!(
        r.iter().position(|q| q.path == "/_aliases")
            > r.iter().position(|q| q.path.ends_with("/_bulk")),
        "the alias moves only after the new index is full"
    );
}
