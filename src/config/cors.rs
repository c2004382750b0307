//! `CORS_ALLOWED_ORIGINS`, parsed into the origins a browser may call the API from.

/// `CORS_ALLOWED_ORIGINS`: comma-separated origins, `*`, or nothing (same origin only).
/// Auth is a Bearer header, never a cookie, so no origin gets credentials mode and `*`
/// is safe to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    SameOriginOnly,
    Any,
    Listed(Vec<String>),
}

impl CorsOrigins {
    /// Parses the setting; the error names the offending entry.
    pub(super) fn parse(raw: Option<String>) -> Result<Self, String> {
        let Some(raw) = raw else {
            return Ok(CorsOrigins::SameOriginOnly);
        };
        let entries: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries == ["*"] {
            return Ok(CorsOrigins::Any);
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry == "*" {
                return Err("`*` must stand alone".to_owned());
            }
            let origin = entry.strip_suffix('/').unwrap_or(entry);
            let rest = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ', '*']) => {
                    origins.push(origin.to_owned());
                }
                _ => {
                    return Err(format!(
                        "{entry:?} is not an origin (scheme://host[:port], no path)"
                    ));
                }
            }
        }
        Ok(if origins.is_empty() {
            CorsOrigins::SameOriginOnly
        } else {
            CorsOrigins::Listed(origins)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CorsOrigins;

    #[test]
    fn origins_are_none_by_default_a_list_or_a_lone_star() {
        assert_eq!(CorsOrigins::parse(None), Ok(CorsOrigins::SameOriginOnly));
        assert_eq!(
            CorsOrigins::parse(Some("https://app.example, http://localhost:5173/".into())),
            Ok(CorsOrigins::Listed(vec![
                "https://app.example".into(),
                "http://localhost:5173".into()
            ]))
        );
        assert_eq!(CorsOrigins::parse(Some("*".into())), Ok(CorsOrigins::Any));
        for bad in [
            "*, https://a.example",
            "app.example",
            "https://a.example/path",
        ] {
            assert!(CorsOrigins::parse(Some(bad.into())).is_err(), "{bad}");
        }
    }
}
