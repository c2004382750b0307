//! SPEC §8: check-in that never double-admits, idempotent retries, attendance lists.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, TestUser, spawn_app, wait_for};

async fn check_in(
    app: &TestApp,
    who: &TestUser,
    event: &str,
    ticket: &str,
    key: Option<&str>,
) -> Reply {
    let mut req = app
        .client
        .post(app.url("/checkins"))
        .bearer_auth(&who.access)
        .json(&json!({"event_id": event, "ticket_id": ticket}));
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    app.send(req).await
}

#[actix_web::test]
async fn a_committee_member_checks_a_ticket_in_once_and_the_second_try_is_409_with_the_first_record()
 {
    let app = spawn_app().await;
    let gate = app.user_with_role("gate_a", "committee").await;
    let other = app.user_with_role("gate_b", "committee").await;
    let first = check_in(&app, &gate, "fest-2026", "T-0001", None).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let body = first.json();
    assert_eq!(body["status"], "checked_in");
    assert_eq!(body["record"]["event_id"], "fest-2026");
    assert_eq!(body["record"]["ticket_id"], "T-0001");
    assert_eq!(body["record"]["checked_in_by"], "gate_a");
    assert!(
        body["record"]["checked_in_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let again = check_in(&app, &other, "fest-2026", "T-0001", None).await;
    let doc = again.problem(409, "already_checked_in");
    assert_eq!(
        doc["record"], body["record"],
        "the 409 carries the first check-in"
    );
    // The same ticket at another event is another admission.
    assert_eq!(
        check_in(&app, &other, "fest-2027", "T-0001", None)
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn only_committee_and_above_check_in_and_ids_are_validated() {
    let app = spawn_app().await;
    let user = app.user("visitor").await;
    check_in(&app, &user, "e1", "t1", None)
        .await
        .problem(403, "committee_required");
    app.post_json("/checkins", &json!({"event_id": "e1", "ticket_id": "t1"}))
        .await
        .problem(401, "missing_token");
    let root = app.root().await;
    assert_eq!(
        check_in(&app, &root, "e1", "t1", None).await.status,
        201,
        "superadmin may"
    );
    let admin = app.user_with_role("adm", "admin").await;
    let bad = check_in(&app, &admin, "has space", &"x".repeat(101), None).await;
    let doc = bad.problem(400, "validation_failed");
    assert!(
        doc["errors"]["event_id"].is_string() && doc["errors"]["ticket_id"].is_string(),
        "{doc}"
    );
    check_in(&app, &admin, "", "t2", None)
        .await
        .problem(400, "validation_failed");
    assert_eq!(
        check_in(&app, &admin, "ev_1.a:b-c", "TK:9_9.x-y", None)
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn of_fifty_concurrent_check_ins_of_one_ticket_exactly_one_is_admitted() {
    let app = spawn_app().await;
    let mut gates = Vec::new();
    for i in 0..5 {
        gates.push(app.user_with_role(&format!("door{i}"), "committee").await);
    }
    let attempts = (0..50).map(|i| check_in(&app, &gates[i % gates.len()], "gala", "VIP-7", None));
    let replies = join_all(attempts).await;
    let admitted: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        admitted.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let record = admitted[0].json()["record"].clone();
    for reply in replies.iter().filter(|r| r.status != 201) {
        let doc = reply.problem(409, "already_checked_in");
        assert_eq!(doc["record"], record);
    }
    let list = app.attendance(&gates[0].access, "gala", "").await.json();
    assert_eq!(list["total_checkins"], 1);
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_201_for_the_same_user_only() {
    let app = spawn_app().await;
    let gate = app.user_with_role("gate_k", "committee").await;
    let other = app.user_with_role("gate_l", "committee").await;
    let first = check_in(&app, &gate, "expo", "A-1", Some("scan-1")).await;
    assert_eq!(first.status, 201);
    let retry = check_in(&app, &gate, "expo", "A-1", Some("scan-1")).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert_eq!(retry.json()["record"], first.json()["record"]);
    // Keys are per user: another user's same key is a new request, and the ticket is taken.
    check_in(&app, &other, "expo", "A-1", Some("scan-1"))
        .await
        .problem(409, "already_checked_in");
    // Without the key the same user's retry is a plain duplicate.
    check_in(&app, &gate, "expo", "A-1", None)
        .await
        .problem(409, "already_checked_in");
    // A key reused for another ticket is refused.
    check_in(&app, &gate, "expo", "A-2", Some("scan-1"))
        .await
        .problem(422, "idempotency_key_reused");
    check_in(&app, &gate, "expo", "A-3", Some("bad key with spaces"))
        .await
        .problem(400, "validation_failed");
}

#[actix_web::test]
async fn an_idempotent_retry_racing_another_users_check_in_stays_consistent() {
    let app = spawn_app().await;
    let a = app.user_with_role("racer_a", "committee").await;
    let b = app.user_with_role("racer_b", "committee").await;
    for round in 0..10 {
        let ticket = format!("R-{round}");
        let key = format!("k-{round}");
        let (first, retry, rival) = tokio::join!(
            check_in(&app, &a, "race", &ticket, Some(&key)),
            check_in(&app, &a, "race", &ticket, Some(&key)),
            check_in(&app, &b, "race", &ticket, None),
        );
        let record_of = |r: &Reply| -> Value {
            if r.status == 201 {
                r.json()["record"].clone()
            } else {
                r.problem(409, "already_checked_in")["record"].clone()
            }
        };
        let records = [record_of(&first), record_of(&retry), record_of(&rival)];
        assert!(
            records.iter().all(|r| *r == records[0]),
            "one record for the ticket: {records:?}"
        );
        let a_won = records[0]["checked_in_by"] == "racer_a";
        if a_won {
            assert_eq!(
                (first.status, retry.status, rival.status),
                (201, 201, 409),
                "round {round}"
            );
        } else {
            assert_eq!(
                (first.status, retry.status, rival.status),
                (409, 409, 201),
                "round {round}"
            );
        }
    }
}

#[actix_web::test]
async fn attendance_lists_oldest_first_with_totals_and_bounded_pages() {
    let app = spawn_app().await;
    let gate = app.user_with_role("lister", "committee").await;
    for i in 0..5 {
        assert_eq!(
            check_in(&app, &gate, "conf", &format!("t{i}"), None)
                .await
                .status,
            201
        );
    }
    check_in(&app, &gate, "other-event", "t9", None).await;
    let list = app.attendance(&gate.access, "conf", "").await;
    assert_eq!(list.status, 200, "{}", list.text);
    let body = list.json();
    assert_eq!(body["event_id"], "conf");
    assert_eq!(body["total_checkins"], 5);
    assert_eq!(body["size"], 1000);
    assert_eq!(body["page"], 1);
    assert_eq!(body["pages"], 1);
    let tickets: Vec<&str> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ticket_id"].as_str().unwrap())
        .collect();
    assert_eq!(tickets, ["t0", "t1", "t2", "t3", "t4"], "oldest first");
    assert_eq!(body["records"][0]["checked_in_by"], "lister");

    let page2 = app
        .attendance(&gate.access, "conf", "page=2&size=2")
        .await
        .json();
    assert_eq!(page2["pages"], 3);
    assert_eq!(page2["records"][0]["ticket_id"], "t2");
    app.attendance(&gate.access, "conf", "size=1001")
        .await
        .problem(400, "validation_failed");
    let user = app.user("nosy").await;
    app.attendance(&user.access, "conf", "")
        .await
        .problem(403, "committee_required");
    let empty = app.attendance(&gate.access, "nobody-came", "").await.json();
    assert_eq!(empty["total_checkins"], 0);
    assert_eq!(empty["pages"], 0);
}

#[actix_web::test]
async fn a_check_in_keeps_its_username_after_the_user_is_deleted_and_emits_an_event() {
    let app = spawn_app().await;
    let gate = app.user_with_role("temp_gate", "committee").await;
    assert_eq!(
        check_in(&app, &gate, "night", "N-1", None).await.status,
        201
    );
    let root = app.root().await;
    assert_eq!(app.delete_user(&root.access, &gate.id).await.status, 204);
    let list = app.attendance(&root.access, "night", "").await.json();
    assert_eq!(list["records"][0]["checked_in_by"], "temp_gate");

    let published = wait_for(Duration::from_secs(10), || async {
        app.metrics()
            .await
            .text
            .contains(r#"events_published_total{event_type="attendance.checked_in"} 1"#)
    })
    .await;
    assert!(published, "attendance.checked_in went through the outbox");
}
