//! Operations: readiness checks and gauges read at scrape time.

use std::collections::BTreeMap;

use actix::Message;
use serde::Serialize;

/// Ask every dependency whether it can serve (GET `/ready`).
#[derive(Debug, Message)]
#[rtype(result = "Readiness")]
pub struct CheckReadiness;

/// The state of one dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    Ok,
    Down,
}

/// Each dependency by name (`database`, later `event_bus`, `storage`, `search`).
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub checks: BTreeMap<&'static str, CheckState>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.checks.values().all(|s| *s == CheckState::Ok)
    }
}

/// Refresh the gauges that are read rather than counted (DB pool use).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RefreshGauges;
