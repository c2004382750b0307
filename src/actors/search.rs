//! `SearchActor`: answers search and suggest requests from the index. One runs per
//! HTTP worker (it holds only a handle), so queries run in parallel.

use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::actors::tags;
use crate::error::{AppError, AppResult};
use crate::messages::json_body::JsonBody;
use crate::messages::search::{SearchPage, SearchProjects, Suggest, Suggestion};
use crate::metrics;
use crate::problem_code::ProblemCode;
use crate::search::{SearchError, SearchIndex, SearchRequest};

const QUERY_MAX: usize = 200;

pub struct SearchActor {
    index: Arc<dyn SearchIndex>,
}

impl SearchActor {
    pub fn new(index: Arc<dyn SearchIndex>) -> Self {
        SearchActor { index }
    }
}

impl Actor for SearchActor {
    type Context = Context<Self>;
}

impl Supervised for SearchActor {}

impl Forwarder for SearchActor {
    type Shared = Arc<dyn SearchIndex>;
    fn shared(&self) -> &Arc<dyn SearchIndex> {
        &self.index
    }
}

/// A query or prefix is at most `QUERY_MAX` characters.
fn check_length(query: &str) -> AppResult<()> {
    if query.chars().count() > QUERY_MAX {
        return Err(AppError::invalid_field(
            "query",
            format!("must be at most {QUERY_MAX} characters"),
        ));
    }
    Ok(())
}

/// The search's words (blank is no query) and tag filter, checked.
fn checked_request(msg: SearchProjects) -> AppResult<SearchRequest> {
    let query = msg
        .query
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if let Some(q) = &query {
        check_length(q)?;
    }
    let tags = tags::normalise(msg.tags).map_err(|e| AppError::invalid_field("tags", e))?;
    Ok(SearchRequest {
        query,
        tags,
        page: msg.page,
    })
}

fn unavailable(e: SearchError) -> AppError {
    tracing::warn!(error = %e, "search failed");
    AppError::Unavailable {
        code: ProblemCode::SearchUnavailable,
        detail: "search is unavailable right now; try again shortly".to_owned(),
        retry_after_secs: 5,
    }
}

impl Handler<SearchProjects> for SearchActor {
    type Result = ResponseFuture<AppResult<JsonBody>>;

    fn handle(&mut self, msg: SearchProjects, _: &mut Context<Self>) -> Self::Result {
        let page = msg.page;
        let request = checked_request(msg);
        self.answer(async move |index| {
            let request = request?;
            let started = Instant::now();
            let results = index.search(request).await.map_err(unavailable)?;
            metrics::SEARCH_LATENCY
                .with_label_values(&["search"])
                .observe(started.elapsed().as_secs_f64());
            // A remembered answer is encoded by the first request that sends it.
            JsonBody::kept(&results.sent, || {
                JsonBody::of(&SearchPage {
                    results: results.hits.to_vec(),
                    total: results.total,
                    page: page.page,
                    size: page.size,
                    pages: results.total.div_ceil(u64::from(page.size)),
                })
                .map_err(|e| AppError::internal(format!("encoding a search page: {e}")))
            })
        })
    }
}

impl Handler<Suggest> for SearchActor {
    type Result = ResponseFuture<AppResult<Vec<Suggestion>>>;

    fn handle(&mut self, msg: Suggest, _: &mut Context<Self>) -> Self::Result {
        let checked = check_length(&msg.prefix);
        self.answer(async move |index| {
            checked?;
            let prefix = msg.prefix;
            let started = Instant::now();
            let suggestions = index.suggest(prefix).await.map_err(unavailable)?;
            metrics::SEARCH_LATENCY
                .with_label_values(&["suggest"])
                .observe(started.elapsed().as_secs_f64());
            Ok(suggestions)
        })
    }
}

crate::traced!(SearchActor: SearchProjects, Suggest);
