-- The desktop's copy of the cloud: what sync brought, which files are on disk, and what this
-- device changed while offline. The cloud stays the source of truth; everything here can be
-- rebuilt from it.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE generations (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    model           TEXT NOT NULL,
    aspect_ratio    TEXT NOT NULL,
    count           INTEGER NOT NULL,
    cost            INTEGER NOT NULL,
    status          TEXT NOT NULL,
    failure_code    TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX generations_by_conversation ON generations (conversation_id);

-- Files are content-addressed by their SHA-256; `*_cached` says the file was written and verified.
CREATE TABLE images (
    id               TEXT PRIMARY KEY NOT NULL,
    generation_id    TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    idx              INTEGER NOT NULL,
    width            INTEGER NOT NULL,
    height           INTEGER NOT NULL,
    content_type     TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    bytes            INTEGER NOT NULL,
    thumbnail_sha256 TEXT NOT NULL,
    thumbnail_bytes  INTEGER NOT NULL,
    favourite        INTEGER NOT NULL CHECK (favourite IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    thumbnail_cached INTEGER NOT NULL DEFAULT 0 CHECK (thumbnail_cached IN (0, 1)),
    original_cached  INTEGER NOT NULL DEFAULT 0 CHECK (original_cached IN (0, 1)),
    -- When the original was last shown: eviction over the budget takes the oldest first.
    last_viewed_at   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX images_newest ON images (created_at DESC, id DESC);
CREATE INDEX images_by_conversation ON images (conversation_id, created_at DESC, id DESC);
CREATE INDEX images_by_generation ON images (generation_id);
CREATE INDEX images_favourites ON images (created_at DESC, id DESC) WHERE favourite = 1;
CREATE INDEX images_by_sha256 ON images (sha256);
CREATE INDEX images_by_thumbnail_sha256 ON images (thumbnail_sha256);

-- Search by prompt: trigrams match any part of a word in any script (Chinese has no spaces).
CREATE VIRTUAL TABLE prompts USING fts5 (prompt, content = 'generations', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
    INSERT INTO prompts (rowid, prompt) VALUES (new.rowid, new.prompt);
END;
CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
    INSERT INTO prompts (prompts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
END;
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt ON generations BEGIN
    INSERT INTO prompts (prompts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt);
    INSERT INTO prompts (rowid, prompt) VALUES (new.rowid, new.prompt);
END;

-- What this device changed while it could not tell the service, applied in order on reconnect.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    op         TEXT NOT NULL CHECK (op IN ('delete_image', 'set_favourite')),
    image_id   TEXT NOT NULL,
    favourite  INTEGER CHECK (favourite IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;
