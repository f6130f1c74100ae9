-- The answers of applications and drafts hold identity numbers, names and addresses (PIPL:
-- sensitive personal information). From this version `answers` holds them sealed as persons'
-- identity numbers are: AES-256-GCM of the JSON, base64. SQL cannot seal the rows written
-- before, since the key is the server's: the server does it at its first start, once, and
-- records that here.
CREATE TABLE data_migrations (
    name    TEXT   PRIMARY KEY,
    done_at BIGINT NOT NULL
);
