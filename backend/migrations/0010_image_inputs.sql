-- Images as input: what people upload, and which images a generation was made from.

-- An uploaded image, stored like a generated one under `images/<account>/uploads/<id>/`.
-- The same bytes uploaded twice by one account are one upload.
CREATE TABLE uploads (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    original_key     TEXT NOT NULL,
    thumbnail_key    TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    bytes            INTEGER NOT NULL,
    thumbnail_sha256 TEXT NOT NULL,
    thumbnail_bytes  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (account_id, sha256)
) STRICT;

-- The inputs of a generation, in order: ids of the account's uploads or images, space-separated
-- (at most `max_input_images`). kie fetches each by a URL signed for (generation, position) that
-- works only while the generation runs (`generations/inputs.rs`).
ALTER TABLE generations ADD COLUMN input_images TEXT NOT NULL DEFAULT '';

-- The sync log carries uploads too (kind `upload`), so every device knows them.
CREATE TABLE sync_changes_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('conversation', 'generation', 'image', 'credit', 'upload')),
    entity_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, entity_id),
    UNIQUE (account_id, seq)
) STRICT;
INSERT INTO sync_changes_new SELECT account_id, kind, entity_id, seq, deleted, changed_at FROM sync_changes;
DROP TABLE sync_changes;
ALTER TABLE sync_changes_new RENAME TO sync_changes;
CREATE INDEX sync_tombstones ON sync_changes (changed_at) WHERE deleted = 1;
