-- pgbench -n -f loadtest/pgbench-checkin.sql: the same single-row INSERT a check-in
-- makes, with a distinct ticket per transaction (durable commit, one per INSERT).
\set t random(1, 2000000000)
INSERT INTO checkins (event_id, ticket_id, checked_in_by, checked_in_by_id)
VALUES ('pgbench', :client_id || '-' || :t, 'pgbench', NULL)
ON CONFLICT (event_id, ticket_id) DO NOTHING;
