//! SPEC §9: the outbox, delivery exactly once to an idempotent consumer, retries with
//! growing delays, dead letters, and no loss across a broker outage — on both buses.

use std::time::Duration;

use troupe::db::outbox;
use uuid::Uuid;

use crate::support::recorder::{
    Log, QUEUE, all_applied, app_with_recorder, count, event, record_with_id,
};
use crate::support::tcp_proxy::TcpProxy;
use crate::support::{TestApp, rabbitmq_vhost, wait_for};

/// Records `n` events, `per_tx` to a transaction; returns their ids.
async fn record(app: &TestApp, n: usize, per_tx: usize) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(n);
    let mut db = app.pool.get().await.expect("connection");
    for chunk in (0..n).collect::<Vec<_>>().chunks(per_tx.max(1)) {
        let tx = db.transaction().await.expect("transaction");
        for _ in chunk {
            ids.push(
                outbox::record(&tx, event())
                    .await
                    .expect("recorded")
                    .event_id,
            );
        }
        tx.commit().await.expect("commit");
    }
    ids
}

#[actix_web::test]
async fn an_event_recorded_in_a_rolled_back_transaction_is_never_delivered() {
    let (app, log) = app_with_recorder(&[]).await;
    let mut db = app.pool.get().await.unwrap();
    let tx = db.transaction().await.unwrap();
    let doomed = outbox::record(&tx, event()).await.unwrap().event_id;
    tx.rollback().await.unwrap();
    let kept = record(&app, 1, 1).await;
    assert!(
        all_applied(&log, &kept, Duration::from_secs(10)).await,
        "the committed event arrives"
    );
    assert!(
        log.with(|s| !s.attempts.contains_key(&doomed)),
        "the rolled-back one never does"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 0);
}

#[actix_web::test]
async fn a_thousand_events_are_delivered_exactly_once_on_the_memory_bus() {
    let (app, log) = app_with_recorder(&[]).await;
    let ids = record(&app, 1000, 50).await;
    assert!(
        all_applied(&log, &ids, Duration::from_secs(60)).await,
        "all 1000 delivered"
    );
    log.with(|s| {
        assert_eq!(s.applied.len(), 1000, "applied once each");
        assert!(
            s.attempts.values().all(|a| a.len() == 1),
            "no event handled twice"
        );
    });
    assert!(
        wait_for(Duration::from_secs(5), || async {
            count(&app, "SELECT count(*) FROM event_deliveries").await == 0
        })
        .await
    );
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 0);
    let metrics = app.metrics().await.text;
    assert!(
        metrics.contains(
            r#"events_handled_total{event_type="project.deleted",queue="test.events"} 1000"#
        ),
        "{metrics}"
    );
}

/// Gaps between consecutive attempts of one event.
fn gaps(log: &Log, id: Uuid) -> Vec<Duration> {
    log.with(|s| s.attempts[&id].windows(2).map(|w| w[1] - w[0]).collect())
}

#[actix_web::test]
async fn a_handler_failing_twice_is_retried_after_2_then_4_seconds_on_the_memory_bus() {
    let (app, log) = app_with_recorder(&[]).await;
    // The failures are armed before the event exists, so its first try fails.
    let id = Uuid::now_v7();
    log.with(|s| s.fail.insert(id, 2));
    let mut db = app.pool.get().await.unwrap();
    let tx = db.transaction().await.unwrap();
    record_with_id(&tx, id).await;
    tx.commit().await.unwrap();
    assert!(
        all_applied(&log, &[id], Duration::from_secs(15)).await,
        "it succeeds on the third try"
    );
    let g = gaps(&log, id);
    assert_eq!(g.len(), 2, "{g:?}");
    assert!(
        g[0] >= Duration::from_millis(1900) && g[0] < Duration::from_millis(3500),
        "{g:?}"
    );
    assert!(
        g[1] >= Duration::from_millis(3900) && g[1] < Duration::from_millis(5500),
        "{g:?}"
    );
}

#[actix_web::test]
async fn a_poison_event_ends_in_dead_events_while_later_events_keep_flowing() {
    let (app, log) = app_with_recorder(&[("MAX_RETRIES", "2")]).await;
    let poison = Uuid::now_v7();
    log.with(|s| s.fail.insert(poison, u32::MAX));
    {
        let mut db = app.pool.get().await.unwrap();
        let tx = db.transaction().await.unwrap();
        record_with_id(&tx, poison).await;
        tx.commit().await.unwrap();
    }
    let later = record(&app, 20, 5).await;
    assert!(
        all_applied(&log, &later, Duration::from_secs(5)).await,
        "later events are not held up"
    );
    let buried = wait_for(Duration::from_secs(15), || async {
        count(
            &app,
            &format!("SELECT count(*) FROM dead_events WHERE event_id = '{poison}'"),
        )
        .await
            == 1
    })
    .await;
    assert!(buried, "the poison event is parked");
    let db = app.pool.get().await.unwrap();
    let row = db
        .query_one(
            "SELECT queue, attempts, last_error FROM dead_events WHERE event_id = $1",
            &[&poison],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), QUEUE);
    assert_eq!(row.get::<_, i32>(1), 3, "one try and MAX_RETRIES=2 retries");
    assert_eq!(row.get::<_, String>(2), "told to fail");
    assert_eq!(log.with(|s| s.attempts[&poison].len()), 3);
}

async fn rabbit_app(url: &str, extra: &[(&str, &str)]) -> (TestApp, Log) {
    let mut settings = vec![("EVENT_BUS", "rabbitmq"), ("RABBITMQ_URL", url)];
    settings.extend_from_slice(extra);
    app_with_recorder(&settings).await
}

#[actix_web::test]
async fn a_thousand_events_are_delivered_exactly_once_over_rabbitmq() {
    let (_vhost, url) = rabbitmq_vhost();
    let (app, log) = rabbit_app(&url, &[]).await;
    let ids = record(&app, 1000, 50).await;
    assert!(
        all_applied(&log, &ids, Duration::from_secs(60)).await,
        "all 1000 delivered"
    );
    log.with(|s| {
        assert_eq!(s.applied.len(), 1000);
        assert!(
            s.attempts.values().all(|a| a.len() == 1),
            "no event handled twice"
        );
    });
    // The relay deletes a batch after the broker confirms it, which can be
    // after the consumer has already handled the events.
    assert!(
        wait_for(Duration::from_secs(10), || async {
            count(&app, "SELECT count(*) FROM outbox").await == 0
        })
        .await,
        "the outbox drains once the broker confirms"
    );
    let ready = app.ready().await.json();
    assert_eq!(ready["checks"]["event_bus"], "ok", "{ready}");
}

#[actix_web::test]
async fn over_rabbitmq_a_failing_handler_is_retried_then_dead_lettered_with_its_error() {
    let (_vhost, url) = rabbitmq_vhost();
    let (app, log) = rabbit_app(&url, &[("MAX_RETRIES", "2")]).await;
    let twice = Uuid::now_v7();
    let poison = Uuid::now_v7();
    log.with(|s| {
        s.fail.insert(twice, 2);
        s.fail.insert(poison, u32::MAX);
    });
    {
        let mut db = app.pool.get().await.unwrap();
        let tx = db.transaction().await.unwrap();
        record_with_id(&tx, poison).await;
        record_with_id(&tx, twice).await;
        tx.commit().await.unwrap();
    }
    let later = record(&app, 10, 10).await;
    assert!(
        all_applied(&log, &later, Duration::from_secs(5)).await,
        "later events are not held up"
    );
    assert!(
        all_applied(&log, &[twice], Duration::from_secs(15)).await,
        "succeeds on the third try"
    );
    let g = gaps(&log, twice);
    assert!(
        g[0] >= Duration::from_millis(1900) && g[0] < Duration::from_millis(3500),
        "{g:?}"
    );
    assert!(
        g[1] >= Duration::from_millis(3900) && g[1] < Duration::from_millis(5500),
        "{g:?}"
    );

    // The poison message went to test.events.dead with the last error in a header;
    // the recorder of that queue keeps it in dead_events, headers and all.
    let found = wait_for(Duration::from_secs(15), || async {
        count(&app, "SELECT count(*) FROM dead_events").await == 1
    })
    .await;
    assert!(found, "the poison event is dead-lettered");
    let db = app.pool.get().await.expect("connection");
    let row = db
        .query_one(
            "SELECT queue, event_id, attempts, last_error, headers FROM dead_events",
            &[],
        )
        .await
        .expect("dead letter");
    assert_eq!(row.get::<_, String>(0), QUEUE);
    assert_eq!(row.get::<_, Uuid>(1), poison);
    assert_eq!(row.get::<_, i32>(2), 3, "three tries");
    assert_eq!(row.get::<_, String>(3), "told to fail");
    let headers: serde_json::Value = row.get(4);
    assert_eq!(headers["x-last-error"], "told to fail");
    assert_eq!(headers["x-attempt"], 3);
    assert_eq!(
        queue_depth(&url, "test.events.dead").await,
        0,
        "recorded, then acked"
    );
    assert_eq!(log.with(|s| s.attempts[&poison].len()), 3);
}

/// Messages ready in `queue` (a passive declare).
async fn queue_depth(url: &str, queue: &str) -> u32 {
    let connection = lapin::Connection::connect(url, lapin::ConnectionProperties::default())
        .await
        .expect("broker");
    let channel = connection.create_channel().await.expect("channel");
    let passive = lapin::options::QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let queue = channel
        .queue_declare(queue.into(), passive, lapin::types::FieldTable::default())
        .await
        .expect("queue exists");
    queue.message_count()
}

#[actix_web::test]
async fn events_written_while_the_broker_is_unreachable_are_all_delivered_after() {
    let (vhost, _) = rabbitmq_vhost();
    let proxy = TcpProxy::start("127.0.0.1:5672").await;
    let url = format!("amqp://guest:guest@127.0.0.1:{}/{vhost}", proxy.port());
    let (app, log) = rabbit_app(&url, &[]).await;
    let before = record(&app, 50, 10).await;
    assert!(all_applied(&log, &before, Duration::from_secs(20)).await);

    proxy.cut();
    let during = record(&app, 200, 10).await;
    assert!(
        wait_for(Duration::from_secs(10), || async {
            app.ready().await.status == 503
        })
        .await,
        "readiness reports the bus down"
    );
    assert!(
        count(&app, "SELECT count(*) FROM outbox").await > 0,
        "the outbox holds the events"
    );

    proxy.restore();
    let after = record(&app, 50, 10).await;
    let mut all = during.clone();
    all.extend(&after);
    assert!(
        all_applied(&log, &all, Duration::from_secs(60)).await,
        "every event arrives once the broker is back"
    );
    assert_eq!(log.with(|s| s.applied.len()), 300);
    assert!(
        wait_for(Duration::from_secs(10), || async {
            app.ready().await.status == 200
        })
        .await
    );
}
