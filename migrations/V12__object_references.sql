-- Issue 21: the garbage collector asks, for a page of stored object keys, which of
-- them no row names. Rows name an object by `media.file_path`, `media.thumbnail_path`
-- or a project's `thumbnail_url` (`<base>/media/<key>`); each gets an index the
-- question can use.
CREATE INDEX media_thumbnail_path_idx ON media (thumbnail_path) WHERE thumbnail_path IS NOT NULL;
CREATE INDEX projects_thumbnail_key_idx ON projects ((substring(thumbnail_url FROM '/media/(.+)$')))
    WHERE thumbnail_url IS NOT NULL;
