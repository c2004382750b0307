//! `ProfileActor`: personal profiles (SPEC §4). A change writes `profile.updated`
//! in the same transaction; a new display name also gives every project of the
//! user a new index version, so the search index re-reads them.

use std::collections::BTreeMap;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};

use crate::actors::forward::Forwarder;
use crate::problem_code::ProblemCode;

use crate::actors::auth::rules::{Checks, max_chars, optional_text};
use crate::actors::links::url_rule;
use crate::db::{DbPool, outbox, profiles, projects, users};
use crate::error::{AppError, AppResult};
use crate::messages::events::{DomainEvent, ProfileUpdated};
use crate::messages::profiles::{
    GetOwnProfile, GetPublicProfile, Profile, ProfilePatch, UpdateProfile,
};

const NAME_MAX: usize = 100;
const BIO_MAX: usize = 2000;
const CONTACT_MAX: usize = 200;
const LINKS_MAX: usize = 20;
const LINK_KEY_MAX: usize = 30;
const LINK_VALUE_MAX: usize = 200;

pub struct ProfileActor {
    pool: DbPool,
}

impl ProfileActor {
    pub fn new(pool: DbPool) -> Self {
        ProfileActor { pool }
    }
}

impl Actor for ProfileActor {
    type Context = Context<Self>;
}

impl Supervised for ProfileActor {}

impl Forwarder for ProfileActor {
    type Shared = DbPool;
    fn shared(&self) -> &DbPool {
        &self.pool
    }
}

fn account_gone() -> AppError {
    AppError::unauthorized(ProblemCode::AccountGone, "this account no longer exists")
}

impl Handler<GetOwnProfile> for ProfileActor {
    type Result = ResponseFuture<AppResult<Profile>>;

    fn handle(&mut self, msg: GetOwnProfile, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            let db = pool.get().await?;
            profiles::find(&db, msg.caller.id, true)
                .await?
                .ok_or_else(account_gone)
        })
    }
}

impl Handler<GetPublicProfile> for ProfileActor {
    type Result = ResponseFuture<AppResult<Profile>>;

    fn handle(&mut self, msg: GetPublicProfile, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            let db = pool.get().await?;
            profiles::find(&db, msg.user_id, false)
                .await?
                .ok_or_else(|| AppError::not_found("user"))
        })
    }
}

impl Handler<UpdateProfile> for ProfileActor {
    type Result = ResponseFuture<AppResult<Profile>>;

    fn handle(&mut self, msg: UpdateProfile, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |pool| {
            let patch = validate(msg.patch)?;
            let user_id = msg.caller.id;
            let mut db = pool.get().await?;
            let tx = db.transaction().await?;
            // The account row serialises concurrent edits of one profile.
            let user = users::lock(&tx, user_id).await?.ok_or_else(account_gone)?;
            let current = profiles::find(&tx, user_id, false)
                .await?
                .ok_or_else(account_gone)?;
            let name = merge(patch.name, current.name.clone());
            let links = merge(patch.social_links, current.social_links.clone());
            let bio = merge(patch.bio, current.bio.clone());
            let contact = merge(patch.contact, current.contact.clone());
            let avatar_url = merge(patch.avatar_url, current.avatar_url.clone());
            let row = profiles::ProfileRow {
                name: name.as_deref(),
                bio: bio.as_deref(),
                contact: contact.as_deref(),
                social_links: links.map(|l| serde_json::to_value(l).unwrap_or_default()),
                avatar_url: avatar_url.as_deref(),
            };
            profiles::upsert(&tx, user_id, &row).await?;
            if name != current.name {
                projects::bump_owner_versions(&tx, user_id).await?;
            }
            let event = DomainEvent::ProfileUpdated(ProfileUpdated {
                user_id,
                username: user.username,
                name: name.clone(),
            });
            outbox::record(&tx, event).await?;
            tx.commit().await?;
            profiles::find(&db, user_id, true)
                .await?
                .ok_or_else(account_gone)
        })
    }
}

fn merge<T>(patch: Option<Option<T>>, stored: Option<T>) -> Option<T> {
    match patch {
        None => stored,
        Some(value) => value,
    }
}

fn validate(mut p: ProfilePatch) -> AppResult<ProfilePatch> {
    let mut checks = Checks::default();
    for (field, value, max) in [
        ("name", &mut p.name, NAME_MAX),
        ("bio", &mut p.bio, BIO_MAX),
        ("contact", &mut p.contact, CONTACT_MAX),
    ] {
        if let Some(v) = value {
            *v = optional_text(v.take());
            checks.note(field, max_chars(v.as_deref(), max));
        }
    }
    if let Some(avatar) = &mut p.avatar_url {
        *avatar = optional_text(avatar.take());
        if let Some(url) = avatar {
            checks.note("avatar_url", url_rule(url, true));
        }
    }
    if let Some(Some(links)) = &p.social_links {
        checks.note("social_links", links_rule(links));
    }
    checks.finish()?;
    Ok(p)
}

fn links_rule(links: &BTreeMap<String, String>) -> Result<(), String> {
    if links.len() > LINKS_MAX {
        return Err(format!("may have at most {LINKS_MAX} entries"));
    }
    for (key, value) in links {
        let key_ok = (1..=LINK_KEY_MAX).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
        if !key_ok {
            return Err(format!(
                "key {key:?} must be 1 to {LINK_KEY_MAX} of a-z, 0-9, '_' and '-'"
            ));
        }
        if value.chars().count() > LINK_VALUE_MAX {
            return Err(format!(
                "the value of {key:?} must be at most {LINK_VALUE_MAX} characters"
            ));
        }
    }
    Ok(())
}

crate::traced!(ProfileActor: GetOwnProfile, GetPublicProfile, UpdateProfile);
