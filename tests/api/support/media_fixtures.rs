//! Files for the media tests, made in code: images of known content, an
//! EXIF-rotated JPEG, a decompression bomb, a PDF, and the two stores to run on.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use crate::support::{TestApp, app};

pub fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}

/// `width`×`height`, left half red, right half blue.
pub fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(
        DynamicImage::ImageRgb8(halves(width, height)),
        ImageFormat::Png,
    )
}

/// A JPEG stored sideways whose EXIF says "rotate 90° clockwise to display"
/// (orientation 6): stored 200×100 (red left, blue right), shown 100×200 with red
/// on top.
pub fn sideways_jpeg() -> Vec<u8> {
    let jpeg = encode(DynamicImage::ImageRgb8(halves(200, 100)), ImageFormat::Jpeg);
    // APP1 "Exif\0\0" + little-endian TIFF header + one IFD entry: 0x0112 SHORT 1 = 6.
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u16.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let length = u16::try_from(app1.len() + 2).expect("small segment");
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A small PNG that declares 8000×8000 = 64 megapixels of zeros.
pub fn png_bomb() -> Vec<u8> {
    encode(
        DynamicImage::ImageLuma8(image::GrayImage::new(8000, 8000)),
        ImageFormat::Png,
    )
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// The object store a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Fs,
    /// s3s-fs in-process: its objects can be listed as files.
    S3,
    /// SeaweedFS, a third-party S3 server, as a child process.
    SeaweedFs,
}

/// What keeps a test's store alive until the test ends.
pub enum StoreHandle {
    Local,
    S3sFs(tempfile::TempDir),
    SeaweedFs {
        _server: crate::support::seaweedfs::SeaweedFs,
    },
}

impl StoreHandle {
    /// The directory where s3s-fs keeps the bucket, if that is the store.
    pub fn s3s_root(&self) -> Option<&tempfile::TempDir> {
        match self {
            StoreHandle::S3sFs(dir) => Some(dir),
            _ => None,
        }
    }
}

/// An app on the given store; for S3, an S3 server of the test's own.
pub async fn app_on(store: Store, extra: &[(&str, &str)]) -> (TestApp, StoreHandle) {
    match store {
        Store::Fs => (app().settings(extra).start().await, StoreHandle::Local),
        Store::S3 => {
            let root = tempfile::tempdir().expect("temp dir");
            let endpoint = crate::storage::s3_server(root.path()).await;
            let mut settings = vec![
                ("STORAGE_BACKEND", "s3"),
                ("S3_ENDPOINT", endpoint.as_str()),
                ("S3_REGION", "us-east-1"),
                ("S3_BUCKET", "media-files"),
                ("S3_ACCESS_KEY", "test-access-key"),
                ("S3_SECRET_KEY", "test-secret-key"),
            ];
            settings.extend_from_slice(extra);
            (
                app().settings(&settings).start().await,
                StoreHandle::S3sFs(root),
            )
        }
        Store::SeaweedFs => {
            let server = crate::support::seaweedfs::SeaweedFs::start().await;
            let owned = server.settings("media-files");
            let mut settings: Vec<(&str, &str)> =
                owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            settings.extend_from_slice(extra);
            (
                app().settings(&settings).start().await,
                StoreHandle::SeaweedFs { _server: server },
            )
        }
    }
}

/// Every object the store holds, as relative paths (hidden bookkeeping files of
/// the S3 server left out).
pub fn stored_objects(app: &TestApp, s3_root: Option<&tempfile::TempDir>) -> Vec<String> {
    let root = match s3_root {
        Some(dir) => dir.path().join("media-files"),
        None => app.data_path.join("objects"),
    };
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(&root) {
                found.push(relative.display().to_string());
            }
        }
    }
    found.sort();
    found
}
