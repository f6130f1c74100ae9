-- An authenticator enrolment in progress never touches the bound one: the new secret waits in
-- the pending columns, tied to the session that started it, until a code from it is verified.
-- Before this, starting an enrolment unbound the authenticator at once, so that a password alone
-- could then bind another; rows left half-enrolled that way keep no authenticator, and their
-- owners need an enrolment token from a security administrator.
ALTER TABLE staff ADD COLUMN totp_pending_sealed TEXT;
ALTER TABLE staff ADD COLUMN totp_pending_session TEXT;
UPDATE staff SET totp_sealed = NULL, totp_last_step = 0 WHERE totp_confirmed = 0;

-- 绑定码: a one-time token a security administrator issues so that a staff member without an
-- authenticator can bind one. Only its SHA-256 is kept; one live token per person.
CREATE TABLE staff_enrolment_tokens (
    person_id  TEXT   PRIMARY KEY REFERENCES persons (id),
    token_hash TEXT   NOT NULL,
    issued_by  TEXT   NOT NULL REFERENCES persons (id),
    expires_at BIGINT NOT NULL
);

-- Failed sign-ins are counted per account and client address, so that a stranger elsewhere
-- cannot lock the owner out; rows from before carry no address.
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_by_hash_address ON login_failures (id_number_hash, address, at);
