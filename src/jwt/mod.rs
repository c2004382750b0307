//! Access tokens: JWTs with `sub`, `username`, `role`, `sid` (the session), `iat`,
//! `exp`, `jti`, `iss`, `aud` (SPEC §2, issue 18), and a `kid` header naming the key
//! that signed them. The key ring can be replaced while the process runs (a key
//! rotation reaches every node); see `key_ring` and `sealed`.

pub mod key_ring;
pub mod sealed;
mod secret;

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use jsonwebtoken::{Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::messages::auth::{Caller, Role};

pub use key_ring::KeyRing;
pub use secret::load_secret;

const ISSUER: &str = "troupe";
const AUDIENCE: &str = "troupe-api";
/// Clock skew tolerated on `exp`/`iat` between nodes.
pub const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub username: String,
    pub role: Role,
    /// The session (`sessions.id`) the token belongs to.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub iss: String,
    pub aud: String,
}

/// A freshly signed access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: u64,
}

/// The keys and rules for issuing and verifying access tokens.
pub struct JwtKeys {
    /// Read on every request without a lock or a shared counter (arc-swap), replaced
    /// by a rotation.
    ring: ArcSwap<KeyRing>,
    ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(ring: KeyRing, ttl_secs: u64) -> Self {
        JwtKeys {
            ring: ArcSwap::from_pointee(ring),
            ttl_secs,
        }
    }

    /// HS256 with one shared secret (the default, as the seed systems did).
    pub fn hs256(secret: &[u8], ttl_secs: u64) -> Self {
        JwtKeys::new(KeyRing::hs256(secret), ttl_secs)
    }

    pub fn ring(&self) -> Arc<KeyRing> {
        self.ring.load_full()
    }

    /// A rotation (or a reload) replaces the ring; tokens in flight keep verifying
    /// as long as the new ring still knows their key.
    pub fn replace(&self, ring: KeyRing) {
        self.ring.store(Arc::new(ring));
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        username: &str,
        role: Role,
        session_id: Uuid,
    ) -> Result<AccessToken, jsonwebtoken::errors::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user_id,
            username: username.to_owned(),
            role,
            sid: session_id,
            iat: now,
            exp: now.saturating_add(i64::try_from(self.ttl_secs).unwrap_or(i64::MAX)),
            jti: Uuid::now_v7(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let ring = self.ring.load();
        let (kid, key) = ring
            .signer(Instant::now())
            .ok_or(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
        let mut header = Header::new(ring.algorithm());
        header.kid = Some(kid.to_owned());
        let token = jsonwebtoken::encode(&header, &claims, key)?;
        Ok(AccessToken {
            token,
            expires_in: self.ttl_secs,
        })
    }

    /// The claims of a valid token; `None` for anything else (bad signature, another
    /// algorithm than the ring's, unknown key, expired, wrong issuer or audience,
    /// malformed).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let ring = self.ring.load();
        // One HS256 secret verifies every token whatever its kid: no need to read
        // the header twice. Otherwise the kid picks the key (the algorithm is still
        // checked against the ring's by the validation).
        let key = match ring.verifier(None) {
            Some(only) => only,
            None => {
                let header = jsonwebtoken::decode_header(token).ok()?;
                ring.verifier(header.kid.as_deref())?
            }
        };
        jsonwebtoken::decode::<Claims>(token, key, ring.validation())
            .ok()
            .map(|data| data.claims)
    }
}

/// What a valid token of `algorithm` must be: issuer, audience, the time claims.
fn validation(algorithm: jsonwebtoken::Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
    validation.leeway = LEEWAY_SECS;
    validation
}

impl Claims {
    pub fn caller(&self) -> Caller {
        Caller {
            id: self.sub,
            username: self.username.clone(),
            role: self.role,
            session_id: self.sid,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey};

    use super::key_ring::{Ed25519Key, ed25519_kid};
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> JwtKeys {
        JwtKeys::hs256(SECRET, 300)
    }

    fn ed25519(seed: u8) -> JwtKeys {
        let public = ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes();
        let key = Ed25519Key {
            kid: ed25519_kid(&public),
            seed: [seed; 32],
            signs_from: Instant::now() - Duration::from_secs(1),
            retired: None,
        };
        JwtKeys::new(KeyRing::ed25519(&[key]).unwrap(), 300)
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let (id, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys().issue(id, "ana", Role::Committee, sid).unwrap();
        let claims = keys().verify(&token.token).expect("valid");
        assert_eq!(claims.sub, id);
        assert_eq!(claims.sid, sid);
        assert_eq!(claims.role, Role::Committee);
        assert_eq!(claims.exp - claims.iat, 300);
        assert_eq!(token.expires_in, 300);
        let header = jsonwebtoken::decode_header(&token.token).unwrap();
        assert!(header.kid.unwrap().starts_with("hs256-"));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = JwtKeys::hs256(b"another-secret-another-secret-xx", 300);
        let token = other
            .issue(Uuid::now_v7(), "ana", Role::User, Uuid::now_v7())
            .unwrap();
        assert!(keys().verify(&token.token).is_none());
    }

    #[test]
    fn ed25519_tokens_verify_by_kid_and_other_keys_or_algorithms_do_not() {
        let signer = ed25519(7);
        let token = signer
            .issue(Uuid::now_v7(), "ana", Role::User, Uuid::now_v7())
            .unwrap();
        assert!(signer.verify(&token.token).is_some());
        assert!(ed25519(8).verify(&token.token).is_none());
        assert!(keys().verify(&token.token).is_none());
        let hs = keys()
            .issue(Uuid::now_v7(), "ana", Role::User, Uuid::now_v7())
            .unwrap();
        assert!(signer.verify(&hs.token).is_none());
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","username":"x","role":"superadmin","sid":"{}","iat":{now},"exp":{},"jti":"{}","iss":"troupe","aud":"troupe-api"}}"#,
            Uuid::now_v7(),
            Uuid::now_v7(),
            now + 300,
            Uuid::now_v7()
        ));
        assert!(keys().verify(&format!("{header}.{payload}.")).is_none());
    }

    #[test]
    fn an_expired_token_or_one_without_a_session_is_refused() {
        let mut claims = keys()
            .verify(
                &keys()
                    .issue(Uuid::now_v7(), "a", Role::User, Uuid::now_v7())
                    .unwrap()
                    .token,
            )
            .unwrap();
        claims.exp -= 400;
        let key = EncodingKey::from_secret(SECRET);
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(keys().verify(&token).is_none());
        let mut without_sid = serde_json::to_value(&claims).unwrap();
        without_sid["exp"] = serde_json::json!(claims.iat + 300);
        without_sid.as_object_mut().unwrap().remove("sid");
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &without_sid, &key).unwrap();
        assert!(keys().verify(&token).is_none());
    }
}
