-- Correction of the account's email: a pending change per account (the code mailed to the new
-- address, bound to the device that asked), and the change recorded in the sign-in history.

-- One pending change per account; a new request replaces it. Only an HMAC of the code is kept.
-- Gone once confirmed, after five wrong codes, or with the account.
CREATE TABLE email_changes (
    account_id     TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id             TEXT NOT NULL UNIQUE,
    new_email      TEXT NOT NULL,
    code_hmac      TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

-- The sign-in history also holds each confirmed change of address, with both addresses: the
-- person's own record of it, exported with the rest and purged with the account.
ALTER TABLE sign_ins ADD COLUMN event TEXT NOT NULL DEFAULT 'sign_in'
    CHECK (event IN ('sign_in', 'email_change'));
ALTER TABLE sign_ins ADD COLUMN previous_email TEXT;
ALTER TABLE sign_ins ADD COLUMN new_email TEXT;
