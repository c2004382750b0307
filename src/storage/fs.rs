//! Objects as files under a root directory. A write goes to a temporary file in the
//! same directory, is flushed to disk, and is renamed over the target: readers never
//! see a partial object, and a crash leaves at most a stray temporary file.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{
    LIST_PAGE, ListPage, Listed, ObjectKey, ObjectMeta, ObjectStore, StorageError, StoredObject,
};

pub struct FsStore {
    root: PathBuf,
}

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError(e.to_string())
}

impl FsStore {
    pub fn new(root: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(root)
            .map_err(|e| StorageError(format!("cannot create {}: {e}", root.display())))?;
        Ok(FsStore {
            root: root.to_path_buf(),
        })
    }

    /// `ObjectKey` admits only plain segments, so this stays under `root`.
    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

fn meta_of(m: &std::fs::Metadata) -> ObjectMeta {
    let modified = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    ObjectMeta {
        size: m.len(),
        etag: format!("{:x}-{modified:x}", m.len()),
    }
}

/// Every file under `root` whose key starts with `prefix`, after `after`, in key order,
/// one page's worth. (Each page walks the tree again: the filesystem store is for one
/// machine's worth of files.)
fn list_files(root: &Path, prefix: &str, after: Option<&str>) -> Result<ListPage, StorageError> {
    let start = match prefix.rsplit_once('/') {
        Some((dir, _)) => root.join(dir),
        None => root.to_path_buf(),
    };
    let mut found = Vec::new();
    let mut dirs = vec![start];
    while let Some(dir) = dirs.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(err(e)),
        };
        for entry in entries {
            let entry = entry.map_err(err)?;
            let meta = entry.metadata().map_err(err)?;
            let path = entry.path();
            if meta.is_dir() {
                dirs.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let key = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if !key.starts_with(prefix) || after.is_some_and(|a| key.as_str() <= a) {
                continue;
            }
            let modified = meta
                .modified()
                .map(time::OffsetDateTime::from)
                // Unknown: treated as new, so the collector leaves it alone.
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
            found.push(Listed { key, modified });
        }
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    let next = (found.len() > LIST_PAGE).then(|| found[LIST_PAGE - 1].key.clone());
    found.truncate(LIST_PAGE);
    Ok(ListPage {
        objects: found,
        next,
    })
}

#[async_trait::async_trait]
impl ObjectStore for FsStore {
    async fn put(
        &self,
        key: &ObjectKey,
        bytes: Bytes,
        _content_type: &str,
    ) -> Result<(), StorageError> {
        let target = self.path(key);
        let dir = target
            .parent()
            .ok_or_else(|| StorageError("a key has a directory".into()))?;
        tokio::fs::create_dir_all(dir).await.map_err(err)?;
        let temp = dir.join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
        let written = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(&bytes).await?;
            file.sync_all().await?;
            tokio::fs::rename(&temp, &target).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(err(e));
        }
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<Option<StoredObject>, StorageError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        let meta = meta_of(&file.metadata().await.map_err(err)?);
        let body = tokio_util::io::ReaderStream::new(file)
            .map(|chunk| chunk.map_err(err))
            .boxed();
        Ok(Some(StoredObject { meta, body }))
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StorageError> {
        match tokio::fs::metadata(self.path(key)).await {
            Ok(m) if m.is_file() => Ok(Some(meta_of(&m))),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str, next: Option<String>) -> Result<ListPage, StorageError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || list_files(&root, &prefix, next.as_deref()))
            .await
            .map_err(err)?
    }

    async fn healthy(&self) -> bool {
        tokio::fs::metadata(&self.root)
            .await
            .is_ok_and(|m| m.is_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_pages_through_every_file_in_key_order_once() {
        let root = tempfile::tempdir().unwrap();
        for i in 0..LIST_PAGE + 5 {
            let dir = root.path().join(format!("uploads/u{}", i % 7));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("f{i:05}.png")), b"x").unwrap();
        }
        std::fs::create_dir_all(root.path().join("thumbnails")).unwrap();
        std::fs::write(root.path().join("thumbnails/t.jpg"), b"x").unwrap();
        let first = list_files(root.path(), "uploads/", None).unwrap();
        assert_eq!(first.objects.len(), LIST_PAGE);
        let second = list_files(root.path(), "uploads/", first.next.as_deref()).unwrap();
        assert_eq!(second.objects.len(), 5);
        assert!(second.next.is_none());
        let mut keys: Vec<String> = first
            .objects
            .into_iter()
            .chain(second.objects)
            .map(|o| o.key)
            .collect();
        let sorted = {
            let mut k = keys.clone();
            k.sort();
            k
        };
        assert_eq!(keys, sorted);
        keys.dedup();
        assert_eq!(keys.len(), LIST_PAGE + 5);
        assert!(keys.iter().all(|k| k.starts_with("uploads/u")));
    }
}
