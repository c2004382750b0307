//! Queries on the embedded index, as SPEC §7 describes them: the query's words
//! against title (boost 3), display name (2) and description (1), one typo allowed
//! in words of 5+ letters, any-of tag filter, score then `updated_at` descending.

use std::ops::Bound;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Order, Score, Searcher, Term};

use super::embedded::{EmbeddedIndex, SearchKey};
use super::ranked_top::top_by_score_then_recency;
use super::typo_terms::{self, BlendedStats};
use super::{
    SearchError, SearchRequest, SearchResults, SuggestCandidate, rank_suggestions, suggest_prefix,
    words,
};
use crate::messages::search::Suggestion;

const MAX_WORDS: usize = 16;
/// Candidate documents looked at per suggestion kind.
const SUGGEST_CANDIDATES: usize = 50;

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

fn boxed(q: impl Query + 'static) -> Box<dyn Query> {
    Box::new(q)
}

/// The request as the index answers it: at most `MAX_WORDS` words.
fn search_key(req: &SearchRequest) -> SearchKey {
    let mut words = req.query.as_deref().map(words).unwrap_or_default();
    words.truncate(MAX_WORDS);
    (words, req.tags.clone(), req.page.page, req.page.size)
}

/// Words a search may have to be computed on the asking thread (`inline_budget`):
/// at 100,000 projects a first-time search of 1 or 2 words took ≤ 1.2 ms at p99,
/// one of 3 words 2.5–3.0 ms (`examples/first_time_queries.rs`, BENCHMARKS.md).
const CHEAP_WORDS: usize = 2;
/// Letters each of those words may have (a typo automaton grows with its word).
const CHEAP_WORD_LETTERS: usize = 24;
/// Ranked documents (offset + size) such a search may ask for.
const CHEAP_RANKED: i64 = 100;
/// Letters a suggestion prefix needs to be computed on the asking thread: a shorter
/// one ranges over a large share of the title and tag words.
const CHEAP_PREFIX_LETTERS: usize = 3;

/// Whether `req`'s shape bounds what computing it costs: a few words, no tags, a
/// near page.
pub(super) fn is_cheap_search(req: &SearchRequest) -> bool {
    let words = req.query.as_deref().map(words).unwrap_or_default();
    let ranked = req.page.offset().saturating_add(req.page.limit());
    (1..=CHEAP_WORDS).contains(&words.len())
        && words
            .iter()
            .all(|w| w.chars().count() <= CHEAP_WORD_LETTERS)
        && req.tags.is_empty()
        && ranked <= CHEAP_RANKED
}

/// Whether completing `typed` is bounded like a cheap search (see `is_cheap_search`).
pub(super) fn is_cheap_suggest(typed: &str) -> bool {
    suggest_prefix(typed).is_some_and(|p| p.chars().count() >= CHEAP_PREFIX_LETTERS)
}

/// The answer kept for `req` in the current generation, if any: a map lookup,
/// cheap enough to run on an async thread.
pub(super) fn remembered_search(
    index: &EmbeddedIndex,
    req: &SearchRequest,
) -> Option<SearchResults> {
    let generation = index.searcher().generation().generation_id();
    index.searches.get(generation, &search_key(req))
}

pub(super) fn search(
    index: &EmbeddedIndex,
    req: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let searcher = index.searcher();
    let generation = searcher.generation().generation_id();
    let key = search_key(req);
    if let Some(answer) = index.searches.get(generation, &key) {
        return Ok(answer);
    }
    let words = &key.0;
    let offset = usize::try_from(req.page.offset()).unwrap_or(usize::MAX);
    let limit = req.page.size as usize;

    let (total, top): (usize, Vec<(Score, tantivy::DocAddress)>) = if words.is_empty()
        && req.tags.is_empty()
    {
        let newest = TopDocs::with_limit(limit)
            .and_offset(offset)
            .order_by_fast_field::<i64>("created_at", Order::Desc);
        let (count, docs) = searcher.search(&AllQuery, &(Count, newest)).map_err(err)?;
        (count, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
    } else {
        let (query, stats) = matching(index, &searcher, words, &req.tags).map_err(err)?;
        let k = offset.saturating_add(limit);
        let (ranked, count) =
            top_by_score_then_recency(&searcher, &stats, &query, "updated_at", k).map_err(err)?;
        let top = ranked
            .into_iter()
            .skip(offset)
            .map(|r| (r.score, r.address))
            .collect();
        (count, top)
    };

    let stored = index.hits(&searcher);
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        if let Some(hit) = stored.at(address, score)? {
            hits.push(hit);
        }
    }
    let results = SearchResults::new(hits, total as u64);
    index.searches.put(generation, key, results.clone());
    Ok(results)
}

/// Any of the words in title ×3, display name ×2, description ×1 (typos as
/// `typo_terms` says), and any of the tags; scored with the returned statistics.
fn matching<'a>(
    index: &EmbeddedIndex,
    searcher: &'a Searcher,
    words: &[String],
    tags: &[String],
) -> tantivy::Result<(Box<dyn Query>, BlendedStats<'a>)> {
    let f = index.fields();
    let boosts = [(f.title, 3.0), (f.display_name, 2.0), (f.description, 1.0)];
    let (any_word, stats) = typo_terms::any_word(searcher, &index.typo_groups, &boosts, words)?;
    if tags.is_empty() {
        // A flat union of term queries: what Block-WAND prunes.
        return Ok((boxed(any_word), stats));
    }
    let any_tag = BooleanQuery::new(
        tags.iter()
            .map(|t| {
                let term = Term::from_field_text(f.tags, t);
                let exact = TermQuery::new(term, IndexRecordOption::Basic);
                (Occur::Should, boxed(exact))
            })
            .collect(),
    );
    if words.is_empty() {
        return Ok((boxed(any_tag), stats));
    }
    let both = vec![
        (Occur::Must, boxed(any_word)),
        (Occur::Must, boxed(any_tag)),
    ];
    Ok((boxed(BooleanQuery::new(both)), stats))
}

/// The suggestions kept for `typed` in the current generation, if any (see
/// `remembered_search`); `Some(empty)` when `typed` has no word to complete.
pub(super) fn remembered_suggestions(
    index: &EmbeddedIndex,
    typed: &str,
) -> Option<Vec<Suggestion>> {
    let Some(prefix) = suggest_prefix(typed) else {
        return Some(Vec::new());
    };
    let generation = index.searcher().generation().generation_id();
    index.suggestions.get(generation, &prefix)
}

/// The terms of `field` that start with `prefix`: a range of the term dictionary,
/// from `prefix` up to (not including) `prefix` with its last letter advanced by
/// one. UTF-8 keeps code point order, so that range holds exactly those terms.
fn starting_with(field: tantivy::schema::Field, prefix: &str) -> RangeQuery {
    let lower = Bound::Included(Term::from_field_text(field, prefix));
    let mut chars = prefix.chars();
    let upper = chars
        .next_back()
        .and_then(|last| (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32))
        .map_or(Bound::Unbounded, |next| {
            let end = format!("{}{next}", chars.as_str());
            Bound::Excluded(Term::from_field_text(field, &end))
        });
    RangeQuery::new(lower, upper)
}

/// Suggestion candidates: documents with a title or tag word starting with the
/// prefix, newest first; `rank_suggestions` picks and orders the texts.
pub(super) fn suggest(index: &EmbeddedIndex, typed: &str) -> Result<Vec<Suggestion>, SearchError> {
    let Some(prefix) = suggest_prefix(typed) else {
        return Ok(Vec::new());
    };
    let f = index.fields();
    let searcher = index.searcher();
    let generation = searcher.generation().generation_id();
    if let Some(answer) = index.suggestions.get(generation, &prefix) {
        return Ok(answer);
    }
    let stored = index.hits(&searcher);
    let mut candidates = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for field in [f.title, f.tags] {
        let query = starting_with(field, &prefix);
        let newest = TopDocs::with_limit(SUGGEST_CANDIDATES)
            .order_by_fast_field::<i64>("updated_at", Order::Desc);
        for (_, address) in searcher.search(&query, &newest).map_err(err)? {
            let Some(hit) = stored.at(address, 0.0)? else {
                continue;
            };
            if seen.insert(hit.project_id) {
                candidates.push(SuggestCandidate {
                    project_id: hit.project_id,
                    title: hit.title,
                    tags: hit.tags,
                });
            }
        }
    }
    let answer = rank_suggestions(&prefix, &candidates);
    index.suggestions.put(generation, prefix, answer.clone());
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::page::PageRequest;
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, TantivyDocument};

    #[test]
    fn a_prefix_range_holds_exactly_the_words_that_start_with_it() {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let titles = [
            "ph", "phoenix", "photo", "pi", "pg", "p", "éte", "étage", "êta",
        ];
        for text in titles {
            let mut doc = TantivyDocument::default();
            doc.add_text(title, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let found = |prefix: &str| {
            let docs = searcher
                .search(&starting_with(title, prefix), &DocSetCollector)
                .unwrap();
            let mut texts: Vec<&str> = docs.iter().map(|d| titles[d.doc_id as usize]).collect();
            texts.sort_unstable();
            texts
        };
        assert_eq!(found("ph"), ["ph", "phoenix", "photo"]);
        assert_eq!(found("pho"), ["phoenix", "photo"]);
        assert_eq!(found("é"), ["étage", "éte"]);
        assert_eq!(found("z"), Vec::<&str>::new());
        let last = char::MAX.to_string();
        assert_eq!(found(&last), Vec::<&str>::new());
    }

    fn request(query: &str, tags: &[&str], page: u32, size: u32) -> SearchRequest {
        SearchRequest {
            query: Some(query.to_owned()),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            page: PageRequest { page, size },
        }
    }

    #[test]
    fn only_few_short_words_without_tags_on_a_near_page_count_as_cheap() {
        assert!(is_cheap_search(&request("rust", &[], 1, 20)));
        assert!(is_cheap_search(&request("Rust  camera", &[], 5, 20)));
        assert!(!is_cheap_search(&request("rust camera lens", &[], 1, 20)));
        assert!(!is_cheap_search(&request("", &[], 1, 20)));
        assert!(!is_cheap_search(&request("rust", &["video"], 1, 20)));
        assert!(!is_cheap_search(&request("rust", &[], 6, 20)));
        assert!(is_cheap_search(&request("rust", &[], 1, 100)));
        assert!(!is_cheap_search(&request("rust", &[], 2, 100)));
        let long = "a".repeat(CHEAP_WORD_LETTERS + 1);
        assert!(!is_cheap_search(&request(&long, &[], 1, 20)));
        assert!(is_cheap_search(&request(&long[1..], &[], 1, 20)));
    }

    #[test]
    fn only_prefixes_of_three_letters_or_more_count_as_cheap() {
        assert!(is_cheap_suggest("pho"));
        assert!(is_cheap_suggest("rust pho"));
        assert!(is_cheap_suggest("été"));
        assert!(!is_cheap_suggest("ph"));
        assert!(!is_cheap_suggest("photo p"));
        assert!(!is_cheap_suggest(""));
    }
}
