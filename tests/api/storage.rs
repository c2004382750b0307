//! One behaviour suite for both object stores: the filesystem, and S3 against a
//! real S3-compatible server (s3s-fs, in-process on a random port, checking
//! signatures) — not a fake of the trait.

use std::path::Path;

use bytes::Bytes;
use futures_util::StreamExt;
use troupe::storage::fs::FsStore;
use troupe::storage::s3::{S3Settings, S3Store};
use troupe::storage::{ObjectKey, ObjectStore};

async fn read_all(store: &dyn ObjectStore, key: &ObjectKey) -> Option<Vec<u8>> {
    let object = store.get(key).await.expect("get")?;
    let mut body = object.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(
        out.len() as u64,
        object.meta.size,
        "the stream matches the size"
    );
    Some(out)
}

async fn behaves_like_an_object_store(store: &dyn ObjectStore) {
    let key = ObjectKey::parse("uploads/user-1/file-1.png").unwrap();
    let other = ObjectKey::parse("thumbnails/user-1/file-1_thumb.jpg").unwrap();
    assert!(store.healthy().await);
    assert!(store.head(&key).await.unwrap().is_none());
    assert!(store.get(&key).await.unwrap().is_none());
    store
        .delete(&key)
        .await
        .expect("deleting a missing object is fine");

    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    store
        .put(&key, Bytes::from(body.clone()), "image/png")
        .await
        .unwrap();
    let meta = store.head(&key).await.unwrap().expect("stored");
    assert_eq!(meta.size, 300_000);
    assert!(!meta.etag.is_empty());
    assert_eq!(
        read_all(store, &key).await.unwrap(),
        body,
        "streamed back intact"
    );

    store
        .put(&other, Bytes::from_static(b"thumb"), "image/jpeg")
        .await
        .unwrap();
    store
        .put(&key, Bytes::from_static(b"second version"), "image/png")
        .await
        .unwrap();
    assert_eq!(read_all(store, &key).await.unwrap(), b"second version");
    // Listing: by prefix, in key order, with a recent modification time.
    let uploads = store.list("uploads/", None).await.unwrap();
    let keys: Vec<&str> = uploads.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["uploads/user-1/file-1.png"]);
    assert!(uploads.next.is_none());
    let age = time::OffsetDateTime::now_utc() - uploads.objects[0].modified;
    assert!(age < time::Duration::minutes(5), "modified {age} ago");
    let thumbs = store.list("thumbnails/", None).await.unwrap();
    assert_eq!(thumbs.objects.len(), 1);
    assert!(
        store
            .list("nothing-here/", None)
            .await
            .unwrap()
            .objects
            .is_empty()
    );
    assert_ne!(
        store.head(&key).await.unwrap().unwrap().etag,
        meta.etag,
        "a new content, a new etag"
    );
    assert_eq!(
        read_all(store, &other).await.unwrap(),
        b"thumb",
        "keys are independent"
    );

    store.delete(&key).await.unwrap();
    assert!(store.head(&key).await.unwrap().is_none());
    assert!(read_all(store, &key).await.is_none());
    store.delete(&key).await.expect("deleting twice is fine");
    assert!(store.head(&other).await.unwrap().is_some());
}

#[actix_web::test]
async fn the_filesystem_store_behaves_and_writes_atomically() {
    let root = tempfile::tempdir().unwrap();
    let store = FsStore::new(root.path()).unwrap();
    behaves_like_an_object_store(&store).await;
    let key = ObjectKey::parse("uploads/u/f.bin").unwrap();
    store
        .put(&key, Bytes::from_static(b"x"), "application/octet-stream")
        .await
        .unwrap();
    let names: Vec<String> = std::fs::read_dir(root.path().join("uploads/u"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["f.bin"], "no temporary file is left behind");
}

/// An s3s-fs server over `root`, with signature checking, on a random port.
pub async fn s3_server(root: &Path) -> String {
    let fs = s3s_fs::FileSystem::new(root).expect("s3s-fs root");
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        "test-access-key",
        "test-secret-key",
    ));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    actix_rt::spawn(async move {
        let http =
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        while let Ok((socket, _)) = listener.accept().await {
            let connection = http
                .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone())
                .into_owned();
            actix_rt::spawn(async move {
                let _ = connection.await;
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn s3_store(endpoint: String, secret: &str) -> S3Store {
    S3Store::new(S3Settings {
        endpoint,
        region: "us-east-1".into(),
        bucket: "media-files".into(),
        access_key: "test-access-key".into(),
        secret_key: secret.into(),
        path_style: true,
    })
    .expect("store")
}

#[actix_web::test]
async fn the_s3_store_behaves_against_a_real_s3_server_and_creates_its_bucket() {
    let root = tempfile::tempdir().unwrap();
    let endpoint = s3_server(root.path()).await;
    let store = s3_store(endpoint, "test-secret-key");
    behaves_like_an_object_store(&store).await;
    assert!(
        root.path().join("media-files").is_dir(),
        "the bucket was created on first use"
    );
    assert!(
        root.path()
            .join("media-files/thumbnails/user-1/file-1_thumb.jpg")
            .is_file()
    );
}

#[actix_web::test]
async fn the_s3_store_behaves_against_seaweedfs_and_creates_its_bucket() {
    let server = crate::support::seaweedfs::SeaweedFs::start().await;
    let store = S3Store::new(S3Settings {
        endpoint: server.endpoint.clone(),
        region: "us-east-1".into(),
        bucket: "behaviour-suite".into(),
        access_key: crate::support::seaweedfs::ACCESS_KEY.into(),
        secret_key: crate::support::seaweedfs::SECRET_KEY.into(),
        path_style: true,
    })
    .expect("store");
    behaves_like_an_object_store(&store).await;
    let wrong = S3Store::new(S3Settings {
        endpoint: server.endpoint.clone(),
        region: "us-east-1".into(),
        bucket: "behaviour-suite".into(),
        access_key: crate::support::seaweedfs::ACCESS_KEY.into(),
        secret_key: "not-the-secret".into(),
        path_style: true,
    })
    .expect("store");
    assert!(!wrong.healthy().await, "SeaweedFS checks signatures");
}

#[actix_web::test]
async fn the_s3_store_reports_unhealthy_with_a_wrong_secret_or_no_server() {
    let root = tempfile::tempdir().unwrap();
    let endpoint = s3_server(root.path()).await;
    let wrong = s3_store(endpoint, "not-the-secret");
    assert!(!wrong.healthy().await, "the server checks signatures");
    let key = ObjectKey::parse("uploads/u/f.png").unwrap();
    assert!(
        wrong
            .put(&key, Bytes::from_static(b"x"), "image/png")
            .await
            .is_err()
    );
    let nobody = s3_store("http://127.0.0.1:9".into(), "test-secret-key");
    assert!(!nobody.healthy().await);
}

#[actix_web::test]
async fn readiness_reports_the_s3_store() {
    let root = tempfile::tempdir().unwrap();
    let endpoint = s3_server(root.path()).await;
    let s3 = |endpoint: &str| {
        vec![
            ("STORAGE_BACKEND", "s3".to_owned()),
            ("S3_ENDPOINT", endpoint.to_owned()),
            ("S3_ACCESS_KEY", "test-access-key".to_owned()),
            ("S3_SECRET_KEY", "test-secret-key".to_owned()),
        ]
    };
    let settings = s3(&endpoint);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = crate::support::app().settings(&pairs).start().await;
    let ready = app.ready().await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json()["checks"]["storage"], "ok");

    let dead = s3("http://127.0.0.1:9");
    let pairs: Vec<(&str, &str)> = dead.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = crate::support::app().settings(&pairs).start().await;
    let ready = app.ready().await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["checks"]["storage"], "down");
}
