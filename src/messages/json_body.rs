//! An answer encoded as JSON once, with the entity tag of its bytes, so that an
//! answer kept for many callers is not serialised and hashed again for each.

use std::hash::Hasher;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct JsonBody {
    pub bytes: Bytes,
    /// SipHash-1-3 of `bytes` in hex: the same on every node running the same build.
    pub tag: String,
}

impl JsonBody {
    pub fn of<T: Serialize>(value: &T) -> Result<Self, serde_json::Error> {
        let bytes = serde_json::to_vec(value)?;
        let mut hasher = std::hash::DefaultHasher::new();
        hasher.write(&bytes);
        Ok(JsonBody {
            tag: format!("{:016x}", hasher.finish()),
            bytes: Bytes::from(bytes),
        })
    }

    /// The body kept in `cell`, encoded by `encode` the first time it is asked for
    /// (two callers at once may both encode; the first one kept is answered).
    pub fn kept<E>(
        cell: &OnceLock<JsonBody>,
        encode: impl FnOnce() -> Result<JsonBody, E>,
    ) -> Result<JsonBody, E> {
        if let Some(body) = cell.get() {
            return Ok(body.clone());
        }
        let body = encode()?;
        Ok(cell.get_or_init(|| body).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::JsonBody;

    #[test]
    fn equal_values_have_equal_tags_and_different_ones_different_tags() {
        let a = JsonBody::of(&serde_json::json!({"items": [1, 2]})).unwrap();
        let b = JsonBody::of(&serde_json::json!({"items": [1, 2]})).unwrap();
        let c = JsonBody::of(&serde_json::json!({"items": [1, 3]})).unwrap();
        assert_eq!(&a.bytes[..], br#"{"items":[1,2]}"#);
        assert_eq!(a.tag, b.tag);
        assert_ne!(a.tag, c.tag);
        assert_eq!(a.tag.len(), 16);
    }
}
