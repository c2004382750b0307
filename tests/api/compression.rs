//! Compressed JSON (issue 17): brotli or gzip as the client's `Accept-Encoding` says,
//! for JSON bodies of `COMPRESS_MIN_BYTES` and more, the same JSON once decoded.

use std::io::Read;

use reqwest::header::HeaderMap;

use crate::support::{TestApp, app as configured, spawn_app};

struct Raw {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

/// Bytes as they travel: this client neither asks for a coding nor decodes one (the
/// tests' shared client may, with reqwest's `gzip` feature switched on by another
/// crate).
async fn get_encoded(app: &TestApp, path: &str, accept: Option<&str>) -> Raw {
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .expect("http client");
    let mut req = client.get(app.url(path));
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    let res = req.send().await.expect("request sent");
    Raw {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        bytes: res.bytes().await.expect("body read").to_vec(),
    }
}

fn encoding(raw: &Raw) -> Option<&str> {
    raw.headers
        .get("content-encoding")
        .map(|v| v.to_str().expect("ascii"))
}

fn varies_on_encoding(raw: &Raw) -> bool {
    raw.headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap_or("").contains("accept-encoding"))
}

fn decoded(raw: &Raw) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding(raw) {
        Some("br") => brotli::Decompressor::new(&raw.bytes[..], 4096)
            .read_to_end(&mut out)
            .expect("valid brotli"),
        Some("gzip") => flate2::read::GzDecoder::new(&raw.bytes[..])
            .read_to_end(&mut out)
            .expect("valid gzip"),
        other => panic!("not compressed: {other:?}"),
    };
    out
}

#[actix_web::test]
async fn a_large_json_answer_is_compressed_as_asked_and_decodes_to_the_same_json() {
    let app = configured()
        .settings(&[("COMPRESS_MIN_BYTES", "1024")])
        .start()
        .await;
    let owner = app.user("kai").await;
    for n in 0..8 {
        app.project(&owner, &format!("Glaze study {n}")).await;
    }
    let path = "/projects?size=20";
    let plain = get_encoded(&app, path, None).await;
    assert_eq!(plain.status, 200);
    assert!(plain.bytes.len() >= 1024, "{} bytes", plain.bytes.len());
    assert_eq!(encoding(&plain), None);
    assert!(
        varies_on_encoding(&plain),
        "caches must key on Accept-Encoding"
    );

    for (accept, expected) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.4, gzip;q=0.9", "gzip"),
    ] {
        let raw = get_encoded(&app, path, Some(accept)).await;
        assert_eq!(raw.status, 200);
        assert_eq!(encoding(&raw), Some(expected), "{accept}");
        assert!(varies_on_encoding(&raw));
        assert!(
            raw.bytes.len() * 2 < plain.bytes.len(),
            "{accept}: it shrinks"
        );
        assert_eq!(decoded(&raw), plain.bytes, "{accept}: the same JSON");
        // The weak tag is the representation's, whatever the coding.
        assert_eq!(raw.headers["etag"], plain.headers["etag"]);
    }
    for accept in ["identity", "deflate", "gzip;q=0, br;q=0"] {
        let raw = get_encoded(&app, path, Some(accept)).await;
        assert_eq!(encoding(&raw), None, "{accept}");
        assert_eq!(raw.bytes, plain.bytes);
    }
}

#[actix_web::test]
async fn small_answers_and_compression_off_travel_as_they_are() {
    let app = configured()
        .settings(&[("COMPRESS_MIN_BYTES", "1024")])
        .start()
        .await;
    let owner = app.user("ivo").await;
    let id = app.project(&owner, "Kiln").await;
    let small = get_encoded(&app, &format!("/projects/{id}"), Some("br, gzip")).await;
    assert_eq!(small.status, 200);
    assert!(small.bytes.len() < 1024);
    assert_eq!(encoding(&small), None);
    assert!(!varies_on_encoding(&small));
    let problem = get_encoded(&app, "/projects/not-a-uuid", Some("br")).await;
    assert_eq!(problem.status, 404);
    assert_eq!(encoding(&problem), None);

    // Off is the default.
    let off = spawn_app().await;
    let owner = off.user("ivo").await;
    for n in 0..8 {
        off.project(&owner, &format!("Glaze study {n}")).await;
    }
    let raw = get_encoded(&off, "/projects?size=20", Some("br, gzip")).await;
    assert!(raw.bytes.len() >= 1024);
    assert_eq!(encoding(&raw), None);
    let low = configured()
        .settings(&[("COMPRESS_MIN_BYTES", "100")])
        .start()
        .await;
    let owner = low.user("ivo").await;
    let id = low.project(&owner, "Kiln").await;
    let raw = get_encoded(&low, &format!("/projects/{id}"), Some("gzip")).await;
    assert_eq!(encoding(&raw), Some("gzip"), "the threshold is a setting");
}

/// Issue 20: the web app's embedded files are encoded once at start and travel brotli-
/// or gzip-encoded as the client asks, the same bytes once decoded.
#[actix_web::test]
async fn the_web_apps_files_travel_encoded_as_asked() {
    let app = spawn_app().await;
    let shell = get_encoded(&app, "/app/", None).await;
    let shell = String::from_utf8(shell.bytes).expect("utf-8 shell");
    let start = shell.find("/app/assets/app.").expect("app.js in the shell");
    let path = &shell[start..start + shell[start..].find('"').expect("closing quote")];
    let plain = get_encoded(&app, path, None).await;
    assert_eq!(plain.status, 200);
    assert_eq!(encoding(&plain), None);
    assert!(varies_on_encoding(&plain));
    for (accept, expected) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
        let raw = get_encoded(&app, path, Some(accept)).await;
        assert_eq!(raw.status, 200);
        assert_eq!(encoding(&raw), Some(expected), "{accept}");
        assert!(raw.bytes.len() < plain.bytes.len() / 2, "{accept}");
        assert_eq!(decoded(&raw), plain.bytes, "{accept}");
        assert_eq!(
            raw.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
}
