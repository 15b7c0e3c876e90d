-- Account deletion: the account is marked deleted at once (every session refused, its email freed
-- for a new account) and its data purged in resumable steps that stay inside a Worker's limits.

ALTER TABLE accounts ADD COLUMN deleted_at INTEGER;

-- One row per deletion still being purged, removed in the same batch as the account row, so no
-- bookkeeping outlives the purge. It holds the account id and, for the rate-limit counters keyed by
-- the email, only their key prefixes (a keyed hash): never the address itself.
CREATE TABLE account_purges (
    account_id  TEXT PRIMARY KEY NOT NULL,
    -- The next step to run (see deletion/purge.rs): steps before it are done.
    step        INTEGER NOT NULL DEFAULT 0,
    -- Newline-separated KV prefixes of the account's rate-limit counters.
    rl_prefixes TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX account_purges_by_update ON account_purges (updated_at);
