-- Issue 15: deliveries claimed by a process that died become claimable again at
-- once, dead letters get an id (for the admin API and the CLI) and, from RabbitMQ,
-- their headers; a replayed dead letter goes through the outbox to its one queue.

-- EVENT_BUS=memory: the claiming worker's key. A worker holds the advisory lock
-- (class 29810, its key) on a session of its own while it lives; a claim whose
-- worker holds no lock any more is released by the next claim round of any worker.
ALTER TABLE event_deliveries ADD COLUMN claimed_by bigint;
CREATE INDEX event_deliveries_claimed_idx ON event_deliveries (claimed_by)
    WHERE claimed_by IS NOT NULL;
CREATE SEQUENCE event_worker_key MAXVALUE 2147483647 CYCLE;

ALTER TABLE dead_events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE;
ALTER TABLE dead_events ADD COLUMN headers jsonb;
CREATE INDEX dead_events_filter_idx ON dead_events (queue, event_type, id);

-- A row with `target_queue` goes to that queue only (a replay), not by its type.
ALTER TABLE outbox ADD COLUMN target_queue text;
ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_key;
CREATE UNIQUE INDEX outbox_event_target_idx ON outbox (event_id, coalesce(target_queue, ''));
