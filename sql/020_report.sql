-- 020_report.sql - incrementally maintained summaries for on-time figures and Biểu số 06
-- (domain.md §7, §8; domain-sources.md §5.2), kept exact by a deferred trigger on the dossier
-- projection, plus the plain-scan reference the summaries are tested against.
--
-- Owner: report engineer (server/api/report*.c, server/report/). Design: docs/architecture.md,
-- "Reports and alerts".
--
-- Conventions (docs/architecture.md "Reports and alerts"):
--   * local day of an instant = its date in UTC+7; a period [from, to] is local days, its end
--     instant E is local midnight after `to`;
--   * a dossier is counted when received (state not 1/3, received_at set);
--   * received on day r, ended on day e (§7.1 end, `dossier.ended_at`);
--   * carried over into a period starting on day f: r < f <= e (or not ended);
--     open at the end of a period ending on day t: carried over into day t + 1.
--
-- Tables:
--   report_day   (day, resolving, receiving, procedure, channel) -> received that day and
--                ended that day by class (legal: early/on time/late; dvcqg766: ok/late).
--   report_bound same key, per BOUNDARY day B (local day 14 of a month: every official period
--                ends on one, domain.md §8.2) up to the sealed one (report_seal.upto): the
--                dossiers open at the end of B (received on or before B, not ended by then,
--                open or ended later), and of those the overdue (legal) / in time (dvcqg766)
--                ones at that instant (§7.1 rules at an instant, pause ledger included).
--   report_bound_memo  per dossier, exactly what it adds to report_bound (first boundary and
--                the state bits at each), so a change is "remove the memo, add the new" and
--                stays exact whatever changed in between (back-dated pauses included).
-- So an official period (from = day after a boundary, to = a boundary) is a sum over its
-- report_day rows plus report_bound at `from - 1` (carried over, column 6) and at `to` (open
-- at the end, columns 11-13): summary rows only. An end that is not a sealed boundary (explicit
-- ranges, the running period) falls back to the dossiers spanning that instant (indexed).

-- (The functions of this migration are defined in sql/fn/20_reports.sql: sql/fn/README.)

CREATE TABLE report_day (
    day               date NOT NULL,
    resolving_unit_id bigint NOT NULL,
    receiving_unit_id bigint NOT NULL,
    procedure_id      bigint NOT NULL,
    channel           smallint NOT NULL,
    received          int NOT NULL DEFAULT 0,   -- received on `day`
    ended             int NOT NULL DEFAULT 0,   -- ended on `day` (= early + on_time + late)
    ended_early       int NOT NULL DEFAULT 0,
    ended_on_time     int NOT NULL DEFAULT 0,
    ended_late        int NOT NULL DEFAULT 0,
    ended_ok766       int NOT NULL DEFAULT 0,
    ended_late766     int NOT NULL DEFAULT 0,
    PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
);
CREATE INDEX report_day_resolving ON report_day (resolving_unit_id, day);
-- report_day rolled up per report month: day = the boundary B ending it (local days
-- B - 1 month + 1 .. B, domain.md §8.2), so an official quarter reads 3 rows per group.
CREATE TABLE report_month (LIKE report_day INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE report_month ADD PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                         channel);
-- The same without the procedure: what reports grouped by unit, level or channel read
-- (a provincial quarter by unit: a few hundred rows instead of tens of thousands).
CREATE TABLE report_month_unit (LIKE report_month INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE report_month_unit DROP COLUMN procedure_id;
ALTER TABLE report_month_unit ADD PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, channel);
CREATE INDEX report_day_receiving ON report_day (receiving_unit_id, day);

CREATE TABLE report_bound (
    day               date NOT NULL,            -- a boundary: local day 14 of a month
    resolving_unit_id bigint NOT NULL,
    receiving_unit_id bigint NOT NULL,
    procedure_id      bigint NOT NULL,
    channel           smallint NOT NULL,
    open              int NOT NULL DEFAULT 0,   -- received on or before `day`, not ended by its end
    overdue           int NOT NULL DEFAULT 0,   -- of those, overdue (legal) at the end of `day`
    ok766             int NOT NULL DEFAULT 0,   -- of those, in time (dvcqg766) at that instant
    PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
);

CREATE TABLE report_bound_unit (LIKE report_bound INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE report_bound_unit DROP COLUMN procedure_id;
ALTER TABLE report_bound_unit ADD PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, channel);

CREATE TABLE report_bound_memo (
    dossier_id        bigint PRIMARY KEY,
    resolving_unit_id bigint NOT NULL,
    receiving_unit_id bigint NOT NULL,
    procedure_id      bigint NOT NULL,
    channel           smallint NOT NULL,
    b0                date NOT NULL,            -- first boundary the dossier is open at
    sts               smallint[] NOT NULL       -- state bits (report_open_state) at b0,
                                                -- b0 + 1 month, ...
);

-- The boundaries up to which report_bound is complete (every boundary B <= upto has been
-- sealed: its end instant had passed and the dossiers open then were added).
CREATE TABLE report_seal (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    upto date NOT NULL
);

-- The open dossiers of the queries below and of the overdue/due-soon lists.
CREATE INDEX report_open_received ON dossier (received_at)
    WHERE ended_at IS NULL AND state NOT IN (1, 3);

-- Deferred to commit, so that the pause ledger rows written after the dossier row in the same
-- transaction are seen; report_day: each row event contributes new minus old, so several
-- updates of one dossier in one transaction telescope, and most transitions (hand-over,
-- assign, pause) change none of the compared columns and cost one comparison; report_bound:
-- report_bound_sync when a column its states depend on changed (idempotent; for a dossier
-- received after the last sealed boundary, the common case, three index lookups).
CREATE FUNCTION report_dossier_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.state IN (1, 3), OLD.received_at, OLD.ended_at, OLD.resolving_unit_id,
            OLD.receiving_unit_id, OLD.procedure_id, OLD.channel,
            CASE WHEN OLD.ended_at IS NOT NULL THEN (OLD.legal_due_at, OLD.appointment_at,
                 OLD.has_appointment, OLD.supplement_seconds)::text END)
           IS NOT DISTINCT FROM
           (NEW.state IN (1, 3), NEW.received_at, NEW.ended_at, NEW.resolving_unit_id,
            NEW.receiving_unit_id, NEW.procedure_id, NEW.channel,
            CASE WHEN NEW.ended_at IS NOT NULL THEN (NEW.legal_due_at, NEW.appointment_at,
                 NEW.has_appointment, NEW.supplement_seconds)::text END) THEN
            -- the boundary states depend on the columns above, the two below and the pause
            -- ledger (report_pause): a hand-over or an assignment costs nothing more
            IF (OLD.legal_due_at, OLD.appointment_at) IS DISTINCT FROM
               (NEW.legal_due_at, NEW.appointment_at) THEN
                PERFORM report_bound_sync(NEW.id);
            END IF;
            RETURN NULL;
        END IF;
        PERFORM report_contrib(OLD, -1);
    END IF;
    PERFORM report_contrib(NEW, 1);
    PERFORM report_bound_sync(NEW.id);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER report_dossier AFTER INSERT OR UPDATE ON dossier
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_dossier_trg();

-- A ledger change alone (a back-dated pause, a resolution) can change a dossier's state at a
-- sealed boundary: resync it (also deferred; idempotent if the dossier row changed too).
CREATE FUNCTION report_pause_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e timestamptz;
BEGIN
    -- A pause requested after the end of the last sealed boundary is not in the ledger as of
    -- any sealed boundary (report_open_state reads the rows requested by t; its due_before is
    -- the legal due the states already used): nothing to resync. The usual case.
    PERFORM pg_advisory_xact_lock_shared(74130614);
    SELECT report_lstart(upto + 1) INTO e FROM report_seal;
    IF TG_OP <> 'INSERT' AND NOT OLD.requested_at > e THEN
        PERFORM report_bound_sync(OLD.dossier_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NOT NEW.requested_at > e THEN
        PERFORM report_bound_sync(NEW.dossier_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER report_pause AFTER INSERT OR UPDATE OR DELETE ON dossier_pause
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_pause_trg();

-- The summaries start sealed up to the last boundary passed: what report_rebuild() (sql/fn/
-- 20_reports.sql) did here when the functions were defined in this file, for a database that
-- has no dossier yet (report_bound_upto(now()), spelled out: the functions are defined after
-- the numbered migrations). A database that already held dossiers when it reached 020 must
-- be migrated to 098 by a build before 099_functions_in_fn.sql first (then report_rebuild()
-- ran here).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM dossier) THEN
        RAISE EXCEPTION '020_report.sql: the dossiers predate the report summaries; migrate with a build before 099_functions_in_fn.sql first';
    END IF;
END
$$;
INSERT INTO report_seal (upto)
SELECT (make_date(extract(year FROM x)::int, extract(month FROM x)::int, 14)
        - CASE WHEN extract(day FROM x) >= 14 THEN interval '0' ELSE interval '1 month' END)::date
FROM (SELECT ((now() + interval '7 hours') AT TIME ZONE 'UTC')::date - 1 AS x) v;
