//! `AuthActor`: users, credentials and refresh tokens (SPEC §1–§3). One instance runs
//! per HTTP worker; they share `AuthContext` (pool, keys, hasher, throttle), so the
//! actor holds no state of its own and requests run concurrently.

mod accounts;
mod manage;
pub mod rules;
mod sessions;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::actors::hasher::HasherPool;
use crate::actors::page_memory::PageMemory;
use crate::db::DbPool;
use crate::error::AppResult;
use crate::jwt::JwtKeys;
use crate::messages::auth::{GetMe, Login, Logout, LogoutAll, Refresh, Register, Session, User};
use crate::messages::page::{Page, Position};
use crate::messages::users::{CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserView};

use throttle::LoginThrottle;

/// What every auth actor instance shares.
pub struct AuthContext {
    pub pool: DbPool,
    pub keys: Arc<JwtKeys>,
    pub hasher: HasherPool,
    pub throttle: LoginThrottle,
    pub refresh_ttl: Duration,
    /// Pages of the unfiltered users list, by where they start and their size.
    pub pages: PageMemory<(Position, u32), User>,
}

pub struct AuthActor {
    ctx: Arc<AuthContext>,
}

impl AuthActor {
    pub fn new(ctx: Arc<AuthContext>) -> Self {
        AuthActor { ctx }
    }
}

impl Actor for AuthActor {
    type Context = Context<Self>;
}

impl Supervised for AuthActor {}

impl Forwarder for AuthActor {
    type Shared = Arc<AuthContext>;
    fn shared(&self) -> &Arc<AuthContext> {
        &self.ctx
    }
}

/// Each message is answered by the `AuthContext` method of the same meaning,
/// through the one forwarding idiom (`Forwarder::answer`).
macro_rules! answer_with {
    ($($message:ty => $method:ident -> $reply:ty;)*) => {$(
        impl Handler<$message> for AuthActor {
            type Result = ResponseFuture<AppResult<$reply>>;

            fn handle(&mut self, msg: $message, _: &mut Context<Self>) -> Self::Result {
                self.answer(async move |ctx| ctx.$method(msg).await)
            }
        }
    )*};
}

answer_with! {
    Register => register -> User;
    Login => login -> Session;
    Refresh => refresh -> Session;
    Logout => logout -> ();
    LogoutAll => logout_all -> ();
    GetMe => me -> User;
    ListUsers => list_users -> Page<UserView>;
    GetUser => get_user -> UserView;
    CreateUser => create_user -> User;
    UpdateUser => update_user -> User;
    DeleteUser => delete_user -> ();
}

crate::traced!(AuthActor: Register, Login, Refresh, Logout, LogoutAll, GetMe, ListUsers, GetUser, CreateUser, UpdateUser, DeleteUser);
