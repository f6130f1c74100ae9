-- 办事工作日制度 and 效能监察: the holiday notices the working-day calendar counts on, each
-- case's clock (its pauses and its extension), the yellow and red cards raised against
-- departments, and the periodic jobs that run on one node at a time.

-- 节假日安排 — the State Council's notice for a year, as a catalogue administrator entered it
-- (shared::calendar::YearNotice as JSON). The platform's own notices are entered at start.
CREATE TABLE calendar_notices (
    year       BIGINT PRIMARY KEY,
    notice     TEXT   NOT NULL,
    entered_at BIGINT NOT NULL,
    entered_by TEXT   REFERENCES persons (id)
);

-- pause_kind: why the clock of a case in progress is stopped, while it is; extension_days and
-- extension_reason: the one extension an approver granted.
ALTER TABLE cases ADD COLUMN pause_kind TEXT
    CHECK (pause_kind IN ('supplement', 'on_site_inspection', 'expert_review', 'hearing'));
ALTER TABLE cases ADD COLUMN extension_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN extension_reason TEXT;

-- The cases whose clock runs or is paused: accepted, not concluded. The deadline scan reads
-- these alone, however many cases have concluded.
CREATE INDEX cases_open_clock ON cases (accepted_at) WHERE accepted_at IS NOT NULL AND concluded_at IS NULL;

-- Conclusions by time, for the dashboard's on-time rates and processing times.
CREATE INDEX cases_concluded ON cases (concluded_at) WHERE concluded_at IS NOT NULL;

-- 中止 — each pause of a case's clock; ended_at is null while it lasts.
CREATE TABLE case_pauses (
    case_no    TEXT   NOT NULL REFERENCES cases (case_no),
    seq        BIGINT NOT NULL,
    kind       TEXT   NOT NULL
        CHECK (kind IN ('supplement', 'on_site_inspection', 'expert_review', 'hearing')),
    reason     TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    PRIMARY KEY (case_no, seq)
);

-- 黄牌、红牌 — raised once each: dedup_key is `deadline:{case}:{color}` for a deadline's card and
-- `event:{supervision event}` for the front desk's conduct. A card is resolved by the
-- department's answer accepted by a supervisor, never deleted.
CREATE TABLE supervision_cards (
    id              TEXT   PRIMARY KEY,
    dedup_key       TEXT   NOT NULL UNIQUE,
    case_no         TEXT   NOT NULL REFERENCES cases (case_no),
    department_code TEXT   NOT NULL REFERENCES departments (code),
    color           TEXT   NOT NULL CHECK (color IN ('yellow', 'red')),
    cause           TEXT   NOT NULL
        CHECK (cause IN ('near_limit', 'overdue', 'unlisted_material_demanded', 'repeated_supplement')),
    raised_at       BIGINT NOT NULL,
    due_on          TEXT,
    handler_id      TEXT   REFERENCES persons (id),
    status          TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'resolved')),
    answer          TEXT,
    answered_at     BIGINT,
    answered_by     TEXT   REFERENCES persons (id),
    resolution      TEXT,
    resolved_at     BIGINT,
    resolved_by     TEXT   REFERENCES persons (id)
);
CREATE INDEX supervision_cards_raised ON supervision_cards (raised_at);
CREATE INDEX supervision_cards_unresolved ON supervision_cards (department_code, raised_at)
    WHERE status <> 'resolved';
CREATE TRIGGER supervision_cards_no_delete BEFORE DELETE ON supervision_cards
BEGIN
    SELECT RAISE(ABORT, 'cards are resolved, never deleted');
END;

-- 定时任务 — periodic work that runs on one node at a time: a run updates its row first, which
-- holds off any other node's run until it commits.
CREATE TABLE periodic_jobs (
    name        TEXT   PRIMARY KEY,
    last_run_at BIGINT NOT NULL
);
INSERT INTO periodic_jobs (name, last_run_at) VALUES ('deadline_scan', 0);
