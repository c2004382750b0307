//! Issue 19: `GET /events/{id}/live`, the venue's live counts as Server-Sent Events.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use futures_util::stream::{self, StreamExt};

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::extract::AuthUser;
use crate::http::problem::Problem;
use crate::messages::venue_events::WatchEvent;

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The live counts of an event (committee), as `text/event-stream`: an `event: counts`
/// whose `data` is a `LiveView` (admitted, inside now, refusals by reason, scans per
/// gate) at once and then within a second of any scan on any node, at most 4 a
/// second; a `: keep-alive` comment every 15 s.
#[utoipa::path(get, path = "/events/{id}/live", operation_id = "watchEvent", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = crate::messages::venue_events::LiveView),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "live::watch")
)]
pub async fn watch(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let feed = actors
        .live
        .ask(WatchEvent {
            caller: auth.caller,
            event_id: id.into_inner(),
        })
        .await??;
    // Only the latest counts wait for a slow reader: older ones are skipped.
    let updates = stream::unfold(feed, |mut feed| async move {
        feed.changed().await.ok()?;
        let view = feed.borrow_and_update().clone();
        Some((view, feed))
    })
    .filter_map(|view| async move {
        let view = view?;
        let data = serde_json::to_string(&*view).ok()?;
        Some(web::Bytes::from(format!("event: counts\ndata: {data}\n\n")))
    });
    let keep_alive = stream::unfold(tokio::time::interval(KEEP_ALIVE), |mut every| async move {
        every.tick().await;
        Some((web::Bytes::from_static(b": keep-alive\n\n"), every))
    });
    let body = stream::select(updates, keep_alive).map(Ok::<_, actix_web::Error>);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
