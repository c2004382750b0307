//! The one place that lists every route. The API is mounted twice: at the root and
//! under `/api/v1` (SPEC §0).

use actix_web::web::{self, ServiceConfig, delete, get, patch, post, put, resource};

use crate::config::ProcessRole;
use crate::http::{
    attendance, auth, dead_events, live, media, media_files, openapi, ops, problem, profiles,
    projects, search, sessions, signed_tickets, users, venue_events, web_app,
};

/// Largest accepted JSON body (SPEC §0).
pub const JSON_LIMIT: usize = 64 * 1024;

/// Extractor settings shared by every route: size limits and problem-shaped errors.
pub fn extractors(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(problem::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(problem::query_error))
    .app_data(web::PathConfig::default().error_handler(problem::path_error));
}

/// Routes for this process's role. A worker serves only the operations routes so
/// that orchestrators can probe it.
pub fn for_role(role: ProcessRole) -> impl Fn(&mut ServiceConfig) + Clone {
    move |cfg: &mut ServiceConfig| {
        operations(cfg);
        if role.serves_api() {
            cfg.service(
                web::scope("/api/v1")
                    .configure(operations)
                    .configure(api)
                    .service(resource(["/docs", "/docs/"]).route(get().to(openapi::docs_redirect))),
            );
            api(cfg);
            // Only `/docs` here: `/docs/` is the UI itself.
            cfg.service(resource("/docs").route(get().to(openapi::docs_redirect)))
                .service(openapi::swagger_ui());
            web_pages(cfg);
        }
    }
}

/// The web app: `/` leads to it; its pages and files live under `/app/` only.
fn web_pages(cfg: &mut ServiceConfig) {
    cfg.service(resource("/").route(get().to(web_app::root)))
        .service(resource("/app/assets/{name}").route(get().to(web_app::asset)))
        .service(resource(["/app", "/app/", "/app/{page:.*}"]).route(get().to(web_app::page)));
}

fn operations(cfg: &mut ServiceConfig) {
    cfg.service(resource("/health").route(get().to(ops::health)))
        .service(resource("/ready").route(get().to(ops::ready)))
        .service(resource("/metrics").route(get().to(ops::prometheus_metrics)));
}

/// The API's route table, one line per route in SPEC order: long, but a table is
/// easier to check against SPEC whole than split.
fn api(cfg: &mut ServiceConfig) {
    cfg.service(resource("/auth/register").route(post().to(auth::register)))
        .service(resource("/auth/login").route(post().to(auth::login)))
        .service(resource("/auth/refresh").route(post().to(auth::refresh)))
        .service(resource("/auth/logout").route(post().to(auth::logout)))
        .service(resource("/auth/logout-all").route(post().to(auth::logout_all)))
        .service(resource("/auth/verify").route(get().to(auth::verify)))
        .service(resource("/auth/me").route(get().to(auth::me)))
        .service(resource("/auth/sessions").route(get().to(sessions::mine)))
        .service(resource("/auth/sessions/revoke-others").route(post().to(sessions::revoke_others)))
        .service(resource("/auth/sessions/{id}").route(delete().to(sessions::revoke_mine)))
        .service(resource("/.well-known/jwks.json").route(get().to(sessions::jwks)))
        // Compatibility aliases of the seeds' clients (SPEC §2).
        .service(resource("/auth/token").route(post().to(auth::login)))
        .service(resource("/auth/refresh-token").route(post().to(auth::refresh)))
        .service(resource("/users/register").route(post().to(auth::register)))
        .service(resource("/users/login").route(post().to(auth::login)))
        .service(resource("/users/logout").route(post().to(auth::logout)))
        // After the aliases: `/users/{id}` would otherwise claim `/users/login`.
        .service(
            resource("/users")
                .route(get().to(users::list))
                .route(post().to(users::create)),
        )
        .service(
            resource("/profile/me")
                .route(get().to(profiles::me))
                .route(put().to(profiles::update))
                .route(patch().to(profiles::update)),
        )
        .service(resource("/profiles/{user_id}").route(get().to(profiles::public)))
        .service(
            resource("/projects")
                .route(get().to(projects::list))
                .route(post().to(projects::create)),
        )
        .service(resource("/projects/user/{user_id}").route(get().to(projects::by_user)))
        .service(
            resource("/projects/{id}")
                .route(get().to(projects::get))
                .route(put().to(projects::update))
                .route(patch().to(projects::update))
                .route(delete().to(projects::delete)),
        )
        .service(resource("/projects/{id}/thumbnail").route(put().to(projects::set_thumbnail)))
        .service(resource("/admin/reindex-projects").route(post().to(projects::reindex)))
        .service(resource("/admin/dead-events").route(get().to(dead_events::list)))
        .service(
            resource("/admin/dead-events/replay").route(post().to(dead_events::replay_matching)),
        )
        .service(resource("/admin/dead-events/{id}/replay").route(post().to(dead_events::replay)))
        .service(resource("/admin/dead-events/{id}").route(delete().to(dead_events::discard)))
        .service(resource("/search").route(get().to(search::search)))
        .service(resource("/search/suggest").route(get().to(search::suggest)))
        .service(resource("/media/upload").route(post().to(media::upload)))
        .service(resource("/media/uploads/{path:.*}").route(get().to(media_files::upload)))
        .service(resource("/media/thumbnails/{path:.*}").route(get().to(media_files::thumbnail)))
        .service(resource("/media").route(get().to(media::list)))
        .service(
            resource("/media/{id}")
                .route(get().to(media::get))
                .route(delete().to(media::delete)),
        )
        .service(resource("/checkins").route(post().to(attendance::check_in)))
        .service(
            resource("/checkins/batch")
                .app_data(
                    web::JsonConfig::default()
                        .limit(attendance::BATCH_LIMIT)
                        .error_handler(problem::json_error),
                )
                .route(post().to(attendance::batch)),
        )
        .service(resource("/attendance/{event_id}").route(get().to(attendance::list)))
        .service(
            resource("/events")
                .route(get().to(venue_events::list))
                .route(post().to(venue_events::create)),
        )
        .service(
            resource("/events/{id}")
                .route(get().to(venue_events::get))
                .route(patch().to(venue_events::update))
                .route(delete().to(venue_events::delete)),
        )
        .service(
            resource("/events/{id}/tickets/import").route(post().to(venue_events::import_tickets)),
        )
        .service(resource("/events/{id}/scans").route(get().to(venue_events::scans)))
        .service(resource("/events/{id}/live").route(get().to(live::watch)))
        .service(resource("/events/{id}/tickets").route(post().to(signed_tickets::issue)))
        .service(resource("/events/{id}/tickets/revoked").route(get().to(signed_tickets::revoked)))
        .service(
            resource("/events/{id}/tickets/{ticket_id}/revoke")
                .route(post().to(signed_tickets::revoke)),
        )
        .service(resource("/events/{id}/signing-key").route(get().to(signed_tickets::signing_key)))
        .service(
            resource("/events/{id}/attendance.csv")
                .route(get().to(venue_events::export_attendance)),
        )
        .service(resource("/events/{id}/annulments").route(post().to(attendance::annul)))
        .service(resource("/users/{id}/sessions").route(get().to(sessions::of_user)))
        .service(
            resource("/users/{id}/sessions/{session_id}")
                .route(delete().to(sessions::revoke_of_user)),
        )
        .service(resource("/users/{id}/lockout").route(delete().to(sessions::clear_lockout)))
        .service(
            resource("/users/{id}")
                .route(get().to(users::get))
                .route(patch().to(users::update))
                .route(put().to(users::update))
                .route(delete().to(users::delete)),
        );
}

/// The fallback when no route matches: 405 for a known path with another method,
/// else 404.
pub async fn unknown_route(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    let status = if req.resource_map().has_resource(req.path()) {
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED
    } else {
        actix_web::http::StatusCode::NOT_FOUND
    };
    problem::for_status(status)
}
