//! One group commit: a batch of scans decided and written in one transaction that
//! holds the check-in locks of the batch's events (on every node), then every scan
//! of the batch gets its own answer.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::GenericClient;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::gate::{Gate, Scan};
use super::rules::{refusal_code, refusal_named};
use crate::db::{DbPool, checkins, live_counts, outbox, scans, tickets, venue_events};
use crate::error::{AppError, AppResult};
use crate::messages::attendance::{
    CheckInRecord, Direction, Passed, Refusal, Refused, ScanKind, ScanResult,
};
use crate::messages::auth::Caller;
use crate::messages::events::{CheckedIn, DomainEvent};
use crate::messages::venue_events::TicketMode;
use crate::problem_code::ProblemCode;

/// One scan to commit, from a gate, an offline upload or an annulment.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub caller: Caller,
    pub event_id: String,
    pub ticket_id: String,
    pub kind: ScanKind,
    /// When it was scanned: now, or an offline scanner's time.
    pub at: OffsetDateTime,
    pub gate: Option<String>,
    pub device: Option<String>,
    pub idempotency_key: Option<String>,
    pub nonce: Option<String>,
    pub note: Option<String>,
    /// A signed event's ticket code, as scanned.
    pub code: Option<String>,
}

/// A time as PostgreSQL keeps it (microseconds), so an answer made before the
/// commit equals the record read back later.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// A committed scan's answer; `replayed` when its nonce or key had been answered before.
#[derive(Debug, Clone)]
pub struct Committed {
    pub result: ScanResult,
    pub replayed: bool,
}

/// A scan waiting for its batch, and where to send its answer.
pub struct Pending {
    pub scan: ScanRequest,
    pub reply: oneshot::Sender<AppResult<Committed>>,
}

/// Writes one batch and answers each of its requests.
pub async fn write_batch(pool: DbPool, batch: Vec<Pending>) {
    let requests: Vec<&ScanRequest> = batch.iter().map(|p| &p.scan).collect();
    let outcome = commit(&pool, &requests).await;
    for (i, pending) in batch.into_iter().enumerate() {
        let answer = match &outcome {
            Ok(answers) => answers
                .get(i)
                .cloned()
                .unwrap_or_else(|| Err(AppError::internal("missing answer"))),
            Err(e) => Err(e.clone()),
        };
        // The caller may have gone away; its scan stands either way.
        let _ = pending.reply.send(answer);
    }
}

type Pair = (String, String);

/// What the database knew before the batch of the keys and nonces it names.
#[derive(Default)]
struct Earlier {
    /// (user, Idempotency-Key) → (event, ticket).
    keys: HashMap<(Uuid, String), Pair>,
    /// (user, nonce) → (event, ticket, logged result).
    nonces: HashMap<(Uuid, String), (String, String, String)>,
}

/// Decides and writes the scans in order, in one transaction; one answer each.
///
/// Events with a capacity are decided under their exclusive check-in locks, so the
/// count inside is exact on every node. The others take their locks shared (a
/// change of the event's rules waits for them) and are decided optimistically: each
/// admission row is written only if it is still as the batch read it, and a scan
/// whose row another batch changed first is answered as the loser of that race.
pub async fn commit(
    pool: &DbPool,
    requests: &[&ScanRequest],
) -> AppResult<Vec<AppResult<Committed>>> {
    let mut db = pool.get().await?;
    let tx = db.transaction().await?;
    let mut event_ids: Vec<&str> = requests.iter().map(|r| r.event_id.as_str()).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    let guarded = |rules: &HashMap<String, venue_events::EventRules>| -> Vec<bool> {
        event_ids
            .iter()
            .map(|e| rules.get(*e).is_some_and(|r| r.capacity.is_some()))
            .collect()
    };
    let unlocked: HashMap<_, _> = venue_events::rules(&tx, &event_ids)
        .await?
        .into_iter()
        .collect();
    let exclusive = guarded(&unlocked);
    venue_events::lock_checkins_as(&tx, &event_ids, &exclusive).await?;
    let mut gate = Gate::default();
    gate.events = venue_events::rules(&tx, &event_ids)
        .await?
        .into_iter()
        .collect();
    if guarded(&gate.events) != exclusive {
        return Err(AppError::Unavailable {
            code: ProblemCode::CheckinBusy,
            detail: "the event's capacity changed during the check-in; try again".to_owned(),
            retry_after_secs: 1,
        });
    }
    let mut earlier = earlier(&tx, requests).await?;
    load_gate(&tx, requests, &mut gate).await?;
    let mut answers: Vec<AppResult<Committed>> = requests
        .iter()
        .map(|r| answer_one(r, &mut gate, &mut earlier))
        .collect();
    let changes = gate.changes();
    let written: HashSet<(String, String)> = checkins::apply(&tx, &changes.rows)
        .await?
        .into_iter()
        .collect();
    let lost: HashSet<(String, String)> = changes
        .rows
        .iter()
        .map(|r| (r.event_id.clone(), r.ticket_id.clone()))
        .filter(|k| !written.contains(k))
        .collect();
    if !lost.is_empty() {
        answer_the_losers(&tx, requests, &lost, &mut answers).await?;
    }
    venue_events::set_inside(&tx, &changes.inside).await?;
    let mut log = Vec::with_capacity(requests.len());
    let mut new_keys = Vec::new();
    for (r, answer) in requests.iter().zip(&answers) {
        let Ok(Committed {
            result,
            replayed: false,
        }) = answer
        else {
            continue;
        };
        log.push(scans::NewScan {
            event_id: &r.event_id,
            ticket_id: &r.ticket_id,
            direction: r.kind.as_str(),
            result: match result {
                Ok(_) => "ok",
                Err(refused) => refusal_code(refused.reason).as_str(),
            },
            gate: r.gate.as_deref(),
            device: r.device.as_deref(),
            user_id: r.caller.id,
            username: &r.caller.username,
            scanned_at: r.at,
            nonce: r.nonce.as_deref(),
            note: r.note.as_deref(),
        });
        if let (Some(key), Ok(_)) = (&r.idempotency_key, result) {
            new_keys.push((
                r.caller.id,
                key.as_str(),
                r.event_id.as_str(),
                r.ticket_id.as_str(),
            ));
        }
    }
    let events = gate
        .firsts()
        .iter()
        .filter(|(record, _)| !lost.contains(&(record.event_id.clone(), record.ticket_id.clone())))
        .map(|(record, _)| checked_in_event(record))
        .collect();
    scans::record(&tx, &log).await?;
    checkins::remember_keys(&tx, &new_keys).await?;
    outbox::record_many(&tx, events).await?;
    live_counts::notify(&tx, &event_ids).await?;
    tx.commit().await?;
    Ok(answers)
}

/// Scans that passed in this batch but whose ticket another batch changed first:
/// refused as the race's loser (with the ticket's record as the winner left it), or
/// — the same user's retry of a check-in that won elsewhere — answered as a replay.
async fn answer_the_losers(
    tx: &impl GenericClient,
    requests: &[&ScanRequest],
    lost: &HashSet<(String, String)>,
    answers: &mut [AppResult<Committed>],
) -> AppResult<()> {
    let pairs: Vec<(&str, &str)> = lost.iter().map(|(e, t)| (e.as_str(), t.as_str())).collect();
    let rows: HashMap<(String, String), CheckInRecord> = checkins::find_many(tx, &pairs)
        .await?
        .into_iter()
        .map(|a| {
            (
                (a.record.event_id.clone(), a.record.ticket_id.clone()),
                a.record,
            )
        })
        .collect();
    let keys: Vec<(Uuid, &str)> = requests
        .iter()
        .filter(|r| lost.contains(&(r.event_id.clone(), r.ticket_id.clone())))
        .filter_map(|r| Some((r.caller.id, r.idempotency_key.as_deref()?)))
        .collect();
    let used: HashSet<(Uuid, String, String, String)> = checkins::key_targets(tx, &keys)
        .await?
        .into_iter()
        .collect();
    for (r, answer) in requests.iter().zip(answers.iter_mut()) {
        let k = (r.event_id.clone(), r.ticket_id.clone());
        if !lost.contains(&k) {
            continue;
        }
        let record = rows.get(&k).cloned();
        let passed = match answer {
            Ok(Committed {
                result: Ok(passed),
                replayed: false,
            }) => passed,
            // A refusal decided after this batch's own (unwritten) change of the
            // ticket shows the row as the winner left it.
            Ok(Committed {
                result: Err(refused),
                replayed: false,
            }) => {
                refused.record = record;
                continue;
            }
            _ => continue,
        };
        let own_retry = r.idempotency_key.as_ref().is_some_and(|key| {
            used.contains(&(
                r.caller.id,
                key.clone(),
                r.event_id.clone(),
                r.ticket_id.clone(),
            ))
        });
        *answer = Ok(match (own_retry, record) {
            (true, Some(record)) => Committed {
                result: Ok(Passed {
                    status: "checked_in",
                    record,
                    ticket: passed.ticket.clone(),
                }),
                replayed: true,
            },
            (_, record) => Committed {
                result: Err(Box::new(Refused {
                    reason: match r.kind {
                        ScanKind::Pass(Direction::Entry) => Refusal::AlreadyCheckedIn,
                        ScanKind::Pass(Direction::Exit) => Refusal::NotInside,
                        ScanKind::Annul => Refusal::NotCheckedIn,
                    },
                    record,
                    holder: passed.ticket.clone(),
                })),
                replayed: false,
            },
        });
    }
    Ok(())
}

/// A first admission (not a re-entry) is announced.
fn checked_in_event(record: &CheckInRecord) -> DomainEvent {
    DomainEvent::AttendanceCheckedIn(CheckedIn {
        event_id: record.event_id.clone(),
        ticket_id: record.ticket_id.clone(),
        checked_in_by: record.checked_in_by.clone(),
        checked_in_at: record.checked_in_at,
    })
}

/// A replayed nonce or Idempotency-Key answers what was answered before; anything
/// else is decided by the gate.
fn answer_one(r: &ScanRequest, gate: &mut Gate, earlier: &mut Earlier) -> AppResult<Committed> {
    if let Some(nonce) = &r.nonce {
        let id = (r.caller.id, nonce.clone());
        if let Some((event, ticket, result)) = earlier.nonces.get(&id) {
            if *event != r.event_id || *ticket != r.ticket_id {
                return Err(AppError::Unprocessable {
                    code: ProblemCode::IdempotencyKeyReused,
                    detail: "this nonce was used for another scan".to_owned(),
                });
            }
            return Ok(Committed {
                result: gate.replay(&scan_of(r), refusal_named(result)),
                replayed: true,
            });
        }
    }
    if let Some(key) = &r.idempotency_key {
        match earlier.keys.get(&(r.caller.id, key.clone())) {
            Some((event, ticket)) if *event == r.event_id && *ticket == r.ticket_id => {
                if let Some(result) = gate.replay_admission(&scan_of(r)) {
                    return Ok(Committed {
                        result,
                        replayed: true,
                    });
                }
            }
            Some(_) => {
                return Err(AppError::Unprocessable {
                    code: ProblemCode::IdempotencyKeyReused,
                    detail: "this Idempotency-Key was used for another check-in".to_owned(),
                });
            }
            None => {}
        }
    }
    let result = gate.decide(&scan_of(r));
    // Later scans of this batch with the same nonce or key are replays of this one.
    if let Some(nonce) = &r.nonce {
        let logged = match &result {
            Ok(_) => "ok",
            Err(refused) => refusal_code(refused.reason).as_str(),
        };
        earlier.nonces.insert(
            (r.caller.id, nonce.clone()),
            (r.event_id.clone(), r.ticket_id.clone(), logged.to_owned()),
        );
    }
    if let (Some(key), Ok(_)) = (&r.idempotency_key, &result) {
        earlier.keys.insert(
            (r.caller.id, key.clone()),
            (r.event_id.clone(), r.ticket_id.clone()),
        );
    }
    Ok(Committed {
        result,
        replayed: false,
    })
}

fn scan_of(r: &ScanRequest) -> Scan<'_> {
    Scan {
        event_id: &r.event_id,
        ticket_id: &r.ticket_id,
        kind: r.kind,
        by: &r.caller.username,
        by_id: r.caller.id,
        at: r.at,
        code: r.code.as_deref(),
    }
}

/// The keys and nonces of the batch that were used before (read under the locks,
/// so a retry that won in another batch is seen).
async fn earlier(db: &impl GenericClient, requests: &[&ScanRequest]) -> AppResult<Earlier> {
    let keys: Vec<(Uuid, &str)> = requests
        .iter()
        .filter_map(|r| Some((r.caller.id, r.idempotency_key.as_deref()?)))
        .collect();
    let nonces: Vec<(Uuid, &str)> = requests
        .iter()
        .filter_map(|r| Some((r.caller.id, r.nonce.as_deref()?)))
        .collect();
    let mut earlier = Earlier::default();
    for (user, key, event, ticket) in checkins::key_targets(db, &keys).await? {
        earlier.keys.insert((user, key), (event, ticket));
    }
    for n in scans::by_nonce(db, &nonces).await? {
        earlier
            .nonces
            .insert((n.user_id, n.nonce), (n.event_id, n.ticket_id, n.result));
    }
    Ok(earlier)
}

/// The tickets of listed and signed events and the admission rows the batch names.
async fn load_gate(
    db: &impl GenericClient,
    requests: &[&ScanRequest],
    gate: &mut Gate,
) -> AppResult<()> {
    let pairs: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.event_id.as_str(), r.ticket_id.as_str()))
        .collect();
    let checked: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(e, _)| {
            gate.events
                .get(*e)
                .is_some_and(|r| r.mode != TicketMode::Open)
        })
        .collect();
    gate.tickets = tickets::find_many(db, &checked)
        .await?
        .into_iter()
        .map(|t| ((t.event_id.clone(), t.ticket_id.clone()), t))
        .collect();
    gate.before = checkins::find_many(db, &pairs)
        .await?
        .into_iter()
        .map(|a| ((a.record.event_id.clone(), a.record.ticket_id.clone()), a))
        .collect();
    Ok(())
}
