//! The event envelope and every domain event (SPEC §9), with their stable wire names.

use actix::Message;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// `{event_id, event_type, data, timestamp, version}` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub event_id: Uuid,
    #[serde(flatten)]
    pub event: DomainEvent,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub version: u32,
}

impl EventEnvelope {
    pub fn new(event: DomainEvent) -> Self {
        EventEnvelope {
            event_id: Uuid::now_v7(),
            event,
            timestamp: OffsetDateTime::now_utc(),
            version: 1,
        }
    }

    pub fn event_type(&self) -> &'static str {
        self.event.event_type()
    }
}

/// `event_type` + `data`. Events are triggers: consumers re-read the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event_type", content = "data")]
pub enum DomainEvent {
    #[serde(rename = "profile.updated")]
    ProfileUpdated(ProfileUpdated),
    #[serde(rename = "project.created")]
    ProjectCreated(ProjectChanged),
    #[serde(rename = "project.updated")]
    ProjectUpdated(ProjectChanged),
    #[serde(rename = "project.deleted")]
    ProjectDeleted(ProjectDeleted),
    #[serde(rename = "media.uploaded")]
    MediaUploaded(MediaUploaded),
    #[serde(rename = "media.deleted")]
    MediaDeleted(MediaDeleted),
    #[serde(rename = "attendance.checked_in")]
    AttendanceCheckedIn(CheckedIn),
}

impl DomainEvent {
    pub fn event_type(&self) -> &'static str {
        match self {
            DomainEvent::ProfileUpdated(_) => "profile.updated",
            DomainEvent::ProjectCreated(_) => "project.created",
            DomainEvent::ProjectUpdated(_) => "project.updated",
            DomainEvent::ProjectDeleted(_) => "project.deleted",
            DomainEvent::MediaUploaded(_) => "media.uploaded",
            DomainEvent::MediaDeleted(_) => "media.deleted",
            DomainEvent::AttendanceCheckedIn(_) => "attendance.checked_in",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileUpdated {
    pub user_id: Uuid,
    pub username: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectChanged {
    pub project_id: Uuid,
    pub user_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectDeleted {
    pub project_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaUploaded {
    pub file_id: Uuid,
    pub path: String,
    pub owner_id: Uuid,
    pub project_id: Option<Uuid>,
    pub file_url: String,
    pub mime_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaDeleted {
    pub file_id: Uuid,
    pub owner_id: Uuid,
    /// The upload's object key (the thumbnail's follows from the ids).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedIn {
    pub event_id: String,
    pub ticket_id: String,
    pub checked_in_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_in_at: OffsetDateTime,
}

/// Delivered to a consumer actor for one queue. `Err` says whether to retry.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<(), HandlerError>")]
pub struct HandleEvent {
    pub queue: String,
    pub envelope: EventEnvelope,
    /// No retry follows if this try fails: a handler records a final failure now.
    pub last_attempt: bool,
    /// The delivery's `event` span (queue, type, id, attempt): the handler works in it.
    pub span: tracing::Span,
}

/// Why a handler failed, and whether trying again can help; the message is kept as
/// the dead letter's last error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// A passing trouble (an outage of the database, storage or search): retried
    /// with backoff until `MAX_RETRIES`.
    #[error("{0}")]
    Retry(String),
    /// The event itself cannot be handled (an undecodable image, an unreadable
    /// envelope): dead-lettered at once, no retry.
    #[error("{0}")]
    Abort(String),
}

impl HandlerError {
    pub fn retry(reason: impl std::fmt::Display) -> Self {
        HandlerError::Retry(reason.to_string())
    }

    pub fn abort(reason: impl std::fmt::Display) -> Self {
        HandlerError::Abort(reason.to_string())
    }

    pub fn is_abort(&self) -> bool {
        matches!(self, HandlerError::Abort(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_has_the_spec_shape_and_round_trips() {
        let envelope = EventEnvelope::new(DomainEvent::ProjectDeleted(ProjectDeleted {
            project_id: Uuid::nil(),
        }));
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["event_type"], "project.deleted");
        assert_eq!(json["data"]["project_id"], Uuid::nil().to_string());
        assert_eq!(json["version"], 1);
        assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(json["event_id"].is_string());
        let back: EventEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(back.event_type(), "project.deleted");
    }
}
