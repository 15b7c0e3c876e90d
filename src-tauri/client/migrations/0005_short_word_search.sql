-- Search by prompt for words of one or two characters (灯塔, 狐, ねこ, AI), which the trigram index
-- of `prompts` cannot answer: every two characters of a prompt that follow each other, and its
-- last character, as tokens of a second FTS5 index. A word of two characters is then one token,
-- a word of one character a prefix, instead of a scan of every prompt.
--
-- The characters are folded as LIKE folds them (`lower`: ASCII only) and written as the hex of
-- their UTF-8, so that any character, punctuation and spaces included, is one token to the
-- `ascii` tokenizer. Only which prompts hold a token is kept (`detail = none`): a few bytes a
-- prompt. Rowids are those of `generations`, as in `prompts`.
CREATE VIRTUAL TABLE prompt_grams USING fts5 (
    grams, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii'
);

-- The positions 1 to 16,000 (`MAX_FIELD_CHARS`, the longest prompt sync accepts), joined to a
-- prompt to walk its characters: about ten times faster than a recursive CTE.
CREATE TABLE prompt_gram_positions (n INTEGER PRIMARY KEY) STRICT;
INSERT INTO prompt_gram_positions (n)
    WITH RECURSIVE p (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 16000)
    SELECT n FROM p;

-- At the last position `substr` has one character left: that is the last character's token.
CREATE TRIGGER generations_grams_insert AFTER INSERT ON generations BEGIN
    INSERT INTO prompt_grams (rowid, grams)
        SELECT new.rowid, group_concat(hex(substr(l.prompt, n, 2)), ' ')
        FROM (SELECT lower(new.prompt) AS prompt) l
        JOIN prompt_gram_positions ON n <= length(l.prompt);
END;
CREATE TRIGGER generations_grams_delete AFTER DELETE ON generations BEGIN
    DELETE FROM prompt_grams WHERE rowid = old.rowid;
END;
CREATE TRIGGER generations_grams_update AFTER UPDATE OF prompt ON generations BEGIN
    DELETE FROM prompt_grams WHERE rowid = old.rowid;
    INSERT INTO prompt_grams (rowid, grams)
        SELECT new.rowid, group_concat(hex(substr(l.prompt, n, 2)), ' ')
        FROM (SELECT lower(new.prompt) AS prompt) l
        JOIN prompt_gram_positions ON n <= length(l.prompt);
END;

-- The prompts already here.
INSERT INTO prompt_grams (rowid, grams)
    SELECT g.rowid,
           (SELECT group_concat(hex(substr(l.prompt, n, 2)), ' ')
            FROM (SELECT lower(g.prompt) AS prompt) l
            JOIN prompt_gram_positions ON n <= length(l.prompt))
    FROM generations g;
INSERT INTO prompt_grams (prompt_grams) VALUES ('optimize');

-- A search lists the images of the generations it found, newest first: with the order's columns
-- in the index by generation, that list is read from the index alone instead of from each
-- image's row (and it still answers every lookup by generation).
DROP INDEX images_by_generation;
CREATE INDEX images_by_generation ON images (generation_id, created_at DESC, id DESC);
