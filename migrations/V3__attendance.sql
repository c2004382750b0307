-- Attendance (SPEC §8). The primary key decides exactly-once admission.
CREATE TABLE checkins (
    event_id         text NOT NULL,
    ticket_id        text NOT NULL,
    -- The username at the time of the check-in; no foreign key, so the record
    -- survives the user's deletion.
    checked_in_by    text NOT NULL,
    checked_in_by_id uuid,
    checked_in_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (event_id, ticket_id)
);
CREATE INDEX checkins_event_time_idx ON checkins (event_id, checked_in_at, ticket_id);

-- `Idempotency-Key` of a successful check-in, per user: a retry answers the same record.
CREATE TABLE checkin_keys (
    user_id    uuid NOT NULL,
    key        text NOT NULL,
    event_id   text NOT NULL,
    ticket_id  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
