//! `AuthActor`: users, credentials and refresh tokens (SPEC §1–§3). One instance runs
//! per HTTP worker; they share `AuthContext` (pool, keys, hasher, throttle), so the
//! actor holds no state of its own and requests run concurrently.

mod accounts;
mod kept_users;
mod manage;
pub mod revocations;
pub mod rules;
mod session_admin;
mod sessions;
pub mod signing_keys;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::actors::hasher::HasherPool;
use crate::actors::page_memory::PageMemory;
use crate::config::Config;
use crate::db::DbPool;
use crate::error::AppResult;
use crate::jwt::JwtKeys;
use crate::messages::auth::{GetMe, Login, Logout, LogoutAll, Refresh, Register, Session, User};
use crate::messages::json_body::JsonBody;
use crate::messages::page::Position;
use crate::messages::users::{CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserView};

use crate::messages::sessions::{
    ClearLockout, ListSessions, RevokeOtherSessions, RevokeSession, SessionView,
};
use kept_users::KeptUsers;
use revocations::RevocationSet;
use signing_keys::KeySource;
use throttle::LoginLimits;

/// What every auth actor instance shares.
#[derive(Clone)]
pub struct AuthContext {
    pub pool: DbPool,
    pub keys: Arc<JwtKeys>,
    pub revocations: Arc<RevocationSet>,
    pub hasher: HasherPool,
    pub limits: LoginLimits,
    pub refresh_ttl: Duration,
    /// `REFRESH_REUSE_INTERVAL`: how long the predecessor of a refresh token still
    /// gets its successor.
    pub reuse_interval: Duration,
    /// Derives a refresh token's successor (see `sessions`); every node has it.
    pub successor_key: ring::hmac::Key,
    /// Pages of the unfiltered users list, by where they start and their size.
    pub pages: PageMemory<(Position, u32), KeptUsers>,
}

impl AuthContext {
    pub fn new(
        config: &Config,
        pool: DbPool,
        keys: Arc<JwtKeys>,
        revocations: Arc<RevocationSet>,
        source: &KeySource,
        hasher_threads: usize,
    ) -> AuthContext {
        let auth = &config.auth;
        AuthContext {
            pool,
            keys,
            revocations,
            hasher: HasherPool::start(auth.bcrypt_cost, hasher_threads),
            limits: LoginLimits {
                per_minute: auth.login_rate_limit,
                lockout_threshold: auth.login_lockout_threshold,
                lockout_secs: auth.login_lockout_secs,
                lockout_max_secs: auth.login_lockout_max_secs,
            },
            refresh_ttl: Duration::from_secs(auth.refresh_token_ttl_secs),
            reuse_interval: Duration::from_secs(auth.refresh_reuse_interval_secs),
            successor_key: source.successor_key(),
            pages: Default::default(),
        }
    }
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
    ListUsers => list_users -> JsonBody;
    GetUser => get_user -> UserView;
    CreateUser => create_user -> User;
    UpdateUser => update_user -> User;
    DeleteUser => delete_user -> ();
    ListSessions => list_sessions -> Vec<SessionView>;
    RevokeSession => revoke_session -> ();
    RevokeOtherSessions => revoke_other_sessions -> usize;
    ClearLockout => clear_lockout -> ();
}

crate::traced!(AuthActor: Register, Login, Refresh, Logout, LogoutAll, GetMe, ListUsers, GetUser, CreateUser, UpdateUser, DeleteUser, ListSessions, RevokeSession, RevokeOtherSessions, ClearLockout);
