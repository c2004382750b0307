//! Ticket check-in (SPEC §8, issue 19): scans at a gate, offline batches, annulments
//! and attendance lists.

use actix::Message;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::messages::auth::Caller;
use crate::messages::page::PageRequest;

/// One admission of a ticket to an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CheckInRecord {
    pub event_id: String,
    pub ticket_id: String,
    /// The username of the committee member, as it was at the check-in.
    pub checked_in_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_in_at: OffsetDateTime,
}

/// What a listed or signed ticket says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TicketHolder {
    pub holder_name: String,
    pub category: String,
}

/// Which way a scan goes through the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Entry,
    Exit,
}

/// What a scan does: pass the gate, or (admins) annul an admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Pass(Direction),
    Annul,
}

impl ScanKind {
    /// The `direction` column of the scans log.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Pass(Direction::Entry) => "entry",
            ScanKind::Pass(Direction::Exit) => "exit",
            ScanKind::Annul => "annul",
        }
    }

    /// The `status` of a scan of this kind that passed.
    pub fn passed_status(self) -> &'static str {
        match self {
            ScanKind::Pass(Direction::Entry) => "checked_in",
            ScanKind::Pass(Direction::Exit) => "checked_out",
            ScanKind::Annul => "annulled",
        }
    }
}

/// Why a scan was refused: the problem `code` of the answer and the `result` in the
/// scans log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AlreadyCheckedIn,
    CapacityReached,
    NotInside,
    NotCheckedIn,
    UnknownTicket,
    InvalidSignature,
    Revoked,
    NotStarted,
    Ended,
}

/// A refused scan: the reason, the ticket's first admission where there is one, and
/// what the ticket says about its holder where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: Refusal,
    pub record: Option<CheckInRecord>,
    pub holder: Option<TicketHolder>,
}

/// A scan that passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Passed {
    /// `checked_in`, `checked_out` or `annulled`.
    #[schema(example = "checked_in")]
    pub status: &'static str,
    /// The admission: for an entry, this one; for an exit or annulment, the ticket's
    /// first admission.
    pub record: CheckInRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketHolder>,
}

/// A refusal is boxed: it is the rarer answer and the larger one.
pub type ScanResult = Result<Passed, Box<Refused>>;

/// POST `/checkins`: one scan at a gate. The outer error is a bad request (403,
/// 400, 503); the inner one the gate's refusal.
#[derive(Debug, Clone, Message)]
#[rtype(result = "AppResult<ScanResult>")]
pub struct CheckIn {
    pub caller: Caller,
    pub event_id: String,
    /// Empty when a `code` was scanned (the code names the ticket).
    pub ticket_id: String,
    /// A signed event's ticket code (`TRP1.…`).
    pub code: Option<String>,
    pub direction: Direction,
    pub gate: Option<String>,
    pub device: Option<String>,
    pub idempotency_key: Option<String>,
}

/// One scan an offline scanner made.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineScan {
    /// The scanner's id for this scan (1–200 visible ASCII characters): an upload
    /// repeated changes nothing and answers the same results.
    pub nonce: String,
    pub event_id: String,
    /// The ticket, or (for a signed event) `code` instead.
    #[serde(default)]
    pub ticket_id: String,
    /// A signed event's ticket code (`TRP1.…`).
    pub code: Option<String>,
    #[serde(default)]
    pub direction: Direction,
    /// When the scanner scanned, by its clock (not later than the upload).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub scanned_at: OffsetDateTime,
}

/// POST `/checkins/batch`: up to 1,000 offline scans.
#[derive(Debug, Clone, Message)]
#[rtype(result = "AppResult<Vec<OfflineResult>>")]
pub struct CheckInBatch {
    pub caller: Caller,
    pub gate: Option<String>,
    pub device: Option<String>,
    pub scans: Vec<OfflineScan>,
}

/// The result of one offline scan, in the order of the upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfflineResult {
    pub nonce: String,
    /// `ok` or the refusal's problem code.
    #[schema(example = "ok")]
    pub result: String,
    /// The HTTP status the scan would have had alone (201, 409 or 422).
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<CheckInRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketHolder>,
    /// True when this upload repeated a nonce already recorded.
    pub replayed: bool,
}

/// POST `/events/{id}/annulments` (admin): undo a ticket's admission.
#[derive(Debug, Clone, Message)]
#[rtype(result = "AppResult<ScanResult>")]
pub struct Annul {
    pub caller: Caller,
    pub event_id: String,
    pub ticket_id: String,
    pub reason: String,
}

/// GET `/attendance/{event_id}`: oldest first.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Attendance>")]
pub struct ListAttendance {
    pub caller: Caller,
    pub event_id: String,
    pub page: PageRequest,
}

/// One line of an attendance list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceEntry {
    pub ticket_id: String,
    pub checked_in_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub checked_in_at: OffsetDateTime,
}

/// `{event_id, total_checkins, records, page, size, pages}` (the seed's keys).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attendance {
    pub event_id: String,
    pub total_checkins: u64,
    pub records: Vec<AttendanceEntry>,
    pub page: u32,
    pub size: u32,
    pub pages: u64,
}

/// GET `/events/{id}/attendance.csv`, a page at a time: the admissions after
/// `after` (time, ticket), as CSV text without the header row.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<ExportChunk>")]
pub struct ExportAttendance {
    pub caller: Caller,
    pub event_id: String,
    pub after: Option<(OffsetDateTime, String)>,
}

#[derive(Debug, Clone)]
pub struct ExportChunk {
    pub csv: String,
    /// Where the next chunk starts; `None` after the last.
    pub next: Option<(OffsetDateTime, String)>,
}
