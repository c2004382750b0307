//! `SearchActor`: answers search and suggest requests from the index. One runs per
//! HTTP worker (it holds only a handle), so queries run in parallel.

use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::problem_code::ProblemCode;

use crate::error::{AppError, AppResult};
use crate::messages::search::{SearchPage, SearchProjects, Suggest, Suggestion};
use crate::metrics;
use crate::search::{SearchError, SearchIndex, SearchRequest};

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

fn unavailable(e: SearchError) -> AppError {
    tracing::warn!(error = %e, "search failed");
    AppError::Unavailable {
        code: ProblemCode::SearchUnavailable,
        detail: "search is unavailable right now; try again shortly".to_owned(),
        retry_after_secs: 5,
    }
}

impl Handler<SearchProjects> for SearchActor {
    type Result = ResponseFuture<AppResult<SearchPage>>;

    fn handle(&mut self, msg: SearchProjects, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |index| {
            let started = Instant::now();
            let request = SearchRequest {
                query: msg.query,
                tags: msg.tags,
                page: msg.page,
            };
            let results = index.search(request).await.map_err(unavailable)?;
            metrics::SEARCH_LATENCY
                .with_label_values(&["search"])
                .observe(started.elapsed().as_secs_f64());
            Ok(SearchPage {
                results: results.hits,
                total: results.total,
                page: msg.page.page,
                size: msg.page.size,
                pages: results.total.div_ceil(u64::from(msg.page.size)),
            })
        })
    }
}

impl Handler<Suggest> for SearchActor {
    type Result = ResponseFuture<AppResult<Vec<Suggestion>>>;

    fn handle(&mut self, msg: Suggest, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |index| {
            let started = Instant::now();
            let suggestions = index.suggest(msg.prefix).await.map_err(unavailable)?;
            metrics::SEARCH_LATENCY
                .with_label_values(&["suggest"])
                .observe(started.elapsed().as_secs_f64());
            Ok(suggestions)
        })
    }
}
