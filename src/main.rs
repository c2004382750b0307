//! The `troupe` command line: parse, load the configuration, hand over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use troupe::config::Config;
use troupe::{app, commands, db, telemetry};

#[derive(Parser)]
#[command(
    name = "troupe",
    version,
    about = "Troupe backend: accounts, projects, media, search, check-in"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default): API and workers as ROLE says.
    Serve,
    /// Create the database if it is missing and apply pending migrations.
    Migrate,
    /// Rebuild the search index from PostgreSQL (stop the index-writing process first).
    Reindex,
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with any role; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "user")]
        role: String,
        #[arg(long)]
        email: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            // Before logging exists: one plain line naming the setting.
            eprintln!("troupe: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let result = actix_rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => app::serve(config).await,
            Command::Migrate => db::migrate_only(&config).await.map_err(Into::into),
            Command::Reindex => commands::reindex(&config).await.map_err(Into::into),
            Command::User(UserCommand::Create {
                username,
                role,
                email,
            }) => commands::create_user(&config, username, &role, email)
                .await
                .map_err(Into::into),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
