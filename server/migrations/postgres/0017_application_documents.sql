-- An application's form (its compiled one-form, about 7 kB) and receipt (about 2.4 kB) are
-- documents written once and always read whole, never searched inside. As `jsonb` they were
-- most of the group-commit writer's time on PostgreSQL: each was parsed into jsonb's tree when
-- bound, then compressed with pglz when stored. As `json` their text is only checked when
-- bound, and lz4 compresses them several times faster than pglz (BENCHMARKS.md). Values
-- stored before are rewritten as text and keep their old compression.
ALTER TABLE applications
    ALTER COLUMN form TYPE json USING form::json,
    ALTER COLUMN receipt TYPE json USING receipt::json,
    ALTER COLUMN form SET COMPRESSION lz4,
    ALTER COLUMN receipt SET COMPRESSION lz4;
