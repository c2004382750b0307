-- Accounts (SPEC §1–§3): users and their rotating refresh tokens.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL,
    email         text,
    password_hash text NOT NULL,
    name          text,
    phone         text,
    gender        text,
    role          text NOT NULL CHECK (role IN ('user', 'committee', 'admin', 'superadmin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Unique case-insensitively; emails are stored lower-case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_superadmin_idx ON users (id) WHERE role = 'superadmin';

-- Only the SHA-256 of a refresh token is stored. A family is one login session:
-- each rotation revokes the presented token and adds its successor to the family.
CREATE TABLE refresh_tokens (
    token_hash     bytea PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id      uuid NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    -- why it was revoked: 'rotated' (a later use is theft), 'logout', 'reuse', 'password'
    revoked_reason text
);

CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
