//! Private signing keys at rest: AES-256-GCM under a key the settings give
//! (`JWT_KEY_ENCRYPTION_KEY`), so the database alone never holds a usable key.
//! Sealed form: 12-byte random nonce ‖ ciphertext ‖ 16-byte tag; the key id is the
//! associated data, so a sealed key cannot be moved under another id.

use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

pub struct Sealer(LessSafeKey);

impl Sealer {
    /// A sealer whose key is the SHA-256 of `material` (a setting of ≥ 32 bytes).
    pub fn from_material(material: &[u8]) -> Sealer {
        let key = Sha256::digest(material);
        // A 32-byte key is what AES-256 takes: this cannot fail.
        let unbound = UnboundKey::new(&AES_256_GCM, &key).unwrap_or_else(|_| unreachable!());
        Sealer(LessSafeKey::new(unbound))
    }

    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = plaintext.to_vec();
        // Sealing fails only for inputs of gigabytes.
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut sealed,
            )
            .unwrap_or_else(|_| unreachable!());
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// `None` when the key is another one or the bytes were changed.
    pub fn open(&self, kid: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = sealed.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut body)
            .ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_key_and_its_kid() {
        let sealer = Sealer::from_material(b"the key encryption key, 32 bytes+");
        let sealed = sealer.seal("kid-1", b"secret seed");
        assert_ne!(&sealed[NONCE_LEN..NONCE_LEN + 11], b"secret seed");
        assert_eq!(sealer.open("kid-1", &sealed).unwrap(), b"secret seed");
        assert!(sealer.open("kid-2", &sealed).is_none());
        let other = Sealer::from_material(b"another key encryption key, 32 b+");
        assert!(other.open("kid-1", &sealed).is_none());
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN] ^= 1;
        assert!(sealer.open("kid-1", &tampered).is_none());
        assert!(sealer.open("kid-1", &sealed[..5]).is_none());
    }
}
