-- Files uploaded per person and day (Asia/Shanghai). The daily limit is taken by one
-- conditional UPDATE of this row, which also serializes one person's concurrent uploads, so
-- that the count, the stored-bytes quota and the insert are one atomic step.
CREATE TABLE upload_days (
    owner_id TEXT   NOT NULL REFERENCES persons (id),
    day      TEXT   NOT NULL,
    files    BIGINT NOT NULL,
    PRIMARY KEY (owner_id, day)
);

-- Finds uploads old enough to expire when no application holds them.
CREATE INDEX uploads_created ON uploads (created_at);
-- Finds whether another upload still needs a stored file before it is deleted.
CREATE INDEX uploads_sha256 ON uploads (sha256);
