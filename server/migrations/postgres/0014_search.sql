-- 检索: the words citizens use for a service (同义词), kept as catalogue data and edited by
-- catalogue administrators, and the catalogue's revision, which every publish and synonym change
-- moves on in its own transaction so that each server node knows when to rebuild its search index.

CREATE TABLE search_synonyms (
    term  TEXT PRIMARY KEY CHECK (length(term) BETWEEN 1 AND 20),
    -- A JSON array of one to eight meanings.
    means JSONB NOT NULL
);

CREATE TABLE catalogue_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT  NOT NULL
);
INSERT INTO catalogue_revision (id, revision) VALUES (1, 1);
