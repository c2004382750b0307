//! Signed events: their key, the tickets Troupe signs, and revocations — what an
//! offline gate downloads to check codes without the server.

use actix::prelude::*;
use uuid::Uuid;

use super::AttendanceActor;
use super::rules::{id_rule, require_committee};
use super::venue::{check_lines, require_admin};
use crate::actors::auth::rules::Checks;
use crate::db::{DbPool, event_keys, tickets, venue_events};
use crate::error::{AppError, AppResult};
use crate::messages::attendance::TicketHolder;
use crate::messages::venue_events::{
    GetSigningKey, IssueTickets, IssuedTicket, ListRevoked, RevokeTicket, SigningKeyView,
    TicketLine, TicketMode,
};
use crate::ticket_code;

/// Tickets signed per request.
pub const ISSUE_MAX: usize = 1000;

/// The key seed of a signed event (made on first use; 404 for another mode).
async fn signing_seed(
    db: &impl deadpool_postgres::GenericClient,
    event_id: &str,
) -> AppResult<[u8; 32]> {
    let event = venue_events::find(db, event_id, false)
        .await?
        .ok_or_else(|| AppError::not_found("event"))?;
    if event.mode != TicketMode::Signed {
        return Err(AppError::invalid_field(
            "mode",
            "only a signed event has a signing key and issues codes",
        ));
    }
    let candidate: [u8; 32] = rand::random();
    Ok(event_keys::ensure(
        db,
        event_id,
        &candidate,
        &ticket_code::public_key(&candidate),
    )
    .await?)
}

async fn issue(pool: DbPool, msg: IssueTickets) -> AppResult<Vec<IssuedTicket>> {
    require_admin(&msg.caller, "issuing tickets")?;
    let mut checks = Checks::default();
    checks.note("event_id", id_rule(&msg.event_id));
    if msg.tickets.is_empty() || msg.tickets.len() > ISSUE_MAX {
        checks.note(
            "tickets",
            Err(format!("must hold 1 to {ISSUE_MAX} tickets")),
        );
    }
    checks.finish()?;
    let lines: Vec<TicketLine> = msg
        .tickets
        .into_iter()
        .map(|t| TicketLine {
            ticket_id: t
                .ticket_id
                .unwrap_or_else(|| format!("T-{}", &Uuid::new_v4().simple().to_string()[..16])),
            holder: TicketHolder {
                holder_name: t.holder_name,
                category: t.category,
            },
        })
        .collect();
    check_lines(1, &lines)?;
    let db = pool.get().await?;
    let seed = signing_seed(&db, &msg.event_id).await?;
    tickets::upsert(&db, &msg.event_id, &lines).await?;
    Ok(lines
        .into_iter()
        .map(|l| IssuedTicket {
            code: ticket_code::issue(&seed, &msg.event_id, &l.ticket_id, &l.holder.category),
            ticket_id: l.ticket_id,
            holder_name: l.holder.holder_name,
            category: l.holder.category,
        })
        .collect())
}

impl Handler<IssueTickets> for AttendanceActor {
    type Result = ResponseFuture<AppResult<Vec<IssuedTicket>>>;

    fn handle(&mut self, msg: IssueTickets, _: &mut Context<Self>) -> Self::Result {
        Box::pin(issue(self.pool.clone(), msg))
    }
}

impl Handler<GetSigningKey> for AttendanceActor {
    type Result = ResponseFuture<AppResult<SigningKeyView>>;

    fn handle(&mut self, msg: GetSigningKey, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "reading an event's signing key")?;
            let db = pool.get().await?;
            let seed = signing_seed(&db, &msg.event_id).await?;
            let x = ticket_code::encode_key(&ticket_code::public_key(&seed));
            Ok(SigningKeyView {
                event_id: msg.event_id,
                alg: "EdDSA",
                jwk: serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "use": "sig"}),
                format: "TRP1.<base64url(event_id LF ticket_id LF category)>.<base64url(Ed25519 signature of those payload bytes)>, base64url without padding",
            })
        })
    }
}

impl Handler<ListRevoked> for AttendanceActor {
    type Result = ResponseFuture<AppResult<Vec<String>>>;

    fn handle(&mut self, msg: ListRevoked, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "reading revoked tickets")?;
            let db = pool.get().await?;
            if venue_events::find(&db, &msg.event_id, false)
                .await?
                .is_none()
            {
                return Err(AppError::not_found("event"));
            }
            Ok(tickets::revoked(&db, &msg.event_id).await?)
        })
    }
}

impl Handler<RevokeTicket> for AttendanceActor {
    type Result = ResponseFuture<AppResult<bool>>;

    fn handle(&mut self, msg: RevokeTicket, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_admin(&msg.caller, "revoking tickets")?;
            let mut checks = Checks::default();
            checks.note("ticket_id", id_rule(&msg.ticket_id));
            checks.finish()?;
            let db = pool.get().await?;
            if venue_events::find(&db, &msg.event_id, false)
                .await?
                .is_none()
            {
                return Err(AppError::not_found("event"));
            }
            Ok(tickets::revoke(&db, &msg.event_id, &msg.ticket_id).await?)
        })
    }
}

crate::traced!(AttendanceActor: IssueTickets, GetSigningKey, ListRevoked, RevokeTicket);
