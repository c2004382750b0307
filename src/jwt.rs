//! Access tokens: HS256 JWTs with `sub`, `username`, `role`, `iat`, `exp`, `jti`, `iss`,
//! `aud` (SPEC §2), and where the signing secret comes from.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Config;
use crate::messages::auth::{Caller, Role};

const ISSUER: &str = "troupe";
const AUDIENCE: &str = "troupe-api";
/// Clock skew tolerated on `exp`/`iat` between nodes.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub username: String,
    pub role: Role,
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
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        // Only HS256: a token naming any other algorithm (`none`, RS256 …) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        username: &str,
        role: Role,
    ) -> Result<AccessToken, jsonwebtoken::errors::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user_id,
            username: username.to_owned(),
            role,
            iat: now,
            exp: now.saturating_add(i64::try_from(self.ttl_secs).unwrap_or(i64::MAX)),
            jti: Uuid::now_v7(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(AccessToken {
            token,
            expires_in: self.ttl_secs,
        })
    }

    /// The claims of a valid token; `None` for anything else (bad signature, wrong
    /// algorithm, expired, wrong issuer or audience, malformed).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

impl Claims {
    pub fn caller(&self) -> Caller {
        Caller {
            id: self.sub,
            username: self.username.clone(),
            role: self.role,
        }
    }
}

/// `JWT_SECRET`, or a secret generated once and kept in `DATA_DIR/jwt_secret`
/// (mode 0600) so that restarts and processes sharing `DATA_DIR` agree.
pub fn load_secret(config: &Config) -> std::io::Result<Vec<u8>> {
    if let Some(secret) = &config.auth.jwt_secret {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let path = config.data_dir.join("jwt_secret");
    match read_secret(&path) {
        Ok(secret) => return Ok(secret),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let encoded = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(encoded.as_bytes())?;
            file.sync_all()?;
            tracing::warn!(
                path = %path.display(),
                "JWT_SECRET is not set: generated one and stored it in DATA_DIR; set JWT_SECRET in production"
            );
            Ok(encoded.into_bytes())
        }
        // Another process sharing DATA_DIR wrote it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret(&path),
        Err(e) => Err(e),
    }
}

fn read_secret(path: &Path) -> std::io::Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)?;
    let secret = text.trim();
    if secret.len() < 32 {
        return Err(std::io::Error::other(format!(
            "{} holds fewer than 32 bytes; delete it to generate a new secret",
            path.display()
        )));
    }
    Ok(secret.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", 300)
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let id = Uuid::now_v7();
        let token = keys().issue(id, "ana", Role::Committee).unwrap();
        let claims = keys().verify(&token.token).expect("valid");
        assert_eq!(claims.sub, id);
        assert_eq!(claims.role, Role::Committee);
        assert_eq!(claims.exp - claims.iat, 300);
        assert_eq!(token.expires_in, 300);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = JwtKeys::new(b"another-secret-another-secret-xx", 300);
        let token = other.issue(Uuid::now_v7(), "ana", Role::User).unwrap();
        assert!(keys().verify(&token.token).is_none());
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","username":"x","role":"superadmin","iat":{now},"exp":{},"jti":"{}","iss":"troupe","aud":"troupe-api"}}"#,
            Uuid::now_v7(),
            now + 300,
            Uuid::now_v7()
        ));
        assert!(keys().verify(&format!("{header}.{payload}.")).is_none());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let expired = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 0);
        let mut claims = keys()
            .verify(&keys().issue(Uuid::now_v7(), "a", Role::User).unwrap().token)
            .unwrap();
        claims.exp -= 400;
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &expired.encoding)
                .unwrap();
        assert!(keys().verify(&token).is_none());
    }

    #[test]
    fn a_generated_secret_is_kept_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let config =
            Config::from_lookup(|k| (k == "DATA_DIR").then(|| dir.path().display().to_string()))
                .unwrap();
        let first = load_secret(&config).unwrap();
        let second = load_secret(&config).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt_secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
