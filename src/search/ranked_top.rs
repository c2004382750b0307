//! The top `k` matches of a query by score, ties broken by `updated_at` (newest
//! first), with the exact total — without scoring every match.
//!
//! tantivy's `TopDocs::tweak_score` gives the same order but scores every matching
//! document, and a frequent word matches most of them. Here the documents go
//! through `Weight::for_each_pruning`, which for a union of plain term queries runs
//! Block-WAND: it skips blocks of postings that cannot beat the current `k`-th
//! score. The threshold handed back is just *below* the `k`-th score, so documents
//! that tie with it are still seen and the `updated_at` tie-break stays exact. The
//! total comes from a second pass that only counts (scoring disabled).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{DocAddress, DocId, Score, Searcher};

/// One match: its score, its `updated_at` and where it is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ranked {
    pub score: Score,
    pub updated_at: i64,
    pub address: DocAddress,
}

impl Ranked {
    /// Higher is better: score, then newer, then the lower address.
    fn rank(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.updated_at.cmp(&other.updated_at))
            .then(other.address.cmp(&self.address))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.rank(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank(other)
    }
}

/// The best `k` matches of `query` (scored with `stats`), best first, and how many
/// documents match.
pub(super) fn top_by_score_then_recency(
    searcher: &Searcher,
    stats: &dyn Bm25StatisticsProvider,
    query: &dyn Query,
    updated_at_field: &str,
    k: usize,
) -> tantivy::Result<(Vec<Ranked>, usize)> {
    let scored = query.weight(EnableScoring::enabled_from_statistics_provider(
        stats, searcher,
    ))?;
    let mut best: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(k.min(1024) + 1);
    let mut threshold = Score::MIN;
    if k > 0 {
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let updated = segment
                .fast_fields()
                .i64(updated_at_field)?
                .first_or_default_col(0);
            let alive = segment.alive_bitset();
            let start = threshold;
            scored.for_each_pruning(start, segment, &mut |doc: DocId, score: Score| {
                if alive.is_some_and(|a| a.is_deleted(doc)) {
                    return threshold;
                }
                let candidate = Ranked {
                    score,
                    updated_at: updated.get_val(doc),
                    address: DocAddress::new(ord as u32, doc),
                };
                best.push(Reverse(candidate));
                if best.len() > k {
                    best.pop();
                }
                if best.len() == k
                    && let Some(Reverse(kth)) = best.peek()
                {
                    // Just below: the pruning loop passes on only documents
                    // scoring strictly above its threshold, and ties count.
                    threshold = kth.score.next_down();
                }
                threshold
            })?;
        }
    }
    let counting = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut total = 0usize;
    for segment in searcher.segment_readers() {
        total += counting.count(segment)? as usize;
    }
    let mut top: Vec<Ranked> = best.into_iter().map(|Reverse(r)| r).collect();
    top.sort_by(|a, b| b.cmp(a));
    Ok((top, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{FAST, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, SegmentReader, TantivyDocument, Term};

    /// Pruning loses nothing: on an index of many segments, with deletions and with
    /// many equal scores and times, the top `k` equals tantivy's exhaustive
    /// `tweak_score` order, and the total equals the number of matches.
    #[test]
    fn the_pruned_top_is_the_exhaustive_top() {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let updated = schema.add_i64_field("updated_at", FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["rust", "camera", "harbour", "kiln", "loom", "tide"];
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for batch in 0..6 {
            for _ in 0..700 {
                let body: Vec<&str> = (0..1 + next(6)).map(|_| words[next(6) as usize]).collect();
                let mut doc = TantivyDocument::default();
                doc.add_text(text, body.join(" "));
                doc.add_i64(updated, next(5) as i64);
                writer.add_document(doc).unwrap();
            }
            if batch == 3 {
                writer.delete_term(Term::from_field_text(text, "loom"));
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let term = |w: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let q = TermQuery::new(Term::from_field_text(text, w), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
        };
        let query = BooleanQuery::new(vec![
            term("rust", 3.0),
            term("camera", 1.0),
            term("kiln", 0.5),
        ]);
        for k in [1, 20, 57, 400] {
            let (ours, total) =
                top_by_score_then_recency(&searcher, &searcher, &query, "updated_at", k).unwrap();
            let exhaustive = TopDocs::with_limit(k).tweak_score(|segment: &SegmentReader| {
                let column = segment
                    .fast_fields()
                    .i64("updated_at")
                    .unwrap()
                    .first_or_default_col(0);
                move |doc: DocId, score: Score| (score, column.get_val(doc))
            });
            let theirs = searcher.search(&query, &exhaustive).unwrap();
            // Block-WAND sums a document's term scores in another order than the
            // plain union: the same score may differ in its last bit. Compared at
            // 1e-4, then by time.
            let key = |score: Score, updated_at: i64| ((score * 1e4).round() as i64, updated_at);
            let mut ours: Vec<_> = ours.iter().map(|r| key(r.score, r.updated_at)).collect();
            let mut theirs: Vec<_> = theirs.iter().map(|((s, u), _)| key(*s, *u)).collect();
            ours.sort_unstable_by(|a, b| b.cmp(a));
            theirs.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(ours, theirs, "k = {k}");
            assert_eq!(
                total,
                searcher.search(&query, &tantivy::collector::Count).unwrap()
            );
        }
    }

    #[test]
    fn a_newer_match_ranks_above_an_older_one_of_the_same_score() {
        let at = |score, updated_at, doc| Ranked {
            score,
            updated_at,
            address: DocAddress::new(0, doc),
        };
        let mut all = [at(1.0, 5, 0), at(2.0, 1, 1), at(1.0, 9, 2), at(1.0, 9, 3)];
        all.sort_by(|a, b| b.cmp(a));
        let docs: Vec<u32> = all.iter().map(|r| r.address.doc_id).collect();
        assert_eq!(docs, [1, 2, 3, 0]);
    }
}
