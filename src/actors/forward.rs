//! The one forwarding idiom of the actors that own nothing but shared handles (a
//! pool, `Arc`s): every handler answers with `self.answer(async move |shared| …)`,
//! a future over a clone of those handles, so the actor never waits on one request
//! before taking the next and holds nothing a restart could lose.

use actix::ResponseFuture;

pub trait Forwarder {
    /// What each answer gets a clone of.
    type Shared: Clone + 'static;

    fn shared(&self) -> &Self::Shared;

    fn answer<T: 'static>(
        &self,
        work: impl AsyncFnOnce(Self::Shared) -> T + 'static,
    ) -> ResponseFuture<T> {
        let shared = self.shared().clone();
        Box::pin(async move { work(shared).await })
    }

    /// `answer`, with the work in `span` (an event delivery's, for consumers).
    fn answer_in<T: 'static>(
        &self,
        span: tracing::Span,
        work: impl AsyncFnOnce(Self::Shared) -> T + 'static,
    ) -> ResponseFuture<T> {
        use tracing::Instrument;
        let shared = self.shared().clone();
        Box::pin(async move { work(shared).await }.instrument(span))
    }
}
