-- 011_dossier.sql - dossiers (hồ sơ TTHC): the current-state projection, the append-only
-- event log that doubles as the transactional outbox, the pause ledger, step/leg plans,
-- idempotency keys, the per-unit per-day code sequence and reception guidance records.
--
-- Owner: dossier engineer (server/api/dossier*.c). Rules: /work/shared/domain.md §3, §5, §6,
-- §7, §9. Times are timestamptz; local time is Asia/Ho_Chi_Minh (UTC+7, no DST).
--
-- Citus later: a province is the natural distribution key (landscape.md, "one node, done
-- right" then Citus by province). dossier_event, dossier_pause and dossier_step carry
-- `province` so that they can be co-located with their dossier without a join; the unique
-- keys are per dossier (dossier_id is unique across provinces, so adding province to them
-- later is a rewrite of the constraint, not of the data).

-- The current state of each dossier, rebuilt from dossier_event by the C code on every
-- transition (one row per dossier; `version` = seq of its last event).
CREATE TABLE dossier (
    id                   bigserial PRIMARY KEY,
    code                 text NOT NULL UNIQUE,          -- mã hồ sơ (domain.md §9), immutable
    external_code        boolean NOT NULL DEFAULT false, -- code given by DVCQG / another system
    province             text NOT NULL,                 -- 'H56'
    procedure_id         bigint NOT NULL REFERENCES procedure(id),
    procedure_version_id bigint NOT NULL REFERENCES procedure_version(id),
    case_code            text,                          -- trường hợp, when the version has cases
    receiving_unit_id    bigint NOT NULL REFERENCES unit(id),
    resolving_unit_id    bigint NOT NULL REFERENCES unit(id),
    current_unit_id      bigint NOT NULL REFERENCES unit(id),
    current_official     text,                          -- login of the assigned official
    channel              smallint NOT NULL DEFAULT 1 CHECK (channel IN (1, 2, 3)),
    state                smallint NOT NULL CHECK (state BETWEEN 1 AND 10),
    version              int NOT NULL DEFAULT 1 CHECK (version >= 1),
    regime               text NOT NULL CHECK (regime IN ('nd61', 'nd118')),
    applicant            jsonb NOT NULL,                -- {name,id_number,address,phone,email}
    applicant_fold       text NOT NULL DEFAULT '',      -- folded name + code for search (§ q=)
    documents            jsonb NOT NULL DEFAULT '[]',   -- [{name,kind,count}] received
    sets                 int NOT NULL DEFAULT 1 CHECK (sets >= 1),
    return_method        text NOT NULL DEFAULT 'counter'
                         CHECK (return_method IN ('counter', 'post', 'online')),
    duration_value       int,                           -- legal duration as printed
    duration_unit        text,                          -- wd|wh|cd|sameday|none
    submitted_at         timestamptz,                   -- NgayNopHoSo (online)
    received_at          timestamptz,                   -- NgayTiepNhan: the clock starts
    appointment_at       timestamptz,                   -- NgayHenTra, never overwritten
    legal_due_at         timestamptz,                   -- appointment + counted pauses (§6.1);
                                                        -- without an appointment: the maximum
                                                        -- duration's due instant (§7.1)
    new_appointment_at   timestamptz,                   -- the one apology date (§6.3)
    apology_late         boolean NOT NULL DEFAULT false, -- apology later than the rule allows
    has_appointment      boolean NOT NULL DEFAULT true,
    max_minutes          int,                           -- for procedures without appointment
    paused_since         timestamptz,                   -- a counted pause is running since
    paused_minutes       int NOT NULL DEFAULT 0,        -- Σ counted working minutes paused
    supplement_requests  int NOT NULL DEFAULT 0,        -- during processing (4 -> 5)
    supplement_seconds   bigint NOT NULL DEFAULT 0,     -- Σ wall-clock supplement time (dvcqg766)
    first_supplement_at  timestamptz,
    ended_at             timestamptz,                   -- §7.1 end: first of 9, 10, 8, 7
    end_state            smallint CHECK (end_state IN (7, 8, 9, 10)),
    outcome              text CHECK (outcome IN ('granted', 'refused')),
    returned_at          timestamptz,                   -- NgayTra
    lookup_secret_hash   text,                          -- SHA-256 hex of the receipt secret
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- A refused dossier (3) and an online submission (1) have no clock.
    CHECK (state IN (1, 3) OR received_at IS NOT NULL),
    CHECK (end_state IS NULL OR ended_at IS NOT NULL)
);

-- Lists: by unit and state, newest first, keyset on (received_at, id). Online submissions
-- not yet received have no received_at: lists order them by created_at through coalesce.
CREATE INDEX dossier_resolving_list ON dossier (resolving_unit_id, state, received_at DESC, id DESC);
CREATE INDEX dossier_receiving_list ON dossier (receiving_unit_id, state, received_at DESC, id DESC);
CREATE INDEX dossier_current_unit ON dossier (current_unit_id) WHERE ended_at IS NULL;
CREATE INDEX dossier_received ON dossier (received_at DESC, id DESC);
CREATE INDEX dossier_procedure ON dossier (procedure_id, received_at DESC);
CREATE INDEX dossier_open_due ON dossier (legal_due_at) WHERE ended_at IS NULL AND state NOT IN (1, 3);
CREATE INDEX dossier_ended ON dossier (ended_at) WHERE ended_at IS NOT NULL;
-- Text search on the folded applicant name and code ("nguyen" finds "Nguyễn").
CREATE INDEX dossier_fold ON dossier USING btree (applicant_fold text_pattern_ops);

-- (The functions of this migration are defined in sql/fn/10_catalog_scope.sql: sql/fn/README.)

-- The event log: append-only, per-dossier gap-free seq (seq = the dossier's version after
-- the event). Doubles as the transactional outbox (Debezium outbox router columns: id,
-- aggregatetype, aggregateid, type, payload).
CREATE TABLE dossier_event (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    dossier_id       bigint NOT NULL REFERENCES dossier(id),
    province         text NOT NULL,
    seq              int NOT NULL CHECK (seq >= 1),
    type             text NOT NULL,
    from_state       smallint CHECK (from_state BETWEEN 1 AND 10),
    to_state         smallint NOT NULL CHECK (to_state BETWEEN 1 AND 10),
    occurred_at      timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    actor_account_id bigint,
    actor_login      text,
    actor_role       text,
    actor_unit_id    bigint,
    request_id       text,
    client_addr      text,
    payload          jsonb NOT NULL DEFAULT '{}',
    aggregatetype    text NOT NULL DEFAULT 'dossier',
    aggregateid      text NOT NULL,                  -- the dossier code
    UNIQUE (dossier_id, seq)
);
CREATE INDEX dossier_event_recorded ON dossier_event (recorded_at, id);
CREATE INDEX dossier_event_type_time ON dossier_event (type, occurred_at);

CREATE FUNCTION dossier_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dossier_event is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER dossier_event_no_update BEFORE UPDATE OR DELETE ON dossier_event
    FOR EACH ROW EXECUTE FUNCTION dossier_event_append_only();
CREATE TRIGGER dossier_event_no_truncate BEFORE TRUNCATE ON dossier_event
    FOR EACH STATEMENT EXECUTE FUNCTION dossier_event_append_only();

-- The pause ledger (domain.md §6.1): one row per pause request; `counted` says whether it
-- stops the clock (single_supplement policy, the version's pause reasons), `repeat` flags a
-- second supplement request (reported per unit).
CREATE TABLE dossier_pause (
    dossier_id     bigint NOT NULL REFERENCES dossier(id),
    n              int NOT NULL CHECK (n >= 1),
    province       text NOT NULL,
    reason         text NOT NULL CHECK (reason IN ('supplement', 'payment', 'consultation', 'vneid')),
    requested_at   timestamptz NOT NULL,
    resolved_at    timestamptz,
    counted        boolean NOT NULL,
    repeat         boolean NOT NULL DEFAULT false,
    was_late       boolean NOT NULL DEFAULT false,  -- already late when the pause began (§7.1)
    paused_minutes int,                              -- pos(S) - pos(P), when counted and resolved
    due_before     timestamptz,                      -- NgayHenTraTruoc
    due_after      timestamptz,                      -- NgayHenTraMoi
    detail         jsonb NOT NULL DEFAULT '{}',      -- reason text, missing documents
    PRIMARY KEY (dossier_id, n),
    CHECK (resolved_at IS NULL OR resolved_at >= requested_at)
);
CREATE INDEX dossier_pause_open ON dossier_pause (requested_at) WHERE resolved_at IS NULL;

-- Step and liên thông leg plans (domain.md §5.1 last rule, domain-sources §2.4): chained from
-- each hand-over instant, for attributing delays; they never move the appointment.
CREATE TABLE dossier_step (
    dossier_id      bigint NOT NULL REFERENCES dossier(id),
    n               int NOT NULL CHECK (n >= 1),
    province        text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('step', 'leg')),
    unit_id         bigint NOT NULL REFERENCES unit(id),
    name            text NOT NULL,
    official        text,                         -- login of the official handling it
    planned_minutes int,
    started_at      timestamptz NOT NULL,
    planned_end_at  timestamptz,
    ended_at        timestamptz,
    PRIMARY KEY (dossier_id, n)
);
CREATE INDEX dossier_step_open ON dossier_step (unit_id, planned_end_at) WHERE ended_at IS NULL;

-- Idempotency-Key (server/api/idem.h): scope = route + account, so two clients never share
-- a key space. status 'running' while the first request is in flight; 'done' keeps the
-- response to replay. Rows older than a day may be deleted (idem_purge).
CREATE TABLE idempotency_key (
    scope       text NOT NULL,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint text NOT NULL,                   -- SHA-256 hex of method, path and body
    status      text NOT NULL CHECK (status IN ('running', 'done')),
    http_status int,
    response    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_key_created ON idempotency_key (created_at);

-- The per-unit per-day sequence of dossier codes (<unit>-<YYMMDD>-<NNNN>, domain.md §9):
-- incremented with INSERT ... ON CONFLICT DO UPDATE inside the reception transaction, so it
-- is gap-free (a failed reception rolls its number back) and concurrency-safe (the row lock
-- serialises the counters of one unit and day).
CREATE TABLE dossier_code_seq (
    unit_id bigint NOT NULL REFERENCES unit(id),
    day     date NOT NULL,
    last    int NOT NULL CHECK (last >= 1),
    PRIMARY KEY (unit_id, day)
);

-- Incomplete dossiers at the counter (domain.md §6.1): not received, no code, no clock; the
-- guidance (Mẫu 02) is recorded for workload and repeat-visit reports.
CREATE TABLE reception_guidance (
    id                bigserial PRIMARY KEY,
    province          text NOT NULL,
    kind              text NOT NULL DEFAULT 'guidance' CHECK (kind IN ('guidance')),
    receiving_unit_id bigint NOT NULL REFERENCES unit(id),
    procedure_id      bigint REFERENCES procedure(id),
    procedure_version_id bigint REFERENCES procedure_version(id),
    regime            text NOT NULL CHECK (regime IN ('nd61', 'nd118')),
    channel           smallint NOT NULL DEFAULT 1 CHECK (channel IN (1, 2, 3)),
    applicant         jsonb NOT NULL,
    applicant_fold    text NOT NULL DEFAULT '',
    documents         jsonb NOT NULL DEFAULT '[]',  -- what was brought
    missing           jsonb NOT NULL DEFAULT '[]',  -- what to supplement (Mẫu 02)
    note              text,
    guided_at         timestamptz NOT NULL,
    actor_account_id  bigint,
    actor_login       text,
    request_id        text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reception_guidance_unit ON reception_guidance (receiving_unit_id, guided_at);
CREATE INDEX reception_guidance_fold ON reception_guidance (applicant_fold text_pattern_ops);
