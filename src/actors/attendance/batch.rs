//! One group commit: the batch's new check-ins, their events and idempotency keys in
//! one transaction; then every request of the batch gets its own answer.

use tokio::sync::oneshot;

use deadpool_postgres::GenericClient;

use crate::db::{DbPool, checkins, outbox};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::attendance::{CheckIn, CheckInRecord};
use crate::messages::events::{CheckedIn, DomainEvent};
use crate::problem_code::ProblemCode;

/// A check-in waiting for its batch, and where to send its answer.
pub struct Pending {
    pub checkin: CheckIn,
    pub reply: oneshot::Sender<AppResult<CheckInRecord>>,
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
pub async fn write_batch(pool: DbPool, batch: Vec<Pending>) {
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

/// Each request's answer, by position; `None` until decided.
type Answers = Vec<Option<Answer>>;

async fn commit_batch(pool: &DbPool, requests: &[&CheckIn]) -> AppResult<Vec<Answer>> {
    let mut db = pool.get().await?;
    let mut answers: Answers = requests.iter().map(|_| None).collect();
    let replays = sort_out_keys(&db, requests, &mut answers).await?;
    let tx = db.transaction().await?;
    admit_new(&tx, requests, &replays, &mut answers).await?;
    tx.commit().await?;
    answer_the_rest(&db, requests, &replays, &mut answers).await?;
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(AppError::internal("unanswered check-in"))))
        .collect())
}

/// A retry with a used Idempotency-Key writes nothing (it is answered after the
/// commit); a key used for another ticket is refused. Returns which are retries.
async fn sort_out_keys(
    db: &impl GenericClient,
    requests: &[&CheckIn],
    answers: &mut Answers,
) -> AppResult<Vec<bool>> {
    let mut replays = vec![false; requests.len()];
    for (i, r) in requests.iter().enumerate() {
        let Some(key) = &r.idempotency_key else {
            continue;
        };
        match checkins::key_target(db, r.caller.id, key).await? {
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
    Ok(replays)
}

/// Inserts the batch's check-ins; those the primary key admits get their record,
/// their event and their key written in the same transaction.
async fn admit_new(
    tx: &impl GenericClient,
    requests: &[&CheckIn],
    replays: &[bool],
    answers: &mut Answers,
) -> AppResult<()> {
    let to_admit: Vec<usize> = (0..requests.len())
        .filter(|&i| answers[i].is_none() && !replays[i])
        .collect();
    let rows: Vec<checkins::NewCheckIn> = to_admit
        .iter()
        .map(|&i| checkins::NewCheckIn {
            event_id: &requests[i].event_id,
            ticket_id: &requests[i].ticket_id,
            username: &requests[i].caller.username,
            user_id: requests[i].caller.id,
        })
        .collect();
    let admitted = checkins::admit(tx, &rows).await?;
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
        let r = requests[i];
        if let Some(key) = &r.idempotency_key {
            keys.push((
                r.caller.id,
                key.as_str(),
                r.event_id.as_str(),
                r.ticket_id.as_str(),
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
    checkins::remember_keys(tx, &keys).await?;
    outbox::record_many(tx, events).await?;
    Ok(())
}

/// Everyone else: a replayed key or a ticket admitted before. Their records are
/// committed now (ON CONFLICT waited for any competing transaction).
async fn answer_the_rest(
    db: &impl GenericClient,
    requests: &[&CheckIn],
    replays: &[bool],
    answers: &mut Answers,
) -> AppResult<()> {
    let rest: Vec<usize> = (0..requests.len())
        .filter(|&i| answers[i].is_none())
        .collect();
    if rest.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(&str, &str)> = rest
        .iter()
        .map(|&i| {
            (
                requests[i].event_id.as_str(),
                requests[i].ticket_id.as_str(),
            )
        })
        .collect();
    let found = checkins::find_many(db, &pairs).await?;
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
            (Some(key), false) => checkins::key_target(db, r.caller.id, key)
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
    Ok(())
}
