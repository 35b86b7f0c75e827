-- 022_alerts.sql - alerts on open dossiers (domain.md §6, §7; docs/architecture.md "Reports
-- and alerts"): the alert rows (kept, so that a client that reconnects with Last-Event-ID
-- misses nothing, also across restarts) and a per-dossier schedule of the next instant an
-- alert may fire.
--
-- Owner: report engineer (server/api/alerts.c).
--
-- Division of work: working-time arithmetic (N working hours before a deadline, N working
-- days after a supplement request) needs the working calendar, which lives in the process
-- (server/domain/ddl.h). So the trigger below only marks a dossier "to be looked at now"
-- (next_fire_at = now(), gen + 1) whenever a column the alerts depend on changes; the
-- scheduler (worker 0) claims due rows with FOR UPDATE SKIP LOCKED, computes in C which
-- alerts are due and when the next one is, inserts them (idempotent: UNIQUE (dossier_id,
-- kind, fire_key)) and stores the next instant, unless the dossier changed meanwhile (gen).

CREATE TABLE alert (
    id          bigserial PRIMARY KEY,                  -- the SSE event id
    unit_id     bigint NOT NULL REFERENCES unit(id),    -- who should act (scope of readers)
    dossier_id  bigint NOT NULL REFERENCES dossier(id),
    kind        text NOT NULL
                CHECK (kind IN ('due_soon', 'overdue', 'supplement_awaited', 'leg_late')),
    fire_key    text NOT NULL,                          -- the deadline it is about
    created_at  timestamptz NOT NULL DEFAULT now(),
    payload     jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT alert_once UNIQUE (dossier_id, kind, fire_key)
);
CREATE INDEX alert_unit ON alert (unit_id, id);

CREATE TABLE alert_schedule (
    dossier_id    bigint PRIMARY KEY REFERENCES dossier(id),
    next_fire_at  timestamptz,            -- NULL: nothing left to watch (ended)
    gen           bigint NOT NULL DEFAULT 1,  -- bumped by every relevant dossier change
    claimed_until timestamptz             -- lease of a scheduler that is computing it
);
CREATE INDEX alert_schedule_next ON alert_schedule (next_fire_at) WHERE next_fire_at IS NOT NULL;

-- Marks a received, open dossier for a look now; an ended one leaves the schedule. NOTIFY is
-- only a doorbell (payload-free, folded per transaction by PostgreSQL): the scheduler reads
-- the table.
CREATE FUNCTION alert_dossier_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (OLD.state, OLD.legal_due_at, OLD.new_appointment_at, OLD.paused_since,
            OLD.ended_at, OLD.current_unit_id, OLD.supplement_requests, OLD.version)
           IS NOT DISTINCT FROM
           (NEW.state, NEW.legal_due_at, NEW.new_appointment_at, NEW.paused_since,
            NEW.ended_at, NEW.current_unit_id, NEW.supplement_requests, NEW.version) THEN
        RETURN NULL;
    END IF;
    IF NEW.state IN (1, 3) OR NEW.received_at IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO alert_schedule AS s (dossier_id, next_fire_at)
    VALUES (NEW.id, CASE WHEN NEW.ended_at IS NULL THEN now() END)
    ON CONFLICT (dossier_id) DO UPDATE
        SET next_fire_at = EXCLUDED.next_fire_at, gen = s.gen + 1, claimed_until = NULL;
    IF NEW.ended_at IS NULL THEN
        PERFORM pg_notify('motcua_alert_schedule', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER alert_dossier AFTER INSERT OR UPDATE ON dossier
    FOR EACH ROW EXECUTE FUNCTION alert_dossier_trg();

-- Dossiers already open when this migration runs are looked at once.
INSERT INTO alert_schedule (dossier_id, next_fire_at)
SELECT id, now() FROM dossier
WHERE ended_at IS NULL AND state NOT IN (1, 3) AND received_at IS NOT NULL;

-- (The functions of this migration are defined in sql/fn/40_alerts.sql: sql/fn/README.)
