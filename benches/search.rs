//! Search on the embedded index: indexing throughput and query latency at 10,000 and
//! 100,000 projects, and the time from a project write's response to its visibility.
//!
//! `cargo bench --bench search` (the freshness part needs PostgreSQL on 127.0.0.1).

#[path = "bench_server/mod.rs"]
mod bench_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use troupe::config::DEFAULT_HIT_TABLE_DOCS;
use troupe::messages::page::PageRequest;
use troupe::search::embedded::{Embedded, EmbeddedIndex};
use troupe::search::{IndexChanges, SearchDoc, SearchIndex, SearchRequest};
use uuid::Uuid;

const WORDS: &[&str] = &[
    "ceramic",
    "painting",
    "sculpture",
    "bronze",
    "textile",
    "weaving",
    "mural",
    "portrait",
    "landscape",
    "digital",
    "photography",
    "sketch",
    "pottery",
    "glass",
    "wood",
    "carving",
    "print",
    "collage",
    "ink",
    "watercolor",
    "street",
    "studio",
    "abstract",
    "modern",
    "classic",
    "harbor",
    "forest",
    "city",
    "night",
    "light",
    "shadow",
    "color",
    "form",
    "texture",
    "pattern",
    "series",
    "study",
    "install",
    "video",
    "sound",
];
const TAGS: &[&str] = &[
    "art", "design", "craft", "photo", "music", "film", "wood", "metal", "clay", "paper",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.next() % WORDS.len()]
    }
}

fn synthetic(rng: &mut Rng, i: usize) -> SearchDoc {
    let now = time::OffsetDateTime::now_utc();
    let title = format!("{} {} {}", rng.word(), rng.word(), rng.word());
    let description = (0..12).map(|_| rng.word()).collect::<Vec<_>>().join(" ");
    SearchDoc {
        project_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
        title,
        description: Some(description),
        tags: vec![
            TAGS[rng.next() % TAGS.len()].to_owned(),
            TAGS[rng.next() % TAGS.len()].to_owned(),
        ],
        display_name: format!("{} artist {}", rng.word(), i % 997),
        thumbnail_url: None,
        index_version: i as i64 + 1,
        created_at: now,
        updated_at: now,
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

async fn index_and_query(n: usize) {
    let dir = std::env::temp_dir().join(format!(
        "troupe_bench_search_{n}_{}",
        Uuid::new_v4().simple()
    ));
    let index: Arc<dyn SearchIndex> = Arc::new(Embedded::new(
        EmbeddedIndex::open(&dir, true, DEFAULT_HIT_TABLE_DOCS).expect("index"),
    ));
    let mut rng = Rng(n as u64);
    let started = Instant::now();
    for chunk_start in (0..n).step_by(1000) {
        let docs = (chunk_start..(chunk_start + 1000).min(n))
            .map(|i| synthetic(&mut rng, i))
            .collect();
        index
            .apply(IndexChanges {
                upserts: docs,
                deletes: vec![],
            })
            .await
            .expect("apply");
    }
    let took = started.elapsed();
    println!(
        "{n} projects: indexed in {:.2} s = {:.0} docs/s (batches of 1,000, one commit each)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    let page = PageRequest { page: 1, size: 20 };
    for (label, make) in [
        (
            "two words",
            Box::new(|r: &mut Rng| (Some(format!("{} {}", r.word(), r.word())), vec![]))
                as Box<dyn Fn(&mut Rng) -> (Option<String>, Vec<String>)>,
        ),
        (
            "one typo word",
            Box::new(|r: &mut Rng| (Some(format!("{}x", r.word())), vec![])),
        ),
        (
            "word + tag filter",
            Box::new(|r: &mut Rng| {
                (
                    Some(r.word().to_owned()),
                    vec![TAGS[r.next() % TAGS.len()].to_owned()],
                )
            }),
        ),
        (
            "newest first (no query)",
            Box::new(|_: &mut Rng| (None, vec![])),
        ),
    ] {
        let mut times = Vec::with_capacity(500);
        for i in 0..500 {
            let (query, tags) = make(&mut rng);
            // A short word that matches nothing makes every query new: answers
            // are remembered per index generation, and this measures misses.
            let query = query.map(|q| format!("{q} q{i}"));
            let t = Instant::now();
            let found = index
                .search(SearchRequest { query, tags, page })
                .await
                .expect("search");
            times.push(t.elapsed());
            std::hint::black_box(found);
        }
        times.sort();
        println!(
            "{n} projects, {label}: p50 {:.2} ms, p99 {:.2} ms (500 queries, {})",
            pct(&times, 0.5),
            pct(&times, 0.99),
            if label.starts_with("newest") {
                "the same one: remembered after the first"
            } else {
                "each new"
            }
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

async fn freshness() {
    let server = bench_server::start("fresh").await;
    let (base, token) = (server.base.clone(), server.token.clone());
    let client = reqwest::Client::new();
    let mut times = Vec::with_capacity(200);
    for i in 0..200 {
        // Short: the default tokenizer drops words over 40 bytes.
        let marker = format!("mk{i}z{}", &Uuid::new_v4().simple().to_string()[..10]);
        let res = client
            .post(format!("{base}/projects"))
            .bearer_auth(&token)
            .json(&json!({"title": marker}))
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201);
        let answered = Instant::now();
        loop {
            let found: Value = client
                .get(format!("{base}/search?query={marker}"))
                .send()
                .await
                .expect("search")
                .json()
                .await
                .expect("json");
            if found["total"] == 1 {
                break;
            }
            assert!(
                answered.elapsed() < Duration::from_secs(10),
                "never visible"
            );
        }
        times.push(answered.elapsed());
    }
    times.sort();
    println!(
        "write response → visible in search (200 projects, memory bus): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&times, 0.5),
        pct(&times, 0.99),
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    actix_rt::System::new().block_on(async move {
        if only.as_deref().is_none_or(|o| o == "index") {
            index_and_query(10_000).await;
            index_and_query(100_000).await;
        }
        if only.as_deref().is_none_or(|o| o == "freshness") {
            freshness().await;
        }
    });
}
