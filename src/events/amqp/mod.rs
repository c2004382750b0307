//! EVENT_BUS=rabbitmq: the publisher takes the outbox relay's batches (`AmqpBus`);
//! one consumer per queue feeds its route's actor, and one per dead-letter queue
//! records what lands there in `dead_events`. Each owns its connection: when it is
//! lost the actor stops and its supervisor restarts it with backoff.

pub mod consumer;
pub mod publisher;
mod settle;
pub mod topology;

use actix::Addr;
use deadpool_postgres::Transaction;
use futures_util::{Stream, StreamExt};
use lapin::{Connection, ConnectionProperties};

use crate::db::outbox::OutboxRow;
use crate::error::{AppError, AppResult};
use crate::events::bus::Bus;
use crate::problem_code::ProblemCode;
use publisher::{AmqpPublisher, PublishBatch};

/// The connection reported an error: it is gone.
pub struct ConnectionLost(pub String);

/// The errors among a connection's events (`events_listener()`), as a stream for
/// the actor that owns the connection.
pub fn connection_errors(
    events: impl Stream<Item = lapin::Event>,
) -> impl Stream<Item = ConnectionLost> {
    events.filter_map(|event| async move {
        match event {
            lapin::Event::Error(e) => Some(ConnectionLost(e.to_string())),
            _ => None,
        }
    })
}

/// Closes a link the actor is giving up (it may be dead already: errors are moot).
pub fn close_in_background(connection: Connection) {
    actix::spawn(async move {
        let _ = connection.close(200, "restarting".into()).await;
    });
}

/// How long connecting and declaring the topology may take.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `work` (a connect), failing once `CONNECT_TIMEOUT` is over.
pub async fn within_connect_timeout<T>(
    work: impl Future<Output = Result<T, lapin::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, work).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {CONNECT_TIMEOUT:?}")),
    }
}

/// Opens a connection with a name the broker shows (and a test can look up).
pub async fn connect(url: &str, name: &str) -> Result<Connection, lapin::Error> {
    let properties =
        ConnectionProperties::default().with_client_property("connection_name".into(), name.into());
    Connection::connect(url, properties).await
}

/// `host:port` of an AMQP URL, for log lines (never the credentials).
pub fn describe(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The relay's batches go to the broker, confirmed before the rows are deleted.
pub struct AmqpBus(pub Addr<AmqpPublisher>);

#[async_trait::async_trait(?Send)]
impl Bus for AmqpBus {
    async fn hand_on(&self, _: &Transaction<'_>, batch: &[OutboxRow]) -> AppResult<()> {
        let messages = batch
            .iter()
            .map(|row| (row.envelope.clone(), row.target_queue.clone()))
            .collect();
        self.0
            .send(PublishBatch(messages))
            .await?
            .map_err(|e| AppError::Unavailable {
                code: ProblemCode::EventBusUnavailable,
                detail: e,
                retry_after_secs: 2,
            })
    }
}
