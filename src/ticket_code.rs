//! Signed ticket codes (issue 19): what a `signed` event's tickets carry, so a gate
//! can check one without the server.
//!
//! A code is `TRP1.<payload>.<signature>`: the payload is the UTF-8 text
//! `event_id LF ticket_id LF category`, the signature Ed25519 over those payload
//! bytes with the event's key, both base64url without padding. Every part is in
//! `[A-Za-z0-9_.-]`, so a code fits a QR code or a keyboard-wedge scanner as it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const PREFIX: &str = "TRP1.";
/// Longest code accepted.
pub const CODE_MAX: usize = 600;

/// A code's parts, read but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCode {
    pub event_id: String,
    pub ticket_id: String,
    pub category: String,
    payload: Vec<u8>,
    signature: [u8; 64],
}

/// Signs a ticket with the event's 32-byte key seed.
pub fn issue(seed: &[u8; 32], event_id: &str, ticket_id: &str, category: &str) -> String {
    let payload = format!("{event_id}\n{ticket_id}\n{category}");
    let signature = SigningKey::from_bytes(seed).sign(payload.as_bytes());
    format!(
        "{PREFIX}{}.{}",
        URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

/// The public key of a key seed.
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// `None` for text that is not a well-formed code.
pub fn parse(code: &str) -> Option<TicketCode> {
    if code.len() > CODE_MAX {
        return None;
    }
    let (payload, signature) = code.strip_prefix(PREFIX)?.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD.decode(signature).ok()?.try_into().ok()?;
    let text = std::str::from_utf8(&payload).ok()?;
    let mut parts = text.split('\n');
    let (event_id, ticket_id, category) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(TicketCode {
        event_id: event_id.to_owned(),
        ticket_id: ticket_id.to_owned(),
        category: category.to_owned(),
        payload: payload.clone(),
        signature,
    })
}

impl TicketCode {
    /// Whether the event's public key signed this code.
    pub fn verify(&self, public_key: &[u8; 32]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        key.verify(&self.payload, &Signature::from_bytes(&self.signature))
            .is_ok()
    }
}

/// Base64url (no padding) of a public key, as the JWK `x` member.
pub fn encode_key(key: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_verifies_with_its_events_key_only_and_resists_tampering() {
        let seed = [7u8; 32];
        let code = issue(&seed, "fest-2026", "T-1", "VIP");
        assert!(code.starts_with("TRP1."));
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        );
        let parsed = parse(&code).expect("parses");
        assert_eq!(
            (
                parsed.event_id.as_str(),
                parsed.ticket_id.as_str(),
                parsed.category.as_str()
            ),
            ("fest-2026", "T-1", "VIP")
        );
        assert!(parsed.verify(&public_key(&seed)));
        assert!(
            !parsed.verify(&public_key(&[8u8; 32])),
            "another event's key"
        );
        // Another category with the same signature.
        let (head, sig) = code.rsplit_once('.').unwrap();
        let _ = head;
        let forged = format!(
            "TRP1.{}.{sig}",
            URL_SAFE_NO_PAD.encode("fest-2026\nT-1\nBACKSTAGE")
        );
        assert!(!parse(&forged).unwrap().verify(&public_key(&seed)));
        for bad in [
            "",
            "TRP1.",
            "TRP1.abc",
            "TRP2.a.b",
            &format!("{code}x"),
            "TRP1.!!.??",
        ] {
            assert!(
                parse(bad).is_none_or(|c| !c.verify(&public_key(&seed))),
                "{bad}"
            );
        }
    }
}
