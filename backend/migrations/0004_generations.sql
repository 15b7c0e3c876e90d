-- Generations, their kie.ai tasks (one per image), the stored images, and kie's account-wide
-- submission limit (20 new tasks per 10 s) counted exactly in SQL.

CREATE TABLE generations (
    id              TEXT PRIMARY KEY NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The client's Idempotency-Key: the same key again returns this generation, charging nothing.
    idempotency_key TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    model           TEXT NOT NULL,
    aspect_ratio    TEXT NOT NULL,
    count           INTEGER NOT NULL CHECK (count BETWEEN 1 AND 4),
    cost_per_image  INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'done', 'failed')),
    failure_code    TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (account_id, idempotency_key)
) STRICT;
CREATE INDEX generations_by_conversation ON generations (conversation_id, created_at);
CREATE INDEX generations_unfinished ON generations (status, created_at) WHERE status IN ('queued', 'generating');

-- One kie task per image. `state` moves pending → submitted → storing → stored | failed, each step
-- a conditional UPDATE, so completion (callback or poll, whichever comes first) happens once.
CREATE TABLE generation_tasks (
    generation_id        TEXT NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    idx                  INTEGER NOT NULL,
    kie_task_id          TEXT UNIQUE,
    -- SHA-256 of the secret in this task's callBackUrl.
    callback_secret_hash TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'storing', 'stored', 'failed')),
    failure_code         TEXT,
    next_poll_at         INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (generation_id, idx)
) STRICT;
CREATE INDEX generation_tasks_due ON generation_tasks (state, next_poll_at);

CREATE TABLE images (
    id              TEXT PRIMARY KEY NOT NULL,
    generation_id   TEXT NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    idx             INTEGER NOT NULL,
    original_key    TEXT NOT NULL,
    thumbnail_key   TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    thumbnail_bytes INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (generation_id, idx)
) STRICT;
CREATE INDEX images_by_account ON images (account_id, created_at);

-- Submissions to kie in the last seconds; a slot is taken by an INSERT … WHERE count < limit.
CREATE TABLE kie_submissions (
    id         TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX kie_submissions_by_time ON kie_submissions (created_at);
