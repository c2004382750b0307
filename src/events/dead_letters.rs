//! Tools for dead letters, the same on both buses (both keep them in `dead_events`):
//! list by queue and event type, replay one or all that match (through the outbox,
//! to their one queue, so the relay hands them on as new), discard. The admin API
//! asks `actors::dead_letters::DeadLettersActor`; `troupe dead` calls these directly.

use crate::db::{DbPool, dead_events};
use crate::error::{AppError, AppResult};
use crate::messages::dead_events::{DeadEvent, DeadFilter};
use crate::messages::page::{Page, PageRequest};
use crate::problem_code::ProblemCode;

/// Dead letters moved per transaction by a replay or discard of many.
pub const CHUNK: i64 = 200;

pub async fn list(
    pool: &DbPool,
    filter: &DeadFilter,
    page: PageRequest,
) -> AppResult<Page<DeadEvent>> {
    let db = pool.get().await?;
    let (items, total) = dead_events::list(&db, filter, page.offset(), page.limit()).await?;
    Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
}

pub async fn count(pool: &DbPool, filter: &DeadFilter) -> AppResult<u64> {
    let db = pool.get().await?;
    Ok(u64::try_from(dead_events::count(&db, filter).await?).unwrap_or(0))
}

/// Replays one dead letter; what it was.
pub async fn replay(pool: &DbPool, id: i64) -> AppResult<DeadEvent> {
    let db = pool.get().await?;
    if let Some(replayed) = dead_events::replay_one(&db, id).await? {
        return Ok(replayed);
    }
    match dead_events::find(&db, id).await? {
        None => Err(AppError::not_found("dead event")),
        Some(_) => Err(AppError::Unprocessable {
            code: ProblemCode::UnreadableEvent,
            detail: "this dead letter's payload is not an event envelope; it can only be discarded"
                .to_owned(),
        }),
    }
}

/// Replays every dead letter the filter matches, `CHUNK` per transaction, telling
/// `progress` the running total; returns how many.
pub async fn replay_matching(
    pool: &DbPool,
    filter: &DeadFilter,
    progress: impl FnMut(u64),
) -> AppResult<u64> {
    in_chunks(pool, filter, progress, Chunk::Replay).await
}

#[derive(Clone, Copy)]
enum Chunk {
    Replay,
    Discard,
}

/// Applies `chunk` to the filter's matches until none is left.
async fn in_chunks(
    pool: &DbPool,
    filter: &DeadFilter,
    mut progress: impl FnMut(u64),
    chunk: Chunk,
) -> AppResult<u64> {
    let mut moved = 0;
    loop {
        let db = pool.get().await?;
        let n = match chunk {
            Chunk::Replay => dead_events::replay_batch(&db, filter, CHUNK).await?,
            Chunk::Discard => dead_events::discard_batch(&db, filter, CHUNK).await?,
        };
        if n == 0 {
            return Ok(moved);
        }
        moved += n;
        progress(moved);
    }
}

pub async fn discard(pool: &DbPool, id: i64) -> AppResult<()> {
    let db = pool.get().await?;
    if dead_events::discard_one(&db, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found("dead event"))
    }
}

/// Discards every dead letter the filter matches; returns how many.
pub async fn discard_matching(
    pool: &DbPool,
    filter: &DeadFilter,
    progress: impl FnMut(u64),
) -> AppResult<u64> {
    in_chunks(pool, filter, progress, Chunk::Discard).await
}
