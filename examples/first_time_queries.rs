//! What a first-time search or suggestion costs on an existing embedded index, one
//! query after another on one thread (no HTTP, no queueing): every query is new to
//! the process, so each is computed, none remembered.
//!
//!     cargo run --release --example first_time_queries -- DIR LISTS search|suggest
//!
//! DIR is an index (`$DATA_DIR/search`), LISTS the directory of `words.txt` and
//! `prefixes.txt` written by `loadtest/seed-reads.py` (after `loadtest/bench-reads.sh`:
//! `/tmp/troupe-bench-reads/data/search` and `/tmp/troupe-bench-reads/lists`).
//! `WAIT_MS=1500` waits before the first query, so the hit tables are built.
//! Queries: every search word, then pairs and triples of them; every prefix and
//! the first letter of each. Times are printed by shape (words, letters). `WORDS=3`
//! runs only the queries of 3 words, so none finds its words' typo groups kept.
use std::collections::BTreeMap;
use std::time::Instant;
use troupe::config::DEFAULT_HIT_TABLE_DOCS;
use troupe::messages::page::PageRequest;
use troupe::search::embedded::{Embedded, EmbeddedIndex};
use troupe::search::{SearchIndex, SearchRequest};

fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let lists = std::env::args().nth(2).unwrap();
    let what = std::env::args().nth(3).unwrap();
    let index =
        EmbeddedIndex::open(std::path::Path::new(&dir), false, DEFAULT_HIT_TABLE_DOCS).unwrap();
    println!("segments: {}", segments(&dir));
    if let Ok(ms) = std::env::var("WAIT_MS") {
        std::thread::sleep(std::time::Duration::from_millis(ms.parse().unwrap()));
    }
    let e = Embedded::new(index);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let read = |n: &str| -> Vec<String> {
        std::fs::read_to_string(format!("{lists}/{n}"))
            .unwrap()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    // Each query's time in ms, by its shape: "N words" or "N letters".
    let mut times: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let start = Instant::now();
    if what == "suggest" {
        let prefixes = read("prefixes.txt");
        let mut letters: Vec<String> = prefixes
            .iter()
            .filter_map(|p| p.get(..1))
            .map(str::to_owned)
            .collect();
        letters.dedup();
        for p in letters.into_iter().chain(prefixes) {
            let shape = format!("{} letters", p.chars().count());
            let t = Instant::now();
            rt.block_on(e.suggest(p)).unwrap();
            times
                .entry(shape)
                .or_default()
                .push(t.elapsed().as_secs_f64() * 1e3);
        }
    } else {
        let words = read("words.txt");
        let n = words.len();
        let mut queries: Vec<String> = words.clone();
        for i in 0..n / 2 {
            queries.push(format!("{} {}", words[i * 2], words[n - 1 - i]));
        }
        for i in 0..n / 3 {
            queries.push(format!(
                "{} {} {}",
                words[i * 3 + 1],
                words[n - 2 - i],
                words[i]
            ));
        }
        let only: Option<usize> = std::env::var("WORDS").ok().map(|n| n.parse().unwrap());
        for q in queries {
            if only.is_some_and(|n| q.split(' ').count() != n) {
                continue;
            }
            let shape = format!("{} words", q.split(' ').count());
            let t = Instant::now();
            let req = SearchRequest {
                query: Some(q),
                tags: vec![],
                page: PageRequest { page: 1, size: 20 },
            };
            rt.block_on(e.search(req)).unwrap();
            times
                .entry(shape)
                .or_default()
                .push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let total = start.elapsed();
    let count: usize = times.values().map(Vec::len).sum();
    println!(
        "{what}: n={count} total={:.0} ms mean={:.3}",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / count as f64,
    );
    for (shape, mut times) in times {
        times.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "  {shape}: n={} mean={mean:.3} p50={:.3} p90={:.3} p99={:.3} max={:.3}",
            times.len(),
            q(0.5),
            q(0.9),
            q(0.99),
            q(1.0)
        );
    }
}

fn segments(dir: &str) -> usize {
    let meta = std::fs::read_to_string(format!("{dir}/meta.json")).unwrap();
    meta.matches("\"segment_id\"").count()
}
