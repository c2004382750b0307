-- Events (SPEC §9): the transactional outbox, and for EVENT_BUS=memory the durable
-- per-queue deliveries with their retries and dead letters.

-- Written in the same transaction as the change it reports; the relay deletes a
-- row only after the bus confirmed it.
CREATE TABLE outbox (
    seq        bigserial PRIMARY KEY,
    event_id   uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    envelope   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Wakes the relay at commit time (NOTIFY is transactional).
CREATE FUNCTION troupe_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('troupe_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_outbox_notify();

-- EVENT_BUS=memory: one row per (queue, event) still to be handled. `due_at` is
-- also the lease: a claimed row is pushed into the future while its handler runs,
-- so a crash mid-way makes it due again.
CREATE TABLE event_deliveries (
    queue      text NOT NULL,
    event_id   uuid NOT NULL,
    event_type text NOT NULL,
    envelope   jsonb NOT NULL,
    seq        bigint NOT NULL,
    attempts   int NOT NULL DEFAULT 0,
    due_at     timestamptz NOT NULL DEFAULT now(),
    last_error text,
    PRIMARY KEY (queue, event_id)
);
CREATE INDEX event_deliveries_due_idx ON event_deliveries (queue, due_at, seq);

-- Events whose handler failed MAX_RETRIES times after the first attempt.
CREATE TABLE dead_events (
    queue      text NOT NULL,
    event_id   uuid NOT NULL,
    event_type text NOT NULL,
    envelope   jsonb NOT NULL,
    attempts   int NOT NULL,
    last_error text NOT NULL,
    dead_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (queue, event_id)
);

-- Consumers whose effect is a database write record the events they applied here,
-- in the same transaction, so a redelivered event changes nothing twice.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
