-- The account's credit ledger as sync brings it (records of kind `credit`), so the balance (its
-- sum) and the history can be shown offline. Entries never change once written; the service's
-- `GET /v1/credits` stays the authority whenever it can be reached.
CREATE TABLE credit_ledger (
    id            TEXT PRIMARY KEY NOT NULL,
    -- Signed: grants, refunds and purchases positive; debits and clawbacks negative.
    amount        INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    reference     TEXT NOT NULL,
    -- For purchases and clawbacks: the money paid or taken back, in minor units.
    paid_cents    INTEGER,
    paid_currency TEXT,
    created_at    INTEGER NOT NULL,
    CHECK ((paid_cents IS NULL) = (paid_currency IS NULL))
) STRICT;
CREATE INDEX credit_ledger_newest ON credit_ledger (created_at DESC, id DESC);
