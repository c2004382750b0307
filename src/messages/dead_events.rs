//! Dead letters (SPEC §9, issue 15): listing, replaying and discarding them.

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::Caller;
use crate::messages::page::{Page, PageRequest};

/// Which dead letters: all, or those of a queue and/or an event type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadFilter {
    pub queue: Option<String>,
    pub event_type: Option<String>,
}

/// One dead letter as the admin API and the CLI show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadEvent {
    pub id: i64,
    pub queue: String,
    pub event_id: Uuid,
    pub event_type: String,
    /// Tries made, the first included.
    pub attempts: i32,
    pub last_error: String,
    #[serde(with = "time::serde::rfc3339")]
    pub dead_at: OffsetDateTime,
    /// The envelope as it was published.
    #[schema(value_type = Object)]
    pub envelope: serde_json::Value,
    /// The AMQP headers it carried (RabbitMQ only).
    #[schema(value_type = Option<Object>)]
    pub headers: Option<serde_json::Value>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Page<DeadEvent>>")]
pub struct ListDeadEvents {
    pub caller: Caller,
    pub filter: DeadFilter,
    pub page: PageRequest,
}

/// Hands one dead letter back to its queue (through the outbox).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<DeadEvent>")]
pub struct ReplayDeadEvent {
    pub caller: Caller,
    pub id: i64,
}

/// Hands every dead letter the filter matches back to its queue; how many.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<u64>")]
pub struct ReplayDeadEvents {
    pub caller: Caller,
    pub filter: DeadFilter,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct DiscardDeadEvent {
    pub caller: Caller,
    pub id: i64,
}
