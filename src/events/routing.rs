//! The routing table: each queue of SPEC §9, the patterns it is bound to on the
//! topic exchange, and which consumer actor handles it — the only place they are
//! spelled. Both buses route by it alike (the memory bus with `topic_matches`).

use actix::Recipient;

use crate::messages::events::HandleEvent;

/// Which of the domain's consumer actors handles a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerKind {
    /// `IndexerActor`: keeps the search index equal to the database.
    Indexer,
    /// `MediaJobsActor`: thumbnails and object removal.
    MediaJobs,
}

pub struct QueueSpec {
    pub queue: &'static str,
    pub bindings: &'static [&'static str],
    pub consumer: ConsumerKind,
}

/// SPEC §9's queues.
pub const QUEUES: &[QueueSpec] = &[
    QueueSpec {
        queue: "project.events",
        bindings: &["project.*"],
        consumer: ConsumerKind::Indexer,
    },
    QueueSpec {
        queue: "profile.events",
        bindings: &["profile.*"],
        consumer: ConsumerKind::Indexer,
    },
    QueueSpec {
        queue: "media.events",
        bindings: &["media.*"],
        consumer: ConsumerKind::MediaJobs,
    },
];

/// The running consumer actors, by kind.
pub struct Consumers {
    pub indexer: Recipient<HandleEvent>,
    pub media_jobs: Recipient<HandleEvent>,
}

/// A queue, its binding patterns, and the actor that handles its events.
#[derive(Clone)]
pub struct Route {
    pub queue: String,
    pub bindings: Vec<String>,
    pub consumer: Recipient<HandleEvent>,
}

impl Route {
    pub fn wants(&self, event_type: &str) -> bool {
        self.bindings.iter().any(|b| topic_matches(b, event_type))
    }
}

/// The table's routes to these consumers, then `extra` (a test's own queues).
pub fn routes(consumers: &Consumers, extra: Vec<Route>) -> Vec<Route> {
    let mut routes: Vec<Route> = QUEUES
        .iter()
        .map(|spec| Route {
            queue: spec.queue.to_owned(),
            bindings: spec.bindings.iter().map(|b| (*b).to_owned()).collect(),
            consumer: match spec.consumer {
                ConsumerKind::Indexer => consumers.indexer.clone(),
                ConsumerKind::MediaJobs => consumers.media_jobs.clone(),
            },
        })
        .collect();
    routes.extend(extra);
    routes
}

/// Every queue to declare on the broker and its bindings: the table's, plus any
/// other a route names.
pub fn declared_queues(routes: &[Route]) -> Vec<(String, Vec<String>)> {
    let mut queues: Vec<(String, Vec<String>)> = QUEUES
        .iter()
        .map(|spec| {
            let bindings = spec.bindings.iter().map(|b| (*b).to_owned()).collect();
            (spec.queue.to_owned(), bindings)
        })
        .collect();
    for route in routes {
        if !queues.iter().any(|(q, _)| *q == route.queue) {
            queues.push((route.queue.clone(), route.bindings.clone()));
        }
    }
    queues
}

/// AMQP topic matching: words split by `.`, `*` is exactly one word, `#` zero or more.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(w), Some(x)) if w == x => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    go(&p, &k)
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn topic_patterns_match_like_amqp() {
        assert!(topic_matches("project.*", "project.created"));
        assert!(!topic_matches("project.*", "project.created.late"));
        assert!(!topic_matches("project.*", "profile.updated"));
        assert!(topic_matches("#", "media.uploaded"));
        assert!(topic_matches("project.#", "project"));
        assert!(topic_matches("*.deleted", "media.deleted"));
        assert!(topic_matches(
            "attendance.checked_in",
            "attendance.checked_in"
        ));
    }
}
