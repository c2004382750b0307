//! `AttendanceActor`: ticket check-in with group commit. Check-ins that arrive
//! within 2 ms (or 64 of them) are written by one multi-row
//! `INSERT … ON CONFLICT DO NOTHING RETURNING` in one transaction, together with
//! their events and idempotency keys; each request is answered only after that
//! transaction committed. The primary key, not this actor, decides who is first, so
//! exactly-once admission holds across processes too.

use std::time::Duration;

use actix::prelude::*;
use tokio::sync::oneshot;

mod batch;
mod rules;

use crate::db::{DbPool, checkins};
use crate::error::{AppError, AppResult};
use crate::messages::attendance::{Attendance, CheckIn, CheckInRecord, ListAttendance};
use crate::problem_code::ProblemCode;
use batch::{Pending, write_batch};

/// A batch is written when it has `max_batch` check-ins or when its first
/// check-in has waited this long.
const MAX_WAIT: Duration = Duration::from_millis(2);
/// Batches being written at once; more check-ins wait and form bigger batches.
const MAX_IN_FLIGHT: usize = 4;
/// Check-ins waiting for a batch before new ones get 503.
const MAX_PENDING: usize = 4096;
pub struct AttendanceActor {
    pool: DbPool,
    max_batch: usize,
    max_in_flight: usize,
    pending: Vec<Pending>,
    timer: Option<SpawnHandle>,
    in_flight: usize,
}

impl AttendanceActor {
    /// `max_batch` 1 writes every check-in on its own (no group commit), with as
    /// many in flight as the pool has connections.
    pub fn new(pool: DbPool, max_batch: usize) -> Self {
        let max_in_flight = if max_batch <= 1 {
            pool.status().max_size
        } else {
            MAX_IN_FLIGHT
        };
        AttendanceActor {
            pool,
            max_batch: max_batch.max(1),
            max_in_flight,
            pending: Vec::new(),
            timer: None,
            in_flight: 0,
        }
    }

    /// Starts as many batches as the in-flight limit allows.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        while !self.pending.is_empty() && self.in_flight < self.max_in_flight {
            let take = self.pending.len().min(self.max_batch);
            let batch: Vec<Pending> = self.pending.drain(..take).collect();
            self.in_flight += 1;
            let work = write_batch(self.pool.clone(), batch);
            ctx.spawn(work.into_actor(self).map(|(), act, ctx| {
                act.in_flight -= 1;
                act.flush(ctx);
            }));
        }
    }
}

impl Actor for AttendanceActor {
    type Context = Context<Self>;
}

impl Supervised for AttendanceActor {}

impl Handler<CheckIn> for AttendanceActor {
    type Result = ResponseFuture<AppResult<CheckInRecord>>;

    fn handle(&mut self, checkin: CheckIn, ctx: &mut Context<Self>) -> Self::Result {
        if let Err(e) = rules::validate_check_in(&checkin) {
            return Box::pin(async move { Err(e) });
        }
        if self.pending.len() >= MAX_PENDING {
            return Box::pin(async {
                Err(AppError::Unavailable {
                    code: ProblemCode::CheckinBusy,
                    detail: "too many check-ins waiting; try again shortly".to_owned(),
                    retry_after_secs: 1,
                })
            });
        }
        let (reply, answer) = oneshot::channel();
        self.pending.push(Pending { checkin, reply });
        if self.pending.len() >= self.max_batch {
            self.flush(ctx);
        } else if self.timer.is_none() {
            self.timer = Some(ctx.run_later(MAX_WAIT, |act, ctx| {
                act.timer = None;
                act.flush(ctx);
            }));
        }
        Box::pin(async move {
            answer
                .await
                .unwrap_or_else(|_| Err(AppError::internal("a check-in batch was dropped")))
        })
    }
}

impl Handler<ListAttendance> for AttendanceActor {
    type Result = ResponseFuture<AppResult<Attendance>>;

    fn handle(&mut self, msg: ListAttendance, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            rules::require_committee(&msg.caller, "reading attendance lists")?;
            rules::validate_event_id(&msg.event_id)?;
            let db = pool.get().await?;
            let (records, total) =
                checkins::list(&db, &msg.event_id, msg.page.limit(), msg.page.offset()).await?;
            Ok(Attendance {
                event_id: msg.event_id,
                total_checkins: total,
                records,
                page: msg.page.page,
                size: msg.page.size,
                pages: total.div_ceil(u64::from(msg.page.size)),
            })
        })
    }
}

crate::traced!(AttendanceActor: CheckIn, ListAttendance);
