//! `/admin/dead-events`: list, replay and discard dead letters (admin and above).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::extract::{AuthUser, Pagination};
use crate::http::problem::Problem;
use crate::messages::dead_events::{
    DeadEvent, DeadFilter, DiscardDeadEvent, ListDeadEvents, ReplayDeadEvent, ReplayDeadEvents,
};
use crate::messages::page::Page;

/// Which dead letters: both filters are optional and combine.
#[derive(Deserialize, IntoParams)]
pub struct DeadQuery {
    /// The queue they died in, e.g. `media.events`.
    queue: Option<String>,
    /// Their event type, e.g. `media.uploaded`.
    event_type: Option<String>,
}

impl From<DeadQuery> for DeadFilter {
    fn from(q: DeadQuery) -> Self {
        let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        DeadFilter {
            queue: given(q.queue),
            event_type: given(q.event_type),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Replayed {
    replayed: u64,
}

/// Dead letters, oldest first, with their attempts and last error (admin).
#[utoipa::path(get, path = "/admin/dead-events", operation_id = "listDeadEvents", tag = "events", security(("bearer" = [])),
    params(DeadQuery, ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"), ("size" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)")),
    responses((status = 200, body = Page<DeadEvent>, description = "One page: `items`, `total`, `page`, `size`, `pages`"), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "dead_events::list")
)]
pub async fn list(
    actors: web::Data<Actors>,
    auth: AuthUser,
    page: Pagination,
    query: web::Query<DeadQuery>,
) -> AppResult<HttpResponse> {
    let message = ListDeadEvents {
        caller: auth.caller,
        filter: query.into_inner().into(),
        page: page.0,
    };
    Ok(HttpResponse::Ok().json(actors.dead_letters.ask(message).await??))
}

/// Hands one dead letter back to its queue, as new (admin); 202 with what it was.
#[utoipa::path(post, path = "/admin/dead-events/{id}/replay", operation_id = "replayDeadEvent", tag = "events", security(("bearer" = [])),
    responses((status = 202, body = DeadEvent), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem, description = "The payload is not an event; it can only be discarded")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "dead_events::replay")
)]
pub async fn replay(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let message = ReplayDeadEvent {
        caller: auth.caller,
        id: id.into_inner(),
    };
    Ok(HttpResponse::Accepted().json(actors.dead_letters.ask(message).await??))
}

/// Hands every dead letter the filter matches back to its queue (admin).
#[utoipa::path(post, path = "/admin/dead-events/replay", operation_id = "replayDeadEvents", tag = "events", security(("bearer" = [])),
    params(DeadQuery),
    responses((status = 202, body = Replayed), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "dead_events::replay_matching")
)]
pub async fn replay_matching(
    actors: web::Data<Actors>,
    auth: AuthUser,
    query: web::Query<DeadQuery>,
) -> AppResult<HttpResponse> {
    let message = ReplayDeadEvents {
        caller: auth.caller,
        filter: query.into_inner().into(),
    };
    let replayed = actors.dead_letters.ask(message).await??;
    Ok(HttpResponse::Accepted().json(Replayed { replayed }))
}

/// Drops one dead letter for good (admin).
#[utoipa::path(delete, path = "/admin/dead-events/{id}", operation_id = "discardDeadEvent", tag = "events", security(("bearer" = [])),
    responses((status = 204, description = "Discarded"), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "dead_events::discard")
)]
pub async fn discard(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let message = DiscardDeadEvent {
        caller: auth.caller,
        id: id.into_inner(),
    };
    actors.dead_letters.ask(message).await??;
    Ok(HttpResponse::NoContent().finish())
}
