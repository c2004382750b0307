//! User management (SPEC §3).

use actix::Message;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppResult;
use crate::messages::auth::{Caller, NewAccount, Role, User};
use crate::messages::page::ListRequest;

/// What non-admins see of other users. (`deny_unknown_fields` only marks the schema
/// closed, so that a full `User` does not also match it in `UserView`'s `oneOf`.)
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicUser {
    pub id: Uuid,
    pub username: String,
    pub name: Option<String>,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<User> for PublicUser {
    fn from(u: User) -> Self {
        PublicUser {
            id: u.id,
            username: u.username,
            name: u.name,
            role: u.role,
            created_at: u.created_at,
        }
    }
}

/// A user as the caller may see it: every field for admins and the user themself.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum UserView {
    Full(User),
    Public(PublicUser),
}

/// Answers the page encoded as the caller may see it (`UserView`s).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<super::json_body::JsonBody>")]
pub struct ListUsers {
    pub caller: Caller,
    pub request: ListRequest,
    pub q: Option<String>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<UserView>")]
pub struct GetUser {
    pub caller: Caller,
    pub id: Uuid,
}

/// An admin creates a user with the role they ask for (`None`: user).
#[derive(Debug, Message)]
#[rtype(result = "AppResult<User>")]
pub struct CreateUser {
    pub caller: Caller,
    pub account: NewAccount,
    pub requested_role: Option<String>,
}

/// The fields a PATCH may carry; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub username: Option<String>,
    pub email: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub gender: Option<Option<String>>,
    pub password: Option<String>,
    pub current_password: Option<String>,
    pub role: Option<Role>,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<User>")]
pub struct UpdateUser {
    pub caller: Caller,
    pub id: Uuid,
    pub patch: UserPatch,
}

#[derive(Debug, Message)]
#[rtype(result = "AppResult<()>")]
pub struct DeleteUser {
    pub caller: Caller,
    pub id: Uuid,
}
