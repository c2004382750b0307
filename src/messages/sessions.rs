//! Sessions a user can see and revoke, and an admin's view of them (issue 18).

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::Caller;

/// One login: its refresh tokens rotate within it; its access tokens carry its id
/// as `sid`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The last login or token refresh of this session.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_used_at: OffsetDateTime,
    /// When it ends unless refreshed again.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<String>,
    /// The client address at login (behind a trusted proxy, from X-Forwarded-For).
    pub ip: Option<String>,
    /// Whether the access token of this request belongs to it.
    pub current: bool,
}

/// Whose sessions: the caller's own (`/auth/sessions`) or, for admins, a user's
/// (`/users/{id}/sessions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOwner {
    Caller,
    User(Uuid),
}

/// GET `/auth/sessions`, GET `/users/{id}/sessions`.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Vec<SessionView>>")]
pub struct ListSessions {
    pub caller: Caller,
    pub owner: SessionOwner,
}

/// DELETE `/auth/sessions/{id}`, DELETE `/users/{id}/sessions/{session_id}`.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct RevokeSession {
    pub caller: Caller,
    pub owner: SessionOwner,
    pub session_id: Uuid,
}

/// POST `/auth/sessions/revoke-others`: every session of the caller but this one.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<usize>")]
pub struct RevokeOtherSessions {
    pub caller: Caller,
}

/// DELETE `/users/{id}/lockout`: an admin clears the failed-login counters of a user.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct ClearLockout {
    pub caller: Caller,
    pub user_id: Uuid,
}

/// What makes already-issued access tokens invalid before they expire (a row of
/// `token_revocations`, or its NOTIFY payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// Every token of this session.
    Session(Uuid),
    /// Every token of this user that names another role.
    Role {
        user: Uuid,
        role: crate::messages::auth::Role,
    },
    /// Every token of this (deleted) user.
    User(Uuid),
}

impl Revocation {
    /// From the columns `kind`, `subject`, `role`.
    pub fn from_parts(kind: &str, subject: Uuid, role: Option<&str>) -> Option<Revocation> {
        match kind {
            "session" => Some(Revocation::Session(subject)),
            "user" => Some(Revocation::User(subject)),
            "role" => Some(Revocation::Role {
                user: subject,
                role: crate::messages::auth::Role::parse(role?)?,
            }),
            _ => None,
        }
    }

    /// From a `troupe_revocations` NOTIFY payload: `kind subject role`.
    pub fn from_payload(payload: &str) -> Option<Revocation> {
        let mut parts = payload.split(' ');
        let kind = parts.next()?;
        let subject = Uuid::parse_str(parts.next()?).ok()?;
        let role = parts.next().filter(|r| !r.is_empty());
        Revocation::from_parts(kind, subject, role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::auth::Role;

    #[test]
    fn payloads_of_every_kind_parse_and_nonsense_does_not() {
        let id = Uuid::now_v7();
        assert_eq!(
            Revocation::from_payload(&format!("session {id} ")),
            Some(Revocation::Session(id))
        );
        assert_eq!(
            Revocation::from_payload(&format!("role {id} admin")),
            Some(Revocation::Role {
                user: id,
                role: Role::Admin
            })
        );
        assert_eq!(
            Revocation::from_payload(&format!("user {id} ")),
            Some(Revocation::User(id))
        );
        for bad in [
            "",
            "session",
            "session x ",
            &format!("role {id} "),
            &format!("other {id} "),
        ] {
            assert_eq!(Revocation::from_payload(bad), None, "{bad}");
        }
    }
}
