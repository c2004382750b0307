//! Prometheus metrics, one registry for the process. Later domains add their
//! counters here so that `/metrics` has one place to render.

use std::sync::LazyLock;

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

/// Registers a collector once; a duplicate name is a programming error caught by
/// the first scrape in the test suite.
fn register<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    if let Err(e) = REGISTRY.register(Box::new(c.clone())) {
        tracing::error!(error = %e, "metric registered twice");
    }
    c
}

pub static HTTP_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric definition"),
    )
});

pub static HTTP_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric definition"),
    )
});

pub static DB_POOL_CONNECTIONS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by pool (shared, or an HTTP worker's) and state",
            ),
            &["pool", "state"],
        )
        .expect("valid metric definition"),
    )
});

fn counter(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric definition"))
}

pub static EVENTS_PUBLISHED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter(
        "events_published_total",
        "Events handed from the outbox to the bus",
        &["event_type"],
    )
});
pub static EVENTS_HANDLED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter(
        "events_handled_total",
        "Events handled successfully",
        &["queue", "event_type"],
    )
});
pub static EVENTS_RETRIED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter(
        "events_retried_total",
        "Event handler failures scheduled for a retry",
        &["queue", "event_type"],
    )
});
pub static EVENTS_DEAD: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter(
        "events_dead_lettered_total",
        "Events parked after their last retry",
        &["queue", "event_type"],
    )
});
/// `outbox` (committed, not handed on) and `deliveries` (memory bus, not handled).
pub static EVENT_BACKLOG: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new("event_backlog", "Events waiting, by stage"),
            &["stage"],
        )
        .expect("valid metric definition"),
    )
});

/// Dead letters kept in `dead_events`, by queue (both buses record them there).
pub static DEAD_LETTERS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new("event_dead_letters", "Dead-lettered events kept, by queue"),
            &["queue"],
        )
        .expect("valid metric definition"),
    )
});

pub static ACTOR_RESTARTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter(
        "actor_restarts_total",
        "Restarts of supervised actors by their supervisor",
        &["actor"],
    )
});

/// The wait before the latest restart's reconnect, by actor.
pub static ACTOR_RESTART_DELAY: LazyLock<GaugeVec> = LazyLock::new(|| {
    register(
        GaugeVec::new(
            Opts::new(
                "actor_restart_delay_seconds",
                "Backoff chosen for the latest restart, by actor",
            ),
            &["actor"],
        )
        .expect("valid metric definition"),
    )
});

pub static SEARCH_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new("search_duration_seconds", "Search index operations").buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
            &["operation"],
        )
        .expect("valid metric definition"),
    )
});
pub static SEARCH_DOCUMENTS_WRITTEN: LazyLock<prometheus::IntCounter> = LazyLock::new(|| {
    register(
        prometheus::IntCounter::new(
            "search_documents_written_total",
            "Documents written to or deleted from the index",
        )
        .expect("valid metric definition"),
    )
});

/// Thumbnails made or failed, with the time each took (decode, resize, encode).
pub static THUMBNAILS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new("thumbnail_duration_seconds", "Thumbnails by outcome").buckets(
                vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
            ),
            &["outcome"],
        )
        .expect("valid metric definition"),
    )
});

/// 1 while a dependency answers (database, event_bus, search, storage), 0 when it
/// does not: set by every readiness check and every scrape of `/metrics`.
pub static DEPENDENCY_UP: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "dependency_up",
                "Whether a dependency answers (1) or not (0)",
            ),
            &["dependency"],
        )
        .expect("valid metric definition"),
    )
});

pub fn dependency_up(dependency: &str, up: bool) {
    DEPENDENCY_UP
        .with_label_values(&[dependency])
        .set(i64::from(up));
}

/// Objects the garbage collector removed (no row named them past the grace period).
pub static GC_REMOVED: LazyLock<prometheus::IntCounter> = LazyLock::new(|| {
    register(
        prometheus::IntCounter::new(
            "storage_gc_removed_total",
            "Stored objects removed because no row named them",
        )
        .expect("valid metric definition"),
    )
});

/// Revoked sessions, role changes and deleted users this node refuses tokens of.
pub static REVOCATIONS_TRACKED: LazyLock<prometheus::IntGauge> = LazyLock::new(|| {
    register(
        prometheus::IntGauge::new(
            "auth_revocations_tracked",
            "Access-token revocations held in this node's memory",
        )
        .expect("valid metric definition"),
    )
});

pub fn revocations_tracked(n: usize) {
    REVOCATIONS_TRACKED.set(i64::try_from(n).unwrap_or(i64::MAX));
}

/// Refused logins: a wrong password, or refused unheard because of a limit.
pub static LOGIN_REFUSALS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "auth_login_refusals_total",
                "Refused logins by outcome (invalid_credentials, rate_limited, account_locked)",
            ),
            &["outcome"],
        )
        .expect("valid metric definition"),
    )
});

/// The Prometheus text exposition of every registered metric.
pub fn render() -> String {
    // Touch the lazies so that a metric appears (at zero) before its first use.
    LazyLock::force(&HTTP_REQUESTS);
    LazyLock::force(&HTTP_LATENCY);
    LazyLock::force(&DB_POOL_CONNECTIONS);
    LazyLock::force(&EVENTS_PUBLISHED);
    LazyLock::force(&EVENTS_HANDLED);
    LazyLock::force(&EVENTS_RETRIED);
    LazyLock::force(&EVENTS_DEAD);
    LazyLock::force(&EVENT_BACKLOG);
    LazyLock::force(&SEARCH_LATENCY);
    LazyLock::force(&SEARCH_DOCUMENTS_WRITTEN);
    LazyLock::force(&THUMBNAILS);
    LazyLock::force(&REVOCATIONS_TRACKED);
    LazyLock::force(&DEPENDENCY_UP);
    LazyLock::force(&GC_REMOVED);
    LazyLock::force(&LOGIN_REFUSALS);
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&REGISTRY.gather(), &mut out) {
        tracing::error!(error = %e, "cannot encode metrics");
    }
    String::from_utf8(out).unwrap_or_default()
}
