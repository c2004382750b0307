-- Issue 18: sessions people can see and revoke, revocations every node hears of at
-- once, signing keys every node shares, and login limits shared by every node.

-- One row a login. `refresh_tokens.family_id` names the session its tokens belong to;
-- access tokens carry the session id as `sid`.
CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- The last login or refresh (not every request: that would be a write per read).
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    -- When its newest refresh token expires.
    expires_at     timestamptz NOT NULL,
    user_agent     text,
    ip             text,
    revoked_at     timestamptz,
    -- 'logout', 'reuse', 'password', 'revoked' (by its owner), 'admin'
    revoked_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id, last_used_at DESC);

INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason)
SELECT family_id, user_id, min(created_at), max(created_at), max(expires_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END,
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN 'logout' END
FROM refresh_tokens
GROUP BY family_id, user_id;

ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_session_fkey
    FOREIGN KEY (family_id) REFERENCES sessions (id) ON DELETE CASCADE;

-- What makes already-issued access tokens invalid before they expire:
--   session: every token of that session (subject = session id);
--   role:    every token of that user naming another role than `role` (subject = user);
--   user:    every token of a deleted user (subject = user).
-- Each node keeps the rows younger than ACCESS_TOKEN_TTL in memory (reloaded at start
-- and after a lost LISTEN session) and hears of new ones through NOTIFY. Rows are
-- written by triggers below, so no code path can forget one.
CREATE TABLE token_revocations (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind    text NOT NULL CHECK (kind IN ('session', 'role', 'user')),
    subject uuid NOT NULL,
    role    text,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX token_revocations_at_idx ON token_revocations (at);

CREATE FUNCTION troupe_notify_token_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('troupe_revocations',
                      NEW.kind || ' ' || NEW.subject || ' ' || coalesce(NEW.role, ''));
    RETURN NEW;
END $$;
CREATE TRIGGER token_revocations_notify AFTER INSERT ON token_revocations
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_token_revocation();

CREATE FUNCTION troupe_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token_revocations (kind, subject) VALUES ('session', NEW.id);
    UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = NEW.revoked_reason
     WHERE family_id = NEW.id AND revoked_at IS NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_revoked AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION troupe_session_revoked();

CREATE FUNCTION troupe_role_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token_revocations (kind, subject, role) VALUES ('role', NEW.id, NEW.role);
    RETURN NEW;
END $$;
CREATE TRIGGER users_role_changed AFTER UPDATE OF role ON users
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION troupe_role_changed();

CREATE FUNCTION troupe_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO token_revocations (kind, subject) VALUES ('user', OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER users_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION troupe_user_deleted();

-- Access-token signing keys when JWT_ALGORITHM=EdDSA, shared by every node. The
-- private key is sealed with AES-256-GCM under JWT_KEY_ENCRYPTION_KEY:
-- 12-byte nonce ‖ ciphertext ‖ tag, the kid as associated data. A key verifies from
-- its creation; it signs from `signs_from` (a few seconds later, so every node and
-- every JWKS cache can know it first) until `retired_at`, and verifies until its
-- tokens have expired.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    algorithm   text NOT NULL CHECK (algorithm = 'EdDSA'),
    public_key  bytea NOT NULL CHECK (length(public_key) = 32),
    private_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    signs_from  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

CREATE FUNCTION troupe_notify_signing_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('troupe_keys', NEW.kid);
    RETURN NEW;
END $$;
CREATE TRIGGER signing_keys_notify AFTER INSERT OR UPDATE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_signing_keys();

-- Failed-login counters, shared by every node. Keys: 'ip:<addr>',
-- 'account:<user id or login>', 'account-ip:<user id or login>|<addr>'.
CREATE TABLE login_attempts (
    key               text PRIMARY KEY,
    -- The account the key counts for (user id or login), for an admin's unlock.
    account           text,
    window_started_at timestamptz NOT NULL,
    failures          integer NOT NULL,
    locked_until      timestamptz,
    -- Lockouts so far (each one longer), forgotten after a quiet day.
    lockouts          integer NOT NULL DEFAULT 0,
    last_failure_at   timestamptz NOT NULL
);
CREATE INDEX login_attempts_account_idx ON login_attempts (account);
CREATE INDEX login_attempts_last_failure_idx ON login_attempts (last_failure_at);
