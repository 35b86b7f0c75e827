-- 111_pakn.sql - phản ánh, kiến nghị (issue 16; shared/domain.md §12.2; docs/domain.md "The
-- citizen's voice"; the rules in server/domain/pakn.c, the API in server/api/voice/pakn.c).
--
-- A PAKN is kept like a dossier: a row with its state and version (optimistic concurrency:
-- a step names the version it read) and an append-only log of its steps. The deadlines are
-- computed in C on the working calendar at intake and at each transfer (the clock restarts
-- at the arrival at the new receiver) and stored, so the register and its figures read
-- instants. A PAKN counts once per period, by its first reception (received_at). It may
-- name a dossier (then it counts in that dossier's indicators 7 and 5.4) and a PAKN it
-- follows up (parent_id). Khiếu nại, tố cáo never get here (refused at intake).
--
-- Owner: the voice engineer (server/api/voice/).
CREATE TABLE pakn (
    id                 bigserial PRIMARY KEY,
    state              smallint NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 6),
                       -- enum pakn_state: 0 submitted, 1 accepted, 2 rejected, 3 transferred,
                       -- 4 supplement_requested, 5 answered, 6 published
    version            int NOT NULL DEFAULT 1 CHECK (version >= 1),
    topic              text NOT NULL CHECK (topic IN ('regulation', 'conduct')),
    channel            text NOT NULL CHECK (channel IN ('counter', 'letter', 'phone', 'hotline',
                                                        'portal', 'dvcqg', 'survey')),
    sender             jsonb NOT NULL,   -- {name, address, phone, email}: never published
    content            text NOT NULL,
    dossier_id         bigint REFERENCES dossier(id),
    parent_id          bigint REFERENCES pakn(id),
    unit_id            bigint NOT NULL REFERENCES unit(id), -- the receiver now
    received_at        timestamptz NOT NULL,  -- first reception
    arrived_at         timestamptz NOT NULL,  -- at the current receiver (the clock's start)
    reject_due_at      timestamptz NOT NULL,
    transfer_due_at    timestamptz NOT NULL,
    supplement_due_at  timestamptz NOT NULL,
    answer_due_at      timestamptz NOT NULL,
    first_info_at      timestamptz,           -- the first request for more information
    answered_at        timestamptz,
    answer             text,
    publish_due_at     timestamptz,
    published_at       timestamptz,
    public_text        text,                  -- what is published, personal data removed
    created_by         bigint REFERENCES account(id),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pakn_unit ON pakn (unit_id, state, id DESC);
CREATE INDEX pakn_received ON pakn (received_at);
CREATE INDEX pakn_dossier ON pakn (dossier_id) WHERE dossier_id IS NOT NULL;

CREATE TABLE pakn_event (
    pakn_id          bigint NOT NULL REFERENCES pakn(id),
    seq              int NOT NULL,
    type             text NOT NULL,
    from_state       smallint,
    to_state         smallint NOT NULL,
    occurred_at      timestamptz NOT NULL,
    actor_account_id bigint REFERENCES account(id),
    payload          jsonb NOT NULL DEFAULT '{}',
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pakn_id, seq)
);
