//! SPEC §7: search and suggestions (anyone).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actors::WorkerActors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::extract::Pagination;
use crate::http::problem::Problem;
use crate::messages::search::{SearchPage, SearchProjects, Suggest, Suggestion};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words matched against title, display name and description.
    query: Option<String>,
    /// Comma-separated; a project needs at least one of them.
    tags: Option<String>,
}

/// Search projects: score desc, then most recently updated.
#[utoipa::path(get, path = "/search", operation_id = "searchProjects", tag = "search",
    params(SearchQuery, ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)")),
    responses((status = 200, body = SearchPage), (status = 400, body = Problem),
              (status = 503, body = Problem, description = "search_unavailable")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "search::search")
)]
pub async fn search(
    actors: web::Data<WorkerActors>,
    page: Pagination,
    q: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let SearchQuery { query, tags } = q.into_inner();
    // `tags` is comma-separated; empty pieces ("a,,b", a trailing comma) are no tag.
    let tags = tags
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let page = actors
        .search
        .ask(SearchProjects {
            query,
            tags,
            page: page.0,
        })
        .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(page.bytes))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SuggestQuery {
    /// The prefix typed so far.
    query: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    suggestions: Vec<Suggestion>,
}

/// Up to five titles and tags starting with (a word starting with) the prefix.
#[utoipa::path(get, path = "/search/suggest", operation_id = "suggestProjects", tag = "search", params(SuggestQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = Problem), (status = 503, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "search::suggest")
)]
pub async fn suggest(
    actors: web::Data<WorkerActors>,
    q: web::Query<SuggestQuery>,
) -> AppResult<HttpResponse> {
    let prefix = q.into_inner().query.unwrap_or_default();
    let suggestions = actors.search.ask(Suggest { prefix }).await??;
    Ok(HttpResponse::Ok().json(Suggestions { suggestions }))
}
