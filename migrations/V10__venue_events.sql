-- Events a venue runs, their tickets, and the history of every scan (issue 19).
-- An event_id nobody registered keeps seed 004's behaviour: any ticket is admitted once.
CREATE TABLE venue_events (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    venue      text NOT NULL DEFAULT '',
    starts_at  timestamptz,
    ends_at    timestamptz,
    -- At most this many inside at once; NULL: no limit.
    capacity   integer CHECK (capacity IS NULL OR capacity >= 0),
    reentry    boolean NOT NULL DEFAULT false,
    mode       text NOT NULL DEFAULT 'open' CHECK (mode IN ('open', 'listed', 'signed')),
    -- Inside now, kept only while the event has a capacity, and then changed only by
    -- a transaction that holds the event's check-in lock
    -- (pg_advisory_xact_lock(7301, hashtext(id))), so capacity holds on every node.
    -- Without a capacity, "inside now" is counted from `checkins`.
    inside     integer NOT NULL DEFAULT 0 CHECK (inside >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);

-- The tickets of a `listed` event (imported) or a `signed` one (issued).
CREATE TABLE tickets (
    event_id    text NOT NULL REFERENCES venue_events (id) ON DELETE CASCADE,
    ticket_id   text NOT NULL,
    holder_name text NOT NULL DEFAULT '',
    category    text NOT NULL DEFAULT '',
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, ticket_id)
);
CREATE INDEX tickets_revoked_idx ON tickets (event_id) WHERE revoked_at IS NOT NULL;

-- `checkins` stays one row per admitted ticket (the first admission; the primary key
-- still decides "one admission at a time"); `inside` is where the ticket is now.
-- An annulment deletes the row, so the ticket can be admitted again.
ALTER TABLE checkins ADD COLUMN inside boolean NOT NULL DEFAULT true;
CREATE INDEX checkins_inside_idx ON checkins (event_id) WHERE inside;

-- Every scan: entries, exits, annulments and refusals, with the reason.
CREATE TABLE scans (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    text NOT NULL,
    ticket_id   text NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('entry', 'exit', 'annul')),
    -- `ok`, or the problem code of the refusal.
    result      text NOT NULL,
    gate        text,
    device      text,
    user_id     uuid,
    username    text NOT NULL,
    -- When the scanner scanned (an offline scanner's own clock); recorded_at is ours.
    scanned_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- An offline scanner's id for the scan: a replayed upload changes nothing.
    nonce       text,
    -- An annulment's reason.
    note        text
);
CREATE INDEX scans_event_idx ON scans (event_id, id);
CREATE INDEX scans_event_result_idx ON scans (event_id, result, id);
CREATE UNIQUE INDEX scans_nonce_idx ON scans (user_id, nonce) WHERE nonce IS NOT NULL;

-- The Ed25519 key of a `signed` event (made when the event first needs it). The
-- seed is stored as it is: whoever reads this table could also write `checkins`.
CREATE TABLE event_keys (
    event_id   text PRIMARY KEY REFERENCES venue_events (id) ON DELETE CASCADE,
    seed       bytea NOT NULL CHECK (length(seed) = 32),
    public_key bytea NOT NULL CHECK (length(public_key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
