//! EVENT_BUS=rabbitmq: the actors that carry events over AMQP. The publisher takes
//! the outbox relay's batches; one consumer per queue feeds its consumer actor.
//! Both are supervised and reconnect with backoff when the broker goes away.

pub mod consumer;
pub mod publisher;
pub mod topology;

use lapin::{Connection, ConnectionProperties};

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
