-- Accounts, sign-in challenges, the technical data of each sign-in, and the credit ledger's first
-- entries (the sign-up grant; the generation issue adds debits and refunds).

CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY NOT NULL,
    email                TEXT NOT NULL UNIQUE,
    auth_provider        TEXT NOT NULL CHECK (auth_provider IN ('email')),
    display_name         TEXT,
    created_at           INTEGER NOT NULL,
    -- Sessions created before this instant are refused (sign out of all devices).
    sessions_valid_after INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One live challenge per email and purpose: a new one replaces the old (upsert on the pair).
-- Only an HMAC of the code (keyed with ATELIER_AUTH_SECRET) and a SHA-256 of the link token are kept.
CREATE TABLE auth_challenges (
    id          TEXT PRIMARY KEY NOT NULL,
    email       TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('sign_in')),
    code_hmac   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    attempts    INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (email, purpose)
) STRICT;

-- Technical data the privacy policy names: IP, user agent and time of each sign-in.
CREATE TABLE sign_ins (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ip         TEXT,
    user_agent TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_ins_by_account ON sign_ins (account_id, created_at);

-- Append-only; the balance is the sum of an account's entries.
CREATE TABLE credit_ledger (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    amount     INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('grant', 'debit', 'refund')),
    reference  TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX credit_ledger_by_account ON credit_ledger (account_id, created_at, id);
