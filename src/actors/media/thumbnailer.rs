//! `ThumbnailerPool`: decoding, resizing and encoding on a `SyncArbiter` pool (one
//! thread per core but one, under `SCHED_IDLE`), never on an actix worker thread.
//! Admission is bounded: at most `QUEUE_PER_THREAD` jobs per thread are queued or
//! running; further callers wait for a place instead of growing the pool's queue
//! (the event backbone's prefetch bounds how many wait).

use std::sync::Arc;

use actix::{Actor, Addr, Handler, Message, SyncArbiter, SyncContext};
use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::actors::cpu_priority;
use crate::imaging::thumbnail::{self, Thumbnail, ThumbnailSpec};
use crate::messages::events::HandlerError;
use crate::metrics;

const QUEUE_PER_THREAD: usize = 2;

#[derive(Message)]
#[rtype(result = "Result<Thumbnail, String>")]
struct MakeThumbnail {
    bytes: Bytes,
    spec: ThumbnailSpec,
    /// The job's span (the event delivery's): the work is a `thumbnail` span under it.
    span: tracing::Span,
}

struct Thumbnailer;

impl Actor for Thumbnailer {
    type Context = SyncContext<Self>;
}

impl Handler<MakeThumbnail> for Thumbnailer {
    type Result = Result<Thumbnail, String>;

    fn handle(&mut self, msg: MakeThumbnail, _: &mut SyncContext<Self>) -> Self::Result {
        let _caller = msg.span.enter();
        let _step = tracing::debug_span!("thumbnail", bytes = msg.bytes.len()).entered();
        let started = std::time::Instant::now();
        let made = thumbnail::make_thumbnail(&msg.bytes, &msg.spec);
        let outcome = if made.is_ok() { "made" } else { "failed" };
        metrics::THUMBNAILS
            .with_label_values(&[outcome])
            .observe(started.elapsed().as_secs_f64());
        made
    }
}

/// The handle the media consumers hold.
#[derive(Clone)]
pub struct ThumbnailerPool {
    addr: Addr<Thumbnailer>,
    places: Arc<Semaphore>,
    spec: ThumbnailSpec,
}

impl ThumbnailerPool {
    pub fn start(threads: usize, spec: ThumbnailSpec) -> Self {
        let threads = threads.max(1);
        let addr = SyncArbiter::start(threads, || {
            cpu_priority::yield_to_request_handling();
            Thumbnailer
        });
        ThumbnailerPool {
            addr,
            places: Arc::new(Semaphore::new(threads * QUEUE_PER_THREAD)),
            spec,
        }
    }

    /// The thumbnail of an image; waits for a place in the pool first. An image
    /// that cannot be read, or is too large, is an `Abort` (the same bytes fail the
    /// same way every time); a pool that cannot be reached is a `Retry`.
    pub async fn make(&self, bytes: Bytes) -> Result<Thumbnail, HandlerError> {
        let _place = self
            .places
            .acquire()
            .await
            .map_err(|_| HandlerError::retry("the thumbnail pool is shut down"))?;
        let job = MakeThumbnail {
            bytes,
            spec: self.spec,
            span: tracing::Span::current(),
        };
        self.addr
            .send(job)
            .await
            .map_err(|e| HandlerError::retry(format!("thumbnail pool unreachable: {e}")))?
            .map_err(|e| HandlerError::abort(format!("the image cannot be thumbnailed: {e}")))
    }
}
