//! Issue 19: signed events' tickets — issued codes, the public key and the revoked
//! tickets a gate downloads to check codes offline.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actors::Actors;
use crate::actors::traced::Ask;
use crate::error::AppResult;
use crate::http::extract::AuthUser;
use crate::http::json_object::JsonObject;
use crate::http::problem::Problem;
use crate::messages::venue_events::{
    GetSigningKey, IssueTickets, IssuedTicket, ListRevoked, NewSignedTicket, RevokeTicket,
    SigningKeyView,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// 1 to 1,000 tickets.
    tickets: Vec<NewSignedTicket>,
}

#[derive(Serialize, ToSchema)]
pub struct Issued {
    tickets: Vec<IssuedTicket>,
}

/// Sign tickets for a `signed` event (admin): each answer carries its `code`, which a
/// gate checks with the event's public key alone. Issuing a ticket id again signs
/// it again (the same code) and updates its holder and category.
#[utoipa::path(post, path = "/events/{id}/tickets", operation_id = "issueTickets", tag = "venue", security(("bearer" = [])), request_body = IssueBody,
    params(("id" = String, Path)),
    responses((status = 201, body = Issued), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "signed_tickets::issue")
)]
pub async fn issue(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
    body: JsonObject<IssueBody>,
) -> AppResult<HttpResponse> {
    let tickets = actors
        .attendance
        .ask(IssueTickets {
            caller: auth.caller,
            event_id: id.into_inner(),
            tickets: body.into_inner().tickets,
        })
        .await??;
    Ok(HttpResponse::Created().json(Issued { tickets }))
}

/// The public key a `signed` event's codes verify with, as a JWK, and the code
/// format (committee).
#[utoipa::path(get, path = "/events/{id}/signing-key", operation_id = "getSigningKey", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = SigningKeyView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "signed_tickets::key")
)]
pub async fn signing_key(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = actors
        .attendance
        .ask(GetSigningKey {
            caller: auth.caller,
            event_id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(key))
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    event_id: String,
    /// The revoked ticket ids, sorted.
    revoked: Vec<String>,
}

/// The revoked tickets of an event, for offline gates (committee).
#[utoipa::path(get, path = "/events/{id}/tickets/revoked", operation_id = "listRevokedTickets", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Revoked), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "signed_tickets::revoked")
)]
pub async fn revoked(
    actors: web::Data<Actors>,
    auth: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let event_id = id.into_inner();
    let revoked = actors
        .attendance
        .ask(ListRevoked {
            caller: auth.caller,
            event_id: event_id.clone(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(Revoked { event_id, revoked }))
}

/// Revoke a ticket (admin): its scans are refused with 422 `revoked` from then on.
#[utoipa::path(post, path = "/events/{id}/tickets/{ticket_id}/revoke", operation_id = "revokeTicket", tag = "venue", security(("bearer" = [])),
    params(("id" = String, Path), ("ticket_id" = String, Path)),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(
    name = "handler",
    level = "debug",
    skip_all,
    fields(handler = "signed_tickets::revoke")
)]
pub async fn revoke(
    actors: web::Data<Actors>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (event_id, ticket_id) = path.into_inner();
    actors
        .attendance
        .ask(RevokeTicket {
            caller: auth.caller,
            event_id,
            ticket_id,
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}
