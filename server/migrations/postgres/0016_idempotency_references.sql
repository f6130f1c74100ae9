-- A submission's Idempotency-Key names the application it created instead of storing its
-- receipt a second time: the receipt is in the application's row, and a retry is answered from
-- there. The key of a case action, which creates no row of its own, keeps its answer's body.
-- Keys stored before keep their body. Exactly one of the two is set.
ALTER TABLE idempotency_keys
    ALTER COLUMN response DROP NOT NULL,
    ADD COLUMN application_no TEXT REFERENCES applications (application_no),
    ADD CONSTRAINT idempotency_keys_one_answer CHECK ((response IS NULL) <> (application_no IS NULL));
