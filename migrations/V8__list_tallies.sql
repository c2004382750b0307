-- Exact list totals without a count(*) per request, and a version per list for the
-- page anchors (src/actors/portfolio/anchors.rs).
--
-- One row per (list, scope, shard): `n` is how many rows the list holds, `changes`
-- how many inserts and deletes it has seen. Triggers keep both in the writing
-- transaction, so a reader's snapshot sees totals and rows that agree. `changes`
-- only grows, so its sum over a scope's shards is a version of that list: two
-- different committed states of a list never have the same sum.
--
-- Lists: 'projects' with scope = the owner, and scope = the nil UUID for all
-- projects; 'users' with the nil scope. The all-projects and users lists are spread
-- over 8 shards by backend pid, so concurrent writers do not queue on one row.
CREATE TABLE list_tallies (
    list    text     NOT NULL,
    scope   uuid     NOT NULL,
    shard   smallint NOT NULL,
    n       bigint   NOT NULL DEFAULT 0,
    changes bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (list, scope, shard)
);

CREATE FUNCTION list_tally_add(l text, s uuid, sh smallint, delta bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO list_tallies (list, scope, shard, n, changes) VALUES (l, s, sh, delta, 1)
    ON CONFLICT (list, scope, shard)
    DO UPDATE SET n = list_tallies.n + delta, changes = list_tallies.changes + 1
$$;

CREATE FUNCTION projects_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh smallint := (pg_backend_pid() % 8)::smallint;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        -- No insert here: a deleted owner's row is gone and stays gone.
        UPDATE list_tallies SET n = n - 1, changes = changes + 1
         WHERE list = 'projects' AND scope = OLD.user_id AND shard = 0;
        PERFORM list_tally_add('projects', '00000000-0000-0000-0000-000000000000', sh, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM list_tally_add('projects', NEW.user_id, 0::smallint, 1);
        PERFORM list_tally_add('projects', '00000000-0000-0000-0000-000000000000', sh, 1);
    END IF;
    RETURN NULL;
END $$;

-- An update of the owner or the creation time moves a project within the lists
-- (Troupe never does either; the trigger keeps the tallies true if someone does).
CREATE TRIGGER projects_tally AFTER INSERT OR DELETE OR UPDATE OF user_id, created_at
    ON projects FOR EACH ROW EXECUTE FUNCTION projects_tally();

CREATE FUNCTION users_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh smallint := (pg_backend_pid() % 8)::smallint;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM list_tally_add('users', '00000000-0000-0000-0000-000000000000', sh, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM list_tally_add('users', '00000000-0000-0000-0000-000000000000', sh, 1);
    END IF;
    IF TG_OP = 'DELETE' THEN
        -- A deleted user's own project list is gone for good (ids are never reused).
        DELETE FROM list_tallies WHERE list = 'projects' AND scope = OLD.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER users_tally AFTER INSERT OR DELETE OR UPDATE OF created_at
    ON users FOR EACH ROW EXECUTE FUNCTION users_tally();

-- What exists already.
INSERT INTO list_tallies (list, scope, shard, n, changes)
SELECT 'projects', user_id, 0, count(*), count(*) FROM projects GROUP BY user_id;
INSERT INTO list_tallies (list, scope, shard, n, changes)
SELECT 'projects', '00000000-0000-0000-0000-000000000000', 0, count(*), count(*) FROM projects;
INSERT INTO list_tallies (list, scope, shard, n, changes)
SELECT 'users', '00000000-0000-0000-0000-000000000000', 0, count(*), count(*) FROM users;
