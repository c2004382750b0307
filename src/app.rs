//! Wiring by `ROLE`: connect the database, start the supervised actors, bind and
//! start the HTTP server. Tests build the very same `Application` on port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::actors::Actors;
use crate::config::Config;
use crate::db::{self, DbSetupError};
use crate::http::{request_context::request_context, routes};

/// How long in-flight requests get to finish after SIGTERM (SPEC §10).
const SHUTDOWN_GRACE_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// A built, not yet running, Troupe process.
pub struct Application {
    port: u16,
    server: Server,
    actors: Actors,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let pool = db::connect(&config).await?;
        let actors = Actors::start(&config, pool);

        let addr = format!("{}:{}", config.host, config.port);
        let bind_error = |source| StartupError::Bind {
            addr: addr.clone(),
            source,
        };
        let listener = TcpListener::bind(&addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let role = config.role;
        let shared = web::Data::new(actors.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(request_context))
                .app_data(shared.clone())
                .configure(routes::extractors)
                .configure(routes::for_role(role))
                .default_service(web::to(routes::unknown_route))
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .listen(listener)
        .map_err(bind_error)?
        .run();

        tracing::info!(%addr, port, role = ?role, "troupe is listening");
        Ok(Application {
            port,
            server,
            actors,
        })
    }

    /// The port actually bound (useful with `APP_PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn actors(&self) -> &Actors {
        &self.actors
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `troupe serve`.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let app = Application::build(config).await?;
    app.run_until_stopped().await?;
    tracing::info!("troupe stopped");
    Ok(())
}
