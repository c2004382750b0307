-- Uploaded files and their thumbnails (SPEC §6). The objects live in the object
-- store under `file_path` and `thumbnail_path`; a row exists only once its object does.

CREATE TABLE media (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted project keeps its files; they simply stop naming it.
    project_id        uuid REFERENCES projects (id) ON DELETE SET NULL,
    original_filename text NOT NULL,
    file_path         text NOT NULL UNIQUE,
    file_size         bigint NOT NULL CHECK (file_size >= 0),
    mime_type         text NOT NULL,
    thumbnail_path    text,
    thumbnail_status  text NOT NULL
        CHECK (thumbnail_status IN ('pending', 'skipped', 'done', 'failed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_project_idx ON media (project_id, created_at DESC, id DESC);
CREATE INDEX media_user_idx ON media (user_id);
CREATE INDEX media_recent_idx ON media (created_at DESC, id DESC);
