//! Queries on the embedded index, as SPEC §7 describes them: the query's words
//! against title (boost 3), display name (2) and description (1), one typo allowed
//! in words of 5+ letters, any-of tag filter, score then `updated_at` descending.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RegexQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Order, Score, SegmentReader, TantivyDocument, Term};

use super::embedded::EmbeddedIndex;
use super::{
    SearchError, SearchRequest, SearchResults, SuggestCandidate, rank_suggestions, suggest_prefix,
    words,
};
use crate::messages::search::Suggestion;

const MAX_WORDS: usize = 16;
const TYPO_MIN_LETTERS: usize = 5;
/// Candidate documents looked at per suggestion kind.
const SUGGEST_CANDIDATES: usize = 50;

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

fn boxed(q: impl Query + 'static) -> Box<dyn Query> {
    Box::new(q)
}

pub(super) fn search(
    index: &EmbeddedIndex,
    req: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let searcher = index.searcher();
    let mut words = req.query.as_deref().map(words).unwrap_or_default();
    words.truncate(MAX_WORDS);
    let generation = searcher.generation().generation_id();
    let key = (words, req.tags.clone(), req.page.page, req.page.size);
    if let Some(answer) = index.searches.get(generation, &key) {
        return Ok(answer);
    }
    let words = &key.0;
    let offset = usize::try_from(req.page.offset()).unwrap_or(usize::MAX);
    let limit = req.page.size as usize;

    let (total, top): (usize, Vec<(Score, tantivy::DocAddress)>) =
        if words.is_empty() && req.tags.is_empty() {
            let newest = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<i64>("created_at", Order::Desc);
            let (count, docs) = searcher.search(&AllQuery, &(Count, newest)).map_err(err)?;
            (count, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
        } else {
            let by_score_then_recency = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
                move |segment: &SegmentReader| {
                    let updated = segment
                        .fast_fields()
                        .i64("updated_at")
                        .ok()
                        .map(|c| c.first_or_default_col(0));
                    move |doc: DocId, score: Score| {
                        (score, updated.as_ref().map_or(0, |c| c.get_val(doc)))
                    }
                },
            );
            let query = matching(index, words, &req.tags);
            let (count, docs) = searcher
                .search(&query, &(Count, by_score_then_recency))
                .map_err(err)?;
            let top = docs.into_iter().map(|((score, _), a)| (score, a)).collect();
            (count, top)
        };

    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
        if let Some(hit) = index.hit(&doc, score) {
            hits.push(hit);
        }
    }
    let results = SearchResults {
        hits,
        total: total as u64,
    };
    index.searches.put(generation, key, results.clone());
    Ok(results)
}

/// Any of the words in title ×3, display name ×2, description ×1 (a one-edit typo at
/// half the weight, for words of `TYPO_MIN_LETTERS`+), and any of the tags.
fn matching(index: &EmbeddedIndex, words: &[String], tags: &[String]) -> BooleanQuery {
    let f = index.fields();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !words.is_empty() {
        let mut any_word = Vec::new();
        for word in words {
            for (field, boost) in [(f.title, 3.0), (f.display_name, 2.0), (f.description, 1.0)] {
                let term = Term::from_field_text(field, word);
                let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                any_word.push((Occur::Should, boxed(BoostQuery::new(boxed(exact), boost))));
                if word.chars().count() >= TYPO_MIN_LETTERS {
                    // Constant-scored, below an exact hit of the same field.
                    let typo = FuzzyTermQuery::new(term, 1, true);
                    any_word.push((
                        Occur::Should,
                        boxed(BoostQuery::new(boxed(typo), boost * 0.5)),
                    ));
                }
            }
        }
        clauses.push((Occur::Must, boxed(BooleanQuery::new(any_word))));
    }
    if !tags.is_empty() {
        let any_tag = tags
            .iter()
            .map(|t| {
                let term = Term::from_field_text(f.tags, t);
                let exact = TermQuery::new(term, IndexRecordOption::Basic);
                (Occur::Should, boxed(exact))
            })
            .collect();
        clauses.push((Occur::Must, boxed(BooleanQuery::new(any_tag))));
    }
    BooleanQuery::new(clauses)
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
    // `prefix` is alphanumeric (from `words`), so it needs no regex escaping.
    let pattern = format!("{prefix}.*");
    let mut candidates = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for field in [f.title, f.tags] {
        let query = RegexQuery::from_pattern(&pattern, field).map_err(err)?;
        let newest = TopDocs::with_limit(SUGGEST_CANDIDATES)
            .order_by_fast_field::<i64>("updated_at", Order::Desc);
        for (_, address) in searcher.search(&query, &newest).map_err(err)? {
            let doc: TantivyDocument = searcher.doc(address).map_err(err)?;
            let Some(hit) = index.hit(&doc, 0.0) else {
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
