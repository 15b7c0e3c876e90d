-- What a sync pass asks of every row, answered from the rows concerned alone: a pass with nothing
-- to fetch reads nothing, and the originals on disk are found without a scan of every image.
CREATE INDEX images_thumbnail_missing ON images (created_at DESC, id DESC) WHERE thumbnail_cached = 0;
CREATE INDEX images_original_missing ON images (created_at DESC, id DESC) WHERE original_cached = 0;
CREATE INDEX images_original_cached ON images (sha256, bytes, last_viewed_at, created_at) WHERE original_cached = 1;
