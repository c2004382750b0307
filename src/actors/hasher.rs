//! `PasswordHasher`: bcrypt on a `SyncArbiter` pool sized to the cores, so it never
//! runs on an actix worker thread. `HasherPool` admits a bounded number of jobs and
//! answers 503 beyond that (a SyncArbiter queue is otherwise unbounded).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix::{Actor, Addr, Handler, Message, SyncArbiter, SyncContext};
use rand::RngCore;

use crate::actors::cpu_priority;
use crate::error::{AppError, AppResult};
use crate::problem_code::ProblemCode;

/// Jobs waiting or running per hashing thread before new ones are refused.
const QUEUE_PER_THREAD: usize = 16;

/// Each job carries its caller's span: the pool thread's work is a `bcrypt` span
/// under it, so a request's log shows how long its hash took.
#[derive(Message)]
#[rtype(result = "Result<String, String>")]
struct HashPassword {
    password: String,
    span: tracing::Span,
}

/// `hash: None` verifies against a dummy hash so an unknown user costs the same
/// time as a wrong password.
#[derive(Message)]
#[rtype(result = "bool")]
struct VerifyPassword {
    password: String,
    hash: Option<String>,
    span: tracing::Span,
}

struct PasswordHasher {
    cost: u32,
    dummy_hash: String,
}

impl Actor for PasswordHasher {
    type Context = SyncContext<Self>;
}

impl Handler<HashPassword> for PasswordHasher {
    type Result = Result<String, String>;

    fn handle(&mut self, msg: HashPassword, _: &mut SyncContext<Self>) -> Self::Result {
        // Callers refuse passwords over 72 bytes first (rules::PASSWORD_MAX_BYTES), so
        // nothing is truncated here; the crate's `non_truncating_*` would also refuse
        // exactly 72 bytes, as it counts the NUL terminator.
        // In the caller's context, so the step's line names the request it is for.
        let _caller = msg.span.enter();
        let _step = tracing::debug_span!("bcrypt", op = "hash").entered();
        bcrypt::hash(msg.password, self.cost).map_err(|e| e.to_string())
    }
}

impl Handler<VerifyPassword> for PasswordHasher {
    type Result = bool;

    fn handle(&mut self, msg: VerifyPassword, _: &mut SyncContext<Self>) -> bool {
        let _caller = msg.span.enter();
        let _step = tracing::debug_span!("bcrypt", op = "verify").entered();
        match msg.hash {
            Some(hash) => bcrypt::verify(msg.password, &hash).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(msg.password, &self.dummy_hash);
                false
            }
        }
    }
}

/// The handle the auth actors hold: admission control in front of the pool.
#[derive(Clone)]
pub struct HasherPool {
    addr: Addr<PasswordHasher>,
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
}

impl HasherPool {
    /// Starts `threads` hashing threads (see `Config::hasher_threads`).
    pub fn start(cost: u32, threads: usize) -> Self {
        let threads = threads.max(1);
        let addr = SyncArbiter::start(threads, move || {
            cpu_priority::yield_to_request_handling();
            let mut random = [0u8; 16];
            rand::rng().fill_bytes(&mut random);
            // Same cost as real hashes, so the dummy verification takes as long.
            let dummy_hash = bcrypt::hash(random, cost).unwrap_or_default();
            PasswordHasher { cost, dummy_hash }
        });
        HasherPool {
            addr,
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: threads * QUEUE_PER_THREAD,
        }
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        let _slot = self.admit()?;
        self.addr
            .send(HashPassword {
                password,
                span: tracing::Span::current(),
            })
            .await?
            .map_err(AppError::internal)
    }

    /// Whether `password` matches `hash` (`None`: an unknown user, always false).
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let _slot = self.admit()?;
        let span = tracing::Span::current();
        Ok(self
            .addr
            .send(VerifyPassword {
                password,
                hash,
                span,
            })
            .await?)
    }

    fn admit(&self) -> AppResult<Slot> {
        let previous = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let slot = Slot(self.in_flight.clone());
        if previous >= self.capacity {
            return Err(AppError::Unavailable {
                code: ProblemCode::HasherBusy,
                detail: "too many password operations in progress; try again shortly".to_owned(),
                retry_after_secs: 1,
            });
        }
        Ok(slot)
    }
}

/// One admitted job; frees its place when dropped (also when the caller gives up).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
