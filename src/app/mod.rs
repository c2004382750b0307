//! Wiring by `ROLE`: connect the database, start the supervised actors (`wiring`),
//! bind and start the HTTP server. Tests build the very same `Application` on port 0.

mod wiring;

pub use wiring::open_store;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};

use crate::actors::Actors;
use crate::actors::auth::signing_keys::{KeyError, KeySource};
use crate::config::{BootstrapAdmin, Config};
use crate::db::{self, DbSetupError, token_revocations};
use crate::error::AppError;
use crate::events::routing::Route;
use crate::http::client_ip::TrustedProxies;
use crate::http::compression::{self, CompressionPolicy};
use crate::http::media::UploadLimits;
use crate::http::{cors, request_context::request_context, routes};

/// How long in-flight requests get to finish after SIGTERM (SPEC §10).
const SHUTDOWN_GRACE_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbSetupError),
    #[error("cannot start: {0}")]
    Setup(std::io::Error),
    #[error("cannot start: {0}")]
    Keys(KeyError),
    #[error("BOOTSTRAP_ADMIN: {0}")]
    Bootstrap(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// HTTP worker threads: one per core (actix's own default, made explicit because
/// each worker's actors get a database pool of their own, sized by this count).
fn http_workers() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// A built, not yet running, Troupe process.
pub struct Application {
    port: u16,
    server: Server,
    actors: Actors,
    pool: db::DbPool,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with(config, Vec::new()).await
    }

    /// Like `build`, with extra event routes (tests use this to watch events).
    pub async fn build_with(config: Config, routes: Vec<Route>) -> Result<Self, StartupError> {
        let pool = db::connect(&config).await?;
        let source = KeySource::new(&config).map_err(StartupError::Keys)?;
        let ring = source.load(&pool).await.map_err(StartupError::Keys)?;
        let actors = Actors::start(&config, pool.clone(), routes, source, ring)
            .map_err(StartupError::Setup)?;
        // Before the first request: the revocations of the last token lifetime (the
        // feed actor reads them again whenever its LISTEN session (re)opens).
        let recent = {
            let db = pool
                .get()
                .await
                .map_err(|e| StartupError::Setup(std::io::Error::other(e)))?;
            token_revocations::recent(&db, actors.revocations.keep_secs())
                .await
                .map_err(|e| StartupError::Setup(std::io::Error::other(e)))?
        };
        actors.revocations.replace(recent);
        if let Some(admin) = &config.auth.bootstrap_admin {
            bootstrap_admin(&actors, admin).await?;
        }

        let addr = format!("{}:{}", config.server.host, config.server.port);
        let bind_error = |source| StartupError::Bind {
            addr: addr.clone(),
            source,
        };
        let listener = TcpListener::bind(&addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let role = config.server.role;
        let shared = web::Data::new(actors.clone());
        let keys = web::Data::from(actors.keys.clone());
        let revocations = web::Data::from(actors.revocations.clone());
        let proxies = web::Data::new(TrustedProxies(config.auth.trusted_proxies.clone()));
        let uploads = web::Data::new(UploadLimits::new(config.media.max_upload_bytes));
        let cors_origins = config.server.cors_allowed_origins.clone();
        let cors_enabled = cors::enabled(&cors_origins);
        let compression = web::Data::new(CompressionPolicy {
            min_bytes: config.server.compress_min_bytes,
        });
        let server = HttpServer::new(move || {
            let worker_actors = web::Data::new(shared.start_worker_actors());
            // Wrapped last is outermost: CORS sees every answer, and the request
            // context turns even a refused preflight into a problem document;
            // compression (innermost) sees only what a handler answered.
            App::new()
                .wrap(Condition::new(
                    cors_enabled,
                    cors::middleware(&cors_origins),
                ))
                .wrap(Condition::new(cors_enabled, from_fn(cors::strip_refused)))
                .wrap(from_fn(request_context))
                .wrap(from_fn(compression::compress_json))
                .app_data(compression.clone())
                .app_data(shared.clone())
                .app_data(worker_actors)
                .app_data(keys.clone())
                .app_data(revocations.clone())
                .app_data(proxies.clone())
                .app_data(uploads.clone())
                .configure(routes::extractors)
                .configure(routes::for_role(role))
                .default_service(web::to(routes::unknown_route))
        })
        .workers(http_workers())
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .listen(listener)
        .map_err(bind_error)?
        .run();

        tracing::info!(%addr, port, role = ?role, "troupe is listening");
        Ok(Application {
            port,
            server,
            actors,
            pool,
        })
    }

    /// The port actually bound (useful with `APP_PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn actors(&self) -> &Actors {
        &self.actors
    }

    /// The database pool (tests record events through it).
    pub fn pool(&self) -> db::DbPool {
        self.pool.clone()
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Creates the `BOOTSTRAP_ADMIN_*` superadmin unless that username exists.
async fn bootstrap_admin(actors: &Actors, admin: &BootstrapAdmin) -> Result<(), StartupError> {
    match actors.auth.ensure_bootstrap_admin(admin).await {
        Ok(true) => tracing::info!(username = %admin.username, "created the bootstrap superadmin"),
        Ok(false) => {
            tracing::info!(username = %admin.username, "bootstrap user exists; left unchanged")
        }
        Err(AppError::Validation { detail, .. }) => return Err(StartupError::Bootstrap(detail)),
        Err(e) => return Err(StartupError::Bootstrap(e.to_string())),
    }
    Ok(())
}

/// `troupe serve`.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let app = Application::build(config).await?;
    app.run_until_stopped().await?;
    tracing::info!("troupe stopped");
    Ok(())
}
