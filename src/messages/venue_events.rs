//! Events a venue runs (issue 19): their rules, tickets and scans log.

use actix::Message;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::messages::attendance::TicketHolder;
use crate::messages::auth::Caller;
use crate::messages::page::PageRequest;

/// Which tickets an event admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketMode {
    /// Any ticket id, once (seed 004).
    #[default]
    Open,
    /// Only imported tickets.
    Listed,
    /// Only codes Troupe signed for this event.
    Signed,
}

impl TicketMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketMode::Open => "open",
            TicketMode::Listed => "listed",
            TicketMode::Signed => "signed",
        }
    }

    /// The column's text; anything else is `open`.
    pub fn parse(text: &str) -> TicketMode {
        match text {
            "listed" => TicketMode::Listed,
            "signed" => TicketMode::Signed,
            _ => TicketMode::Open,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VenueEvent {
    pub id: String,
    pub name: String,
    pub venue: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<OffsetDateTime>,
    /// At most this many inside at once; `null`: no limit.
    pub capacity: Option<i32>,
    /// Whether a ticket that went out may come in again.
    pub reentry: bool,
    pub mode: TicketMode,
    /// How many are inside now.
    pub inside: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The fields of an event write; on update, absent keeps and `Some(None)` clears.
#[derive(Debug, Clone, Default)]
pub struct VenueEventFields {
    pub name: Option<String>,
    pub venue: Option<String>,
    pub starts_at: Option<Option<OffsetDateTime>>,
    pub ends_at: Option<Option<OffsetDateTime>>,
    pub capacity: Option<Option<i32>>,
    pub reentry: Option<bool>,
    pub mode: Option<TicketMode>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<VenueEvent>")]
pub struct CreateVenueEvent {
    pub caller: Caller,
    /// The client's id (e.g. the event_id its scanners already use); generated if absent.
    pub id: Option<String>,
    pub fields: VenueEventFields,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<VenueEvent>")]
pub struct GetVenueEvent {
    pub caller: Caller,
    pub id: String,
}

/// Soonest first (events without a start last), then by id.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<VenueEventPage>")]
pub struct ListVenueEvents {
    pub caller: Caller,
    pub page: PageRequest,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VenueEventPage {
    pub items: Vec<VenueEvent>,
    pub total: u64,
    pub page: u32,
    pub size: u32,
    pub pages: u64,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<VenueEvent>")]
pub struct UpdateVenueEvent {
    pub caller: Caller,
    pub id: String,
    pub fields: VenueEventFields,
}

/// Removes the event and its tickets; its check-ins and scans stay (the id then
/// behaves as an unregistered, open event).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct DeleteVenueEvent {
    pub caller: Caller,
    pub id: String,
}

/// One line of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketLine {
    pub ticket_id: String,
    pub holder: TicketHolder,
}

/// A chunk of an imported ticket list (the CSV is parsed as it streams in).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<u64>")]
pub struct ImportTickets {
    pub caller: Caller,
    pub event_id: String,
    /// The number of the chunk's first line in the file (the header is line 1).
    pub first_line: u64,
    pub lines: Vec<TicketLine>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub event_id: String,
    /// Lines read (without the header).
    pub lines: u64,
    /// Tickets new or changed by this import (a line equal to a stored ticket
    /// changes nothing).
    pub written: u64,
}

/// GET `/events/{id}/scans?result=`: newest first.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<ScanPage>")]
pub struct ListScans {
    pub caller: Caller,
    pub event_id: String,
    /// `ok`, a refusal code, or `refused` for every refusal.
    pub result: Option<String>,
    /// Only scans with an id below this one (the previous page's `next_before`).
    pub before: Option<i64>,
    pub size: u32,
}

/// One line of the scans log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanEntry {
    pub id: i64,
    pub ticket_id: String,
    /// `entry`, `exit` or `annul`.
    pub direction: String,
    /// `ok` or the refusal's problem code.
    pub result: String,
    pub gate: Option<String>,
    pub device: Option<String>,
    pub user_id: Option<uuid::Uuid>,
    pub username: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub scanned_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    /// An annulment's reason.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanPage {
    pub event_id: String,
    pub items: Vec<ScanEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// One ticket to sign for a signed event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSignedTicket {
    /// Generated (`T-…`) if absent.
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub ticket_id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub holder_name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub category: String,
}

/// POST `/events/{id}/tickets` (admin): signs up to 1,000 tickets.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Vec<IssuedTicket>>")]
pub struct IssueTickets {
    pub caller: Caller,
    pub event_id: String,
    pub tickets: Vec<NewSignedTicket>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedTicket {
    pub ticket_id: String,
    pub holder_name: String,
    pub category: String,
    /// What the ticket carries (e.g. as a QR code).
    #[schema(example = "TRP1.ZmVzdAo.…")]
    pub code: String,
}

/// GET `/events/{id}/signing-key`: the public key gates verify codes with.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<SigningKeyView>")]
pub struct GetSigningKey {
    pub caller: Caller,
    pub event_id: String,
}

/// A public key as a JWK (RFC 8037), and the code format it verifies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SigningKeyView {
    pub event_id: String,
    #[schema(example = "EdDSA")]
    pub alg: &'static str,
    /// `{kty: "OKP", crv: "Ed25519", x}`.
    #[schema(value_type = Object)]
    pub jwk: serde_json::Value,
    pub format: &'static str,
}

/// GET `/events/{id}/tickets/revoked`.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Vec<String>>")]
pub struct ListRevoked {
    pub caller: Caller,
    pub event_id: String,
}

/// POST `/events/{id}/tickets/{ticket_id}/revoke` (admin).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<bool>")]
pub struct RevokeTicket {
    pub caller: Caller,
    pub event_id: String,
    pub ticket_id: String,
}

/// Scans through one gate (`""`: scans that named no gate).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct GateCounts {
    pub passed: i64,
    pub refused: i64,
}

/// What `GET /events/{id}/live` pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LiveView {
    pub event_id: String,
    /// Tickets admitted (one each, however often they went in and out).
    pub checked_in: i64,
    /// Inside now.
    pub inside: i64,
    /// Refused scans by reason.
    pub refused: std::collections::BTreeMap<String, i64>,
    /// Scans per gate.
    pub gates: std::collections::BTreeMap<String, GateCounts>,
    /// When these counts were read.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// The latest counts of an event, `None` until first read.
pub type LiveFeed = tokio::sync::watch::Receiver<Option<std::sync::Arc<LiveView>>>;

/// GET `/events/{id}/live` (committee): a feed of the event's counts.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<LiveFeed>")]
pub struct WatchEvent {
    pub caller: Caller,
    pub event_id: String,
}
