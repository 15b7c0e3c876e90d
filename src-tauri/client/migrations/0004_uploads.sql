-- Images the account uploaded (sync kind `upload`), and what each generation was made from.
CREATE TABLE uploads (
    id               TEXT PRIMARY KEY NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    content_type     TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    bytes            INTEGER NOT NULL,
    thumbnail_sha256 TEXT NOT NULL,
    thumbnail_bytes  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    thumbnail_cached INTEGER NOT NULL DEFAULT 0 CHECK (thumbnail_cached IN (0, 1))
) STRICT;
CREATE INDEX uploads_newest ON uploads (created_at DESC, id DESC);
CREATE INDEX uploads_thumbnail_missing ON uploads (created_at DESC, id DESC) WHERE thumbnail_cached = 0;

-- Ids of the generation's input images (uploads or images), space-separated, in order.
ALTER TABLE generations ADD COLUMN input_images TEXT NOT NULL DEFAULT '';
