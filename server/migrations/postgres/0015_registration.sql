-- 注册: the one-time code that proves a mobile number is the registering person's, and the
-- consents a person gives (个人信息处理同意), each with the version of the text agreed to.

-- One code a number at a time; a new one replaces it. The code is kept only as an HMAC under
-- the personal-information key. `sends` counts the codes sent since `window_start` (a day).
CREATE TABLE mobile_codes (
    mobile       TEXT    PRIMARY KEY,
    code_hash    TEXT    NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    sends        INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL
);

CREATE TABLE consents (
    person_id    TEXT   NOT NULL REFERENCES persons (id),
    purpose      TEXT   NOT NULL,
    version      TEXT   NOT NULL,
    given_at     TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    PRIMARY KEY (person_id, purpose, given_at)
);
