//! SPEC §1 as one table: every endpoint × every kind of caller, with the status
//! the spec demands. Each cell runs against fresh resources (a project and a file
//! of the owner, a target user), so no cell depends on another's side effects.

use serde_json::{Value, json};

use crate::support::media_fixtures::png;
use crate::support::{PASSWORD, ROOT_PASSWORD, ROOT_USERNAME, TestApp, TestUser, spawn_app};

/// The callers, in the order of each row's expectations.
const CALLERS: [&str; 6] = [
    "anonymous",
    "user",
    "owner",
    "committee",
    "admin",
    "superadmin",
];

/// `{project}`, `{media}`, `{user}` (a target user of role `user`), `{session}` (a
/// session of that user), `{owner}` and `{ticket}` (unique) are filled in per cell.
struct Row {
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    expect: [u16; 6],
}

const fn row(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    expect: [u16; 6],
) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

const TABLE: &[Row] = &[
    // Public reads.
    row("GET", "/health", None, [200, 200, 200, 200, 200, 200]),
    row("GET", "/projects", None, [200, 200, 200, 200, 200, 200]),
    row(
        "GET",
        "/projects/{project}",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/projects/user/{owner}",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/profiles/{owner}",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/search?query=matrix",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/search/suggest?query=mat",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/media/{media}",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/media?project_id={project}",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    // Any authenticated caller.
    row("GET", "/auth/me", None, [401, 200, 200, 200, 200, 200]),
    row("GET", "/users", None, [401, 200, 200, 200, 200, 200]),
    row("GET", "/users/{user}", None, [401, 200, 200, 200, 200, 200]),
    row("GET", "/profile/me", None, [401, 200, 200, 200, 200, 200]),
    row(
        "PATCH",
        "/profile/me",
        Some(r#"{"bio": "hi"}"#),
        [401, 200, 200, 200, 200, 200],
    ),
    row(
        "POST",
        "/projects",
        Some(r#"{"title": "mine"}"#),
        [401, 201, 201, 201, 201, 201],
    ),
    row(
        "POST",
        "/auth/logout-all",
        None,
        [401, 200, 200, 200, 200, 200],
    ),
    row(
        "GET",
        "/auth/sessions",
        None,
        [401, 200, 200, 200, 200, 200],
    ),
    row(
        "POST",
        "/auth/sessions/revoke-others",
        None,
        [401, 200, 200, 200, 200, 200],
    ),
    // Another user's session is nobody else's to end here (admins use /users/…).
    row(
        "DELETE",
        "/auth/sessions/{session}",
        None,
        [401, 404, 404, 404, 404, 404],
    ),
    row(
        "GET",
        "/.well-known/jwks.json",
        None,
        [200, 200, 200, 200, 200, 200],
    ),
    // The owner or an admin.
    row(
        "PATCH",
        "/projects/{project}",
        Some(r#"{"title": "t"}"#),
        [401, 403, 200, 403, 200, 200],
    ),
    row(
        "PUT",
        "/projects/{project}",
        Some(r#"{"title": "t"}"#),
        [401, 403, 200, 403, 200, 200],
    ),
    row(
        "PUT",
        "/projects/{project}/thumbnail",
        Some(r#"{"thumbnail_url": "/media/x.jpg"}"#),
        [401, 403, 200, 403, 200, 200],
    ),
    row(
        "DELETE",
        "/projects/{project}",
        None,
        [401, 403, 204, 403, 204, 204],
    ),
    row(
        "DELETE",
        "/media/{media}",
        None,
        [401, 403, 204, 403, 204, 204],
    ),
    row(
        "PATCH",
        "/users/{owner}",
        Some(r#"{"name": "New Name"}"#),
        [401, 403, 200, 403, 200, 200],
    ),
    // Committee and above.
    row(
        "POST",
        "/checkins",
        Some(r#"{"event_id": "matrix", "ticket_id": "{ticket}"}"#),
        [401, 403, 403, 201, 201, 201],
    ),
    row(
        "GET",
        "/attendance/matrix",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    row(
        "POST",
        "/checkins/batch",
        Some(
            r#"{"scans": [{"nonce": "n{ticket}", "event_id": "matrix", "ticket_id": "b{ticket}", "scanned_at": "2026-01-01T00:00:00Z"}]}"#,
        ),
        [401, 403, 403, 200, 200, 200],
    ),
    row("GET", "/events", None, [401, 403, 403, 200, 200, 200]),
    row(
        "GET",
        "/events/matrix-ev",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    row(
        "GET",
        "/events/matrix-ev/scans",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    row(
        "GET",
        "/events/matrix-ev/attendance.csv",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    row(
        "GET",
        "/events/matrix-ev/signing-key",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    row(
        "GET",
        "/events/matrix-ev/tickets/revoked",
        None,
        [401, 403, 403, 200, 200, 200],
    ),
    // Admin and above.
    row(
        "POST",
        "/users",
        Some(r#"{"username": "made{ticket}", "password": "made-password-1"}"#),
        [401, 403, 403, 403, 201, 201],
    ),
    row(
        "DELETE",
        "/users/{user}",
        None,
        [401, 403, 403, 403, 204, 204],
    ),
    row(
        "POST",
        "/admin/reindex-projects",
        None,
        [401, 403, 403, 403, 202, 202],
    ),
    row(
        "POST",
        "/events",
        Some(r#"{"id": "ev{ticket}", "name": "Matrix {ticket}"}"#),
        [401, 403, 403, 403, 201, 201],
    ),
    row(
        "PATCH",
        "/events/matrix-ev",
        Some(r#"{"venue": "Hall {ticket}"}"#),
        [401, 403, 403, 403, 200, 200],
    ),
    row(
        "DELETE",
        "/events/never-made",
        None,
        [401, 403, 403, 403, 404, 404],
    ),
    row(
        "POST",
        "/events/matrix-ev/tickets",
        Some(r#"{"tickets": [{"ticket_id": "t{ticket}"}]}"#),
        [401, 403, 403, 403, 201, 201],
    ),
    row(
        "POST",
        "/events/matrix-ev/tickets/t{ticket}/revoke",
        None,
        [401, 403, 403, 403, 204, 204],
    ),
    row(
        "POST",
        "/events/matrix-ev/tickets/import",
        None,
        [401, 403, 403, 403, 415, 415],
    ),
    row(
        "POST",
        "/events/matrix/annulments",
        Some(r#"{"ticket_id": "never{ticket}", "reason": "matrix"}"#),
        [401, 403, 403, 403, 409, 409],
    ),
    // A user's sessions and lockout: admins, for users of lower rank.
    row(
        "GET",
        "/users/{user}/sessions",
        None,
        [401, 403, 403, 403, 200, 200],
    ),
    row(
        "DELETE",
        "/users/{user}/sessions/{session}",
        None,
        [401, 403, 403, 403, 204, 204],
    ),
    row(
        "DELETE",
        "/users/{user}/lockout",
        None,
        [401, 403, 403, 403, 204, 204],
    ),
    // Granting roles: only a role strictly above (superadmin: any).
    row(
        "PATCH",
        "/users/{user}",
        Some(r#"{"role": "committee"}"#),
        [401, 403, 403, 403, 200, 200],
    ),
    row(
        "PATCH",
        "/users/{user}",
        Some(r#"{"role": "admin"}"#),
        [401, 403, 403, 403, 403, 200],
    ),
];

struct Cast {
    names: [&'static str; 5],
    user: TestUser,
    owner: TestUser,
    committee: TestUser,
    admin: TestUser,
    superadmin: TestUser,
}

impl Cast {
    async fn renew(&mut self, app: &TestApp, caller: usize) {
        let password = if caller == 5 { ROOT_PASSWORD } else { PASSWORD };
        let fresh = app.login_user(self.names[caller - 1], password).await;
        let slot = match caller {
            1 => &mut self.user,
            2 => &mut self.owner,
            3 => &mut self.committee,
            4 => &mut self.admin,
            _ => &mut self.superadmin,
        };
        slot.access = fresh.access;
    }

    fn token(&self, caller: &str) -> Option<&str> {
        let user = match caller {
            "user" => &self.user,
            "owner" => &self.owner,
            "committee" => &self.committee,
            "admin" => &self.admin,
            "superadmin" => &self.superadmin,
            _ => return None,
        };
        Some(&user.access)
    }
}

/// Fresh resources for one cell, as placeholder values.
async fn resources(app: &TestApp, cast: &Cast, cell: usize) -> Vec<(&'static str, String)> {
    let body = json!({"title": format!("matrix project {cell}")});
    let project = app.create_project(&cast.owner.access, &body).await.json();
    let project = project["id"].as_str().expect("project").to_owned();
    let media = app
        .upload(&cast.owner.access, "m.png", png(8, 8), Some(&project))
        .await
        .json();
    let target = json!({"username": format!("target{cell}"), "password": PASSWORD, "role": "user"});
    let target = app
        .create_user(&cast.superadmin.access, &target)
        .await
        .json();
    let login = app.login_user(&format!("target{cell}"), PASSWORD).await;
    let sessions = app
        .call("GET", "/auth/sessions", &login.access, None)
        .await
        .json();
    let session = sessions[0]["id"].as_str().expect("session").to_owned();
    vec![
        ("{session}", session),
        ("{project}", project),
        ("{media}", media["id"].as_str().expect("media").to_owned()),
        ("{user}", target["id"].as_str().expect("user").to_owned()),
        ("{owner}", cast.owner.id.clone()),
        ("{ticket}", format!("{cell}")),
    ]
}

#[actix_web::test]
async fn every_endpoint_answers_every_kind_of_caller_as_spec_section_1_says() {
    let app = spawn_app().await;
    let mut cast = Cast {
        names: ["someone", "owner", "clerk", "ada", ROOT_USERNAME],
        user: app.user("someone").await,
        owner: app.user("owner").await,
        committee: app.user_with_role("clerk", "committee").await,
        admin: app.user_with_role("ada", "admin").await,
        superadmin: app.root().await,
    };
    let event = json!({"id": "matrix-ev", "name": "Matrix", "mode": "signed"});
    let made = app
        .call("POST", "/events", &cast.superadmin.access, Some(&event))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let mut failures = Vec::new();
    let mut cell = 0;
    for row in TABLE {
        for (i, caller) in CALLERS.iter().enumerate() {
            cell += 1;
            let fill = resources(&app, &cast, cell).await;
            let substitute = |text: &str| {
                fill.iter()
                    .fold(text.to_owned(), |acc, (key, value)| acc.replace(key, value))
            };
            let path = substitute(row.path);
            let method = reqwest::Method::from_bytes(row.method.as_bytes()).expect("method");
            let mut req = app.client.request(method, app.url(&path));
            if let Some(token) = cast.token(caller) {
                req = req.bearer_auth(token);
            }
            if let Some(body) = row.body {
                let body: Value = serde_json::from_str(&substitute(body)).expect("row body");
                req = req.json(&body);
            }
            let reply = app.send(req).await;
            if row.path == "/auth/logout-all" && i > 0 {
                // It ended the caller's session: log them in again.
                cast.renew(&app, i).await;
            }
            if reply.status != row.expect[i] {
                failures.push(format!(
                    "{} {} as {caller}: {} (expected {}) {}",
                    row.method, row.path, reply.status, row.expect[i], reply.text
                ));
            } else if reply.status >= 400 {
                let code = reply.json()["code"].as_str().unwrap_or_default().to_owned();
                reply.problem(reply.status, &code);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ from SPEC §1:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
