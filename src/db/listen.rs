//! A dedicated `LISTEN` session (outside the pool): the client, which must be kept
//! alive, and the stream of `(channel, payload)` notifications, which ends when the
//! session is lost.

use futures_util::stream::{self, Stream, StreamExt};
use tokio_postgres::{AsyncMessage, NoTls};

pub async fn listen(
    config: tokio_postgres::Config,
    channels: &[&str],
) -> Result<
    (
        tokio_postgres::Client,
        impl Stream<Item = (String, String)> + use<>,
    ),
    tokio_postgres::Error,
> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let notifications = stream::poll_fn(move |cx| connection.poll_message(cx))
        .take_while(|m| std::future::ready(m.is_ok()))
        .filter_map(|m| async move {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    Some((n.channel().to_owned(), n.payload().to_owned()))
                }
                _ => None,
            }
        });
    let sql: String = channels.iter().map(|c| format!("LISTEN {c};")).collect();
    // The connection is polled only by the stream: run the LISTENs alongside it.
    let (listened, notifications) = {
        let mut notifications = Box::pin(notifications);
        let listen = client.batch_execute(&sql);
        tokio::pin!(listen);
        let mut early = Vec::new();
        let result = loop {
            tokio::select! {
                r = &mut listen => break r,
                n = notifications.next() => match n {
                    Some(n) => early.push(n),
                    None => break Ok(()),
                },
            }
        };
        (result, stream::iter(early).chain(notifications))
    };
    listened?;
    Ok((client, notifications))
}
