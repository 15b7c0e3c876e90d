-- Blobs written before the row that owns them. An upload's bytes are stored first (so a failed
-- write leaves no row pointing at nothing); the write is announced here before the first byte
-- goes out and retired in the same batch that inserts the owning row. A crash in between leaves
-- the announcement, and the background work deletes the blobs under its prefix.
CREATE TABLE blob_intents (
  prefix TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX blob_intents_by_age ON blob_intents (created_at);
CREATE INDEX blob_intents_by_account ON blob_intents (account_id);
