-- Sync: one row per record a person has (or had), at the sequence number of its latest change.
-- Writes add their row in the same batch as the change itself, taking the account's next number
-- from accounts.sync_seq. Deletions leave tombstones (deleted = 1), pruned after the retention;
-- the highest pruned number becomes the account's sync_floor, and a cursor below it must start
-- again from zero.

CREATE TABLE sync_changes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('conversation', 'generation', 'image')),
    entity_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, entity_id),
    UNIQUE (account_id, seq)
) STRICT;
CREATE INDEX sync_tombstones ON sync_changes (changed_at) WHERE deleted = 1;

ALTER TABLE accounts ADD COLUMN sync_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN sync_floor INTEGER NOT NULL DEFAULT 0;

ALTER TABLE images ADD COLUMN thumbnail_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1));
ALTER TABLE images ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE images SET updated_at = created_at;

-- Records made before this migration enter the log once, parents before children.
INSERT INTO sync_changes (account_id, kind, entity_id, seq, deleted, changed_at)
SELECT account_id, kind, id,
       ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY created_at, kind_order, id), 0, updated_at
FROM (
    SELECT account_id, 'conversation' AS kind, id, created_at, 0 AS kind_order, updated_at FROM conversations
    UNION ALL
    SELECT account_id, 'generation', id, created_at, 1, updated_at FROM generations
    UNION ALL
    SELECT account_id, 'image', id, created_at, 2, updated_at FROM images
);
UPDATE accounts SET sync_seq = (SELECT COALESCE(MAX(seq), 0) FROM sync_changes WHERE account_id = accounts.id);
