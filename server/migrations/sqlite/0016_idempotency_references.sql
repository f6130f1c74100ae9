-- A submission's Idempotency-Key names the application it created instead of storing its
-- receipt a second time: the receipt is in the application's row, and a retry is answered from
-- there. The key of a case action, which creates no row of its own, keeps its answer's body.
-- Keys stored before keep their body. Exactly one of the two is set.
CREATE TABLE idempotency_keys_new (
    scope          TEXT   NOT NULL,
    key            TEXT   NOT NULL,
    body_sha256    TEXT   NOT NULL,
    status         BIGINT NOT NULL,
    response       TEXT,
    application_no TEXT   REFERENCES applications (application_no),
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (scope, key),
    CHECK ((response IS NULL) <> (application_no IS NULL))
);
INSERT INTO idempotency_keys_new (scope, key, body_sha256, status, response, application_no, created_at)
    SELECT scope, key, body_sha256, status, response, NULL, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
