-- 电子证照类型 — the kinds of certificate the e-license library holds, with their names.
CREATE TABLE license_types (
    key     TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
