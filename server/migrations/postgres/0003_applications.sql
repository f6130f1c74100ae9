-- 电子证照库, 申办 and 办件: the e-license library and who read it, uploaded files, drafts,
-- applications with one case per item, case timelines, and idempotency keys of submissions.

-- A license held by a person (holder_key: the keyed hash of their identity number) or an
-- enterprise (holder_key: its credit code).
CREATE TABLE e_licenses (
    id           TEXT   PRIMARY KEY,
    holder_kind  TEXT   NOT NULL CHECK (holder_kind IN ('person', 'enterprise')),
    holder_key   TEXT   NOT NULL,
    license_type TEXT   NOT NULL,
    number       TEXT   NOT NULL,
    issuer       TEXT   NOT NULL,
    valid_from   TEXT   NOT NULL,
    valid_until  TEXT,
    revoked      BIGINT NOT NULL DEFAULT 0,
    data         TEXT   NOT NULL
);
CREATE INDEX e_licenses_holder ON e_licenses (holder_key);

-- 用证记录: every read of a holder's licenses. Rows are only ever inserted.
CREATE TABLE e_license_access (
    id             TEXT   PRIMARY KEY,
    at             BIGINT NOT NULL,
    license_id     TEXT   NOT NULL REFERENCES e_licenses (id),
    holder_key     TEXT   NOT NULL,
    actor_id       TEXT   NOT NULL REFERENCES persons (id),
    acting_uscc    TEXT,
    on_behalf_of   TEXT,
    purpose        TEXT   NOT NULL CHECK (purpose IN ('form', 'application')),
    application_no TEXT
);
CREATE INDEX e_license_access_holder ON e_license_access (holder_key, at);

-- An uploaded file: its content lives on disk under its SHA-256, outside any served folder.
CREATE TABLE uploads (
    id          TEXT   PRIMARY KEY,
    owner_id    TEXT   NOT NULL REFERENCES persons (id),
    sha256      TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    media_type  TEXT   NOT NULL,
    file_name   TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX uploads_owner ON uploads (owner_id);

-- 草稿: a half-filled application, resumable on any device.
CREATE TABLE drafts (
    id           TEXT   PRIMARY KEY,
    owner_id     TEXT   NOT NULL REFERENCES persons (id),
    acting_uscc  TEXT,
    items        TEXT   NOT NULL,
    answers      TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX drafts_owner ON drafts (owner_id, updated_at);

-- 申办: one application. applicant_person_id is the person applying (or the enterprise's filing
-- agent); applicant_uscc is set when an enterprise applies; filed_by is the window clerk who
-- filed for a person present.
CREATE TABLE applications (
    application_no      TEXT   PRIMARY KEY,
    applicant_person_id TEXT   NOT NULL REFERENCES persons (id),
    applicant_uscc      TEXT   REFERENCES enterprises (uscc),
    filed_by            TEXT   REFERENCES persons (id),
    submitted_at        BIGINT NOT NULL,
    form                TEXT   NOT NULL,
    answers             TEXT   NOT NULL,
    pledge_text         TEXT,
    receipt             TEXT   NOT NULL
);
CREATE INDEX applications_person ON applications (applicant_person_id, submitted_at);
CREATE INDEX applications_uscc ON applications (applicant_uscc, submitted_at);

-- 办件: one item of an application, handled by its department.
CREATE TABLE cases (
    case_no               TEXT    PRIMARY KEY,
    application_no        TEXT    NOT NULL REFERENCES applications (application_no),
    item_code             TEXT    NOT NULL,
    item_version          BIGINT  NOT NULL,
    item_name_zh          TEXT    NOT NULL,
    item_name_en          TEXT    NOT NULL,
    department_code       TEXT    NOT NULL REFERENCES departments (code),
    status                TEXT    NOT NULL,
    pledged               BIGINT  NOT NULL,
    promised_working_days BIGINT  NOT NULL,
    created_at            BIGINT  NOT NULL
);
CREATE INDEX cases_application ON cases (application_no);
CREATE INDEX cases_department ON cases (department_code, status);

-- The materials of a case: from the library (license_id), uploaded (upload_id, sha256), or the
-- signed pledge.
CREATE TABLE case_materials (
    case_no      TEXT NOT NULL REFERENCES cases (case_no),
    material_key TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('library', 'upload', 'pledge')),
    license_id   TEXT REFERENCES e_licenses (id),
    upload_id    TEXT REFERENCES uploads (id),
    sha256       TEXT
);
CREATE INDEX case_materials_case ON case_materials (case_no);
CREATE INDEX case_materials_upload ON case_materials (upload_id);

-- 办件进度: every step of a case. Rows are only ever inserted.
CREATE TABLE case_events (
    id       TEXT   PRIMARY KEY,
    case_no  TEXT   NOT NULL REFERENCES cases (case_no),
    at       BIGINT NOT NULL,
    status   TEXT   NOT NULL,
    actor_id TEXT,
    note_zh  TEXT   NOT NULL,
    note_en  TEXT   NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_no, at);

-- A submission's Idempotency-Key: the same key and body replays the stored answer byte for byte.
CREATE TABLE idempotency_keys (
    scope        TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    body_sha256  TEXT   NOT NULL,
    status       BIGINT  NOT NULL,
    response     TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
