-- 统一身份认证: persons, staff, enterprises and their agents, sessions, failed sign-ins, audit.
-- Times are Unix seconds (UTC).

CREATE TABLE persons (
    id               TEXT   PRIMARY KEY,
    -- HMAC-SHA-256 of the identity number: finds an account without storing the number in clear.
    id_number_hash   TEXT   NOT NULL UNIQUE,
    -- AES-256-GCM of the identity number (PIPL: sensitive personal information).
    id_number_sealed TEXT   NOT NULL,
    id_number_masked TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    mobile           TEXT   NOT NULL,
    password_hash    TEXT   NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE TABLE staff (
    person_id        TEXT   PRIMARY KEY REFERENCES persons (id),
    department_code  TEXT   NOT NULL REFERENCES departments (code),
    -- Comma-separated role names (shared::account::Role).
    roles            TEXT   NOT NULL,
    -- AES-256-GCM of the base32 TOTP secret; NULL until enrolled.
    totp_sealed      TEXT,
    totp_confirmed   BIGINT NOT NULL DEFAULT 0 CHECK (totp_confirmed IN (0, 1)),
    -- The last 30-second step a code was accepted for: a code is never accepted twice.
    totp_last_step   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE enterprises (
    uscc         TEXT   PRIMARY KEY,
    name         TEXT   NOT NULL,
    legal_rep_id TEXT   NOT NULL REFERENCES persons (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX enterprises_legal_rep ON enterprises (legal_rep_id);

CREATE TABLE enterprise_agents (
    uscc       TEXT   NOT NULL REFERENCES enterprises (uscc),
    person_id  TEXT   NOT NULL REFERENCES persons (id),
    granted_by TEXT   NOT NULL REFERENCES persons (id),
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (uscc, person_id)
);
CREATE INDEX enterprise_agents_person ON enterprise_agents (person_id);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a copy of this table cannot be replayed as cookies.
    token_hash   TEXT   PRIMARY KEY,
    person_id    TEXT   NOT NULL REFERENCES persons (id),
    acting_uscc  TEXT   REFERENCES enterprises (uscc),
    -- 窗口代办: the applicant a window clerk is serving in person, recorded on every act.
    on_behalf_of TEXT   REFERENCES persons (id),
    second_factor BIGINT NOT NULL DEFAULT 0 CHECK (second_factor IN (0, 1)),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Failed sign-ins by the keyed hash of the number tried, whether or not it has an account, so
-- that lockout says nothing about who is registered.
CREATE TABLE login_failures (
    id_number_hash TEXT   NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX login_failures_by_hash ON login_failures (id_number_hash, at);

-- 留痕: who did what, for whom, and why. Rows are only ever inserted.
CREATE TABLE audit_events (
    id          TEXT   PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    acting_uscc TEXT,
    on_behalf_of TEXT,
    action      TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    detail      TEXT   NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events (subject, at);
