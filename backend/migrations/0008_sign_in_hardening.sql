-- Sign-in bound to the device that asked (PKCE), limits counted exactly in SQL, and sessions that
-- a logout ends everywhere at once.

-- The S256 challenge the asking device sent; the code and the link need its verifier. Challenges
-- made before this migration have none and can no longer be used (they live ten minutes).
ALTER TABLE auth_challenges ADD COLUMN code_challenge TEXT NOT NULL DEFAULT '';

-- Wrong codes per address, across every challenge it was sent (a new email does not reset them):
-- one row per attempt, taken before the code is checked and given back when it was right.
-- `subject` is a keyed hash of the address (ATELIER_AUTH_SECRET); rows older than a day go.
CREATE TABLE sign_in_attempts (
    id      TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_attempts_by_subject ON sign_in_attempts (subject, at);

-- Sign-in emails sent, per address and per (address, client): exact, where KV counters are not.
CREATE TABLE sign_in_sends (
    id      TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_sends_by_subject ON sign_in_sends (subject, at);

-- Sessions ended by a logout, until they would have expired: KV may serve a deleted key for a
-- while elsewhere, and a late extension may write it back; this table is what refuses them.
CREATE TABLE revoked_sessions (
    session_hash TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX revoked_sessions_by_expiry ON revoked_sessions (expires_at);
