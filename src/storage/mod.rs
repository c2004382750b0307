//! Object storage for uploads and thumbnails (SPEC §6) behind one trait: the local
//! filesystem under `DATA_DIR` (default) or an S3-compatible bucket. Keys are checked
//! once, in `ObjectKey`, so no store can be led outside its root.

pub mod fs;
pub mod s3;

use bytes::Bytes;
use futures_util::stream::BoxStream;

/// A key such as `uploads/<user_id>/<file_id>.png`: 1–8 segments of
/// `[A-Za-z0-9._-]`, none empty, `.` or `..`, at most 512 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn parse(key: &str) -> Option<Self> {
        let segments: Vec<&str> = key.split('/').collect();
        let plain = |s: &&str| {
            !s.is_empty()
                && *s != "."
                && *s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        let ok =
            key.len() <= 512 && (1..=8).contains(&segments.len()) && segments.iter().all(plain);
        ok.then(|| ObjectKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a store knows of an object without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    /// Changes whenever the content does.
    pub etag: String,
}

/// An object being read.
pub struct StoredObject {
    pub meta: ObjectMeta,
    pub body: BoxStream<'static, Result<Bytes, StorageError>>,
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub modified: time::OffsetDateTime,
}

/// A page of a listing, in key order; `next` continues it.
#[derive(Debug, Default)]
pub struct ListPage {
    pub objects: Vec<Listed>,
    pub next: Option<String>,
}

/// Objects a listing page holds at most.
pub const LIST_PAGE: usize = 1000;

#[derive(Debug, thiserror::Error)]
#[error("object storage: {0}")]
pub struct StorageError(pub String);

#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// Stores `bytes` under `key` (replacing it); readers see the old or the new
    /// object, never part of one.
    async fn put(
        &self,
        key: &ObjectKey,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<(), StorageError>;
    /// The object as a stream, or `None` when there is none.
    async fn get(&self, key: &ObjectKey) -> Result<Option<StoredObject>, StorageError>;
    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StorageError>;
    /// Removes the object; removing a missing one is not an error.
    async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError>;
    /// The objects whose keys start with `prefix`, a page at a time (`next` from the
    /// previous page, `None` for the first).
    async fn list(&self, prefix: &str, next: Option<String>) -> Result<ListPage, StorageError>;
    async fn healthy(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::ObjectKey;

    #[test]
    fn keys_cannot_escape_or_smuggle_anything() {
        assert!(ObjectKey::parse("uploads/0190-ab/file_1.png").is_some());
        for bad in [
            "",
            "/abs",
            "a//b",
            "../x",
            "a/../b",
            "a/./b",
            "a/b/",
            "a\\\\b",
            "a b",
            "a/%2e%2e/b",
            "ü",
            "a\\0b",
        ] {
            assert!(ObjectKey::parse(bad).is_none(), "{bad:?}");
        }
        assert!(ObjectKey::parse("a/".repeat(9).trim_end_matches('/')).is_none());
        assert!(ObjectKey::parse(&"x".repeat(513)).is_none());
    }
}
