//! `DeadLettersActor`: the admin API's way to the dead-letter tools
//! (`events::dead_letters`), for admins and above.

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::events::dead_letters::{discard, list, replay, replay_matching};
use crate::messages::auth::Caller;
use crate::messages::dead_events::{
    DeadEvent, DiscardDeadEvent, ListDeadEvents, ReplayDeadEvent, ReplayDeadEvents,
};
use crate::messages::page::Page;
use crate::problem_code::ProblemCode;

pub struct DeadLettersActor {
    pool: DbPool,
}

impl DeadLettersActor {
    pub fn new(pool: DbPool) -> Self {
        DeadLettersActor { pool }
    }
}

impl Actor for DeadLettersActor {
    type Context = Context<Self>;
}

impl Supervised for DeadLettersActor {}

impl Forwarder for DeadLettersActor {
    type Shared = DbPool;
    fn shared(&self) -> &DbPool {
        &self.pool
    }
}

fn require_admin(caller: &Caller) -> AppResult<()> {
    if caller.role.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            ProblemCode::AdminRequired,
            "only an admin can manage dead letters",
        ))
    }
}

impl Handler<ListDeadEvents> for DeadLettersActor {
    type Result = ResponseFuture<AppResult<Page<DeadEvent>>>;

    fn handle(&mut self, msg: ListDeadEvents, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            require_admin(&msg.caller)?;
            list(&pool, &msg.filter, msg.page).await
        })
    }
}

impl Handler<ReplayDeadEvent> for DeadLettersActor {
    type Result = ResponseFuture<AppResult<DeadEvent>>;

    fn handle(&mut self, msg: ReplayDeadEvent, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            require_admin(&msg.caller)?;
            replay(&pool, msg.id).await
        })
    }
}

impl Handler<ReplayDeadEvents> for DeadLettersActor {
    type Result = ResponseFuture<AppResult<u64>>;

    fn handle(&mut self, msg: ReplayDeadEvents, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            require_admin(&msg.caller)?;
            replay_matching(&pool, &msg.filter, |_| {}).await
        })
    }
}

impl Handler<DiscardDeadEvent> for DeadLettersActor {
    type Result = ResponseFuture<AppResult<()>>;

    fn handle(&mut self, msg: DiscardDeadEvent, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            require_admin(&msg.caller)?;
            discard(&pool, msg.id).await
        })
    }
}

crate::traced!(DeadLettersActor: ListDeadEvents, ReplayDeadEvent, ReplayDeadEvents, DiscardDeadEvent);
