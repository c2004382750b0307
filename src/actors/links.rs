//! The URLs users may store: links, avatars and thumbnails (SPEC §4, §5).

pub const URL_MAX: usize = 500;

/// An absolute http(s) URL, or (`allow_media`) a `/media/...` path of ours.
pub fn url_rule(value: &str, allow_media: bool) -> Result<(), String> {
    if value.chars().count() > URL_MAX {
        return Err(format!("must be at most {URL_MAX} characters"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".to_owned());
    }
    if allow_media && value.starts_with("/media/") && !value.contains("..") {
        return Ok(());
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(()),
        _ if allow_media => Err("must be an http(s) URL or a /media/... path".to_owned()),
        _ => Err("must be an http(s) URL".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::url_rule;

    #[test]
    fn urls_are_http_or_our_media_paths() {
        assert!(url_rule("https://example.org/x", false).is_ok());
        assert!(url_rule("http://a.b", false).is_ok());
        assert!(url_rule("/media/thumbnails/u/f_thumb.jpg", true).is_ok());
        assert!(url_rule("/media/thumbnails/u/f_thumb.jpg", false).is_err());
        assert!(url_rule("/media/../etc/passwd", true).is_err());
        assert!(url_rule("javascript:alert(1)", true).is_err());
        assert!(url_rule("ftp://x", false).is_err());
        assert!(url_rule("https://", false).is_err());
        assert!(url_rule("https://a b", false).is_err());
        assert!(url_rule(&format!("https://{}", "a".repeat(500)), false).is_err());
    }
}
