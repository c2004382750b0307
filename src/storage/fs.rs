//! Objects as files under a root directory. A write goes to a temporary file in the
//! same directory, is flushed to disk, and is renamed over the target: readers never
//! see a partial object, and a crash leaves at most a stray temporary file.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{ObjectKey, ObjectMeta, ObjectStore, StorageError, StoredObject};

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

    async fn healthy(&self) -> bool {
        tokio::fs::metadata(&self.root)
            .await
            .is_ok_and(|m| m.is_dir())
    }
}
