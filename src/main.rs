//! The `troupe` command line: parse, load the configuration, hand over to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use troupe::commands::dead_letters::DeadCommand;
use troupe::config::Config;
use troupe::messages::dead_events::DeadFilter;
use troupe::messages::page::PageRequest;
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
    /// List, replay or discard dead-lettered events (either bus).
    #[command(subcommand)]
    Dead(DeadCli),
    /// Ticket lists of registered events.
    #[command(subcommand)]
    Tickets(TicketsCli),
    /// Remove stored objects no row names, older than GC_GRACE_SECS.
    Gc {
        /// List what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Access-token signing keys (JWT_ALGORITHM=EdDSA).
    #[command(subcommand)]
    Keys(KeysCli),
}

#[derive(Subcommand)]
enum KeysCli {
    /// Add a new signing key: every node signs with it a few seconds later and keeps
    /// verifying the old one until its tokens expire.
    Rotate,
}

#[derive(Subcommand)]
enum TicketsCli {
    /// Import a CSV ticket list (header ticket_id,holder_name,category) into an event.
    Import {
        /// The event's id (it must exist: POST /events).
        event: String,
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

/// Which dead letters: by queue and/or event type.
#[derive(clap::Args)]
struct DeadFilterArgs {
    /// The queue they died in, e.g. media.events.
    #[arg(long)]
    queue: Option<String>,
    /// Their event type, e.g. media.uploaded.
    #[arg(long)]
    event_type: Option<String>,
}

impl DeadFilterArgs {
    fn is_empty(&self) -> bool {
        self.queue.is_none() && self.event_type.is_none()
    }

    fn filter(self) -> DeadFilter {
        DeadFilter {
            queue: self.queue,
            event_type: self.event_type,
        }
    }
}

#[derive(Subcommand)]
enum DeadCli {
    /// One page of dead letters, oldest first.
    List {
        #[command(flatten)]
        filter: DeadFilterArgs,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        page: u32,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        size: u32,
    },
    /// Hand dead letters back to their queue: by id, by filter, or --all.
    Replay {
        ids: Vec<i64>,
        #[command(flatten)]
        filter: DeadFilterArgs,
        #[arg(long)]
        all: bool,
    },
    /// Drop dead letters for good: by id, by filter, or --all.
    Discard {
        ids: Vec<i64>,
        #[command(flatten)]
        filter: DeadFilterArgs,
        #[arg(long)]
        all: bool,
    },
}

impl DeadCli {
    fn into_command(self) -> Result<DeadCommand, String> {
        let pick = |ids: Vec<i64>, filter: DeadFilterArgs, all: bool| {
            if ids.is_empty() && filter.is_empty() && !all {
                return Err("name the dead letters: ids, --queue, --event-type or --all".to_owned());
            }
            Ok((ids, filter.filter()))
        };
        Ok(match self {
            DeadCli::List { filter, page, size } => DeadCommand::List {
                filter: filter.filter(),
                page: PageRequest { page, size },
            },
            DeadCli::Replay { ids, filter, all } => {
                let (ids, filter) = pick(ids, filter, all)?;
                DeadCommand::Replay { ids, filter }
            }
            DeadCli::Discard { ids, filter, all } => {
                let (ids, filter) = pick(ids, filter, all)?;
                DeadCommand::Discard { ids, filter }
            }
        })
    }
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
            Command::Gc { dry_run } => commands::gc::run(&config, dry_run)
                .await
                .map_err(Into::into),
            Command::Keys(KeysCli::Rotate) => {
                commands::rotate_keys(&config).await.map_err(Into::into)
            }
            Command::Tickets(TicketsCli::Import { event, file }) => {
                commands::tickets::import(&config, &event, &file)
                    .await
                    .map_err(Into::into)
            }
            Command::User(UserCommand::Create {
                username,
                role,
                email,
            }) => commands::create_user(&config, username, &role, email)
                .await
                .map_err(Into::into),
            Command::Dead(dead) => match dead.into_command() {
                Ok(command) => commands::dead_letters::run(&config, command)
                    .await
                    .map_err(Into::into),
                Err(e) => Err(e.into()),
            },
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
