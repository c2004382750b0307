//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the
//! Swagger UI served from the binary's own (vendored) assets.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::http::{
    attendance, auth, media, media_files, ops, problem, profiles, projects, search, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Troupe", description = "Accounts, profiles, portfolio projects, media, search and event check-in."),
    paths(
        ops::health, ops::ready, ops::prometheus_metrics,
        auth::register, auth::login, auth::refresh, auth::logout, auth::logout_all, auth::verify, auth::me,
        users::list, users::get, users::create, users::update, users::delete,
        attendance::check_in, attendance::list,
        profiles::me, profiles::update, profiles::public,
        projects::create, projects::get, projects::list, projects::by_user, projects::update,
        projects::set_thumbnail, projects::delete, projects::reindex,
        search::search, search::suggest,
        media::upload, media::get, media::list, media::delete, media_files::upload, media_files::thumbnail,
    ),
    components(schemas(problem::Problem)),
    modifiers(&BearerAuth, &ProblemResponses),
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

/// Errors are `application/problem+json` (not the `application/json` the
/// annotations default to), and every operation documents a `default` problem
/// response for the statuses any route can give (401, 405, 413, 429, 500, 503…).
struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if let (true, RefOr::T(response)) = (is_error, response)
                        && response.content.shift_remove("application/json").is_some()
                    {
                        response
                            .content
                            .insert("application/problem+json".to_owned(), RefOr::T(problem()));
                    }
                }
                let fallback = ResponseBuilder::new()
                    .description("Any other error, as a problem document (SPEC §0)")
                    .content("application/problem+json", problem())
                    .build();
                operation
                    .responses
                    .responses
                    .insert("default".to_owned(), RefOr::T(fallback));
            }
        }
    }
}

/// `/docs` (Swagger UI) and `/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi())
}
