//! The JSON Elasticsearch reads and writes: the mapping, a project's `_source`, the
//! search and suggest queries, and a hit read back.

use serde_json::{Value, json};

use crate::messages::search::SearchHit;
use crate::search::{SearchDoc, SearchRequest};

/// Candidate documents fetched per suggestion request.
const SUGGEST_CANDIDATES: usize = 50;

/// The index mapping: text fields analysed, tags and ids exact, dates sortable.
pub fn mapping() -> Value {
    json!({
        "mappings": {
            "properties": {
                "project_id": {"type": "keyword"},
                "user_id": {"type": "keyword"},
                "title": {"type": "text"},
                "description": {"type": "text"},
                "display_name": {"type": "text"},
                "tags": {"type": "keyword"},
                "thumbnail_url": {"type": "keyword", "index": false},
                "index_version": {"type": "long"},
                "created_at": {"type": "date"},
                "updated_at": {"type": "date"}
            }
        }
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The `_source` of a project.
pub fn source(d: &SearchDoc) -> Value {
    json!({
        "project_id": d.project_id,
        "user_id": d.user_id,
        "title": d.title,
        "description": d.description,
        "display_name": d.display_name,
        "tags": d.tags,
        "thumbnail_url": d.thumbnail_url,
        "index_version": d.index_version,
        "created_at": rfc3339(d.created_at),
        "updated_at": rfc3339(d.updated_at),
    })
}

/// The search body of SPEC §7: multi_match with boosts and one-typo fuzziness for
/// words of 5+ letters, any-of tags filter, score then recency, from/size.
pub fn search_body(req: &SearchRequest) -> Value {
    let from = req.page.offset();
    let size = req.page.size;
    let query = req.query.as_deref().filter(|q| !q.trim().is_empty());
    let mut bool_query = serde_json::Map::new();
    if let Some(q) = query {
        bool_query.insert(
            "must".into(),
            json!([{"multi_match": {
                "query": q,
                "fields": ["title^3", "display_name^2", "description"],
                "fuzziness": "AUTO:5,100"
            }}]),
        );
    }
    if !req.tags.is_empty() {
        bool_query.insert("filter".into(), json!([{"terms": {"tags": req.tags}}]));
    }
    if query.is_none() && req.tags.is_empty() {
        return json!({
            "from": from, "size": size, "track_total_hits": true,
            "query": {"match_all": {}},
            "sort": [{"created_at": {"order": "desc"}}]
        });
    }
    json!({
        "from": from, "size": size, "track_total_hits": true,
        "query": {"bool": bool_query},
        "sort": [{"_score": {"order": "desc"}}, {"updated_at": {"order": "desc"}}]
    })
}

/// Documents with a title word or a tag starting with `prefix`, newest first.
pub fn suggest_body(prefix: &str) -> Value {
    json!({
        "size": SUGGEST_CANDIDATES,
        "_source": ["project_id", "title", "tags"],
        "query": {"bool": {
            "should": [
                {"match_bool_prefix": {"title": prefix}},
                {"prefix": {"tags": prefix}}
            ],
            "minimum_should_match": 1
        }},
        "sort": [{"updated_at": {"order": "desc"}}]
    })
}

pub(super) fn hit_of(hit: &Value) -> Option<SearchHit> {
    let s = &hit["_source"];
    let text = |k: &str| s[k].as_str().map(str::to_owned);
    Some(SearchHit {
        project_id: text("project_id")?.parse().ok()?,
        user_id: text("user_id")?.parse().ok()?,
        title: text("title")?,
        description: text("description"),
        tags: s["tags"]
            .as_array()?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        username: text("display_name")?,
        thumbnail_url: text("thumbnail_url"),
        score: hit["_score"].as_f64().unwrap_or(0.0) as f32,
        updated_at: time::OffsetDateTime::parse(
            &text("updated_at")?,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()?,
    })
}
