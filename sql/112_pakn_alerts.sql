-- 112_pakn_alerts.sql - alerts on the deadlines of phản ánh, kiến nghị (issue 16, "alerts
-- when they near"; shared/domain.md §12.2; docs/architecture.md "Reports and alerts"): the
-- kinds pakn_due_soon and pakn_overdue in `alert`, and a per-PAKN schedule beside the
-- dossiers' (022), read by the same scheduler (server/api/report/alerts.c, worker 0).
--
-- Rows. A PAKN alert has pakn_id and the PAKN's current receiver as unit_id (who must act:
-- the readers and streams in scope of that unit see it, as a dossier alert), no dossier.
-- At most once per PAKN, kind and deadline (alert_once_pakn; fire_key names the deadline,
-- its instant and the receiver, so after a transfer the new unit's deadlines fire anew).
-- The calendar alerts (098) also have no dossier: their unique index now excludes PAKN
-- alerts, and alert_calendar_horizon names the narrower predicate (sql/fn/40_alerts.sql).
--
-- Schedule. Like alert_schedule: a plain AFTER trigger on pakn (alert_pakn_mark, defined in
-- sql/fn/40_alerts.sql; the stub below lets this migration create the trigger) marks a
-- changed PAKN "look now", without NOTIFY (issue 14, item 1); the scheduler claims due rows
-- FOR UPDATE SKIP LOCKED with a lease, computes on the working-time axis, stores the next
-- instant unless gen moved meanwhile.
--
-- Owner: report engineer (server/api/report/alerts.c).
ALTER TABLE alert ADD COLUMN pakn_id bigint REFERENCES pakn(id);
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'supplement_awaited', 'leg_late',
                    'calendar_unannounced', 'calendar_announced',
                    'pakn_due_soon', 'pakn_overdue'));
ALTER TABLE alert ADD CONSTRAINT alert_pakn_shape
    CHECK ((kind IN ('pakn_due_soon', 'pakn_overdue'))
           = (pakn_id IS NOT NULL AND dossier_id IS NULL AND unit_id IS NOT NULL));
DROP INDEX alert_once_calendar;
CREATE UNIQUE INDEX alert_once_calendar ON alert (kind, fire_key)
    WHERE dossier_id IS NULL AND pakn_id IS NULL;
CREATE UNIQUE INDEX alert_once_pakn ON alert (pakn_id, kind, fire_key) WHERE pakn_id IS NOT NULL;

CREATE TABLE alert_pakn_schedule (
    pakn_id       bigint PRIMARY KEY REFERENCES pakn(id),
    next_fire_at  timestamptz,            -- NULL: nothing left to watch (terminal)
    gen           bigint NOT NULL DEFAULT 1,  -- bumped by every relevant change of the PAKN
    claimed_until timestamptz             -- lease of a scheduler that is computing it
);
CREATE INDEX alert_pakn_schedule_next ON alert_pakn_schedule (next_fire_at)
    WHERE next_fire_at IS NOT NULL;

-- motcua:stub alert_pakn_mark - the trigger below names it, so it must exist here; its
-- definition is sql/fn/40_alerts.sql, applied after the numbered migrations (sql/fn/README).
-- Nothing writes a PAKN between this migration and that file.
CREATE FUNCTION alert_pakn_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END
$$;
CREATE TRIGGER alert_pakn AFTER INSERT OR UPDATE ON pakn
    FOR EACH ROW EXECUTE FUNCTION alert_pakn_mark();

-- PAKN already open when this migration runs are looked at once (their arrival is in every
-- scheduler's past: see alert_pakn_mark).
INSERT INTO alert_pakn_schedule (pakn_id, next_fire_at)
SELECT id, arrived_at FROM pakn WHERE state IN (0, 1, 4, 5);
