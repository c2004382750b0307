//! Issue 19: registered events, ticket lists, a reason for every answer, entry and
//! exit with capacity across processes, annulments, offline uploads.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{TestApp, TestUser, app, spawn_app};

async fn scan(
    app: &TestApp,
    who: &TestUser,
    event: &str,
    ticket: &str,
    direction: &str,
) -> crate::support::Reply {
    let body =
        json!({"event_id": event, "ticket_id": ticket, "direction": direction, "gate": "north"});
    app.call("POST", "/checkins", &who.access, Some(&body))
        .await
}

async fn create_event(app: &TestApp, admin: &TestUser, body: Value) -> Value {
    let reply = app
        .call("POST", "/events", &admin.access, Some(&body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

async fn import(app: &TestApp, admin: &TestUser, event: &str, csv: &str) -> crate::support::Reply {
    app.send(
        app.client
            .post(app.url(&format!("/events/{event}/tickets/import")))
            .bearer_auth(&admin.access)
            .header("content-type", "text/csv")
            .body(csv.to_owned()),
    )
    .await
}

#[actix_web::test]
async fn admins_write_events_the_committee_reads_them_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.user_with_role("ev_admin", "admin").await;
    let gate = app.user_with_role("ev_gate", "committee").await;
    let visitor = app.user("ev_visitor").await;
    let event = create_event(
        &app,
        &admin,
        json!({"id": "fest-2026", "name": "Fest", "venue": "Hall A", "capacity": 100,
               "starts_at": "2026-01-01T10:00:00Z", "ends_at": "2030-01-01T00:00:00Z", "mode": "listed"}),
    )
    .await;
    assert_eq!(event["id"], "fest-2026");
    assert_eq!(event["mode"], "listed");
    assert_eq!(event["inside"], 0);
    assert_eq!(event["reentry"], false);
    let generated = create_event(&app, &admin, json!({"name": "Unnamed id"})).await;
    assert!(generated["id"].as_str().unwrap().starts_with("ev-"));
    assert_eq!(generated["mode"], "open");

    app.call(
        "POST",
        "/events",
        &admin.access,
        Some(&json!({"id": "fest-2026", "name": "again"})),
    )
    .await
    .problem(409, "duplicate");
    app.call("POST", "/events", &gate.access, Some(&json!({"name": "x"})))
        .await
        .problem(403, "admin_required");
    app.call("GET", "/events", &visitor.access, None)
        .await
        .problem(403, "committee_required");
    let bad = app
        .call("POST", "/events", &admin.access,
              Some(&json!({"id": "has space", "name": "", "capacity": -1,
                           "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"})))
        .await
        .problem(400, "validation_failed");
    assert!(bad["errors"]["id"].is_string(), "{bad}");
    let bad = app
        .call("POST", "/events", &admin.access,
              Some(&json!({"name": "", "capacity": -1,
                           "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"})))
        .await
        .problem(400, "validation_failed");
    for field in ["name", "capacity", "ends_at"] {
        assert!(bad["errors"][field].is_string(), "{bad}");
    }

    let list = app.call("GET", "/events", &gate.access, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json()["total"], 2);
    let patched = app
        .call(
            "PATCH",
            "/events/fest-2026",
            &admin.access,
            Some(&json!({"capacity": null, "reentry": true})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json()["capacity"], Value::Null);
    assert_eq!(patched.json()["reentry"], true);
    assert_eq!(patched.json()["venue"], "Hall A", "absent fields stay");
    app.call(
        "PATCH",
        "/events/fest-2026",
        &admin.access,
        Some(&json!({"ends_at": "2020-01-01T00:00:00Z"})),
    )
    .await
    .problem(400, "validation_failed");
    let got = app
        .call("GET", "/events/fest-2026", &gate.access, None)
        .await
        .json();
    assert_eq!(
        got["ends_at"], "2030-01-01T00:00:00Z",
        "a refused patch changes nothing"
    );

    let gone = generated["id"].as_str().unwrap();
    assert_eq!(
        app.call("DELETE", &format!("/events/{gone}"), &admin.access, None)
            .await
            .status,
        204
    );
    app.call("GET", &format!("/events/{gone}"), &gate.access, None)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn a_listed_event_admits_only_its_tickets_and_logs_every_refusal_with_its_reason() {
    let app = spawn_app().await;
    let admin = app.user_with_role("ls_admin", "admin").await;
    let gate = app.user_with_role("ls_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "gala", "name": "Gala", "mode": "listed"}),
    )
    .await;
    let csv = "ticket_id,holder_name,category\nG-1,\"Sari, Ayu\",VIP\nG-2,Budi,regular\nG-3,Citra,regular\n";
    let report = import(&app, &admin, "gala", csv).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.json()["lines"], 3);
    assert_eq!(report.json()["written"], 3);
    let again = import(&app, &admin, "gala", csv).await;
    assert_eq!(
        again.json()["written"],
        0,
        "a repeated import changes nothing"
    );
    import(&app, &gate, "gala", csv)
        .await
        .problem(403, "admin_required");
    import(&app, &admin, "nope", csv)
        .await
        .problem(404, "not_found");
    import(&app, &admin, "gala", "id,name\n1,x\n")
        .await
        .problem(400, "validation_failed");

    let ok = scan(&app, &gate, "gala", "G-1", "entry").await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(ok.json()["status"], "checked_in");
    assert_eq!(ok.json()["ticket"]["holder_name"], "Sari, Ayu");
    assert_eq!(ok.json()["ticket"]["category"], "VIP");
    let doc = scan(&app, &gate, "gala", "G-1", "entry")
        .await
        .problem(409, "already_checked_in");
    assert_eq!(doc["record"]["ticket_id"], "G-1");
    assert_eq!(doc["ticket"]["category"], "VIP");
    scan(&app, &gate, "gala", "FORGED-9", "entry")
        .await
        .problem(422, "unknown_ticket");
    app.sql("UPDATE tickets SET revoked_at = now() WHERE ticket_id = 'G-3'")
        .await;
    let doc = scan(&app, &gate, "gala", "G-3", "entry")
        .await
        .problem(422, "revoked");
    assert_eq!(doc["ticket"]["holder_name"], "Citra");

    let refused = app
        .call(
            "GET",
            "/events/gala/scans?result=refused",
            &gate.access,
            None,
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    let items = refused.json()["items"].as_array().unwrap().clone();
    let reasons: Vec<&str> = items
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["revoked", "unknown_ticket", "already_checked_in"],
        "newest first"
    );
    assert_eq!(items[0]["gate"], "north");
    assert_eq!(items[0]["username"], "ls_gate");
    let unknown = app
        .call(
            "GET",
            "/events/gala/scans?result=unknown_ticket",
            &gate.access,
            None,
        )
        .await
        .json();
    assert_eq!(unknown["items"].as_array().unwrap().len(), 1);
    assert_eq!(unknown["items"][0]["ticket_id"], "FORGED-9");
    let all = app
        .call("GET", "/events/gala/scans?size=2", &gate.access, None)
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let before = all["next_before"].as_i64().expect("a next page");
    let rest = app
        .call(
            "GET",
            &format!("/events/gala/scans?size=2&before={before}"),
            &gate.access,
            None,
        )
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2, "4 scans in all");
    assert!(rest.get("next_before").is_none());
    app.call("GET", "/events/gala/scans?result=bogus", &gate.access, None)
        .await
        .problem(400, "validation_failed");
}

#[actix_web::test]
async fn the_time_window_is_enforced_and_an_unregistered_event_stays_open() {
    let app = spawn_app().await;
    let admin = app.user_with_role("tw_admin", "admin").await;
    let gate = app.user_with_role("tw_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "later", "name": "Later", "starts_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    create_event(
        &app,
        &admin,
        json!({"id": "past", "name": "Past", "ends_at": "2001-01-01T00:00:00Z"}),
    )
    .await;
    scan(&app, &gate, "later", "A", "entry")
        .await
        .problem(422, "not_started");
    scan(&app, &gate, "past", "A", "entry")
        .await
        .problem(422, "ended");
    assert_eq!(
        scan(&app, &gate, "anything-goes", "A", "entry")
            .await
            .status,
        201
    );
    scan(&app, &gate, "anything-goes", "A", "entry")
        .await
        .problem(409, "already_checked_in");
}

#[actix_web::test]
async fn exits_and_reentry_follow_the_event_and_inside_now_is_counted() {
    let app = spawn_app().await;
    let admin = app.user_with_role("io_admin", "admin").await;
    let gate = app.user_with_role("io_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "club", "name": "Club", "reentry": true}),
    )
    .await;
    create_event(&app, &admin, json!({"id": "show", "name": "Show"})).await;
    let inside = |event: &'static str| {
        let app = &app;
        let gate = &gate;
        async move {
            app.call("GET", &format!("/events/{event}"), &gate.access, None)
                .await
                .json()["inside"]
                .clone()
        }
    };
    scan(&app, &gate, "club", "C1", "exit")
        .await
        .problem(409, "not_inside");
    assert_eq!(scan(&app, &gate, "club", "C1", "entry").await.status, 201);
    assert_eq!(scan(&app, &gate, "club", "C2", "entry").await.status, 201);
    assert_eq!(inside("club").await, 2);
    let out = scan(&app, &gate, "club", "C1", "exit").await;
    assert_eq!(out.status, 201, "{}", out.text);
    assert_eq!(out.json()["status"], "checked_out");
    assert_eq!(inside("club").await, 1);
    assert_eq!(
        scan(&app, &gate, "club", "C1", "entry").await.status,
        201,
        "re-entry allowed"
    );
    assert_eq!(inside("club").await, 2);
    // A capacity set while people are inside starts from the true count.
    let capped = app
        .call(
            "PATCH",
            "/events/club",
            &admin.access,
            Some(&json!({"capacity": 2})),
        )
        .await;
    assert_eq!(capped.status, 200, "{}", capped.text);
    assert_eq!(capped.json()["inside"], 2);
    scan(&app, &gate, "club", "C3", "entry")
        .await
        .problem(409, "capacity_reached");
    assert_eq!(scan(&app, &gate, "club", "C2", "exit").await.status, 201);
    assert_eq!(scan(&app, &gate, "club", "C3", "entry").await.status, 201);
    assert_eq!(inside("club").await, 2);

    assert_eq!(scan(&app, &gate, "show", "S1", "entry").await.status, 201);
    assert_eq!(scan(&app, &gate, "show", "S1", "exit").await.status, 201);
    scan(&app, &gate, "show", "S1", "entry")
        .await
        .problem(409, "already_checked_in");
    assert_eq!(inside("show").await, 0);
    // The attendance list still has one line per admitted ticket.
    let list = app.attendance(&gate.access, "club", "").await.json();
    assert_eq!(list["total_checkins"], 3);
}

#[actix_web::test]
async fn capacity_holds_when_gates_on_two_processes_scan_at_once() {
    // Two processes on one database, sharing the signing secret as replicas do.
    let secret = [(
        "JWT_SECRET",
        "venue-capacity-test-secret-of-32-bytes-or-more",
    )];
    let first = app().settings(&secret).start().await;
    let second = app()
        .settings(&secret)
        .on_database(&first.db_name)
        .start()
        .await;
    let admin = first.user_with_role("cap_admin", "admin").await;
    let gate = first.user_with_role("cap_gate", "committee").await;
    create_event(
        &first,
        &admin,
        json!({"id": "small", "name": "Small", "capacity": 7}),
    )
    .await;
    let scans = (0..60).map(|i| {
        let node = if i % 2 == 0 { &first } else { &second };
        let gate = &gate;
        async move { scan(node, gate, "small", &format!("T{i}"), "entry").await }
    });
    let replies = join_all(scans).await;
    let admitted = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(admitted, 7, "exactly the capacity is admitted");
    for r in replies.iter().filter(|r| r.status != 201) {
        r.problem(409, "capacity_reached");
    }
    let event = first
        .call("GET", "/events/small", &gate.access, None)
        .await
        .json();
    assert_eq!(event["inside"], 7);
    // One goes out, one more comes in.
    let inside = replies.iter().position(|r| r.status == 201).unwrap();
    assert_eq!(
        scan(&second, &gate, "small", &format!("T{inside}"), "exit")
            .await
            .status,
        201
    );
    let later = replies.iter().position(|r| r.status != 201).unwrap();
    assert_eq!(
        scan(&first, &gate, "small", &format!("T{later}"), "entry")
            .await
            .status,
        201
    );
    scan(&second, &gate, "small", "T-late", "entry")
        .await
        .problem(409, "capacity_reached");
}

#[actix_web::test]
async fn fifty_gates_scanning_one_listed_ticket_admit_it_once() {
    let app = spawn_app().await;
    let admin = app.user_with_role("race_admin", "admin").await;
    let gate = app.user_with_role("race_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "race", "name": "Race", "mode": "listed"}),
    )
    .await;
    import(&app, &admin, "race", "ticket_id\nR-1\n").await;
    let replies = join_all((0..50).map(|_| scan(&app, &gate, "race", "R-1", "entry"))).await;
    assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1);
    for r in replies.iter().filter(|r| r.status != 201) {
        r.problem(409, "already_checked_in");
    }
}

#[actix_web::test]
async fn an_admin_annuls_a_check_in_with_a_reason_and_the_ticket_can_enter_again() {
    let app = spawn_app().await;
    let admin = app.user_with_role("an_admin", "admin").await;
    let gate = app.user_with_role("an_gate", "committee").await;
    assert_eq!(
        scan(&app, &gate, "open-fest", "X1", "entry").await.status,
        201
    );
    let body = json!({"ticket_id": "X1", "reason": "scanned the wrong wristband"});
    app.call(
        "POST",
        "/events/open-fest/annulments",
        &gate.access,
        Some(&body),
    )
    .await
    .problem(403, "admin_required");
    app.call(
        "POST",
        "/events/open-fest/annulments",
        &admin.access,
        Some(&json!({"ticket_id": "X1", "reason": " "})),
    )
    .await
    .problem(400, "validation_failed");
    let annulled = app
        .call(
            "POST",
            "/events/open-fest/annulments",
            &admin.access,
            Some(&body),
        )
        .await;
    assert_eq!(annulled.status, 201, "{}", annulled.text);
    assert_eq!(annulled.json()["status"], "annulled");
    app.call(
        "POST",
        "/events/open-fest/annulments",
        &admin.access,
        Some(&body),
    )
    .await
    .problem(409, "not_checked_in");
    assert_eq!(
        scan(&app, &gate, "open-fest", "X1", "entry").await.status,
        201,
        "admitted again"
    );
    let log = app
        .call("GET", "/events/open-fest/scans", &gate.access, None)
        .await
        .json();
    let annul = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["direction"] == "annul" && s["result"] == "ok")
        .expect("the annulment is logged")
        .clone();
    assert_eq!(annul["note"], "scanned the wrong wristband");
    assert_eq!(annul["username"], "an_admin");
}

#[actix_web::test]
async fn offline_uploads_are_idempotent_by_nonce_and_the_first_upload_of_a_ticket_stands() {
    let app = spawn_app().await;
    let admin = app.user_with_role("off_admin", "admin").await;
    let gate_a = app.user_with_role("off_a", "committee").await;
    let gate_b = app.user_with_role("off_b", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "camp", "name": "Camp", "reentry": true}),
    )
    .await;
    // Uploaded out of order: applied by scan time (entry, exit, entry again).
    let upload = json!({"gate": "east", "device": "phone-1", "scans": [
        {"nonce": "a-3", "event_id": "camp", "ticket_id": "K1", "scanned_at": "2026-06-01T10:02:00Z"},
        {"nonce": "a-1", "event_id": "camp", "ticket_id": "K1", "scanned_at": "2026-06-01T10:00:00Z"},
        {"nonce": "a-2", "event_id": "camp", "ticket_id": "K1", "direction": "exit", "scanned_at": "2026-06-01T10:01:00Z"},
        {"nonce": "a-4", "event_id": "camp", "ticket_id": "K2", "scanned_at": "2026-06-01T10:03:00Z"}
    ]});
    let first = app
        .call("POST", "/checkins/batch", &gate_a.access, Some(&upload))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let results = first.json()["results"].as_array().unwrap().clone();
    let nonces: Vec<&str> = results
        .iter()
        .map(|r| r["nonce"].as_str().unwrap())
        .collect();
    assert_eq!(
        nonces,
        ["a-3", "a-1", "a-2", "a-4"],
        "answered in upload order"
    );
    assert!(
        results
            .iter()
            .all(|r| r["result"] == "ok" && r["status"] == 201),
        "{results:?}"
    );
    assert_eq!(
        results[1]["record"]["checked_in_at"], "2026-06-01T10:00:00Z",
        "the scanner's time"
    );

    let replay = app
        .call("POST", "/checkins/batch", &gate_a.access, Some(&upload))
        .await
        .json();
    let replayed = replay["results"].as_array().unwrap();
    assert!(
        replayed
            .iter()
            .all(|r| r["replayed"] == true && r["result"] == "ok"),
        "{replay}"
    );
    let log = app
        .call("GET", "/events/camp/scans?size=100", &admin.access, None)
        .await
        .json();
    assert_eq!(
        log["items"].as_array().unwrap().len(),
        4,
        "a replay logs nothing"
    );
    assert_eq!(log["items"][0]["device"], "phone-1");

    // Gate B was offline too and admitted K2 as well: the first upload stands.
    let late = json!({"scans": [
        {"nonce": "b-1", "event_id": "camp", "ticket_id": "K2", "scanned_at": "2026-06-01T09:59:00Z"}
    ]});
    let answer = app
        .call("POST", "/checkins/batch", &gate_b.access, Some(&late))
        .await
        .json();
    assert_eq!(answer["results"][0]["result"], "already_checked_in");
    assert_eq!(answer["results"][0]["status"], 409);
    assert_eq!(answer["results"][0]["record"]["checked_in_by"], "off_a");

    let too_many: Vec<Value> = (0..1001)
        .map(|i| json!({"nonce": format!("n{i}"), "event_id": "camp", "ticket_id": format!("Z{i}"), "scanned_at": "2026-06-01T10:00:00Z"}))
        .collect();
    app.call(
        "POST",
        "/checkins/batch",
        &gate_a.access,
        Some(&json!({"scans": too_many})),
    )
    .await
    .problem(400, "validation_failed");
    let future = json!({"scans": [{"nonce": "f", "event_id": "camp", "ticket_id": "F", "scanned_at": "2099-01-01T00:00:00Z"}]});
    app.call("POST", "/checkins/batch", &gate_a.access, Some(&future))
        .await
        .problem(400, "validation_failed");
    let visitor = app.user("off_visitor").await;
    app.call("POST", "/checkins/batch", &visitor.access, Some(&late))
        .await
        .problem(403, "committee_required");
}

#[actix_web::test]
async fn the_attendance_export_streams_every_admission_as_csv() {
    let app = spawn_app().await;
    let admin = app.user_with_role("ex_admin", "admin").await;
    let gate = app.user_with_role("ex_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "expo", "name": "Expo", "mode": "listed"}),
    )
    .await;
    import(
        &app,
        &admin,
        "expo",
        "ticket_id,holder_name,category\nE-1,\"Sari, Ayu\",VIP\n",
    )
    .await;
    assert_eq!(scan(&app, &gate, "expo", "E-1", "entry").await.status, 201);
    // More than two chunks of the stream, written directly.
    app.sql(
        "INSERT INTO checkins (event_id, ticket_id, checked_in_by, checked_in_at, inside)
         SELECT 'expo', 'B-' || lpad(n::text, 6, '0'), 'bulk', now() + n * interval '1 ms', false
         FROM generate_series(1, 12000) AS n",
    )
    .await;
    let reply = app
        .call("GET", "/events/expo/attendance.csv", &gate.access, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = reply.text.lines().collect();
    assert_eq!(lines.len(), 1 + 12_001);
    assert_eq!(
        lines[0],
        "ticket_id,holder_name,category,checked_in_by,checked_in_at,inside"
    );
    assert!(
        lines[1].starts_with("E-1,\"Sari, Ayu\",VIP,ex_gate,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",true"));
    assert!(lines[2].starts_with("B-000001,,,bulk,"));
    assert!(
        lines[12_001].starts_with("B-012000,"),
        "oldest first, nothing lost"
    );
    let visitor = app.user("ex_visitor").await;
    app.call("GET", "/events/expo/attendance.csv", &visitor.access, None)
        .await
        .problem(403, "committee_required");
}

/// Runs `troupe tickets import EVENT FILE` on the test app's database.
fn troupe_import(app: &TestApp, event: &str, file: &std::path::Path) -> std::process::Output {
    app.troupe(&[
        std::ffi::OsStr::new("tickets"),
        std::ffi::OsStr::new("import"),
        std::ffi::OsStr::new(event),
        file.as_os_str(),
    ])
}

#[actix_web::test]
async fn the_cli_imports_a_ticket_list_file_in_chunks() {
    let app = spawn_app().await;
    let admin = app.user_with_role("cli_admin", "admin").await;
    let gate = app.user_with_role("cli_gate", "committee").await;
    create_event(
        &app,
        &admin,
        json!({"id": "cli-fest", "name": "CLI", "mode": "listed"}),
    )
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tickets.csv");
    let mut text = String::from("ticket_id,holder_name,category\n");
    for i in 0..12_000 {
        text.push_str(&format!("C-{i},\"Holder, {i}\",regular\n"));
    }
    std::fs::write(&file, &text).expect("written");
    let out = troupe_import(&app, "cli-fest", &file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("imported 12000 tickets into cli-fest (12000 new or changed)"),
        "{stdout}"
    );
    let ok = scan(&app, &gate, "cli-fest", "C-11999", "entry").await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(ok.json()["ticket"]["holder_name"], "Holder, 11999");

    std::fs::write(&file, "ticket_id\nfine\nhas space\n").expect("written");
    let bad = troupe_import(&app, "cli-fest", &file);
    assert!(!bad.status.success());
    let said = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(said(&bad).contains("line 3: ticket_id"), "{bad:?}");
    let missing = troupe_import(&app, "no-such-event", &file);
    assert!(!missing.status.success());
    assert!(said(&missing).contains("no event"), "{missing:?}");
}
