//! Who hears which events: durable queues bound to the topic exchange by pattern
//! (SPEC §9), each handled by one consumer actor. The memory bus uses the same
//! queue names and patterns, so both buses route alike.

use actix::Recipient;

use crate::messages::events::HandleEvent;

/// The queues of SPEC §9 and what they are bound to.
pub const SPEC_QUEUES: &[(&str, &str)] = &[
    ("project.events", "project.*"),
    ("profile.events", "profile.*"),
    ("media.events", "media.*"),
];

/// A queue, its binding patterns, and the actor that handles its events.
#[derive(Clone)]
pub struct Subscription {
    pub queue: String,
    pub bindings: Vec<String>,
    pub consumer: Recipient<HandleEvent>,
}

impl Subscription {
    pub fn wants(&self, event_type: &str) -> bool {
        self.bindings.iter().any(|b| topic_matches(b, event_type))
    }
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
