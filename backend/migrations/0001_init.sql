-- One schema for D1 (wrangler d1 migrations apply) and the native SQLite file (sqlx::migrate!).
-- D1 rules: no interactive transactions, ids as TEXT, amounts as INTEGER well below 2^53.

-- The service's own facts about itself, e.g. when this database was first created.
CREATE TABLE service_meta (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
