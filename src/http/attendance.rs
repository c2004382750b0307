//! SPEC §8: ticket check-in and attendance lists (committee and above).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::{AppError, AppResult};
use crate::http::extract::{AuthUser, page_request};
use crate::http::json_object::JsonObject;
use crate::http::problem::Problem;
use crate::messages::attendance::{Attendance, CheckIn, CheckInRecord, ListAttendance};

#[derive(Deserialize, ToSchema)]
pub struct CheckInBody {
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    event_id: String,
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    ticket_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckedIn {
    #[schema(example = "checked_in")]
    status: &'static str,
    record: CheckInRecord,
}

/// Admit a ticket. Exactly one of concurrent check-ins of a ticket succeeds; the
/// others get 409 `already_checked_in` with the first record. An `Idempotency-Key`
/// makes the same user's retry answer the first 201 again.
#[utoipa::path(post, path = "/checkins", operation_id = "checkIn", tag = "attendance", security(("bearer" = [])), request_body = CheckInBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,200}$", description = "retry-safe key, per user: 1 to 200 visible ASCII characters")),
    responses((status = 201, body = CheckedIn), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem, description = "already_checked_in, with `record`"),
              (status = 422, body = Problem, description = "idempotency_key_reused")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "attendance::check_in")
)]
pub async fn check_in(
    req: HttpRequest,
    actors: web::Data<Actors>,
    auth: AuthUser,
    body: JsonObject<CheckInBody>,
) -> AppResult<HttpResponse> {
    let idempotency_key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| AppError::invalid_field("Idempotency-Key", "must be visible ASCII"))?
                .to_owned(),
        ),
    };
    let body = body.into_inner();
    let record = actors
        .attendance
        .ask(CheckIn {
            caller: auth.caller,
            event_id: body.event_id,
            ticket_id: body.ticket_id,
            idempotency_key,
        })
        .await??;
    Ok(HttpResponse::Created().json(CheckedIn {
        status: "checked_in",
        record,
    }))
}

/// The check-ins of an event, oldest first (`size` defaults to and is at most 1000).
#[utoipa::path(get, path = "/attendance/{event_id}", operation_id = "listAttendance", tag = "attendance", security(("bearer" = [])),
    params(("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "Page number, from 1"), ("size" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Items per page (default 1000)")),
    responses((status = 200, body = Attendance), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "attendance::list")
)]
pub async fn list(
    req: HttpRequest,
    actors: web::Data<Actors>,
    auth: AuthUser,
    event_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let page = page_request(req.query_string(), 1000, 1000)?;
    let attendance = actors
        .attendance
        .ask(ListAttendance {
            caller: auth.caller,
            event_id: event_id.into_inner(),
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(attendance))
}
