-- A content version per list, beside V8's membership counter: `edits` grows with every
-- change to what a list page shows of its rows (a project's fields, its owner's
-- username or profile name; a user's listed fields). A page of a list read at
-- (changes + edits) = V is the same page as long as the list's sum is still V, so
-- each process can keep pages and check them with one small read
-- (src/actors/portfolio/page_memory.rs). `changes` alone still versions positions
-- (the page anchors).
ALTER TABLE list_tallies ADD COLUMN edits bigint NOT NULL DEFAULT 0;

CREATE FUNCTION list_tally_edit(l text, s uuid, sh smallint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO list_tallies (list, scope, shard, edits) VALUES (l, s, sh, 1)
    ON CONFLICT (list, scope, shard) DO UPDATE SET edits = list_tallies.edits + 1
$$;

CREATE FUNCTION projects_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM list_tally_edit('projects', NEW.user_id, 0::smallint);
    PERFORM list_tally_edit('projects', '00000000-0000-0000-0000-000000000000',
                            (pg_backend_pid() % 8)::smallint);
    RETURN NULL;
END $$;

CREATE TRIGGER projects_edit AFTER UPDATE ON projects FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION projects_edit();

CREATE FUNCTION users_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.username IS DISTINCT FROM NEW.username THEN
        -- Projects show their owner's username (and, without a profile name, as
        -- display name).
        PERFORM list_tally_edit('projects', NEW.id, 0::smallint);
        PERFORM list_tally_edit('projects', '00000000-0000-0000-0000-000000000000',
                                (pg_backend_pid() % 8)::smallint);
    END IF;
    PERFORM list_tally_edit('users', '00000000-0000-0000-0000-000000000000',
                            (pg_backend_pid() % 8)::smallint);
    RETURN NULL;
END $$;

CREATE TRIGGER users_edit AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION users_edit();

CREATE FUNCTION profiles_edit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        owner := OLD.user_id;
    ELSE
        owner := NEW.user_id;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.name IS NOT DISTINCT FROM NEW.name THEN
        RETURN NULL;
    END IF;
    -- The profile name is the projects' display name. A profile deleted with its
    -- user must not bring back the user's row (V8's users trigger removed it).
    IF TG_OP = 'DELETE' THEN
        UPDATE list_tallies SET edits = edits + 1
         WHERE list = 'projects' AND scope = owner AND shard = 0;
    ELSE
        PERFORM list_tally_edit('projects', owner, 0::smallint);
    END IF;
    PERFORM list_tally_edit('projects', '00000000-0000-0000-0000-000000000000',
                            (pg_backend_pid() % 8)::smallint);
    RETURN NULL;
END $$;

CREATE TRIGGER profiles_edit AFTER INSERT OR UPDATE OR DELETE ON profiles
    FOR EACH ROW EXECUTE FUNCTION profiles_edit();
