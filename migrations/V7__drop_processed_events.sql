-- No consumer writes a non-idempotent effect: the indexer writes versioned documents,
-- the thumbnailer derives its key from the file id, object removal of a removed
-- object is a no-op. The ledger only a test consumer used goes; a future consumer
-- whose effect is not idempotent keeps its own event-id key in its own transaction.
DROP TABLE IF EXISTS processed_events;
