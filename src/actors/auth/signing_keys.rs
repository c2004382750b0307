//! Where the access-token keys come from. HS256: the one secret (`JWT_SECRET`).
//! EdDSA: Ed25519 keys in `signing_keys`, which every node reads — the first node to
//! start makes the first key under an advisory lock, so there is never a key only
//! one node knows — with the private halves sealed under `JWT_KEY_ENCRYPTION_KEY`
//! (default: derived from the JWT secret). `troupe keys rotate` adds a key that
//! signs from a few seconds later (every node and JWKS cache hears of it first);
//! the old one verifies until its last token has expired.

use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::{Config, JwtAlgorithm};
use crate::db::DbPool;
use crate::db::signing_keys::{self, NewKey, StoredKey};
use crate::jwt::key_ring::{Ed25519Key, ed25519_kid};
use crate::jwt::sealed::Sealer;
use crate::jwt::{KeyRing, LEEWAY_SECS, load_secret};

/// How long after a rotation the new key starts signing.
pub const ROTATION_DELAY: Duration = Duration::from_secs(10);

pub struct KeySource {
    algorithm: JwtAlgorithm,
    secret: Vec<u8>,
    sealer: Sealer,
    /// Access-token lifetime plus leeway: how long a retired key still verifies.
    verify_secs: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the JWT secret: {0}")]
    Secret(#[from] std::io::Error),
    #[error("signing keys: {0}")]
    Database(String),
    #[error(
        "signing key {0} cannot be opened: JWT_KEY_ENCRYPTION_KEY (or JWT_SECRET) differs from the one it was sealed with"
    )]
    Sealed(String),
    #[error("JWT_ALGORITHM=HS256 has one secret and nothing to rotate: change JWT_SECRET instead")]
    NothingToRotate,
}

impl From<tokio_postgres::Error> for KeyError {
    fn from(e: tokio_postgres::Error) -> Self {
        KeyError::Database(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for KeyError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        KeyError::Database(e.to_string())
    }
}

/// Seconds from now (negative: past) as an instant of this process.
fn instant_in(secs: f64) -> Instant {
    let now = Instant::now();
    let span = Duration::try_from_secs_f64(secs.abs()).unwrap_or_default();
    if secs >= 0.0 {
        now + span
    } else {
        now.checked_sub(span).unwrap_or(now)
    }
}

impl KeySource {
    pub fn new(config: &Config) -> Result<KeySource, KeyError> {
        let secret = load_secret(config)?;
        let material = match &config.auth.key_encryption_key {
            Some(kek) => kek.expose().as_bytes().to_vec(),
            None => [b"troupe signing-key encryption\0".as_slice(), &secret].concat(),
        };
        Ok(KeySource {
            algorithm: config.auth.jwt_algorithm,
            sealer: Sealer::from_material(&material),
            secret,
            verify_secs: (config.auth.access_token_ttl_secs + LEEWAY_SECS) as f64,
        })
    }

    /// The key that derives refresh-token successors: the same on every node that
    /// shares the JWT secret, and never stored.
    pub fn successor_key(&self) -> ring::hmac::Key {
        let material =
            Sha256::digest([b"troupe refresh successor\0".as_slice(), &self.secret].concat());
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &material)
    }

    /// The key ring as it stands (EdDSA: making the first key if there is none).
    pub async fn load(&self, pool: &DbPool) -> Result<KeyRing, KeyError> {
        if self.algorithm == JwtAlgorithm::Hs256 {
            return Ok(KeyRing::hs256(&self.secret));
        }
        let mut db = pool.get().await?;
        let mut stored = signing_keys::usable(&db, self.verify_secs).await?;
        if !stored.iter().any(|k| k.retired_in.is_none()) {
            let (seed, kid) = new_seed();
            let sealed = self.sealer.seal(&kid, &seed);
            let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
            let tx = db.transaction().await?;
            let candidate = NewKey {
                kid: &kid,
                public_key: &public,
                private_key: &sealed,
            };
            if signing_keys::ensure_one(&tx, &candidate).await? {
                tracing::info!(%kid, "made the first EdDSA signing key");
            }
            tx.commit().await?;
            stored = signing_keys::usable(&db, self.verify_secs).await?;
        }
        self.open(&stored)
    }

    fn open(&self, stored: &[StoredKey]) -> Result<KeyRing, KeyError> {
        let keys = stored
            .iter()
            .map(|k| {
                let seed: [u8; 32] = self
                    .sealer
                    .open(&k.kid, &k.private_key)
                    .and_then(|s| s.try_into().ok())
                    .ok_or_else(|| KeyError::Sealed(k.kid.clone()))?;
                Ok(Ed25519Key {
                    kid: k.kid.clone(),
                    seed,
                    signs_from: instant_in(k.signs_from_in),
                    retired: k.retired_in.map(instant_in),
                })
            })
            .collect::<Result<Vec<_>, KeyError>>()?;
        KeyRing::ed25519(&keys).ok_or_else(|| KeyError::Sealed("(pkcs8)".into()))
    }

    /// `troupe keys rotate`: a new key, signing from `ROTATION_DELAY` on. Every node
    /// hears of it by NOTIFY (`AuthFeedActor` reloads). Returns its kid.
    pub async fn rotate(&self, pool: &DbPool) -> Result<String, KeyError> {
        if self.algorithm == JwtAlgorithm::Hs256 {
            return Err(KeyError::NothingToRotate);
        }
        let (seed, kid) = new_seed();
        let sealed = self.sealer.seal(&kid, &seed);
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let mut db = pool.get().await?;
        let tx = db.transaction().await?;
        let candidate = NewKey {
            kid: &kid,
            public_key: &public,
            private_key: &sealed,
        };
        // Keys retired a day past their last token's expiry are deleted.
        let forget = self.verify_secs + 86_400.0;
        signing_keys::rotate(&tx, &candidate, ROTATION_DELAY.as_secs_f64(), forget).await?;
        tx.commit().await?;
        Ok(kid)
    }
}

fn new_seed() -> ([u8; 32], String) {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    (seed, ed25519_kid(&public))
}
