//! Issue 19: the events a venue runs (admins write, the committee reads), their
//! ticket lists (a streamed CSV import), the scans log and the attendance export.

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::{AppError, AppResult};
use crate::http::extract::{AuthUser, page_request};
use crate::http::json_object::JsonObject;
use crate::http::patch::double_option;
use crate::http::problem::Problem;
use crate::messages::attendance::ExportAttendance;
use crate::messages::auth::Caller;
use crate::messages::venue_events::{
    CreateVenueEvent, DeleteVenueEvent, GetVenueEvent, ImportReport, ImportTickets, ListScans,
    ListVenueEvents, ScanPage, TicketLine, TicketMode, UpdateVenueEvent, VenueEvent,
    VenueEventFields, VenueEventPage,
};
use crate::ticket_csv::TicketCsv;

/// An RFC 3339 time in a JSON body.
#[derive(Deserialize)]
struct Instant(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueEventBody {
    /// On create only: the event's id in the check-in alphabet (e.g. the event_id
    /// scanners already send); generated if absent.
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    id: Option<String>,
    /// Required on create.
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(max_length = 200)]
    venue: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    starts_at: Option<Option<Instant>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    ends_at: Option<Option<Instant>>,
    /// At most this many inside at once; `null`: no limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10000000)]
    capacity: Option<Option<i32>>,
    reentry: Option<bool>,
    mode: Option<TicketMode>,
}

impl VenueEventBody {
    fn into_fields(self) -> VenueEventFields {
        VenueEventFields {
            name: self.name,
            venue: self.venue,
            starts_at: self.starts_at.map(|t| t.map(|i| i.0)),
            ends_at: self.ends_at.map(|t| t.map(|i| i.0)),
            capacity: self.capacity,
            reentry: self.reentry,
            mode: self.mode,
        }
    }
}

/// Register an event (admin). `mode`: `open` (any ticket id, once), `listed` (only
/// imported tickets) or `signed` (only codes Troupe issued).
#[utoipa::path(post, path = "/events", operation_id = "createEvent", tag = "venue", security(("bearer" = [])), request_body = VenueEventBody,
    responses((status = 201, body = VenueEvent), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem, description = "duplicate id")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::create")
)]
pub async fn create(
    actors: web::Data<Actors>,
    auth: AuthUser,
    body: JsonObject<VenueEventBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let id = body.id.clone();
    let fields = body.into_fields();
    if fields.name.is_none() {
        return Err(AppError::invalid_field("name", "is required"));
    }
    let event = actors
        .attendance
        .ask(CreateVenueEvent {
            caller: auth.caller,
            id,
            fields,
        })
        .await??;
    Ok(HttpResponse::Created().json(event))
}

/// The registered events, soonest first (committee).
#[utoipa::path(get, path = "/events", operation_id = "listEvents", tag = "venue", security(("bearer" = [])),
    params(("page" = Option<u32>, Query, minimum = 1, maximum = 1000000), ("size" = Option<u32>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = VenueEventPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::list")
)]
pub async fn list(
    req: HttpRequest,
    actors: web::Data<Actors>,
    auth: AuthUser,
) -> AppResult<HttpResponse> {
    let page = page_request(req.query_string(), 20, 100)?;
    let events = actors
        .attendance
        .ask(ListVenueEvents {
            caller: auth.caller,
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(events))
}

/// One event, with how many are inside now (committee).
#[utoipa::path(get, path = "/events/{id}", operation_id = "getEvent", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = VenueEvent), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::get")
)]
pub async fn get(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let event = actors
        .attendance
        .ask(GetVenueEvent {
            caller: auth.caller,
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(event))
}

/// Change an event (admin): absent fields stay, `null` clears a time or the capacity.
#[utoipa::path(patch, path = "/events/{id}", operation_id = "updateEvent", tag = "venue", security(("bearer" = [])), request_body = VenueEventBody,
    params(("id" = String, Path)),
    responses((status = 200, body = VenueEvent), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::update")
)]
pub async fn update(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
    body: JsonObject<VenueEventBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    if body.id.is_some() {
        return Err(AppError::invalid_field("id", "cannot be changed"));
    }
    let event = actors
        .attendance
        .ask(UpdateVenueEvent {
            caller: auth.caller,
            id: id.into_inner(),
            fields: body.into_fields(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(event))
}

/// Remove an event and its tickets (admin). Its check-ins and scans log stay; the id
/// then behaves as an unregistered (open) event.
#[utoipa::path(delete, path = "/events/{id}", operation_id = "deleteEvent", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::delete")
)]
pub async fn delete(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    actors
        .attendance
        .ask(DeleteVenueEvent {
            caller: auth.caller,
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Largest ticket list accepted in one import.
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;
/// Lines written per transaction while an import streams in.
const IMPORT_CHUNK: usize = 5000;

async fn write_chunk(
    actors: &Actors,
    caller: &Caller,
    event_id: &str,
    first_line: u64,
    lines: Vec<TicketLine>,
) -> AppResult<u64> {
    if lines.is_empty() {
        return Ok(0);
    }
    actors
        .attendance
        .ask(ImportTickets {
            caller: caller.clone(),
            event_id: event_id.to_owned(),
            first_line,
            lines,
        })
        .await?
}

/// Import a ticket list (admin): a CSV body (`text/csv`) with the header row
/// `ticket_id,holder_name,category`, read as it streams in and written in chunks of
/// 5,000 lines (each its own transaction; a repeated import changes nothing). Up to
/// 256 MiB.
#[utoipa::path(post, path = "/events/{id}/tickets/import", operation_id = "importTickets", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::import")
)]
pub async fn import_tickets(
    req: HttpRequest,
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
    mut body: web::Payload,
) -> AppResult<HttpResponse> {
    let event_id = id.into_inner();
    // The event and the caller's role are checked before any line is read.
    actors
        .attendance
        .ask(ImportTickets {
            caller: auth.caller.clone(),
            event_id: event_id.clone(),
            first_line: 2,
            lines: Vec::new(),
        })
        .await??;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(AppError::UnsupportedMediaType {
            detail: "expected Content-Type: text/csv".to_owned(),
        });
    }
    let mut csv = TicketCsv::default();
    let (mut lines, mut written, mut read, mut received) = (Vec::new(), 0u64, 0u64, 0usize);
    let mut first_line = 2;
    loop {
        let chunk = body.next().await;
        let bytes: &[u8] = match &chunk {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                return Err(AppError::BadRequest {
                    code: crate::problem_code::ProblemCode::BadRequest,
                    detail: format!("the body could not be read: {e}"),
                });
            }
            None => &[],
        };
        received += bytes.len();
        if received > IMPORT_LIMIT {
            return Err(AppError::PayloadTooLarge {
                detail: format!("a ticket list is at most {IMPORT_LIMIT} bytes"),
            });
        }
        csv.feed(bytes, &mut lines)
            .map_err(|e| AppError::invalid_field("body", e))?;
        if lines.len() >= IMPORT_CHUNK || chunk.is_none() {
            let n = lines.len() as u64;
            read += n;
            written += write_chunk(
                &actors,
                &auth.caller,
                &event_id,
                first_line,
                std::mem::take(&mut lines),
            )
            .await?;
            first_line += n;
        }
        if chunk.is_none() {
            break;
        }
    }
    Ok(HttpResponse::Ok().json(ImportReport {
        event_id,
        lines: read,
        written,
    }))
}

#[derive(Deserialize)]
pub struct ScanQuery {
    result: Option<String>,
    before: Option<i64>,
    size: Option<u32>,
}

/// The scans log of an event, newest first (committee): every entry, exit,
/// annulment and refusal with its reason, gate, device, user and time. `result`:
/// `ok`, `refused` (every refusal) or one refusal code.
#[utoipa::path(get, path = "/events/{id}/scans", operation_id = "listScans", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path), ("result" = Option<String>, Query), ("before" = Option<i64>, Query, description = "the previous page's next_before"),
           ("size" = Option<u32>, Query, minimum = 1, maximum = 1000)),
    responses((status = 200, body = ScanPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::scans")
)]
pub async fn scans(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
    query: web::Query<ScanQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let size = query.size.unwrap_or(100);
    if !(1..=1000).contains(&size) {
        return Err(AppError::invalid_field("size", "must be 1 to 1000"));
    }
    let page = actors
        .attendance
        .ask(ListScans {
            caller: auth.caller,
            event_id: id.into_inner(),
            result: query.result,
            before: query.before,
            size,
        })
        .await??;
    Ok(HttpResponse::Ok().json(page))
}

/// The attendance of an event as CSV (committee): `ticket_id, holder_name, category,
/// checked_in_by, checked_in_at, inside`, one line per admitted ticket, oldest first.
/// Streamed 5,000 lines at a time (each a keyset read), so any size is fine.
#[utoipa::path(get, path = "/events/{id}/attendance.csv", operation_id = "exportAttendance", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "venue_events::export")
)]
pub async fn export_attendance(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let event_id = id.into_inner();
    let ask = {
        let actors = actors.clone();
        let caller = auth.caller.clone();
        let event_id = event_id.clone();
        move |after| {
            let actors = actors.clone();
            let message = ExportAttendance {
                caller: caller.clone(),
                event_id: event_id.clone(),
                after,
            };
            async move { actors.attendance.ask(message).await? }
        }
    };
    // The first chunk before the answer starts: a refusal is still a problem document.
    let first = ask(None).await?;
    let mut head =
        String::from("ticket_id,holder_name,category,checked_in_by,checked_in_at,inside\r\n");
    head.push_str(&first.csv);
    let rest = futures_util::stream::unfold(first.next, move |after| {
        let ask = ask.clone();
        async move {
            let after = after?;
            match ask(Some(after)).await {
                Ok(chunk) => Some((Ok(web::Bytes::from(chunk.csv)), chunk.next)),
                Err(e) => {
                    tracing::warn!(error = %e, "attendance export stopped");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        None,
                    ))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(web::Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{event_id}-attendance.csv\""),
        ))
        .streaming(body))
}
