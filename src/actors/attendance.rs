//! `AttendanceActor`: ticket check-in with group commit. Check-ins that arrive
//! within 2 ms (or 64 of them) are written by one multi-row
//! `INSERT … ON CONFLICT DO NOTHING RETURNING` in one transaction, together with
//! their events and idempotency keys; each request is answered only after that
//! transaction committed. The primary key, not this actor, decides who is first, so
//! exactly-once admission holds across processes too.

use std::time::Duration;

use actix::prelude::*;
use tokio::sync::oneshot;

use crate::db::{DbPool, checkins, outbox};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::attendance::{Attendance, CheckIn, CheckInRecord, ListAttendance};
use crate::messages::auth::Role;
use crate::messages::events::{CheckedIn, DomainEvent};
use crate::problem_code::ProblemCode;

/// A batch is written when it has `max_batch` check-ins or when its first
/// check-in has waited this long.
const MAX_WAIT: Duration = Duration::from_millis(2);
/// Batches being written at once; more check-ins wait and form bigger batches.
const MAX_IN_FLIGHT: usize = 4;
/// Check-ins waiting for a batch before new ones get 503.
const MAX_PENDING: usize = 4096;
const ID_MAX: usize = 100;
const KEY_MAX: usize = 200;

struct Pending {
    checkin: CheckIn,
    reply: oneshot::Sender<AppResult<CheckInRecord>>,
}

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
        if let Err(e) = validate(&checkin) {
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
            let mut errors = FieldErrors::new();
            note_id(&mut errors, "event_id", &msg.event_id);
            if !errors.is_empty() {
                return Err(AppError::invalid_fields(errors));
            }
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

fn note_id(errors: &mut FieldErrors, field: &str, value: &str) {
    let ok = (1..=ID_MAX).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if !ok {
        errors.insert(
            field.to_owned(),
            format!("must be 1 to {ID_MAX} characters of letters, digits, '_', '.', ':' and '-'"),
        );
    }
}

fn validate(c: &CheckIn) -> AppResult<()> {
    if c.caller.role < Role::Committee {
        return Err(AppError::forbidden(
            ProblemCode::CommitteeRequired,
            "checking tickets in needs the committee role",
        ));
    }
    let mut errors = FieldErrors::new();
    note_id(&mut errors, "event_id", &c.event_id);
    note_id(&mut errors, "ticket_id", &c.ticket_id);
    if let Some(key) = &c.idempotency_key
        && !((1..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
    {
        errors.insert(
            "Idempotency-Key".to_owned(),
            format!("must be 1 to {KEY_MAX} visible ASCII characters"),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid_fields(errors))
    }
}

fn already_checked_in(record: &CheckInRecord) -> AppError {
    let mut extra = serde_json::Map::new();
    extra.insert(
        "record".to_owned(),
        serde_json::to_value(record).unwrap_or_default(),
    );
    AppError::Conflict {
        code: ProblemCode::AlreadyCheckedIn,
        detail: format!(
            "ticket {} was already checked in to {} by {}",
            record.ticket_id, record.event_id, record.checked_in_by
        ),
        errors: FieldErrors::new(),
        extra: Some(extra),
    }
}

/// Writes one batch and answers each of its requests.
async fn write_batch(pool: DbPool, batch: Vec<Pending>) {
    let requests: Vec<&CheckIn> = batch.iter().map(|p| &p.checkin).collect();
    let outcome = commit_batch(&pool, &requests).await;
    for (i, pending) in batch.into_iter().enumerate() {
        let answer = match &outcome {
            Ok(answers) => answers
                .get(i)
                .cloned()
                .unwrap_or_else(|| Err(AppError::internal("missing answer"))),
            Err(e) => Err(e.clone()),
        };
        // The caller may have gone away; its check-in stands either way.
        let _ = pending.reply.send(answer);
    }
}

type Answer = Result<CheckInRecord, AppError>;

async fn commit_batch(pool: &DbPool, requests: &[&CheckIn]) -> AppResult<Vec<Answer>> {
    let mut db = pool.get().await?;
    let mut answers: Vec<Option<Answer>> = requests.iter().map(|_| None).collect();
    // A retry with a used Idempotency-Key writes nothing; it is answered below.
    let mut replays = vec![false; requests.len()];
    for (i, r) in requests.iter().enumerate() {
        if let Some(key) = &r.idempotency_key {
            match checkins::key_target(&db, r.caller.id, key).await? {
                Some((event, ticket)) if event == r.event_id && ticket == r.ticket_id => {
                    replays[i] = true
                }
                Some(_) => {
                    answers[i] = Some(Err(AppError::Unprocessable {
                        code: ProblemCode::IdempotencyKeyReused,
                        detail: "this Idempotency-Key was used for another check-in".to_owned(),
                    }))
                }
                None => {}
            }
        }
    }
    let to_admit: Vec<usize> = (0..requests.len())
        .filter(|&i| answers[i].is_none() && !replays[i])
        .collect();

    let tx = db.transaction().await?;
    let rows: Vec<checkins::NewCheckIn> = to_admit
        .iter()
        .map(|&i| checkins::NewCheckIn {
            event_id: &requests[i].event_id,
            ticket_id: &requests[i].ticket_id,
            username: &requests[i].caller.username,
            user_id: requests[i].caller.id,
        })
        .collect();
    let admitted = checkins::admit(&tx, &rows).await?;
    let mut events = Vec::with_capacity(admitted.len());
    let mut keys = Vec::new();
    for record in admitted {
        // The first request of the batch for this ticket is the one admitted.
        let Some(&i) = to_admit.iter().find(|&&i| {
            answers[i].is_none()
                && requests[i].event_id == record.event_id
                && requests[i].ticket_id == record.ticket_id
        }) else {
            continue;
        };
        if let Some(key) = &requests[i].idempotency_key {
            keys.push((
                requests[i].caller.id,
                key.as_str(),
                requests[i].event_id.as_str(),
                requests[i].ticket_id.as_str(),
            ));
        }
        events.push(DomainEvent::AttendanceCheckedIn(CheckedIn {
            event_id: record.event_id.clone(),
            ticket_id: record.ticket_id.clone(),
            checked_in_by: record.checked_in_by.clone(),
            checked_in_at: record.checked_in_at,
        }));
        answers[i] = Some(Ok(record));
    }
    checkins::remember_keys(&tx, &keys).await?;
    outbox::record_many(&tx, events).await?;
    tx.commit().await?;

    // Everyone else: a replayed key or a ticket admitted before. Their records are
    // committed now (ON CONFLICT waited for any competing transaction).
    let rest: Vec<usize> = (0..requests.len())
        .filter(|&i| answers[i].is_none())
        .collect();
    if !rest.is_empty() {
        let pairs: Vec<(&str, &str)> = rest
            .iter()
            .map(|&i| {
                (
                    requests[i].event_id.as_str(),
                    requests[i].ticket_id.as_str(),
                )
            })
            .collect();
        let found = checkins::find_many(&db, &pairs).await?;
        for i in rest {
            let r = requests[i];
            let Some(record) = found
                .iter()
                .find(|f| f.event_id == r.event_id && f.ticket_id == r.ticket_id)
            else {
                answers[i] = Some(Err(AppError::internal("a conflicting check-in vanished")));
                continue;
            };
            // The same user's retry whose first attempt won in another batch.
            let own_retry = match (&r.idempotency_key, replays[i]) {
                (_, true) => true,
                (Some(key), false) => checkins::key_target(&db, r.caller.id, key)
                    .await?
                    .is_some_and(|(e, t)| e == r.event_id && t == r.ticket_id),
                (None, false) => false,
            };
            answers[i] = Some(if own_retry {
                Ok(record.clone())
            } else {
                Err(already_checked_in(record))
            });
        }
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(AppError::internal("unanswered check-in"))))
        .collect())
}
