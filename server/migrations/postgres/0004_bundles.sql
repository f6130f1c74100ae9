-- 一件事 — one-form bundles: several items an applicant usually needs together, offered as one
-- application. items is a JSON array of item codes; position orders the list.
CREATE TABLE bundles (
    code           TEXT   PRIMARY KEY,
    name_zh        TEXT   NOT NULL,
    name_en        TEXT   NOT NULL,
    service_object TEXT   NOT NULL CHECK (service_object IN ('person', 'enterprise')),
    items          TEXT   NOT NULL,
    position       BIGINT NOT NULL
);
