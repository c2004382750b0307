//! Objects in an S3-compatible bucket (rust-s3; path-style URLs for MinIO and
//! s3s). The bucket is created on first use if it is missing, so a store that is
//! down at start-up does not stop start-up.

use bytes::Bytes;
use futures_util::StreamExt;
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, BucketConfiguration, Region};
use tokio::sync::OnceCell;

use super::{
    LIST_PAGE, ListPage, Listed, ObjectKey, ObjectMeta, ObjectStore, StorageError, StoredObject,
};

pub struct S3Settings {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub path_style: bool,
}

pub struct S3Store {
    bucket: Box<Bucket>,
    settings: S3Settings,
    ensured: OnceCell<()>,
}

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError(e.to_string())
}

fn not_found(e: &S3Error) -> bool {
    matches!(e, S3Error::HttpFailWithBody(404, _))
}

impl S3Store {
    pub fn new(settings: S3Settings) -> Result<Self, StorageError> {
        let bucket = Bucket::new(&settings.bucket, region(&settings), credentials(&settings)?)
            .map_err(err)?;
        let bucket = if settings.path_style {
            bucket.with_path_style()
        } else {
            bucket
        };
        Ok(S3Store {
            bucket,
            settings,
            ensured: OnceCell::new(),
        })
    }

    async fn ensure_bucket(&self) -> Result<(), StorageError> {
        self.ensured
            .get_or_try_init(|| async {
                // Probing the bucket itself (not listing every bucket) also works
                // for credentials that may use one bucket only.
                match self
                    .bucket
                    .list_page(String::new(), None, None, None, Some(1))
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(e) if not_found(&e) => {}
                    Err(e) => return Err(err(e)),
                }
                let created = Bucket::create_with_path_style(
                    &self.settings.bucket,
                    region(&self.settings),
                    credentials(&self.settings)?,
                    BucketConfiguration::default(),
                )
                .await;
                match created {
                    Ok(_) => Ok(()),
                    // Another node created it meanwhile.
                    Err(S3Error::HttpFailWithBody(409, _)) => Ok(()),
                    Err(e) => Err(err(e)),
                }
            })
            .await
            .map(|_| ())
    }
}

fn region(s: &S3Settings) -> Region {
    Region::Custom {
        region: s.region.clone(),
        endpoint: s.endpoint.clone(),
    }
}

fn credentials(s: &S3Settings) -> Result<Credentials, StorageError> {
    Credentials::new(Some(&s.access_key), Some(&s.secret_key), None, None, None).map_err(err)
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn put(
        &self,
        key: &ObjectKey,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<(), StorageError> {
        self.ensure_bucket().await?;
        self.bucket
            .put_object_with_content_type(key.as_str(), &bytes, content_type)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<Option<StoredObject>, StorageError> {
        let Some(meta) = self.head(key).await? else {
            return Ok(None);
        };
        match self.bucket.get_object_stream(key.as_str()).await {
            Ok(mut response) => {
                let body =
                    std::mem::replace(response.bytes(), futures_util::stream::empty().boxed());
                Ok(Some(StoredObject {
                    meta,
                    body: body.map(|chunk| chunk.map_err(err)).boxed(),
                }))
            }
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>, StorageError> {
        self.ensure_bucket().await?;
        match self.bucket.head_object(key.as_str()).await {
            Ok((_, 404)) => Ok(None),
            Ok((head, _)) => Ok(Some(ObjectMeta {
                size: head
                    .content_length
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                etag: head.e_tag.unwrap_or_default().trim_matches('"').to_owned(),
            })),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.ensure_bucket().await?;
        match self.bucket.delete_object(key.as_str()).await {
            Ok(_) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    async fn list(&self, prefix: &str, next: Option<String>) -> Result<ListPage, StorageError> {
        self.ensure_bucket().await?;
        let (page, _) = self
            .bucket
            .list_page(prefix.to_owned(), None, next, None, Some(LIST_PAGE))
            .await
            .map_err(err)?;
        let objects = page
            .contents
            .into_iter()
            .map(|o| Listed {
                modified: time::OffsetDateTime::parse(
                    &o.last_modified,
                    &time::format_description::well_known::Rfc3339,
                )
                // Unreadable: treated as new, so the collector leaves it alone.
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
                key: o.key,
            })
            .collect();
        let next = if page.is_truncated {
            page.next_continuation_token
        } else {
            None
        };
        Ok(ListPage { objects, next })
    }

    async fn healthy(&self) -> bool {
        self.ensure_bucket().await.is_ok()
    }
}
