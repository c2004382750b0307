//! The Elasticsearch backend (`SEARCH_BACKEND=elasticsearch`). `SEARCH_INDEX` is an
//! alias: the first use creates `<alias>_v1` with the mapping and points the alias
//! at it, so a full rebuild can fill a new index and swap the alias atomically.
//! Writes are bulk requests with `version_type=external_gte` on `index_version`: a
//! stale write is refused by Elasticsearch (409) and ignored here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use elasticsearch::http::headers::HeaderMap;
use elasticsearch::http::request::{JsonBody, NdBody};
use elasticsearch::http::transport::Transport;
use elasticsearch::http::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    IndexChanges, SearchDoc, SearchError, SearchIndex, SearchRequest, SearchResults,
    SuggestCandidate, rank_suggestions, suggest_prefix,
};
use crate::messages::search::Suggestion;

mod documents;

use documents::hit_of;
pub use documents::{mapping, search_body, source, suggest_body};

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct ElasticIndex {
    transport: Transport,
    alias: String,
    ready: AtomicBool,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

impl ElasticIndex {
    pub fn new(url: &str, alias: &str) -> Result<Self, SearchError> {
        Ok(ElasticIndex {
            transport: Transport::single_node(url).map_err(err)?,
            alias: alias.to_owned(),
            ready: AtomicBool::new(false),
        })
    }

    /// Sends one request; a transport error or a 5xx is the backend being down.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), SearchError> {
        let response = self
            .transport
            .send(
                method,
                path,
                HeaderMap::new(),
                Some(query),
                body.map(JsonBody::new),
                Some(TIMEOUT),
            )
            .await
            .map_err(err)?;
        self.finish(response).await
    }

    async fn finish(
        &self,
        response: elasticsearch::http::response::Response,
    ) -> Result<(StatusCode, Value), SearchError> {
        let status = response.status_code();
        let text = response.text().await.map_err(err)?;
        if status.is_server_error() {
            return Err(SearchError(format!("Elasticsearch answered {status}")));
        }
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(err)?
        };
        Ok((status, body))
    }

    /// Creates `<alias>_v1` and the alias on first use, unless the alias exists.
    async fn ensure(&self) -> Result<(), SearchError> {
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let (status, _) = self
            .call(Method::Head, &format!("/_alias/{}", self.alias), &[], None)
            .await?;
        if status == StatusCode::NOT_FOUND {
            let mut body = mapping();
            body["aliases"] = json!({ self.alias.clone(): {} });
            let (status, answer) = self
                .call(Method::Put, &format!("/{}_v1", self.alias), &[], Some(body))
                .await?;
            let exists = answer["error"]["type"] == "resource_already_exists_exception";
            if !status.is_success() && !exists {
                return Err(SearchError(format!(
                    "cannot create the search index: {answer}"
                )));
            }
        }
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    async fn bulk(&self, path: &str, lines: Vec<Value>) -> Result<(), SearchError> {
        if lines.is_empty() {
            return Ok(());
        }
        let body = NdBody::new(lines.into_iter().map(JsonBody::new).collect());
        let response = self
            .transport
            .send(
                Method::Post,
                path,
                HeaderMap::new(),
                Some(&[("refresh", "wait_for")]),
                Some(body),
                Some(TIMEOUT),
            )
            .await
            .map_err(err)?;
        let (status, answer) = self.finish(response).await?;
        if !status.is_success() {
            return Err(SearchError(format!(
                "bulk request refused ({status}): {answer}"
            )));
        }
        for item in answer["items"].as_array().into_iter().flatten() {
            let Some((action, result)) = item.as_object().and_then(|o| o.iter().next()) else {
                return Err(SearchError(format!("unreadable bulk item: {item}")));
            };
            let code = result["status"].as_u64().unwrap_or(0);
            let stale = action == "index" && code == 409; // a newer version is indexed
            let gone = action == "delete" && code == 404;
            if code >= 300 && !stale && !gone {
                return Err(SearchError(format!(
                    "bulk item failed ({code}): {}",
                    result["error"]
                )));
            }
        }
        Ok(())
    }

    /// Bulk lines that write `docs` (versioned) and delete `deletes` in `index`.
    pub fn bulk_lines(index: &str, changes: &IndexChanges) -> Vec<Value> {
        let mut lines = Vec::with_capacity(changes.upserts.len() * 2 + changes.deletes.len());
        for d in &changes.upserts {
            lines.push(json!({"index": {
                "_index": index, "_id": d.project_id,
                "version": d.index_version, "version_type": "external_gte"
            }}));
            lines.push(source(d));
        }
        for id in &changes.deletes {
            lines.push(json!({"delete": {"_index": index, "_id": id}}));
        }
        lines
    }

    /// Starts a full rebuild into a new index; searches keep using the old one.
    pub async fn begin_rebuild(&self) -> Result<ElasticRebuild, SearchError> {
        self.ensure().await?;
        let (_, current) = self
            .call(Method::Get, &format!("/_alias/{}", self.alias), &[], None)
            .await?;
        let old = current
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let fresh = format!("{}_{}", self.alias, Uuid::now_v7().simple());
        let (status, answer) = self
            .call(Method::Put, &format!("/{fresh}"), &[], Some(mapping()))
            .await?;
        if !status.is_success() {
            return Err(SearchError(format!("cannot create {fresh}: {answer}")));
        }
        Ok(ElasticRebuild { fresh, old })
    }

    pub async fn rebuild_add(
        &self,
        rebuild: &ElasticRebuild,
        docs: Vec<SearchDoc>,
    ) -> Result<(), SearchError> {
        let changes = IndexChanges {
            upserts: docs,
            deletes: vec![],
        };
        let lines = Self::bulk_lines(&rebuild.fresh, &changes);
        self.bulk(&format!("/{}/_bulk", rebuild.fresh), lines).await
    }

    /// Points the alias at the new index and drops the old ones in one call.
    pub async fn finish_rebuild(&self, rebuild: ElasticRebuild) -> Result<(), SearchError> {
        let mut actions = vec![json!({"add": {"index": rebuild.fresh, "alias": self.alias}})];
        actions.extend(
            rebuild
                .old
                .iter()
                .map(|o| json!({"remove_index": {"index": o}})),
        );
        let (status, answer) = self
            .call(
                Method::Post,
                "/_aliases",
                &[],
                Some(json!({"actions": actions})),
            )
            .await?;
        if !status.is_success() {
            return Err(SearchError(format!("cannot swap the alias: {answer}")));
        }
        Ok(())
    }
}

/// A rebuild under way: the new index and the ones the alias pointed at.
pub struct ElasticRebuild {
    fresh: String,
    old: Vec<String>,
}

#[async_trait::async_trait]
impl SearchIndex for ElasticIndex {
    #[tracing::instrument(name = "index", level = "debug", skip_all, fields(backend = "elasticsearch", op = "write", upserts = changes.upserts.len(), deletes = changes.deletes.len()))]
    async fn apply(&self, changes: IndexChanges) -> Result<(), SearchError> {
        self.ensure().await?;
        let lines = Self::bulk_lines(&self.alias, &changes);
        self.bulk("/_bulk", lines).await
    }

    #[tracing::instrument(
        name = "index",
        level = "debug",
        skip_all,
        fields(backend = "elasticsearch", op = "search")
    )]
    async fn search(&self, request: SearchRequest) -> Result<SearchResults, SearchError> {
        self.ensure().await?;
        let path = format!("/{}/_search", self.alias);
        let (status, answer) = self
            .call(Method::Post, &path, &[], Some(search_body(&request)))
            .await?;
        if !status.is_success() {
            return Err(SearchError(format!("search refused ({status}): {answer}")));
        }
        let hits = answer["hits"]["hits"]
            .as_array()
            .map(|h| h.iter().filter_map(hit_of).collect())
            .unwrap_or_default();
        Ok(SearchResults::new(
            hits,
            answer["hits"]["total"]["value"].as_u64().unwrap_or(0),
        ))
    }

    #[tracing::instrument(
        name = "index",
        level = "debug",
        skip_all,
        fields(backend = "elasticsearch", op = "suggest")
    )]
    async fn suggest(&self, typed: String) -> Result<Vec<Suggestion>, SearchError> {
        let Some(prefix) = suggest_prefix(&typed) else {
            return Ok(Vec::new());
        };
        self.ensure().await?;
        let path = format!("/{}/_search", self.alias);
        let (status, answer) = self
            .call(Method::Post, &path, &[], Some(suggest_body(&prefix)))
            .await?;
        if !status.is_success() {
            return Err(SearchError(format!("suggest refused ({status}): {answer}")));
        }
        let candidates: Vec<SuggestCandidate> = answer["hits"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| {
                let s = &h["_source"];
                Some(SuggestCandidate {
                    project_id: s["project_id"].as_str()?.parse().ok()?,
                    title: s["title"].as_str()?.to_owned(),
                    tags: s["tags"]
                        .as_array()?
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                })
            })
            .collect();
        Ok(rank_suggestions(&prefix, &candidates))
    }

    async fn healthy(&self) -> bool {
        match self.call(Method::Get, "/_cluster/health", &[], None).await {
            Ok((status, body)) => status.is_success() && body["status"] != "red",
            Err(_) => false,
        }
    }
}
