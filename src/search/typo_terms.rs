//! The words of a query as plain term queries, typos included, so that the top of
//! the ranking can be found without scoring every match (`ranked_top`).
//!
//! A word of `TYPO_MIN_LETTERS`+ letters also matches every indexed word one edit
//! away (a transposition counts as one). Those variants are read from each
//! segment's term dictionary with tantivy's Levenshtein automaton and queried as
//! terms of their own at half the field's weight. Like Elasticsearch's fuzzy
//! queries (`top_terms_blended_freqs`), a word and its variants share one document
//! frequency — the largest among them — so a rare misspelling does not outrank the
//! word itself, and a typed typo ranks like the word it stands for: for the same
//! field, frequency and length, a typo match scores half an exact one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tantivy::query::DfaWrapper;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::answer_cache::AnswerCache;

/// Words shorter than this match exactly.
const TYPO_MIN_LETTERS: usize = 5;
/// Variants of one word looked up per field (Elasticsearch's `max_expansions`).
const MAX_VARIANTS: usize = 50;

/// The indexed words within one edit of a word in one field (the word itself
/// included when indexed), each with its document frequency over all segments.
pub type TypoGroup = Arc<BTreeMap<String, u64>>;

/// Document frequencies for BM25: the blended ones of typo groups, the index's own
/// for every other term.
pub(super) struct BlendedStats<'a> {
    searcher: &'a Searcher,
    doc_freqs: HashMap<Term, u64>,
}

impl Bm25StatisticsProvider for BlendedStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_tokens(self.searcher, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match self.doc_freqs.get(term) {
            Some(n) => Ok(*n),
            None => Bm25StatisticsProvider::doc_freq(self.searcher, term),
        }
    }
}

/// Any of `words` in each of `fields` (with its boost): a flat union of term
/// queries, and the statistics to score it with. Typo groups are read once per
/// index generation (`groups`).
pub(super) fn any_word<'a>(
    searcher: &'a Searcher,
    groups: &AnswerCache<(Field, String), TypoGroup>,
    fields: &[(Field, f32)],
    words: &[String],
) -> tantivy::Result<(BooleanQuery, BlendedStats<'a>)> {
    let generation = searcher.generation().generation_id();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut doc_freqs = HashMap::new();
    for word in words {
        let typos = word.chars().count() >= TYPO_MIN_LETTERS;
        // The automaton depends on the word alone: built once for every field.
        let mut automaton: Option<DfaWrapper> = None;
        for &(field, boost) in fields {
            let exact = Term::from_field_text(field, word);
            if !typos {
                clauses.push(term_clause(exact, boost));
                continue;
            }
            let key = (field, word.clone());
            let group = match groups.get(generation, &key) {
                Some(group) => group,
                None => {
                    let automaton = match &mut automaton {
                        Some(built) => built,
                        None => automaton
                            .insert(FuzzyTermQuery::new(exact.clone(), 1, true).automaton()?),
                    };
                    let group: TypoGroup =
                        Arc::new(one_edit_group(searcher, field, automaton, word)?);
                    groups.put(generation, key, group.clone());
                    group
                }
            };
            let blended = group.values().copied().max().unwrap_or(0);
            doc_freqs.insert(exact.clone(), blended);
            clauses.push(term_clause(exact, boost));
            for variant in group.keys().filter(|v| v.as_str() != word.as_str()) {
                let term = Term::from_field_text(field, variant);
                doc_freqs.insert(term.clone(), blended);
                clauses.push(term_clause(term, boost * 0.5));
            }
        }
    }
    let stats = BlendedStats {
        searcher,
        doc_freqs,
    };
    Ok((BooleanQuery::new(clauses), stats))
}

fn term_clause(term: Term, boost: f32) -> (Occur, Box<dyn Query>) {
    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
    (
        Occur::Should,
        Box::new(BoostQuery::new(Box::new(query), boost)),
    )
}

/// `word`'s group in `field`, read from every segment's term dictionary.
fn one_edit_group(
    searcher: &Searcher,
    field: Field,
    automaton: &DfaWrapper,
    word: &str,
) -> tantivy::Result<BTreeMap<String, u64>> {
    let mut group: BTreeMap<String, u64> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut terms = inverted.terms().search(automaton).into_stream()?;
        while terms.advance() {
            let Ok(text) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            let known = group.contains_key(text);
            if !known && text != word && group.len() >= MAX_VARIANTS {
                continue;
            }
            *group.entry(text.to_owned()).or_default() += u64::from(terms.value().doc_freq);
        }
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::EnableScoring;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, TantivyDocument};

    #[test]
    fn a_typo_scores_half_the_word_and_a_typed_typo_finds_both() {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for text in ["painting", "painting", "paintng", "pantng", "kiln"] {
            let mut doc = TantivyDocument::default();
            doc.add_text(title, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let scores = |word: &str| {
            let groups = AnswerCache::with_capacity(64);
            let (query, stats) =
                any_word(&searcher, &groups, &[(title, 3.0)], &[word.to_owned()]).unwrap();
            let weight = query
                .weight(EnableScoring::enabled_from_statistics_provider(
                    &stats, &searcher,
                ))
                .unwrap();
            let mut found: Vec<(f32, u32)> = Vec::new();
            for segment in searcher.segment_readers() {
                weight
                    .for_each(segment, &mut |doc, score| found.push((score, doc)))
                    .unwrap();
            }
            found.sort_by_key(|&(_, doc)| doc);
            found
        };
        let exact = scores("painting");
        assert_eq!(exact.iter().map(|f| f.1).collect::<Vec<_>>(), [0, 1, 2]);
        assert!((exact[2].0 * 2.0 - exact[0].0).abs() < 1e-5, "{exact:?}");
        // The typo typed: "paintng" is the word, "painting" (one edit) the variant;
        // both share the larger frequency, so the rare typo does not outrank.
        let typed = scores("paintng");
        assert_eq!(typed.iter().map(|f| f.1).collect::<Vec<_>>(), [0, 1, 2, 3]);
        assert!(typed[2].0 > typed[0].0, "{typed:?}");
        assert!((typed[0].0 * 2.0 - typed[2].0).abs() < 1e-5, "{typed:?}");
    }
}
