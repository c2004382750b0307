//! `troupe gc [--dry-run]`: one garbage collection of objects now (see
//! `actors::storage_gc`), with a progress line; the workers also run it every
//! `GC_INTERVAL_SECS`.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::actors::storage_gc::Collector;
use crate::config::Config;
use crate::db;

pub async fn run(config: &Config, dry_run: bool) -> Result<(), String> {
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let store = crate::app::open_store(config).map_err(|e| e.to_string())?;
    let collector = Collector {
        pool,
        store,
        grace: Duration::from_secs(config.media.gc_grace_secs),
    };
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").map_err(|e| e.to_string())?,
    );
    let verb = if dry_run { "would remove" } else { "removed" };
    let report = collector
        .run(dry_run, |report, orphans| {
            if dry_run {
                bar.suspend(|| {
                    let mut out = std::io::stdout().lock();
                    for key in orphans {
                        let _ = writeln!(out, "orphan: {key}");
                    }
                });
            }
            bar.set_message(format!(
                "{} objects looked at, {} named by no row, {} {verb}",
                report.listed, report.orphans, report.removed
            ));
            bar.tick();
        })
        .await?;
    bar.finish_and_clear();
    let done = if dry_run {
        report.orphans
    } else {
        report.removed
    };
    writeln!(
        std::io::stdout(),
        "{} objects looked at; {} {verb} (named by no row, older than {} s)",
        report.listed,
        done,
        config.media.gc_grace_secs
    )
    .map_err(|e| e.to_string())
}
