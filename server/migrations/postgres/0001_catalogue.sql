-- 事项目录: departments, themes and versioned service items.
-- Each item version keeps its whole guide as JSON (the shared crate's ServiceItem), plus the
-- columns that lists filter and search on.

CREATE TABLE departments (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE themes (
    key            TEXT PRIMARY KEY,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    service_object TEXT NOT NULL CHECK (service_object IN ('person', 'enterprise'))
);

CREATE TABLE service_items (
    code            TEXT    NOT NULL,
    version         BIGINT  NOT NULL CHECK (version >= 1),
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    service_object  TEXT    NOT NULL CHECK (service_object IN ('person', 'enterprise')),
    theme           TEXT    NOT NULL REFERENCES themes (key),
    department_code TEXT    NOT NULL REFERENCES departments (code),
    name_zh         TEXT    NOT NULL,
    name_en         TEXT    NOT NULL,
    -- Lower-cased code, names, department, theme and materials in both languages; LIKE runs on it.
    search_text     TEXT    NOT NULL,
    guide           TEXT    NOT NULL,
    PRIMARY KEY (code, version)
);

-- An applicant always sees one guide per item: at most one published version per code.
CREATE UNIQUE INDEX service_items_one_published ON service_items (code) WHERE status = 'published';
-- The catalogue's filters.
CREATE INDEX service_items_published_filters ON service_items (status, service_object, theme, department_code);
