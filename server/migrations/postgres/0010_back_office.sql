-- 后台审批: where each case stands in its item's workflow, the halls results are picked up at,
-- the notices sent to applicants, the events waiting for other systems (outbox), the front
-- desk's conduct the supervisors watch, and the hash chain of the audit trail.

-- 分阶段办理: the items of a bundle that conclude before the others start, stage by stage (a
-- JSON array of arrays of item codes); a bundle without stages starts every item at once.
ALTER TABLE bundles ADD COLUMN stages JSONB NOT NULL DEFAULT '[]';

-- 无账号办事: the claim code of a record a window clerk made for an applicant with no account
-- (its SHA-256); registering with it claims the record, once.
CREATE TABLE walk_in_claims (
    person_id  TEXT   PRIMARY KEY REFERENCES persons (id),
    code_hash  TEXT   NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- 办事大厅 — where applicants pick up results at a window (统一窗口出件).
CREATE TABLE halls (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    address TEXT NOT NULL
);

-- How the applicant receives the results (the same for every case of the application).
-- Applications received before this release were promised nothing else than their account.
ALTER TABLE applications
    ADD COLUMN delivery TEXT NOT NULL DEFAULT 'electronic' CHECK (delivery IN ('electronic', 'window', 'mail')),
    ADD COLUMN delivery_hall TEXT REFERENCES halls (code),
    ADD COLUMN delivery_address TEXT;

-- See the SQLite migration of the same number for what each column means.
ALTER TABLE cases
    ADD COLUMN revision BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN step BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN stage BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN supplement_rounds BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN delivered BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN verification TEXT CHECK (verification IN ('open', 'confirmed', 'revoked')),
    ADD COLUMN accepted_at TIMESTAMPTZ,
    ADD COLUMN concluded_at TIMESTAMPTZ,
    ADD COLUMN subject_uscc TEXT,
    ADD COLUMN license_id TEXT REFERENCES e_licenses (id);
CREATE INDEX cases_status ON cases (status, created_at);

ALTER TABLE case_events
    ADD COLUMN seq BIGINT,
    ADD COLUMN action TEXT,
    ADD COLUMN role TEXT,
    ADD COLUMN remark TEXT;

CREATE TABLE notices (
    id      TEXT        PRIMARY KEY,
    case_no TEXT        NOT NULL REFERENCES cases (case_no),
    kind    TEXT        NOT NULL CHECK (kind IN ('acceptance', 'not_accepted', 'supplement', 'conclusion')),
    at      TIMESTAMPTZ NOT NULL,
    content JSONB       NOT NULL
);
CREATE INDEX notices_case ON notices (case_no, at);

CREATE TABLE outbox (
    seq     BIGSERIAL   PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    topic   TEXT        NOT NULL,
    subject TEXT        NOT NULL,
    payload JSONB       NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE supervision_events (
    id              TEXT        PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('unlisted_material_demanded', 'repeated_supplement')),
    department_code TEXT        NOT NULL REFERENCES departments (code),
    case_no         TEXT        NOT NULL REFERENCES cases (case_no),
    actor_id        TEXT        REFERENCES persons (id),
    detail          TEXT        NOT NULL
);
CREATE INDEX supervision_events_department ON supervision_events (department_code, at);

-- The audit hash chain; events written before it are numbered in the order they were written
-- and hashed by the server when it starts.
ALTER TABLE audit_events
    ADD COLUMN seq BIGINT,
    ADD COLUMN role TEXT,
    ADD COLUMN department_code TEXT,
    ADD COLUMN file_hashes TEXT NOT NULL DEFAULT '',
    ADD COLUMN prev_hash TEXT,
    ADD COLUMN hash TEXT;
UPDATE audit_events SET seq = r.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM audit_events) AS r
WHERE r.id = audit_events.id;
ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unsealed ON audit_events (seq) WHERE hash IS NULL;

CREATE TABLE audit_chain_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, COALESCE(MAX(seq), 0), '' FROM audit_events;

-- Events are append-only, whatever role the server connects as: a sealed event never changes
-- and none is ever deleted or truncated.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.hash IS NULL
            AND (NEW.id, NEW.seq, NEW.at, NEW.actor_id, NEW.acting_uscc, NEW.on_behalf_of, NEW.action,
                 NEW.subject, NEW.detail, NEW.role, NEW.department_code, NEW.file_hashes)
                IS NOT DISTINCT FROM
                (OLD.id, OLD.seq, OLD.at, OLD.actor_id, OLD.acting_uscc, OLD.on_behalf_of, OLD.action,
                 OLD.subject, OLD.detail, OLD.role, OLD.department_code, OLD.file_hashes)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
