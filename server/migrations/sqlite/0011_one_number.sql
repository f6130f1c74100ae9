-- 一号申办: what the platform knows is not asked again; everyone who may apply can.

-- A bundle's items that apply only in a situation: a JSON array of {item, condition}.
ALTER TABLE bundles ADD COLUMN conditional TEXT NOT NULL DEFAULT '[]';

-- 办理渠道: where each application was filed (web on a desktop, on a phone, at a window, at a
-- self-service kiosk).
ALTER TABLE applications ADD COLUMN channel TEXT NOT NULL DEFAULT 'web'
    CHECK (channel IN ('web', 'mobile', 'window', 'kiosk'));
-- Applications filed before were filed on the web, or at a window by a clerk.
UPDATE applications SET channel = 'window' WHERE filed_by IS NOT NULL;

-- A material may be supplied by the filing agent's recorded authorization (委托书), or by the
-- licence a registration of the same application issues (the new business's licence). SQLite cannot
-- change a CHECK constraint, so the table is made again with its rows.
CREATE TABLE case_materials_next (
    case_no      TEXT NOT NULL REFERENCES cases (case_no),
    material_key TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('library', 'upload', 'pledge', 'authorization', 'issued')),
    license_id   TEXT REFERENCES e_licenses (id),
    upload_id    TEXT REFERENCES uploads (id),
    sha256       TEXT
);
INSERT INTO case_materials_next (case_no, material_key, source, license_id, upload_id, sha256)
    SELECT case_no, material_key, source, license_id, upload_id, sha256 FROM case_materials;
DROP TABLE case_materials;
ALTER TABLE case_materials_next RENAME TO case_materials;
CREATE INDEX case_materials_case ON case_materials (case_no);
CREATE INDEX case_materials_upload ON case_materials (upload_id);

-- 历史办事数据: a person may let the platform keep their answers (addresses, phone numbers,
-- business scope) to offer them as suggestions on later forms. Off until they turn it on;
-- turning it off deletes what was kept. Values are sealed like every answer; scope is the
-- credit code of the enterprise they acted for, or '' for themselves.
ALTER TABLE persons ADD COLUMN remember_answers BOOLEAN NOT NULL DEFAULT false;
CREATE TABLE answer_memory (
    person_id  TEXT   NOT NULL REFERENCES persons (id),
    scope      TEXT   NOT NULL,
    field_key  TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, scope, field_key)
);

-- 委托代办: a person authorizes another to apply for them, for named items (a JSON array of
-- {code, name}) until a date, revocable. A session applying under one names it; so does each
-- application filed under one.
CREATE TABLE person_proxies (
    id           TEXT   PRIMARY KEY,
    principal_id TEXT   NOT NULL REFERENCES persons (id),
    proxy_id     TEXT   NOT NULL REFERENCES persons (id),
    items        TEXT   NOT NULL,
    valid_until  TEXT   NOT NULL,
    granted_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX person_proxies_principal ON person_proxies (principal_id, granted_at);
CREATE INDEX person_proxies_proxy ON person_proxies (proxy_id);
ALTER TABLE sessions ADD COLUMN acting_proxy TEXT REFERENCES person_proxies (id);
ALTER TABLE applications ADD COLUMN proxy_id TEXT REFERENCES persons (id);
ALTER TABLE applications ADD COLUMN proxy_grant TEXT REFERENCES person_proxies (id);
CREATE INDEX applications_proxy ON applications (proxy_id, submitted_at);
