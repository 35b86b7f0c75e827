-- 030_integration.sql - integration with the provincial Egov software and the national
-- portal (DVCQG): request-signing secrets, seen signatures (replay refusal), the inbound
-- item ledger (idempotency per sender item), the status-code mapping table, webhook
-- subscriptions and deliveries fed from the dossier_event outbox, and the DVCQG sync state.
--
-- Owner: integration engineer (server/api/integ.c, webhook.c, dvcqg.c; docs/integration.md).
-- Migrations run in name order, so this file runs before sql/040_security.sql: the
-- account ids below carry no foreign key (account does not exist yet), and unit_in_scope()
-- is called only from queries at run time.

-- The signing secret of an integration account (X-Motcua-Signature, docs/integration.md).
-- Stored in clear on purpose: HMAC verification needs the key itself (a hash would not do);
-- it is issued once by an administrator, shown once, and can be rotated.
CREATE TABLE integ_client (
    account_id     bigint PRIMARY KEY,
    signing_secret text NOT NULL CHECK (length(signing_secret) BETWEEN 32 AND 128),
    created_at     timestamptz NOT NULL DEFAULT now(),
    rotated_at     timestamptz
);

-- Signatures accepted inside the window (MOTCUA_SIGNATURE_WINDOW): the same signature twice
-- is a replay (401 REPLAYED). Rows older than the window are purged as requests come in.
CREATE TABLE integ_signature_seen (
    signature  text PRIMARY KEY,
    account_id bigint NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integ_signature_seen_at ON integ_signature_seen (seen_at);

-- One row per accepted batch item: (account, sender_id) is the sender's idempotency key.
CREATE TABLE integ_inbox (
    account_id   bigint NOT NULL,
    sender_id    text NOT NULL CHECK (length(sender_id) BETWEEN 1 AND 200),
    kind         text NOT NULL CHECK (kind IN ('dossier', 'event')),
    dossier_code text,
    sent_at      timestamptz,
    accepted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, sender_id)
);

-- The sender's status codes -> our states (domain.md §3 uses the DVCQG TrangThaiHoSo codes,
-- so the default mapping is 1:1; the text keys are the DVCQG status strings some adapters
-- send, domain-sources.md §8.2). Editable by an administrator (POST
-- /api/v1/integration/status-map).
CREATE TABLE integ_status_map (
    source     text NOT NULL CHECK (source ~ '^[a-z0-9_-]{1,32}$'),
    code       text NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
    state      smallint NOT NULL CHECK (state BETWEEN 1 AND 10),
    note       text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, code)
);
INSERT INTO integ_status_map (source, code, state, note) VALUES
    ('dvcqg', '1', 1, 'Mới đăng ký'),
    ('dvcqg', '2', 2, 'Được tiếp nhận'),
    ('dvcqg', '3', 3, 'Không được tiếp nhận'),
    ('dvcqg', '4', 4, 'Đang xử lý'),
    ('dvcqg', '5', 5, 'Yêu cầu bổ sung giấy tờ'),
    ('dvcqg', '6', 6, 'Yêu cầu thực hiện nghĩa vụ tài chính'),
    ('dvcqg', '7', 7, 'Công dân yêu cầu rút hồ sơ'),
    ('dvcqg', '8', 8, 'Dừng xử lý'),
    ('dvcqg', '9', 9, 'Đã xử lý xong'),
    ('dvcqg', '10', 10, 'Đã trả kết quả'),
    ('dvcqg', 'receiving', 1, 'DVCQG status string'),
    ('dvcqg', 'new', 2, 'DVCQG status string'),
    ('dvcqg', 'denied', 3, 'DVCQG status string'),
    ('dvcqg', 'processing', 4, 'DVCQG status string'),
    ('dvcqg', 'waiting', 5, 'DVCQG status string'),
    ('dvcqg', 'paying', 6, 'DVCQG status string'),
    ('dvcqg', 'cancelled', 7, 'DVCQG status string'),
    ('dvcqg', 'unresolved', 8, 'DVCQG status string'),
    ('dvcqg', 'releasing', 9, 'DVCQG status string'),
    ('dvcqg', 'done', 10, 'DVCQG status string');

-- Webhook subscriptions (administrator). secret: "whsec_" + base64 of 24-64 random bytes
-- (Standard Webhooks); kept in clear for the same reason as the signing secret.
-- event_types: transition names ('receive', ...) or '*'-free empty array = every event;
-- unit_ids: the dossier's receiving or resolving unit must be in one of these subtrees
-- (empty = every unit).
CREATE TABLE webhook_subscription (
    id          bigserial PRIMARY KEY,
    url         text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret      text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]{16,}$'),
    event_types text[] NOT NULL DEFAULT '{}',
    unit_ids    bigint[] NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

-- The outbox relay queue. A trigger on dossier_event adds one row per event in the SAME
-- transaction as the event; the relay consumes rows with DELETE ... SKIP LOCKED. A row is
-- visible only once its transaction committed, and stays until consumed, so an event that
-- commits late (after a later-numbered one) is never skipped - the failure of a position
-- cursor over a sequence or recorded_at (landscape.md §2, "the xmin pitfall"). Within one
-- dossier the events commit in seq order (the write path locks the dossier row), so they
-- also reach this queue in seq order.
CREATE TABLE webhook_outbox (
    event_id   uuid PRIMARY KEY,
    dossier_id bigint NOT NULL,
    seq        int NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_outbox_order ON webhook_outbox (dossier_id, seq);

CREATE FUNCTION webhook_outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_outbox (event_id, dossier_id, seq) VALUES (NEW.id, NEW.dossier_id, NEW.seq);
    -- The doorbell: delivered at commit, at most once per transaction and channel. The
    -- relay never trusts it alone (a timer polls too).
    PERFORM pg_notify('motcua_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER dossier_event_outbox AFTER INSERT ON dossier_event
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_enqueue();

-- One delivery of one event to one subscription. state: pending (to send or retrying),
-- delivered (2xx received), dead (MOTCUA_WEBHOOK_MAX_ATTEMPTS reached; an administrator may
-- replay it). lease_until: claimed by a delivery worker until then (a crashed worker's claim
-- lapses). Per (subscription, dossier) only the lowest pending seq is sent.
CREATE TABLE webhook_delivery (
    id              bigserial PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES webhook_subscription(id),
    event_id        uuid NOT NULL,
    dossier_id      bigint NOT NULL,
    seq             int NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    last_status     int,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_delivery_order ON webhook_delivery (subscription_id, dossier_id, seq)
    WHERE state = 'pending';
CREATE INDEX webhook_delivery_sub ON webhook_delivery (subscription_id, id DESC);

-- DVCQG sync state per dossier (domain-sources.md §8.2 "chưa đồng bộ / đã đồng bộ / lỗi"):
-- the adapter acknowledges what it pushed (POST /api/v1/dvcqg/ack). synced_version is the
-- dossier version the adapter saw; a later change makes the dossier not_synced again
-- (version > synced_version) without any write here.
CREATE TABLE dvcqg_sync (
    dossier_id     bigint PRIMARY KEY,
    state          text NOT NULL CHECK (state IN ('synced', 'error')),
    synced_version int NOT NULL,
    error          text,
    account_id     bigint,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
