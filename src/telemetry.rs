//! Tracing set-up: human-readable lines by default, JSON with `LOG_FORMAT=json`.
//!
//! The main steps run in debug spans — `handler`, `actor`, `sql`, `index`, `bcrypt`,
//! `thumbnail`, `event`, `thumbnail_job` — nested under the request's `request`
//! span, also across mailboxes and into the CPU pools and blocking threads. When
//! `RUST_LOG` enables debug for troupe (e.g. `info,troupe=debug`), each step logs one
//! line as it closes, with its busy and idle time and its parents, so a slow
//! request's log shows which step was slow. At `info` no span line is written.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{Config, LogFormat};

/// Installs the global subscriber writing to stdout; a second call (tests) is a no-op.
pub fn init(config: &Config) {
    init_with_writer(config, std::io::stdout);
}

/// `init`, writing to `writer` (a test reads a request's log this way).
pub fn init_with_writer<W>(config: &Config, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&config.log.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let steps = if filter.max_level_hint() >= Some(LevelFilter::DEBUG) {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(steps)
        .with_writer(writer)
        .with_target(false);
    let result = match config.log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    // Already installed (several apps in one test process): keep the first.
    drop(result);
}
