//! The event backbone (SPEC §9), in one room: the outbox relay, the routing table,
//! the one delivery function, the `Bus` trait with its memory and RabbitMQ
//! implementations, and the dead-letter tools.
//!
//! ```text
//! domain tx ──outbox──▶ OutboxRelay ──Bus──▶ memory: event_deliveries ─▶ EventDispatcher ─┐
//!                                       └──▶ rabbitmq: AmqpPublisher ─▶ AmqpConsumer ─────┤
//!                              delivery::deliver(route, …) ─▶ the route's consumer actor ◀┘
//! ```

pub mod amqp;
pub mod bus;
pub mod dead_letters;
pub mod delivery;
pub mod memory;
pub mod relay;
pub mod routing;
pub mod supervision;

use std::sync::Arc;

use actix::{Addr, Supervisor};

use crate::backoff::RetryPolicy;
use crate::config::{Config, EventBusKind};
use crate::db::{self, DbPool};
use amqp::AmqpBus;
use amqp::consumer::{AmqpConsumer, Sink};
use amqp::publisher::AmqpPublisher;
use bus::Bus;
use memory::{EventDispatcher, MemoryBus};
use relay::OutboxRelay;
use routing::{Route, declared_queues};

/// The running backbone of a process that runs the workers. It must be kept: a
/// `Supervisor` restarts a stopped actor only while someone holds its address.
pub struct Backbone {
    pub relay: Addr<OutboxRelay>,
    /// The RabbitMQ publisher, when there is a broker (for `/ready`).
    pub publisher: Option<Addr<AmqpPublisher>>,
    pub dispatcher: Option<Addr<EventDispatcher>>,
    pub consumers: Vec<Addr<AmqpConsumer>>,
}

/// Starts the relay and the bus behind it, every actor under a `Supervisor`: the
/// memory dispatcher, or the RabbitMQ publisher, one consumer per route and one
/// dead-letter recorder per declared queue.
pub fn start(config: &Config, pool: DbPool, routes: Vec<Route>) -> std::io::Result<Backbone> {
    let session = db::session_config(config).map_err(std::io::Error::other)?;
    let policy = RetryPolicy::event_retries(config.events.max_retries);
    let mut consumers = Vec::new();
    let mut dispatcher = None;
    let (bus, publisher): (Arc<dyn Bus>, _) = match config.events.bus {
        EventBusKind::Memory => {
            let routes = Arc::new(routes);
            let (p, s, r, max) = (
                pool.clone(),
                session.clone(),
                routes.clone(),
                config.events.max_retries,
            );
            let addr = Supervisor::start(move |_| EventDispatcher::new(p, s, r, max));
            dispatcher = Some(addr.clone());
            let bus = MemoryBus {
                routes,
                dispatcher: addr,
            };
            (Arc::new(bus), None)
        }
        EventBusKind::RabbitMq => {
            let queues = declared_queues(&routes);
            let url = config.events.rabbitmq_url.clone();
            let (u, q, p) = (url.clone(), queues.clone(), policy.clone());
            let publisher = Supervisor::start(move |_| AmqpPublisher::new(u, q, p));
            let recorders = queues.iter().map(|(queue, _)| Sink::DeadLetters {
                queue: queue.clone(),
                pool: pool.clone(),
            });
            for sink in routes.into_iter().map(Sink::Route).chain(recorders) {
                let (u, q, p) = (url.clone(), queues.clone(), policy.clone());
                consumers.push(Supervisor::start(move |_| AmqpConsumer::new(u, sink, q, p)));
            }
            (Arc::new(AmqpBus(publisher.clone())), Some(publisher))
        }
    };
    let relay = Supervisor::start(move |_| OutboxRelay::new(pool, session, bus));
    Ok(Backbone {
        relay,
        publisher,
        dispatcher,
        consumers,
    })
}
