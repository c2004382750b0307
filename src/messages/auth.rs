//! Accounts and sessions: roles, the caller, register/login/refresh/logout.

use actix::Message;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;

/// `user` < `committee` < `admin` < `superadmin` (SPEC §1); the order is the rank.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Committee,
    Admin,
    Superadmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Committee => "committee",
            Role::Admin => "admin",
            Role::Superadmin => "superadmin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "user" => Some(Role::User),
            "committee" => Some(Role::Committee),
            "admin" => Some(Role::Admin),
            "superadmin" => Some(Role::Superadmin),
            _ => None,
        }
    }

    pub fn is_admin(self) -> bool {
        self >= Role::Admin
    }
}

/// Who is asking, from a verified access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    /// The session the access token belongs to (`sid`); nil for the command line.
    pub session_id: Uuid,
}

/// A user with every field (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The fields of a new account, as the client sent them (validated by the actor).
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
}

/// POST `/auth/register`: always a `user`; asking for another role is refused.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<User>")]
pub struct Register {
    pub account: NewAccount,
    pub requested_role: Option<String>,
}

/// An access token and a refresh token, as login and refresh answer.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user: User,
}

/// POST `/auth/login`: `login` is a username or an email.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Session>")]
pub struct Login {
    pub login: String,
    pub password: String,
    /// The client's address (behind a trusted proxy, from X-Forwarded-For).
    pub client_ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
}

/// POST `/auth/refresh`: rotate the refresh token.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Session>")]
pub struct Refresh {
    pub refresh_token: String,
}

/// POST `/auth/logout`: revoke the session (family) of this refresh token.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct Logout {
    pub refresh_token: String,
    pub caller: Option<Caller>,
}

/// POST `/auth/logout-all`: revoke every refresh token of the caller.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct LogoutAll {
    pub caller: Caller,
}

/// GET `/auth/me`.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<User>")]
pub struct GetMe {
    pub caller: Caller,
}
