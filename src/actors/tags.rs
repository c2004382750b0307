//! The one tag rule (SPEC §5, §7): a project's tags and a search's tag filter are
//! both trimmed, lower-cased and de-duplicated, with the same limits, so every tag a
//! project can carry can be searched for.

pub const TAGS_MAX: usize = 20;
pub const TAG_MAX: usize = 50;

/// Trimmed, lower-case, duplicates dropped, order kept; an error says which limit
/// was broken.
pub fn normalise(raw: impl IntoIterator<Item = String>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if !(1..=TAG_MAX).contains(&tag.chars().count()) {
            return Err(format!("each tag must be 1 to {TAG_MAX} characters"));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(format!("at most {TAGS_MAX} tags"));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lower_cased_and_de_duplicated_in_order() {
        let raw = [" Rust", "web", "RUST ", "Web"].map(String::from);
        assert_eq!(normalise(raw).unwrap(), ["rust", "web"]);
    }

    #[test]
    fn blank_long_and_too_many_tags_are_refused() {
        assert!(normalise([" ".to_owned()]).is_err());
        assert!(normalise(["x".repeat(TAG_MAX + 1)]).is_err());
        assert!(normalise(["é".repeat(TAG_MAX)]).is_ok());
        assert!(normalise((0..=TAGS_MAX).map(|i| i.to_string())).is_err());
        // Duplicates count once.
        assert!(normalise((0..TAGS_MAX * 2).map(|i| (i % TAGS_MAX).to_string())).is_ok());
    }
}
