//! The bus behind the outbox relay: what it does with a claimed batch of outbox
//! rows, inside the relay's transaction (the rows are deleted only if it succeeds).

use deadpool_postgres::Transaction;

use crate::db::outbox::OutboxRow;
use crate::error::AppResult;

#[async_trait::async_trait(?Send)]
pub trait Bus {
    /// Hands the batch on; an `Err` leaves the rows for a later try.
    async fn hand_on(&self, tx: &Transaction<'_>, batch: &[OutboxRow]) -> AppResult<()>;

    /// The relay's transaction committed (the memory bus wakes its dispatcher).
    fn committed(&self) {}
}
