//! Floods beyond the pools' capacity: uploads and logins past their limits get fast
//! 503s instead of queueing without bound, and other endpoints stay responsive.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tokio::io::AsyncWriteExt;

use crate::support::app;
use crate::support::media_fixtures::png;

/// Places for uploads being read at once (`http/media.rs`).
const UPLOAD_PLACES: usize = 32;
/// Whatever the load, these answer within this.
const RESPONSIVE: Duration = Duration::from_secs(1);

/// An upload that sends its head and the start of its body over a raw socket and
/// then goes quiet: it holds its place for as long as the socket stays open.
async fn stalled_upload(address: &str, token: &str) -> tokio::net::TcpStream {
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let part = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\u{89}PNG";
    let head = format!(
        "POST /media/upload HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 4096\r\n\r\n{part}"
    );
    socket.write_all(head.as_bytes()).await.expect("write");
    socket
}

#[actix_web::test]
async fn an_upload_and_login_flood_gets_fast_503s_while_other_endpoints_answer() {
    let app = app()
        .settings(&[
            ("HASHER_THREADS", "1"),
            ("BCRYPT_COST", "10"),
            ("LOGIN_RATE_LIMIT", "0"),
        ])
        .start()
        .await;
    let ana = app.user("ana").await;

    // More uploads than places, each with a body that never ends: every place is
    // taken (the extra ones are refused at once). The pause lets the server read
    // all their heads before the probe below races them for a place.
    let mut holders = Vec::new();
    for _ in 0..UPLOAD_PLACES + 8 {
        holders.push(stalled_upload(&app.address, &ana.access).await);
    }
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    let busy = crate::support::wait_for(Duration::from_secs(10), || async {
        app.upload(&ana.access, "x.png", png(8, 8), None)
            .await
            .status
            == 503
    })
    .await;
    assert!(busy, "a 33rd upload was not refused");
    let started = Instant::now();
    let reply = app.upload(&ana.access, "x.png", png(8, 8), None).await;
    assert!(
        started.elapsed() < RESPONSIVE,
        "the refusal took {:?}",
        started.elapsed()
    );
    reply.problem(503, "uploads_busy");
    assert_eq!(reply.header("retry-after"), Some("1"));

    // Meanwhile a login flood past the hashing pool's places.
    let logins = join_all((0..40).map(|_| app.login("nobody", "wrong password")));
    let others = async {
        let mut slowest = Duration::ZERO;
        for _ in 0..10 {
            let started = Instant::now();
            assert_eq!(app.health().await.status, 200);
            assert_eq!(app.me(&ana.access).await.status, 200);
            assert_eq!(app.list_projects("").await.status, 200);
            slowest = slowest.max(started.elapsed());
        }
        slowest
    };
    let (replies, slowest) = futures_util::join!(logins, others);
    assert!(
        slowest < RESPONSIVE,
        "other endpoints slowed to {slowest:?}"
    );
    let refused_fast = replies.iter().filter(|r| r.status == 503).count();
    assert!(refused_fast > 0, "40 logins fit in 16 places?");
    assert!(replies.iter().all(|r| r.status == 503 || r.status == 401));

    // Places come back when the stalled uploads go away.
    drop(holders);
    let freed = crate::support::wait_for(Duration::from_secs(10), || async {
        app.upload(&ana.access, "x.png", png(8, 8), None)
            .await
            .status
            == 201
    })
    .await;
    assert!(freed, "upload places were not given back");
}
