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
    modifiers(&BearerAuth),
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

/// `/docs` (Swagger UI) and `/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi())
}
