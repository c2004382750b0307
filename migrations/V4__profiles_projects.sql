-- Profiles (SPEC §4) and portfolio projects (SPEC §5).

-- Bumped on every change to a project's search document (the project, or its
-- owner's display name): the search index keeps the highest version it has seen.
CREATE SEQUENCE project_index_version;

CREATE TABLE profiles (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name         text,
    bio          text,
    contact      text,
    social_links jsonb,
    avatar_url   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL,
    description   text,
    tags          text[] NOT NULL DEFAULT '{}',
    link          text,
    thumbnail_url text,
    index_version bigint NOT NULL DEFAULT nextval('project_index_version'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_user_idx ON projects (user_id, created_at DESC, id DESC);
CREATE INDEX projects_recent_idx ON projects (created_at DESC, id DESC);
