//! Partial updates: a field may be absent (keep), `null` (clear) or a value (set).

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "double_option")]` on an
/// `Option<Option<T>>`: absent → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "double_option")]
        field: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_are_told_apart() {
        let absent: Sample = serde_json::from_str("{}").unwrap();
        let null: Sample = serde_json::from_str(r#"{"field":null}"#).unwrap();
        let value: Sample = serde_json::from_str(r#"{"field":"x"}"#).unwrap();
        assert_eq!(absent.field, None);
        assert_eq!(null.field, Some(None));
        assert_eq!(value.field, Some(Some("x".to_owned())));
    }
}
