//! Fault injection for tests, compiled only into debug builds (the test builds):
//! `TROUPE_FAULT=<point>` makes the process abort at that point, as a crash or a
//! `kill -9` would. Release builds have no such points.

/// Aborts the process if `TROUPE_FAULT` names `point`.
pub fn point(point: &str) {
    if std::env::var("TROUPE_FAULT").is_ok_and(|wanted| wanted == point) {
        tracing::error!(point, "fault injected: aborting");
        std::process::abort();
    }
}
