//! Thumbnails: how many one core makes per second from 1 MP and 12 MP JPEGs with
//! each resampler (fast_image_resize, the one in production, and the image crate's
//! own), and the upload → thumbnail latency under a steady upload load.
//!
//! `cargo bench --bench thumbnails [speed|latency]` (latency needs PostgreSQL on
//! 127.0.0.1). Environment: `RATE` uploads/s (default 10), `SECONDS` (default 20).

#[path = "bench_server/mod.rs"]
mod bench_server;

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use troupe::imaging::thumbnail::{Resampler, ThumbnailSpec, make_thumbnail_with};

const SPEC: ThumbnailSpec = ThumbnailSpec {
    size: 300,
    quality: 85,
    max_pixels: 50_000_000,
};

/// A photo-like JPEG (smooth gradients plus grain, quality 90) of `width`×`height`.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let image = RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let grain = (seed % 24) as u32;
        let r = (x * 255 / width + grain).min(255) as u8;
        let g = (y * 255 / height + grain).min(255) as u8;
        let b = ((x + y) * 255 / (width + height) + grain).min(255) as u8;
        Rgb([r, g, b])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

fn speed() {
    for (label, width, height, rounds) in [
        ("1 MP (1155×866)", 1155, 866, 40),
        ("12 MP (4000×3000)", 4000, 3000, 6),
    ] {
        let jpeg = photo(width, height);
        for resampler in [Resampler::FastImageResize, Resampler::ImageCrate] {
            make_thumbnail_with(&jpeg, &SPEC, resampler).expect("warm-up");
            let started = Instant::now();
            for _ in 0..rounds {
                make_thumbnail_with(&jpeg, &SPEC, resampler).expect("thumbnail");
            }
            let each = started.elapsed() / rounds;
            println!(
                "{label}, {resampler:?}: {:.1} ms per thumbnail = {:.1} thumbnails/s on one core",
                each.as_secs_f64() * 1e3,
                1.0 / each.as_secs_f64()
            );
        }
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn latency() {
    let rate: u64 = std::env::var("RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let server = bench_server::start("uploader").await;
    let (base, token) = (server.base.clone(), server.token.clone());
    let client = reqwest::Client::new();
    let (pool, data) = (server.pool.clone(), server.data.clone());
    let jpeg = photo(1155, 866);

    let total = rate * seconds;
    let mut ticker = actix_rt::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut uploads = Vec::new();
    for _ in 0..total {
        ticker.tick().await;
        let (client, base, token, jpeg) =
            (client.clone(), base.clone(), token.clone(), jpeg.clone());
        uploads.push(actix_rt::spawn(async move {
            let part = reqwest::multipart::Part::bytes(jpeg).file_name("photo.jpg");
            let form = reqwest::multipart::Form::new().part("file", part);
            let res = client
                .post(format!("{base}/media/upload"))
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await
                .expect("upload");
            assert_eq!(res.status(), 201);
        }));
    }
    for upload in uploads {
        upload.await.expect("upload task");
    }
    let db = pool.get().await.expect("db");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pending: i64 = db
            .query_one(
                "SELECT count(*) FROM media WHERE thumbnail_status = 'pending'",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} thumbnails never made");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = db
        .query(
            "SELECT extract(epoch FROM updated_at - created_at)::float8 * 1000 FROM media
             WHERE thumbnail_status = 'done'",
            &[],
        )
        .await
        .expect("latencies");
    let mut times: Vec<f64> = rows.iter().map(|r| r.get(0)).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "upload → thumbnail done, {total} 1 MP JPEG uploads at {rate}/s (row committed → row marked done): \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&times, 0.5),
        pct(&times, 0.99),
        times[times.len() - 1]
    );
    let _ = std::fs::remove_dir_all(data);
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    if only.as_deref().is_none_or(|o| o == "speed") {
        speed();
    }
    if only.as_deref().is_none_or(|o| o == "latency") {
        actix_rt::System::new().block_on(latency());
    }
}
