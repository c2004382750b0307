//! SPEC §8 and issue 19: scans at a gate (entry and exit), offline uploads,
//! annulments, and attendance lists (committee and above).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actors::Actors;
use crate::actors::attendance::rules::refused_error;
use crate::actors::traced::Ask;
use crate::error::{AppError, AppResult};
use crate::http::extract::{AuthUser, page_request};
use crate::http::json_object::JsonObject;
use crate::http::problem::Problem;
use crate::messages::attendance::{
    Annul, Attendance, CheckIn, CheckInBatch, Direction, ListAttendance, OfflineResult,
    OfflineScan, Passed, ScanResult,
};

#[derive(Deserialize, ToSchema)]
pub struct CheckInBody {
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    event_id: String,
    /// Required unless `code` is given.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    ticket_id: String,
    /// A signed event's ticket code (`TRP1.<payload>.<signature>`), instead of
    /// `ticket_id`.
    #[schema(max_length = 600)]
    code: Option<String>,
    /// `entry` (default) or `exit`.
    #[serde(default)]
    direction: Direction,
    /// The gate's name, for the scans log and live counts.
    #[schema(max_length = 100)]
    gate: Option<String>,
    /// The scanning device's name.
    #[schema(max_length = 100)]
    device: Option<String>,
}

/// 201 for a scan that passed; otherwise the refusal's problem document.
fn scan_answer(result: ScanResult) -> AppResult<HttpResponse> {
    match result {
        Ok(passed) => Ok(HttpResponse::Created().json(passed)),
        Err(refused) => Err(refused_error(&refused)),
    }
}

/// Scan a ticket at a gate: an entry (default) or an exit. Exactly one of concurrent
/// entries of a ticket succeeds; the others get 409 `already_checked_in` with the
/// first record. A registered event also checks its ticket list or signatures, its
/// time window, re-entry and capacity; every refusal is logged with its reason. An
/// `Idempotency-Key` makes the same user's retry answer the first 201 again.
#[utoipa::path(post, path = "/checkins", operation_id = "checkIn", tag = "attendance", security(("bearer" = [])), request_body = CheckInBody,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,200}$", description = "retry-safe key, per user: 1 to 200 visible ASCII characters")),
    responses((status = 201, body = Passed), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem, description = "already_checked_in (with `record`), capacity_reached, not_inside"),
              (status = 422, body = Problem, description = "unknown_ticket, invalid_signature, revoked, not_started, ended (with `ticket` where known), idempotency_key_reused")))]
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
    let result = actors
        .attendance
        .ask(CheckIn {
            caller: auth.caller,
            event_id: body.event_id,
            ticket_id: body.ticket_id,
            code: body.code,
            direction: body.direction,
            gate: body.gate,
            device: body.device,
            idempotency_key,
        })
        .await??;
    scan_answer(result)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    #[schema(max_length = 100)]
    gate: Option<String>,
    #[schema(max_length = 100)]
    device: Option<String>,
    /// 1 to 1,000 scans, each with a nonce unique to the scanner.
    scans: Vec<OfflineScan>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResults {
    results: Vec<OfflineResult>,
}

/// Largest offline upload body (1,000 scans).
pub const BATCH_LIMIT: usize = 1024 * 1024;

/// Upload scans made offline. Applied in the order they were scanned (by the
/// scanners' clocks), in one transaction; one result per scan, in upload order. A
/// nonce already recorded answers its first result again and changes nothing. Two
/// gates that admitted the same ticket while offline: the scan uploaded first stands,
/// the other is logged as `already_checked_in`.
#[utoipa::path(post, path = "/checkins/batch", operation_id = "checkInBatch", tag = "attendance", security(("bearer" = [])), request_body = BatchBody,
    responses((status = 200, body = BatchResults), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 413, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "attendance::batch")
)]
pub async fn batch(
    actors: web::Data<Actors>,
    auth: AuthUser,
    body: JsonObject<BatchBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let results = actors
        .attendance
        .ask(CheckInBatch {
            caller: auth.caller,
            gate: body.gate,
            device: body.device,
            scans: body.scans,
        })
        .await??;
    Ok(HttpResponse::Ok().json(BatchResults { results }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulBody {
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    ticket_id: String,
    /// Why (1 to 500 characters), kept in the scans log.
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 500)]
    reason: String,
}

/// Annul a ticket's check-in (admin): the ticket may then be checked in again. The
/// annulment, its reason and who made it are kept in the scans log.
#[utoipa::path(post, path = "/events/{event_id}/annulments", operation_id = "annulCheckIn", tag = "attendance", security(("bearer" = [])), request_body = AnnulBody,
    params(("event_id" = String, Path)),
    responses((status = 201, body = Passed), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem, description = "not_checked_in")))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "attendance::annul")
)]
pub async fn annul(
    actors: web::Data<Actors>,
    auth: AuthUser,
    event_id: web::Path<String>,
    body: JsonObject<AnnulBody>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let result = actors
        .attendance
        .ask(Annul {
            caller: auth.caller,
            event_id: event_id.into_inner(),
            ticket_id: body.ticket_id,
            reason: body.reason,
        })
        .await??;
    scan_answer(result)
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
