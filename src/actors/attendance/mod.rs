//! `AttendanceActor`: ticket check-in with group commit. Scans that arrive within
//! 2 ms (or 64 of them) are decided and written in one transaction that first takes
//! the check-in locks of their events (PostgreSQL advisory locks, so every API
//! process queues on the same ones): the rules (ticket list, time window, re-entry,
//! capacity) are decided on what the database holds under those locks, and the
//! admission rows, the scans log, the count inside, the events and the idempotency
//! keys are written together. Each request is answered only after the commit.
//! Offline uploads and annulments take the same path, one transaction each.

use std::time::Duration;

use actix::prelude::*;
use tokio::sync::oneshot;

mod batch;
mod gate;
pub mod rules;
mod signed;
pub mod venue;

use time::OffsetDateTime;

use crate::db::{DbPool, checkins};
use crate::error::{AppError, AppResult};
use crate::messages::attendance::{
    Annul, Attendance, CheckIn, CheckInBatch, ListAttendance, OfflineResult, ScanKind, ScanResult,
};
use crate::problem_code::ProblemCode;
use batch::{Committed, Pending, ScanRequest, commit, write_batch};
use rules::refusal_code;

/// A batch is written when it has `max_batch` check-ins or when its first
/// check-in has waited this long.
const MAX_WAIT: Duration = Duration::from_millis(2);
/// Batches being written at once; more check-ins wait and form bigger batches.
const MAX_IN_FLIGHT: usize = 8;
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
    type Result = ResponseFuture<AppResult<ScanResult>>;

    fn handle(&mut self, checkin: CheckIn, ctx: &mut Context<Self>) -> Self::Result {
        if let Err(e) = rules::validate_check_in(&checkin) {
            return Box::pin(async move { Err(e) });
        }
        let scan = ScanRequest {
            caller: checkin.caller,
            event_id: checkin.event_id,
            ticket_id: rules::ticket_of(&checkin.ticket_id, checkin.code.as_deref()),
            code: checkin.code,
            kind: ScanKind::Pass(checkin.direction),
            at: batch::to_micros(OffsetDateTime::now_utc()),
            gate: checkin.gate,
            device: checkin.device,
            idempotency_key: checkin.idempotency_key,
            nonce: None,
            note: None,
        };
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
        self.pending.push(Pending { scan, reply });
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
                .map(|c| c.result)
        })
    }
}

impl Handler<CheckInBatch> for AttendanceActor {
    type Result = ResponseFuture<AppResult<Vec<OfflineResult>>>;

    /// Offline scans are applied in the order they were scanned (by the scanners'
    /// clocks), in one transaction beside the gates' batches; answered in upload order.
    fn handle(&mut self, upload: CheckInBatch, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            rules::validate_offline(&upload)?;
            let mut order: Vec<usize> = (0..upload.scans.len()).collect();
            order.sort_by_key(|&i| upload.scans[i].scanned_at);
            let requests: Vec<ScanRequest> = order
                .iter()
                .map(|&i| {
                    let s = &upload.scans[i];
                    ScanRequest {
                        caller: upload.caller.clone(),
                        event_id: s.event_id.clone(),
                        ticket_id: rules::ticket_of(&s.ticket_id, s.code.as_deref()),
                        code: s.code.clone(),
                        kind: ScanKind::Pass(s.direction),
                        at: batch::to_micros(s.scanned_at),
                        gate: upload.gate.clone(),
                        device: upload.device.clone(),
                        idempotency_key: None,
                        nonce: Some(s.nonce.clone()),
                        note: None,
                    }
                })
                .collect();
            let refs: Vec<&ScanRequest> = requests.iter().collect();
            let answers = commit(&pool, &refs).await?;
            let mut results: Vec<Option<OfflineResult>> = vec![None; upload.scans.len()];
            for (answer, &i) in answers.into_iter().zip(&order) {
                let nonce = &upload.scans[i].nonce;
                results[i] = Some(match answer {
                    Ok(committed) => offline_result(nonce, committed),
                    // A nonce used before for another ticket: that scan alone is refused.
                    Err(AppError::Unprocessable { code, .. }) => OfflineResult {
                        nonce: nonce.clone(),
                        result: code.as_str().to_owned(),
                        status: code.status(),
                        record: None,
                        ticket: None,
                        replayed: true,
                    },
                    Err(e) => return Err(e),
                });
            }
            Ok(results.into_iter().flatten().collect())
        })
    }
}

fn offline_result(nonce: &str, committed: Committed) -> OfflineResult {
    let (result, status, record, ticket) = match committed.result {
        Ok(passed) => ("ok".to_owned(), 201, Some(passed.record), passed.ticket),
        Err(refused) => {
            let code = refusal_code(refused.reason);
            (
                code.as_str().to_owned(),
                code.status(),
                refused.record,
                refused.holder,
            )
        }
    };
    OfflineResult {
        nonce: nonce.to_owned(),
        result,
        status,
        record,
        ticket,
        replayed: committed.replayed,
    }
}

impl Handler<Annul> for AttendanceActor {
    type Result = ResponseFuture<AppResult<ScanResult>>;

    fn handle(&mut self, annul: Annul, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            rules::validate_annul(&annul)?;
            let request = ScanRequest {
                caller: annul.caller,
                event_id: annul.event_id,
                ticket_id: annul.ticket_id,
                kind: ScanKind::Annul,
                at: batch::to_micros(OffsetDateTime::now_utc()),
                gate: None,
                device: None,
                idempotency_key: None,
                nonce: None,
                note: Some(annul.reason),
                code: None,
            };
            let mut answers = commit(&pool, &[&request]).await?;
            let answer = answers
                .pop()
                .unwrap_or_else(|| Err(AppError::internal("missing answer")))?;
            if answer.result.is_ok() {
                tracing::info!(
                    event_id = %request.event_id,
                    ticket_id = %request.ticket_id,
                    by = %request.caller.username,
                    "check-in annulled"
                );
            }
            Ok(answer.result)
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

crate::traced!(AttendanceActor: CheckIn, CheckInBatch, Annul, ListAttendance);
