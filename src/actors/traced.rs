//! Spans across the mailbox. A message sent with `ask` carries the sender's span
//! (the request's, the HTTP handler's); the actor's answer runs in an `actor` span
//! under it, so one request's log nests handler → actor → SQL → pool steps. Every
//! actor the HTTP side calls takes `Traced` messages (`traced!` below).

use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, Message};

/// A message with the span it was sent from.
pub struct Traced<M> {
    pub message: M,
    pub span: tracing::Span,
}

impl<M: Message> Message for Traced<M> {
    type Result = M::Result;
}

/// `addr.ask(message)`: `send` with the caller's span.
pub trait Ask {
    type Actor: Actor;
    fn ask<M>(&self, message: M) -> actix::dev::Request<Self::Actor, Traced<M>>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        Self::Actor: Handler<Traced<M>>,
        <Self::Actor as Actor>::Context: ToEnvelope<Self::Actor, Traced<M>>;
}

impl<A: Actor> Ask for Addr<A> {
    type Actor = A;
    fn ask<M>(&self, message: M) -> actix::dev::Request<A, Traced<M>>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<Traced<M>>,
        A::Context: ToEnvelope<A, Traced<M>>,
    {
        self.send(Traced {
            message,
            span: tracing::Span::current(),
        })
    }
}

/// Lets `$actor`, whose handlers answer with a `ResponseFuture`, take these messages
/// as `Traced`: the answer runs in a debug `actor` span under the sender's. (One impl
/// per message: a blanket impl over every message recurses in the trait solver.)
#[macro_export]
macro_rules! traced {
    ($actor:ty: $($message:ty),+ $(,)?) => {$(
        impl actix::Handler<$crate::actors::traced::Traced<$message>> for $actor {
            type Result = actix::ResponseFuture<<$message as actix::Message>::Result>;

            fn handle(
                &mut self,
                traced: $crate::actors::traced::Traced<$message>,
                ctx: &mut <Self as actix::Actor>::Context,
            ) -> Self::Result {
                use tracing::Instrument;
                let span = tracing::debug_span!(
                    parent: &traced.span,
                    "actor",
                    actor = stringify!($actor),
                    message = stringify!($message),
                );
                let answer = span.in_scope(|| {
                    <Self as actix::Handler<$message>>::handle(self, traced.message, ctx)
                });
                Box::pin(answer.instrument(span))
            }
        }
    )+};
}
