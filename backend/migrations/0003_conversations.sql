-- Conversations: a person's threads of generations. Titles come from the first prompt.

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    -- 1 until a prompt or the person names it.
    untitled   INTEGER NOT NULL DEFAULT 1 CHECK (untitled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_by_account ON conversations (account_id, updated_at, id);
