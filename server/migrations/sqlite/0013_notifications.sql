-- 消息通知与部门对接: how each person wants to be told, the messages written to them, the
-- department systems' webhook endpoints and API tokens, and each delivery with its attempts.
-- The outbox (0010) is what all of them are made from.

-- How a person is told: by email (to this address) and by SMS (to their registered mobile
-- number), in this language. SMS is on by default: the mobile number is asked at registration.
ALTER TABLE persons ADD COLUMN email TEXT;
ALTER TABLE persons ADD COLUMN notify_email BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN notify_sms BIGINT NOT NULL DEFAULT 1;
ALTER TABLE persons ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en'));

-- An outbox message is fanned out once (sent_at set): into messages and deliveries, and, for a
-- department's event, into its feed. event_no is the feed's cursor: numbers are given out by one
-- fan-out at a time, in commit order, so a reader never skips an event that commits later with
-- a smaller number. event_id is what receivers deduplicate with.
ALTER TABLE outbox ADD COLUMN event_id TEXT;
ALTER TABLE outbox ADD COLUMN event_no BIGINT;
ALTER TABLE outbox ADD COLUMN department_code TEXT REFERENCES departments (code);
CREATE UNIQUE INDEX outbox_event_no ON outbox (event_no);
CREATE INDEX outbox_feed ON outbox (department_code, event_no) WHERE event_no IS NOT NULL;

-- 发送给您的消息 — a message to a person, written in their language when it was fanned out.
CREATE TABLE messages (
    id         TEXT   PRIMARY KEY,
    person_id  TEXT   NOT NULL REFERENCES persons (id),
    outbox_seq BIGINT NOT NULL REFERENCES outbox (seq),
    kind       TEXT   NOT NULL CHECK (kind IN ('acceptance', 'not_accepted', 'supplement', 'conclusion',
                                               'result_ready', 'yellow_card', 'red_card')),
    case_no    TEXT   NOT NULL REFERENCES cases (case_no),
    at         BIGINT NOT NULL,
    subject    TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    sms        TEXT   NOT NULL,
    UNIQUE (outbox_seq, person_id, kind)
);
CREATE INDEX messages_person ON messages (person_id, at);

-- 推送地址 — a department system's webhook endpoint; its secret sealed with the server's key.
CREATE TABLE webhook_endpoints (
    id              TEXT   PRIMARY KEY,
    department_code TEXT   NOT NULL REFERENCES departments (code),
    url             TEXT   NOT NULL,
    description     TEXT   NOT NULL,
    secret_sealed   TEXT   NOT NULL,
    created_by      TEXT   NOT NULL REFERENCES persons (id),
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT
);
CREATE INDEX webhook_endpoints_department ON webhook_endpoints (department_code);

-- 接口令牌 — a department system's token for the feed: only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id              TEXT   PRIMARY KEY,
    department_code TEXT   NOT NULL REFERENCES departments (code),
    name            TEXT   NOT NULL,
    prefix          TEXT   NOT NULL,
    token_hash      TEXT   NOT NULL UNIQUE,
    created_by      TEXT   NOT NULL REFERENCES persons (id),
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX api_tokens_department ON api_tokens (department_code);

-- One message's delivery by email or SMS, or one event's to one endpoint. A dispatcher claims
-- a due delivery by setting lease_until; another takes it only once the lease has run out (the
-- claimer crashed), so none is attempted by two at once, and none is lost.
CREATE TABLE deliveries (
    id           TEXT   PRIMARY KEY,
    outbox_seq   BIGINT NOT NULL REFERENCES outbox (seq),
    channel      TEXT   NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
    message_id   TEXT   REFERENCES messages (id),
    endpoint_id  TEXT   REFERENCES webhook_endpoints (id),
    address      TEXT,
    state        TEXT   NOT NULL CHECK (state IN ('pending', 'delivered', 'gave_up')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    lease_until  BIGINT,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT,
    CHECK ((channel = 'webhook') = (endpoint_id IS NOT NULL AND message_id IS NULL AND address IS NULL)),
    CHECK ((channel <> 'webhook') = (message_id IS NOT NULL AND address IS NOT NULL))
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at);
CREATE INDEX deliveries_message ON deliveries (message_id);

-- Each attempt: the endpoint's HTTP status, or what went wrong.
CREATE TABLE delivery_attempts (
    delivery_id TEXT   NOT NULL REFERENCES deliveries (id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status      BIGINT,
    error       TEXT,
    took_ms     BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
