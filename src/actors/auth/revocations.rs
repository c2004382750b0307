//! Every node's memory of revoked access tokens (issue 18): revoked sessions, role
//! changes and deleted users of the last `ACCESS_TOKEN_TTL`. Checked on every
//! authenticated request without a database read; fed by the revoking node at once
//! and by every other node's `AuthFeedActor` (LISTEN troupe_revocations), and
//! rebuilt from `token_revocations` at start and after a lost LISTEN session.
//! An entry is dropped once every token it could refuse has expired, so the memory
//! held is bounded by the revocations of one token lifetime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use uuid::Uuid;

use crate::jwt::Claims;
use crate::messages::auth::Role;
use crate::messages::sessions::Revocation;

/// Why a verified token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    SessionRevoked,
    /// The user's role changed since the token was issued: refresh for a new one.
    RoleChanged,
    AccountGone,
}

#[derive(Default, Clone)]
struct Entries {
    sessions: HashMap<Uuid, Instant>,
    users: HashMap<Uuid, Instant>,
    roles: HashMap<Uuid, (Role, Instant)>,
}

impl Entries {
    fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.users.is_empty() && self.roles.is_empty()
    }

    fn len(&self) -> usize {
        self.sessions.len() + self.users.len() + self.roles.len()
    }

    fn add(&mut self, revocation: Revocation, until: Instant) {
        match revocation {
            Revocation::Session(id) => {
                self.sessions.insert(id, until);
            }
            Revocation::User(id) => {
                self.users.insert(id, until);
            }
            Revocation::Role { user, role } => {
                self.roles.insert(user, (role, until));
            }
        }
    }

    fn sweep(&mut self, now: Instant) {
        self.sessions.retain(|_, until| *until > now);
        self.users.retain(|_, until| *until > now);
        self.roles.retain(|_, (_, until)| *until > now);
    }
}

/// Read on every request without a lock or a shared counter (arc-swap); a change
/// copies the entries and swaps them in, serialized by `write`. Revocations are rare
/// beside reads, so readers pay nothing for them.
pub struct RevocationSet {
    /// How long an entry matters: the access-token lifetime plus the clock leeway.
    keep: Duration,
    entries: ArcSwap<Entries>,
    write: Mutex<()>,
}

impl RevocationSet {
    pub fn new(access_ttl_secs: u64) -> Self {
        RevocationSet {
            keep: Duration::from_secs(access_ttl_secs.saturating_add(crate::jwt::LEEWAY_SECS)),
            entries: ArcSwap::from_pointee(Entries::default()),
            write: Mutex::new(()),
        }
    }

    /// How far back revocations matter, in seconds (for the reload).
    pub fn keep_secs(&self) -> f64 {
        self.keep.as_secs_f64()
    }

    /// `Err` when the token is revoked. A read lock and at most three hash lookups.
    pub fn check(&self, claims: &Claims) -> Result<(), Refusal> {
        let entries = self.entries.load();
        if entries.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let live = |until: &Instant| *until > now;
        if entries.users.get(&claims.sub).is_some_and(live) {
            return Err(Refusal::AccountGone);
        }
        if entries.sessions.get(&claims.sid).is_some_and(live) {
            return Err(Refusal::SessionRevoked);
        }
        match entries.roles.get(&claims.sub) {
            Some((role, until)) if live(until) && *role != claims.role => Err(Refusal::RoleChanged),
            _ => Ok(()),
        }
    }

    /// Revocations that just happened (here, or heard of from another node).
    pub fn add(&self, revocations: impl IntoIterator<Item = Revocation>) {
        let _writer = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut entries = Entries::clone(&self.entries.load());
        entries.sweep(now);
        for revocation in revocations {
            entries.add(revocation, now + self.keep);
        }
        crate::metrics::revocations_tracked(entries.len());
        self.entries.store(Arc::new(entries));
    }

    /// Replaces everything with what the database holds (`age_secs` old each).
    pub fn replace(&self, recent: Vec<(Revocation, f64)>) {
        let now = Instant::now();
        let mut fresh = Entries::default();
        for (revocation, age_secs) in recent {
            let age = Duration::try_from_secs_f64(age_secs.max(0.0)).unwrap_or_default();
            if let Some(until) = (now + self.keep).checked_sub(age) {
                fresh.add(revocation, until);
            }
        }
        fresh.sweep(now);
        crate::metrics::revocations_tracked(fresh.len());
        let _writer = self.write.lock().unwrap_or_else(|p| p.into_inner());
        self.entries.store(Arc::new(fresh));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.load().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: Uuid, sid: Uuid, role: Role) -> Claims {
        Claims {
            sub,
            username: "ana".into(),
            role,
            sid,
            iat: 0,
            exp: 0,
            jti: Uuid::now_v7(),
            iss: "troupe".into(),
            aud: "troupe-api".into(),
        }
    }

    #[test]
    fn revoked_sessions_changed_roles_and_deleted_users_are_refused() {
        let set = RevocationSet::new(300);
        let (ana, sid, other_sid) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(set.check(&claims(ana, sid, Role::User)), Ok(()));
        set.add([Revocation::Session(sid)]);
        assert_eq!(
            set.check(&claims(ana, sid, Role::User)),
            Err(Refusal::SessionRevoked)
        );
        assert_eq!(set.check(&claims(ana, other_sid, Role::User)), Ok(()));
        set.add([Revocation::Role {
            user: ana,
            role: Role::Committee,
        }]);
        assert_eq!(
            set.check(&claims(ana, other_sid, Role::User)),
            Err(Refusal::RoleChanged)
        );
        assert_eq!(set.check(&claims(ana, other_sid, Role::Committee)), Ok(()));
        set.add([Revocation::User(ana)]);
        assert_eq!(
            set.check(&claims(ana, other_sid, Role::Committee)),
            Err(Refusal::AccountGone)
        );
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn entries_older_than_a_token_lifetime_are_dropped_on_reload() {
        let set = RevocationSet::new(300);
        let (old, young) = (Uuid::now_v7(), Uuid::now_v7());
        set.replace(vec![
            (Revocation::Session(old), 400.0),
            (Revocation::Session(young), 10.0),
        ]);
        assert_eq!(set.len(), 1);
        assert_eq!(
            set.check(&claims(Uuid::now_v7(), young, Role::User)),
            Err(Refusal::SessionRevoked)
        );
        assert_eq!(set.check(&claims(Uuid::now_v7(), old, Role::User)), Ok(()));
    }
}
