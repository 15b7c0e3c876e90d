-- Each thumbnail a sync stores is marked on every row that uses it, and each file released is
-- kept while any row does: both look uploads up by hash, which must not read every upload.
CREATE INDEX uploads_by_thumbnail ON uploads (thumbnail_sha256);
CREATE INDEX uploads_by_original ON uploads (sha256);
