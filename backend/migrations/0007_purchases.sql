-- Credits people buy (Creem checkouts, granted by the signed webhook only), refunds and disputes
-- that claw them back, one sign-up grant per person, ledger entries in the sync log, and a claim
-- step before each paid kie submission.
--
-- Three tables are rebuilt because SQLite cannot change a CHECK constraint in place; nothing
-- references them, so each is copied, dropped and renamed (D1 and the native SQLite alike).

-- The ledger: two new kinds, the money behind a purchase or clawback, and the Creem order a
-- purchase or clawback belongs to (a clawback never takes back more than its order gave).
CREATE TABLE credit_ledger_new (
    id            TEXT PRIMARY KEY NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    amount        INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('grant', 'debit', 'refund', 'purchase', 'clawback')),
    reference     TEXT NOT NULL UNIQUE,
    paid_cents    INTEGER,
    paid_currency TEXT,
    order_id      TEXT,
    created_at    INTEGER NOT NULL
) STRICT;
INSERT INTO credit_ledger_new (id, account_id, amount, kind, reference, created_at)
    SELECT id, account_id, amount, kind, reference, created_at FROM credit_ledger;
DROP TABLE credit_ledger;
ALTER TABLE credit_ledger_new RENAME TO credit_ledger;
CREATE INDEX credit_ledger_by_account ON credit_ledger (account_id, created_at, id);
CREATE INDEX credit_ledger_by_order ON credit_ledger (order_id) WHERE order_id IS NOT NULL;

-- kie tasks gain `submitting`: the one caller whose conditional UPDATE moved a task from
-- `pending` (with a fresh callback secret) is the only one that calls kie's paid createTask.
CREATE TABLE generation_tasks_new (
    generation_id        TEXT NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    idx                  INTEGER NOT NULL,
    kie_task_id          TEXT UNIQUE,
    callback_secret_hash TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('pending', 'submitting', 'submitted', 'storing', 'stored', 'failed')),
    failure_code         TEXT,
    next_poll_at         INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (generation_id, idx)
) STRICT;
INSERT INTO generation_tasks_new SELECT generation_id, idx, kie_task_id, callback_secret_hash, state,
    failure_code, next_poll_at, updated_at FROM generation_tasks;
DROP TABLE generation_tasks;
ALTER TABLE generation_tasks_new RENAME TO generation_tasks;
CREATE INDEX generation_tasks_due ON generation_tasks (state, next_poll_at);

-- The sync log carries ledger entries too (kind `credit`), so a purchase reaches every device.
CREATE TABLE sync_changes_new (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('conversation', 'generation', 'image', 'credit')),
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

-- Ledger entries made before this migration enter the log once, after everything already there.
INSERT INTO sync_changes (account_id, kind, entity_id, seq, deleted, changed_at)
SELECT l.account_id, 'credit', l.id,
       a.sync_seq + ROW_NUMBER() OVER (PARTITION BY l.account_id ORDER BY l.created_at, l.id), 0, l.created_at
FROM credit_ledger l JOIN accounts a ON a.id = l.account_id;
UPDATE accounts SET sync_seq = (SELECT COALESCE(MAX(seq), 0) FROM sync_changes WHERE account_id = accounts.id);

-- A checkout this service opened: Creem's webhook names it by our `request_id`, and only this
-- row (never the event's other fields) says whose it is and which pack it sells.
CREATE TABLE checkouts (
    request_id       TEXT PRIMARY KEY NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    pack_id          TEXT NOT NULL,
    product_id       TEXT NOT NULL,
    credits          INTEGER NOT NULL,
    price_cents      INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    creem_checkout_id TEXT,
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX checkouts_by_account ON checkouts (account_id);

-- One row per Creem order a webhook reported for a live account: `credited` (its purchase entry
-- exists) or `mismatch` (product or amount differed from the checkout's pack: nothing credited).
-- Refunds and disputes find their order by Creem's transaction id.
CREATE TABLE purchases (
    order_id       TEXT PRIMARY KEY NOT NULL,
    transaction_id TEXT,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    request_id     TEXT NOT NULL,
    credits        INTEGER NOT NULL,
    amount_cents   INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('credited', 'mismatch')),
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX purchases_by_account ON purchases (account_id);
CREATE INDEX purchases_by_transaction ON purchases (transaction_id);

-- "This person already had a sign-up grant": a keyed hash (ATELIER_AUTH_SECRET) of the normalised
-- address and nothing else, kept for a year (fraud prevention), apart from any account, so
-- deleting an account and signing up again does not grant twice.
CREATE TABLE sign_up_grants (
    address_hash TEXT PRIMARY KEY NOT NULL,
    granted_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_up_grants_by_time ON sign_up_grants (granted_at);
