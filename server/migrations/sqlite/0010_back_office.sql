-- 后台审批: where each case stands in its item's workflow, the halls results are picked up at,
-- the notices sent to applicants, the events waiting for other systems (outbox), the front
-- desk's conduct the supervisors watch, and the hash chain of the audit trail.

-- 分阶段办理: the items of a bundle that conclude before the others start, stage by stage (a
-- JSON array of arrays of item codes); a bundle without stages starts every item at once.
ALTER TABLE bundles ADD COLUMN stages TEXT NOT NULL DEFAULT '[]';

-- 无账号办事: the claim code of a record a window clerk made for an applicant with no account
-- (its SHA-256); registering with it claims the record, once.
CREATE TABLE walk_in_claims (
    person_id  TEXT   PRIMARY KEY REFERENCES persons (id),
    code_hash  TEXT   NOT NULL,
    created_at BIGINT NOT NULL
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
ALTER TABLE applications ADD COLUMN delivery TEXT NOT NULL DEFAULT 'electronic'
    CHECK (delivery IN ('electronic', 'window', 'mail'));
ALTER TABLE applications ADD COLUMN delivery_hall TEXT REFERENCES halls (code);
ALTER TABLE applications ADD COLUMN delivery_address TEXT;

-- step: the workflow step a case in progress waits at; stage: its place in a staged
-- application (0 first); supplement_rounds: supplement notices sent; delivered: its result
-- has left; verification: the post-check of a pledged case; subject_uscc: the enterprise the
-- case is for once its application's registration produced one; license_id: the e-licence its
-- approval issued.
-- revision counts the changes of a case: a change applies only to the revision it read.
ALTER TABLE cases ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN stage BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN supplement_rounds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN delivered BIGINT NOT NULL DEFAULT 0 CHECK (delivered IN (0, 1));
ALTER TABLE cases ADD COLUMN verification TEXT CHECK (verification IN ('open', 'confirmed', 'revoked'));
ALTER TABLE cases ADD COLUMN accepted_at BIGINT;
ALTER TABLE cases ADD COLUMN concluded_at BIGINT;
ALTER TABLE cases ADD COLUMN subject_uscc TEXT;
ALTER TABLE cases ADD COLUMN license_id TEXT REFERENCES e_licenses (id);
CREATE INDEX cases_status ON cases (status, created_at);

-- The act behind each step of a timeline, and what its actor wrote (reason or comment).
-- seq orders a case's events (several may share a second); events written before have none
-- and came first.
ALTER TABLE case_events ADD COLUMN seq BIGINT;
ALTER TABLE case_events ADD COLUMN action TEXT;
ALTER TABLE case_events ADD COLUMN role TEXT;
ALTER TABLE case_events ADD COLUMN remark TEXT;

-- 通知书 — what the applicant receives for each decision; content is the notice as JSON.
CREATE TABLE notices (
    id      TEXT   PRIMARY KEY,
    case_no TEXT   NOT NULL REFERENCES cases (case_no),
    kind    TEXT   NOT NULL CHECK (kind IN ('acceptance', 'not_accepted', 'supplement', 'conclusion')),
    at      BIGINT NOT NULL,
    content TEXT   NOT NULL
);
CREATE INDEX notices_case ON notices (case_no, at);

-- 发件箱 — notices and events written with the change that caused them, for delivery to
-- applicants (SMS, email) and department systems. seq orders them.
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    topic     TEXT   NOT NULL,
    subject   TEXT   NOT NULL,
    payload   TEXT   NOT NULL,
    sent_at   BIGINT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

-- 效能事件 — the front desk's conduct recorded against a department: a material demanded that
-- the item does not list, a second supplement notice.
CREATE TABLE supervision_events (
    id              TEXT   PRIMARY KEY,
    at              BIGINT NOT NULL,
    kind            TEXT   NOT NULL CHECK (kind IN ('unlisted_material_demanded', 'repeated_supplement')),
    department_code TEXT   NOT NULL REFERENCES departments (code),
    case_no         TEXT   NOT NULL REFERENCES cases (case_no),
    actor_id        TEXT   REFERENCES persons (id),
    detail          TEXT   NOT NULL
);
CREATE INDEX supervision_events_department ON supervision_events (department_code, at);

-- 全程留痕: audit events form a hash chain in seq order; each stores the hash of the one
-- before. Events written before the chain existed are numbered here in the order they were
-- written and hashed by the server when it starts (SQL has no SHA-256 here).
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN role TEXT;
ALTER TABLE audit_events ADD COLUMN department_code TEXT;
ALTER TABLE audit_events ADD COLUMN file_hashes TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
UPDATE audit_events SET seq = (
    SELECT n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM audit_events) AS r
    WHERE r.id = audit_events.id
);
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unsealed ON audit_events (seq) WHERE hash IS NULL;

-- The last event of the chain: every writer updates this one row, which orders them.
CREATE TABLE audit_chain_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) SELECT 1, COALESCE(MAX(seq), 0), '' FROM audit_events;

-- Events are append-only: a sealed event never changes and none is ever deleted.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN OLD.hash IS NOT NULL
    OR NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq OR NEW.at IS NOT OLD.at
    OR NEW.actor_id IS NOT OLD.actor_id OR NEW.acting_uscc IS NOT OLD.acting_uscc
    OR NEW.on_behalf_of IS NOT OLD.on_behalf_of OR NEW.action IS NOT OLD.action
    OR NEW.subject IS NOT OLD.subject OR NEW.detail IS NOT OLD.detail OR NEW.role IS NOT OLD.role
    OR NEW.department_code IS NOT OLD.department_code OR NEW.file_hashes IS NOT OLD.file_hashes
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
