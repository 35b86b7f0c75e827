-- 098_alert_calendar_horizon.sql - the horizon alarm (issue 15 part 3; docs/architecture.md
-- "Reports and alerts", "Calendar horizon"): from 1 October, while next year's Tết is not
-- announced (the working calendar only has the rules' proposal), an alert tells the
-- administrators that next year's schedule is not loaded; once it is, the alarm is resolved
-- and a clearance alert says so.
--
-- These alerts are about the calendar, not a dossier: no dossier, no unit (only
-- administrators read them: an alert without a unit is outside every other reader's scope),
-- one row per kind and year (fire_key = the year) whatever the number of scheduler ticks,
-- processes or restarts. The proposal itself is computed in the process (server/domain/wcal.c,
-- wcal_horizon), so the scheduler (server/api/alerts.c) passes what it found.
--
-- Owner: report engineer (server/api/alerts.c).
ALTER TABLE alert ALTER COLUMN dossier_id DROP NOT NULL;
ALTER TABLE alert ALTER COLUMN unit_id DROP NOT NULL;
ALTER TABLE alert ADD COLUMN resolved_at timestamptz;  -- a calendar alarm cleared
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check
    CHECK (kind IN ('due_soon', 'overdue', 'supplement_awaited', 'leg_late',
                    'calendar_unannounced', 'calendar_announced'));
ALTER TABLE alert ADD CONSTRAINT alert_calendar_no_dossier
    CHECK ((kind IN ('calendar_unannounced', 'calendar_announced'))
           = (dossier_id IS NULL AND unit_id IS NULL));
-- alert_once (dossier_id, kind, fire_key) cannot hold rows without a dossier (NULLs are
-- distinct): these have their own.
CREATE UNIQUE INDEX alert_once_calendar ON alert (kind, fire_key) WHERE dossier_id IS NULL;

-- (The functions of this migration are defined in sql/fn/40_alerts.sql: sql/fn/README.)
