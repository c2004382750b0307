//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the
//! Swagger UI served from the binary's own (vendored) assets.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::http::{
    attendance, auth, dead_events, live, media, media_files, ops, problem, profiles, projects,
    search, sessions, signed_tickets, users, venue_events,
};
use crate::problem_code::ProblemCode;

#[derive(OpenApi)]
#[openapi(
    info(title = "Troupe", description = "Accounts, profiles, portfolio projects, media, search and event check-in.",
        license(name = "MIT", identifier = "MIT")),
    servers(
        (url = "/", description = "This server, at its root"),
        (url = "/api/v1", description = "This server, under the versioned prefix (the same operations)"),
    ),
    tags(
        (name = "operations", description = "Health, readiness and metrics for orchestrators"),
        (name = "auth", description = "Registration, login, token refresh, logout, sessions and the public keys (JWKS)"),
        (name = "users", description = "User accounts and their administration"),
        (name = "profiles", description = "Personal profiles"),
        (name = "projects", description = "Portfolio projects"),
        (name = "search", description = "Project search and suggestions"),
        (name = "media", description = "Image uploads, thumbnails and the files themselves"),
        (name = "attendance", description = "Event ticket check-in and attendance lists"),
        (name = "events", description = "Dead letters of the event backbone: list, replay, discard"),
        (name = "venue", description = "Events a venue runs: rules, ticket lists, the scans log"),
    ),
    paths(
        ops::health, ops::ready, ops::prometheus_metrics,
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all, auth::verify, auth::me,
        sessions::mine, sessions::revoke_mine, sessions::revoke_others, sessions::jwks,
        users::list, users::get, users::create, users::update, users::delete,
        sessions::of_user, sessions::revoke_of_user, sessions::clear_lockout,
        attendance::check_in, attendance::batch, attendance::annul, attendance::list,
        venue_events::create, venue_events::list, venue_events::get, venue_events::update,
        venue_events::delete, venue_events::import_tickets, venue_events::scans,
        venue_events::export_attendance, signed_tickets::issue, signed_tickets::signing_key,
        signed_tickets::revoked, signed_tickets::revoke, live::watch,
        profiles::me, profiles::update, profiles::public,
        projects::create, projects::get, projects::list, projects::by_user, projects::update,
        projects::set_thumbnail, projects::delete, projects::reindex,
        search::search, search::suggest,
        media::upload, media::get, media::list, media::delete, media_files::upload, media_files::thumbnail,
        dead_events::list, dead_events::replay, dead_events::replay_matching, dead_events::discard,
    ),
    components(schemas(problem::Problem)),
    modifiers(&BearerAuth, &ProblemResponses, &MethodAliases, &ProblemCodes),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// `Problem.code` lists the table of codes (`ProblemCode`), each with its status.
struct ProblemCodes;

impl utoipa::Modify for ProblemCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") else {
            return;
        };
        let names: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        let table: Vec<String> = ProblemCode::ALL
            .iter()
            .map(|c| format!("`{}` {}", c.as_str(), c.status()))
            .collect();
        let code = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names))
            .description(Some(format!(
                "Stable machine-readable code, with the status it answers with: {}",
                table.join(", ")
            )))
            .build();
        problem
            .properties
            .insert("code".to_owned(), RefOr::T(Schema::Object(code)));
    }
}

/// Errors are `application/problem+json` (not the `application/json` the
/// annotations default to), and every operation documents a `default` problem
/// response for the statuses any route can give (401, 405, 413, 429, 500, 503…).
struct ProblemResponses;

fn problem_content() -> utoipa::openapi::Content {
    utoipa::openapi::ContentBuilder::new()
        .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
        .build()
}

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                document_problems(operation);
            }
        }
    }
}

/// One operation: the 401/400 it may give, described statuses, problem+json for
/// errors, and the `default` problem.
fn document_problems(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{RefOr, ResponseBuilder};
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut ensure = |status: &str, description: &str| {
        let answer = ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", problem_content())
            .build();
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert(RefOr::T(answer));
    };
    if secured {
        ensure("401", "No valid access token (`Authorization: Bearer`)");
    }
    if operation.request_body.is_some() {
        ensure("400", "The body is malformed or a field is invalid");
    }
    if !secured {
        // Explicitly public: no security requirement at all.
        operation.security = Some(Vec::new());
    }
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        // OpenAPI requires a description; the status's name where the annotation
        // gave none.
        if response.description.is_empty() {
            response.description = status
                .parse::<u16>()
                .ok()
                .and_then(|code| actix_web::http::StatusCode::from_u16(code).ok())
                .and_then(|code| code.canonical_reason())
                .unwrap_or("Answer")
                .to_owned();
        }
        let is_error = status.starts_with('4') || status.starts_with('5');
        if is_error && response.content.shift_remove("application/json").is_some() {
            response.content.insert(
                "application/problem+json".to_owned(),
                RefOr::T(problem_content()),
            );
        }
    }
    let fallback = ResponseBuilder::new()
        .description("Any other error, as a problem document (SPEC §0)")
        .content("application/problem+json", problem_content())
        .build();
    operation
        .responses
        .responses
        .insert("default".to_owned(), RefOr::T(fallback));
}

/// PUT and PATCH that share one handler (SPEC §2, §3) are one annotation, so both
/// would carry the same `operationId`; the alias gets its method as a suffix, so
/// every id stays unique for code generators.
const ALIASES: [(&str, &str); 3] = [
    ("/profile/me", "patch"),
    ("/projects/{id}", "put"),
    ("/users/{id}", "put"),
];

struct MethodAliases;

impl utoipa::Modify for MethodAliases {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, method) in ALIASES {
            let Some(item) = openapi.paths.paths.get_mut(path) else {
                continue;
            };
            let (alias, suffix) = match method {
                "put" => (item.put.as_mut(), "WithPut"),
                _ => (item.patch.as_mut(), "WithPatch"),
            };
            if let Some(operation) = alias {
                if let Some(id) = &mut operation.operation_id {
                    id.push_str(suffix);
                }
                let summary = operation.summary.take().unwrap_or_default();
                operation.summary = Some(format!(
                    "{} ({} alias)",
                    summary.trim_end_matches('.'),
                    method.to_ascii_uppercase()
                ));
            }
        }
    }
}

/// `/docs/` (Swagger UI) and `/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi())
}

/// `GET /docs` and `GET /api/v1/docs`: 308 to the Swagger UI at `/docs/`.
pub async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_unique_operation_id_and_a_summary() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serialises");
        let mut seen = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let id = op["operationId"].as_str().unwrap_or_default();
                assert!(!id.is_empty(), "{method} {path} has no operationId");
                assert!(seen.insert(id.to_owned()), "{id} is used twice");
                let summary = op["summary"].as_str().unwrap_or_default();
                assert!(!summary.is_empty(), "{method} {path} has no summary");
            }
        }
        assert!(seen.contains("updateProjectWithPut") && seen.contains("updateProject"));
    }
}
