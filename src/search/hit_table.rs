//! Stored documents as search hits, decoded once per segment.
//!
//! Reading a hit from tantivy's doc store decompresses its block and decodes every
//! stored field: two thirds of a first-time suggestion (up to 100 documents) and
//! two fifths of a first-time search page. A segment never changes once written, so
//! its documents are decoded once, on a thread of their own, the first time a query
//! meets the segment (`EmbeddedIndex::open` starts every segment's table); until a
//! table is ready, hits are read from the doc store. A table outlives the commits
//! that leave its segment in place; tables of segments gone from the index (merged
//! away) are dropped when a new segment's table is started. The tables hold at most
//! `max_docs` documents in all (about 570 bytes each, measured at 100,000 projects);
//! segments beyond that are read from the doc store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader, TantivyDocument};

use crate::messages::search::SearchHit;

/// A segment's hits by `DocId` (`None` for a document that cannot be one), score 0.
pub(super) type Table = Arc<[Option<SearchHit>]>;

/// How a stored document becomes a hit.
pub(super) type Decode = Arc<dyn Fn(&TantivyDocument) -> Option<SearchHit> + Send + Sync>;

pub(super) struct HitTables {
    decode: Decode,
    /// Documents the tables may hold in all; a segment that would go over reads
    /// the doc store.
    max_docs: u64,
    /// `None` while the segment's table is being built.
    tables: Mutex<HashMap<SegmentId, Option<Table>>>,
}

impl HitTables {
    pub(super) fn new(decode: Decode, max_docs: u64) -> Arc<Self> {
        Arc::new(HitTables {
            decode,
            max_docs,
            tables: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SegmentId, Option<Table>>> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The table of each of `segments` (in their order), `None` where it is not
    /// built yet — which starts building it.
    pub(super) fn tables(self: &Arc<Self>, segments: &[SegmentReader]) -> Vec<Option<Table>> {
        let mut tables = self.lock();
        let mut missing = Vec::new();
        let found = segments
            .iter()
            .map(|segment| match tables.get(&segment.segment_id()) {
                Some(table) => table.clone(),
                None => {
                    missing.push(segment.clone());
                    None
                }
            })
            .collect();
        if !missing.is_empty() {
            tables.retain(|id, _| segments.iter().any(|s| s.segment_id() == *id));
            let mut held: u64 = segments
                .iter()
                .filter(|s| tables.contains_key(&s.segment_id()))
                .map(|s| u64::from(s.max_doc()))
                .sum();
            missing.retain(|segment| {
                let fits = held + u64::from(segment.max_doc()) <= self.max_docs;
                held += if fits {
                    u64::from(segment.max_doc())
                } else {
                    0
                };
                fits
            });
            for segment in &missing {
                tables.insert(segment.segment_id(), None);
            }
            drop(tables);
            for segment in missing {
                self.start_building(segment);
            }
        }
        found
    }

    fn start_building(self: &Arc<Self>, segment: SegmentReader) {
        let id = segment.segment_id();
        let tables = self.clone();
        let spawned = std::thread::Builder::new()
            .name("hit-table".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let built = read_table(&segment, &*tables.decode);
                tracing::debug!(segment = %id.short_uuid_string(), docs = segment.max_doc(),
                    ms = started.elapsed().as_millis() as u64, "search segment decoded as hits");
                let mut slots = tables.lock();
                match built {
                    // Kept only while the segment is still wanted.
                    Ok(table) => {
                        if let Some(slot) = slots.get_mut(&id) {
                            *slot = Some(table);
                        }
                    }
                    Err(e) => {
                        slots.remove(&id);
                        tracing::warn!(segment = %id.short_uuid_string(), error = %e,
                            "could not read a search segment's hit table; hits are read from the doc store");
                    }
                }
            });
        if spawned.is_err() {
            self.lock().remove(&id);
        }
    }
}

/// Every document of `segment`, deleted ones included, in `DocId` order.
fn read_table(
    segment: &SegmentReader,
    decode: &(dyn Fn(&TantivyDocument) -> Option<SearchHit> + Send + Sync),
) -> tantivy::Result<Table> {
    let store = segment.get_store_reader(1)?;
    let mut table = Vec::with_capacity(segment.max_doc() as usize);
    for doc in store.iter::<TantivyDocument>(None) {
        table.push(decode(&doc?));
    }
    Ok(table.into())
}

/// The hit at `doc` of a table, if the table has one there.
pub(super) fn at(table: &Table, doc: DocId) -> Option<&SearchHit> {
    table.get(doc as usize)?.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::embedded::{Fields, schema, stored_hit};
    use std::time::{Duration, Instant};
    use tantivy::{Index, IndexWriter};
    use uuid::Uuid;

    /// An index of the embedded index's own schema.
    fn index() -> (Index, Fields) {
        let (schema, fields) = schema();
        (Index::create_in_ram(schema), fields)
    }

    /// The embedded index's own decoding.
    fn decoder(f: Fields) -> Decode {
        Arc::new(move |doc: &TantivyDocument| stored_hit(&f, doc))
    }

    fn add(writer: &mut IndexWriter, f: Fields, id: Option<Uuid>, title: &str, tags: &[&str]) {
        let mut doc = TantivyDocument::default();
        if let Some(id) = id {
            doc.add_text(f.id, id.to_string());
        }
        doc.add_text(f.user_id, Uuid::nil().to_string());
        doc.add_text(f.display_name, "owner");
        doc.add_i64(f.updated_at, 0);
        doc.add_text(f.title, title);
        for tag in tags {
            doc.add_text(f.tags, *tag);
        }
        writer.add_document(doc).unwrap();
    }

    /// Asks for the tables until `ready` holds of them (10 s at most).
    fn asked_until(
        tables: &Arc<HitTables>,
        segments: &[SegmentReader],
        ready: impl Fn(&[Option<Table>]) -> bool,
    ) -> Vec<Option<Table>> {
        let start = Instant::now();
        loop {
            let found = tables.tables(segments);
            if ready(&found) {
                return found;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "tables never built"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Asks until every segment's table is built.
    fn built(tables: &Arc<HitTables>, segments: &[SegmentReader]) -> Vec<Table> {
        asked_until(tables, segments, |found| found.iter().all(Option::is_some))
            .into_iter()
            .flatten()
            .collect()
    }

    #[test]
    fn a_segments_table_holds_each_documents_hit_by_doc_id() {
        let (index, f) = index();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        add(
            &mut writer,
            f,
            Some(a),
            "Pottery class",
            &["pottery", "paint"],
        );
        add(&mut writer, f, None, "No id, no hit", &[]);
        add(&mut writer, f, Some(b), "Street painting", &[]);
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        let tables = HitTables::new(decoder(f), 100);
        assert!(
            tables.tables(searcher.segment_readers())[0].is_none(),
            "the first ask starts the build"
        );
        let table = &built(&tables, searcher.segment_readers())[0];
        let first = at(table, 0).unwrap();
        assert_eq!(
            (first.project_id, first.title.as_str(), first.tags.clone()),
            (
                a,
                "Pottery class",
                vec!["pottery".to_owned(), "paint".to_owned()]
            )
        );
        assert!(at(table, 1).is_none());
        assert_eq!(at(table, 2).unwrap().title, "Street painting");
        assert!(at(table, 3).is_none(), "past the segment's end");
    }

    #[test]
    fn tables_of_segments_gone_from_the_index_are_dropped() {
        let (index, f) = index();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        add(&mut writer, f, Some(Uuid::new_v4()), "one", &[]);
        writer.commit().unwrap();
        add(&mut writer, f, Some(Uuid::new_v4()), "two", &[]);
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let tables = HitTables::new(decoder(f), 100);
        let before = reader.searcher();
        assert_eq!(built(&tables, before.segment_readers()).len(), 2);
        let ids: Vec<SegmentId> = before
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        writer.merge(&ids).wait().unwrap();
        reader.reload().unwrap();
        let after = reader.searcher();
        let merged = built(&tables, after.segment_readers());
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].len(), 2, "the merged segment holds both");
        let kept: Vec<SegmentId> = tables.lock().keys().copied().collect();
        assert_eq!(kept, vec![after.segment_readers()[0].segment_id()]);
    }

    #[test]
    fn segments_beyond_the_document_limit_are_read_from_the_store() {
        let (index, f) = index();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        add(&mut writer, f, Some(Uuid::new_v4()), "one", &[]);
        add(&mut writer, f, Some(Uuid::new_v4()), "two", &[]);
        writer.commit().unwrap();
        add(&mut writer, f, Some(Uuid::new_v4()), "three", &[]);
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let tables = HitTables::new(decoder(f), 2);
        let segments = searcher.segment_readers();
        // The segment that does not fit is never started, so once one table is
        // built the answer is final.
        let found = asked_until(&tables, segments, |found| found.iter().any(Option::is_some));
        assert_eq!(
            found.iter().filter(|t| t.is_some()).count(),
            1,
            "only one fits"
        );
        assert_eq!(
            tables.lock().len(),
            1,
            "the other is not being built either"
        );
    }
}
