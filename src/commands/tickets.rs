//! `troupe tickets import EVENT FILE`: a listed event's ticket list from a CSV file,
//! read in chunks with a progress bar, as `POST /events/{id}/tickets/import` does.

use std::io::{Read, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::actors::attendance::venue::check_lines;
use crate::config::Config;
use crate::db::{self, tickets, venue_events};
use crate::messages::venue_events::TicketLine;
use crate::ticket_csv::TicketCsv;

/// Lines written per transaction.
const CHUNK: usize = 5000;

pub async fn import(config: &Config, event_id: &str, file: &std::path::Path) -> Result<(), String> {
    let mut input = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let pool = db::connect(config).await.map_err(|e| e.to_string())?;
    let db = pool.get().await.map_err(|e| e.to_string())?;
    if venue_events::find(&db, event_id, false)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return Err(format!(
            "no event {event_id:?}: create it first (POST /events)"
        ));
    }
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    let mut csv = TicketCsv::default();
    let mut lines: Vec<TicketLine> = Vec::new();
    let (mut read, mut written, mut first_line) = (0u64, 0u64, 2u64);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buf).map_err(|e| e.to_string())?;
        csv.feed(&buf[..n], &mut lines)?;
        bar.inc(n as u64);
        if lines.len() >= CHUNK || n == 0 {
            check_lines(first_line, &lines).map_err(|e| e.to_string())?;
            if !lines.is_empty() {
                written += tickets::upsert(&db, event_id, &lines)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            read += lines.len() as u64;
            first_line += lines.len() as u64;
            lines.clear();
        }
        if n == 0 {
            break;
        }
    }
    bar.finish_and_clear();
    writeln!(
        std::io::stdout(),
        "imported {read} tickets into {event_id} ({written} new or changed)"
    )
    .map_err(|e| e.to_string())
}
