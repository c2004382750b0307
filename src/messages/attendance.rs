//! Ticket check-in (SPEC §8).

use actix::Message;
use serde::Serialize;
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

/// POST `/checkins`. `Ok` is a new admission; a ticket already admitted is a 409
/// `already_checked_in` carrying the first record.
#[derive(Debug, Clone, Message)]
#[rtype(result = "AppResult<CheckInRecord>")]
pub struct CheckIn {
    pub caller: Caller,
    pub event_id: String,
    pub ticket_id: String,
    pub idempotency_key: Option<String>,
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
