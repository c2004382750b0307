//! The HS256 secret: `JWT_SECRET`, or one generated once and kept in `DATA_DIR`.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::config::Config;

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
