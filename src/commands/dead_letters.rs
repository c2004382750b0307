//! `troupe dead list|replay|discard`: the dead-letter tools from the command line,
//! on the database directly (so they work with either bus, and with the server
//! stopped). A replay goes through the outbox: the running workers hand it on.

use std::io::Write;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::events::dead_letters;
use crate::messages::dead_events::DeadFilter;
use crate::messages::page::PageRequest;

/// What `troupe dead` was asked to do.
pub enum DeadCommand {
    List {
        filter: DeadFilter,
        page: PageRequest,
    },
    /// These ids, or (when `ids` is empty) everything the filter matches.
    Replay {
        ids: Vec<i64>,
        filter: DeadFilter,
    },
    Discard {
        ids: Vec<i64>,
        filter: DeadFilter,
    },
}

pub async fn run(config: &Config, command: DeadCommand) -> Result<(), String> {
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    match command {
        DeadCommand::List { filter, page } => list(&pool, &filter, page).await,
        DeadCommand::Replay { ids, filter } => apply(&pool, ids, filter, Action::Replay).await,
        DeadCommand::Discard { ids, filter } => apply(&pool, ids, filter, Action::Discard).await,
    }
}

async fn list(pool: &DbPool, filter: &DeadFilter, page: PageRequest) -> Result<(), String> {
    let found = dead_letters::list(pool, filter, page)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let write = |out: &mut std::io::StdoutLock, line: String| {
        writeln!(out, "{line}").map_err(|e| e.to_string())
    };
    write(
        &mut out,
        format!(
            "{:>8}  {:<16} {:<36}  {:<22} {:>8}  {:<20}  last error",
            "id", "queue", "event id", "event type", "attempts", "dead at"
        ),
    )?;
    for dead in &found.items {
        let at = dead
            .dead_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        write(
            &mut out,
            format!(
                "{:>8}  {:<16} {:<36}  {:<22} {:>8}  {:<20}  {}",
                dead.id,
                dead.queue,
                dead.event_id,
                dead.event_type,
                dead.attempts,
                at,
                dead.last_error
            ),
        )?;
    }
    write(
        &mut out,
        format!(
            "page {} of {} ({} dead letters)",
            found.page.unwrap_or(1),
            found.pages.max(1),
            found.total
        ),
    )
}

#[derive(Clone, Copy)]
enum Action {
    Replay,
    Discard,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Replay => "replayed",
            Action::Discard => "discarded",
        }
    }
}

async fn apply(
    pool: &DbPool,
    ids: Vec<i64>,
    filter: DeadFilter,
    action: Action,
) -> Result<(), String> {
    let total = if ids.is_empty() {
        dead_letters::count(pool, &filter)
            .await
            .map_err(|e| e.to_string())?
    } else {
        ids.len() as u64
    };
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} dead letters")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    bar.set_message(action.verb());
    let done = if ids.is_empty() {
        let progress = |n: u64| bar.set_position(n);
        match action {
            Action::Replay => dead_letters::replay_matching(pool, &filter, progress).await,
            Action::Discard => dead_letters::discard_matching(pool, &filter, progress).await,
        }
        .map_err(|e| e.to_string())?
    } else {
        let mut done = 0;
        for id in ids {
            let result = match action {
                Action::Replay => dead_letters::replay(pool, id).await.map(|_| ()),
                Action::Discard => dead_letters::discard(pool, id).await,
            };
            match result {
                Ok(()) => done += 1,
                Err(e) => bar.println(format!("dead letter {id}: {e}")),
            }
            bar.inc(1);
        }
        done
    };
    bar.finish_and_clear();
    writeln!(std::io::stdout(), "{} {done} dead letter(s)", action.verb())
        .map_err(|e| e.to_string())
}
