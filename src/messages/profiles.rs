//! Personal profiles (SPEC §4).

use std::collections::BTreeMap;

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::Caller;

/// A profile; its own fields are `null` until set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub user_id: Uuid,
    pub username: String,
    /// Only on `/profile/me`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Option<String>>,
    pub name: Option<String>,
    pub bio: Option<String>,
    pub contact: Option<String>,
    pub social_links: Option<BTreeMap<String, String>>,
    pub avatar_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

/// Fields to change: absent keeps, `Some(None)` clears, `Some(Some(v))` sets.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub name: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub contact: Option<Option<String>>,
    pub social_links: Option<Option<BTreeMap<String, String>>>,
    pub avatar_url: Option<Option<String>>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Profile>")]
pub struct GetOwnProfile {
    pub caller: Caller,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<Profile>")]
pub struct UpdateProfile {
    pub caller: Caller,
    pub patch: ProfilePatch,
}

/// A public profile (no email); 404 for an unknown user.
#[derive(Debug, Message)]
#[rtype(result = "AppResult<Profile>")]
pub struct GetPublicProfile {
    pub user_id: Uuid,
}
