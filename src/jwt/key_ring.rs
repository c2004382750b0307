//! The keys access tokens are signed and verified with: one HS256 secret (the seed
//! systems' way, never published), or Ed25519 key pairs that every node loads from
//! the database and whose public halves are published as a JWKS.

use std::collections::HashMap;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// An Ed25519 key pair as stored, opened.
pub struct Ed25519Key {
    pub kid: String,
    pub seed: [u8; 32],
    /// When it starts signing (it verifies from the moment it is loaded).
    pub signs_from: Instant,
    /// When it stops signing, if a successor was made.
    pub retired: Option<Instant>,
}

struct Signer {
    kid: String,
    key: EncodingKey,
    from: Instant,
    until: Option<Instant>,
}

pub struct KeyRing {
    algorithm: Algorithm,
    validation: Validation,
    signers: Vec<Signer>,
    verifiers: HashMap<String, DecodingKey>,
    /// HS256: the one key, also for tokens that name no `kid`.
    only: Option<DecodingKey>,
    public_keys: Vec<Value>,
}

/// `kid` of an HS256 secret: a hash prefix, which says which secret without
/// revealing it.
fn secret_kid(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    format!("hs256-{}", &URL_SAFE_NO_PAD.encode(digest)[..12])
}

/// RFC 7638 thumbprint of an Ed25519 public key: its `kid`.
pub fn ed25519_kid(public_key: &[u8; 32]) -> String {
    let x = URL_SAFE_NO_PAD.encode(public_key);
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

impl KeyRing {
    pub fn hs256(secret: &[u8]) -> KeyRing {
        let kid = secret_kid(secret);
        KeyRing {
            algorithm: Algorithm::HS256,
            validation: super::validation(Algorithm::HS256),
            signers: vec![Signer {
                kid: kid.clone(),
                key: EncodingKey::from_secret(secret),
                from: Instant::now(),
                until: None,
            }],
            verifiers: HashMap::from([(kid, DecodingKey::from_secret(secret))]),
            only: Some(DecodingKey::from_secret(secret)),
            public_keys: Vec::new(),
        }
    }

    /// `None` when a seed is not a valid key (it always is: any 32 bytes are).
    pub fn ed25519(keys: &[Ed25519Key]) -> Option<KeyRing> {
        let mut signers = Vec::new();
        let mut verifiers = HashMap::new();
        let mut public_keys = Vec::new();
        for k in keys {
            let signing = SigningKey::from_bytes(&k.seed);
            let public = signing.verifying_key().to_bytes();
            let der = signing.to_pkcs8_der().ok()?;
            signers.push(Signer {
                kid: k.kid.clone(),
                key: EncodingKey::from_ed_der(der.as_bytes()),
                from: k.signs_from,
                until: k.retired,
            });
            verifiers.insert(k.kid.clone(), DecodingKey::from_ed_der(&public));
            public_keys.push(json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(public),
                "kid": k.kid,
                "alg": "EdDSA",
                "use": "sig",
            }));
        }
        Some(KeyRing {
            algorithm: Algorithm::EdDSA,
            validation: super::validation(Algorithm::EdDSA),
            signers,
            verifiers,
            only: None,
            public_keys,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(super) fn validation(&self) -> &Validation {
        &self.validation
    }

    /// The key to sign with now: the newest that has started signing and is not
    /// retired; before any has started (a fresh rotation not yet due), the newest
    /// that still may.
    pub(super) fn signer(&self, now: Instant) -> Option<(&str, &EncodingKey)> {
        let active = |s: &&Signer| s.until.is_none_or(|u| u > now);
        self.signers
            .iter()
            .rev()
            .filter(active)
            .find(|s| s.from <= now)
            .or_else(|| self.signers.iter().rev().find(active))
            .or_else(|| self.signers.last())
            .map(|s| (s.kid.as_str(), &s.key))
    }

    /// The key a token's `kid` names (HS256 tokens may name none).
    pub(super) fn verifier(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match kid {
            Some(kid) => self.verifiers.get(kid),
            None => self.only.as_ref(),
        }
    }

    /// The JSON Web Key Set of the public keys (empty for HS256).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.public_keys })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(seed: u8, from: Instant, retired: Option<Instant>) -> Ed25519Key {
        let seed = [seed; 32];
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        Ed25519Key {
            kid: ed25519_kid(&public),
            seed,
            signs_from: from,
            retired,
        }
    }

    #[test]
    fn a_rotated_ring_signs_with_the_new_key_only_once_it_is_due() {
        let now = Instant::now();
        let soon = now + Duration::from_secs(10);
        let old = key(1, now - Duration::from_secs(100), Some(soon));
        let new = key(2, soon, None);
        let (old_kid, new_kid) = (old.kid.clone(), new.kid.clone());
        let ring = KeyRing::ed25519(&[old, new]).unwrap();
        assert_eq!(ring.signer(now).unwrap().0, old_kid);
        assert_eq!(
            ring.signer(soon + Duration::from_secs(1)).unwrap().0,
            new_kid
        );
        assert!(ring.verifier(Some(&old_kid)).is_some() && ring.verifier(Some(&new_kid)).is_some());
        assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 2);
        assert!(
            ring.verifier(None).is_none(),
            "EdDSA tokens must name their key"
        );
    }

    #[test]
    fn an_hs256_ring_publishes_nothing() {
        let ring = KeyRing::hs256(b"0123456789abcdef0123456789abcdef");
        assert_eq!(ring.jwks(), json!({"keys": []}));
        assert!(ring.verifier(None).is_some());
        let (kid, _) = ring.signer(Instant::now()).unwrap();
        assert!(kid.starts_with("hs256-") && !kid.contains("0123"));
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of its example public key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let public: [u8; 32] = x.try_into().unwrap();
        assert_eq!(
            ed25519_kid(&public),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}
