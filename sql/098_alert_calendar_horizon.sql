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

-- Webhooks (063): a calendar alert goes out like the others, to the CloudEvents
-- subscriptions that opt in ('alert.calendar_unannounced', 'alert.calendar_announced' or
-- 'alert.*') and name no units (it has none). The outbox orders deliveries per dossier: the
-- calendar alerts take the ordering key dossier_id 0 (no dossier has it: ids start at 1) and
-- seq = their alert id, so they go out in the order they fired.
CREATE OR REPLACE FUNCTION alert_outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.dossier_id IS NULL THEN
        INSERT INTO webhook_outbox (event_id, dossier_id, seq, alert_id)
        VALUES (md5('motcua.alert.' || NEW.id)::uuid, 0, NEW.id::int, NEW.id);
    ELSE
        INSERT INTO webhook_outbox (event_id, dossier_id, seq, alert_id)
        SELECT md5('motcua.alert.' || NEW.id)::uuid, d.id, d.version, NEW.id
        FROM dossier d WHERE d.id = NEW.dossier_id;
    END IF;
    PERFORM pg_notify('motcua_outbox', '');
    RETURN NULL;
END
$$;

-- One evaluation of year p_year: p_alarm - the alarm is due (from 1 October of the year
-- before, p_year not announced); p_announced - p_year's Tết is announced. Inserts the alarm
-- once (ON CONFLICT: a second tick, process or restart adds nothing); on an announcement
-- resolves an open alarm of that year and inserts its clearance once. A retracted
-- announcement re-opens the alarm without a second event. Rings motcua_alerts when a row was
-- added (delivered at commit, like the scheduler's). Returns the rows added. The caller
-- holds pg_advisory_xact_lock(7243002) (alert ids commit in order, alerts.c).
CREATE FUNCTION alert_calendar_horizon(p_year int, p_alarm boolean, p_announced boolean,
                                       p_payload jsonb)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    added int := 0;
    cleared int := 0;
BEGIN
    IF p_alarm THEN
        INSERT INTO alert (kind, fire_key, payload)
        VALUES ('calendar_unannounced', p_year::text, p_payload)
        ON CONFLICT (kind, fire_key) WHERE dossier_id IS NULL DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        UPDATE alert SET resolved_at = NULL
        WHERE dossier_id IS NULL AND kind = 'calendar_unannounced' AND fire_key = p_year::text
          AND resolved_at IS NOT NULL;
    ELSIF p_announced THEN
        UPDATE alert SET resolved_at = now()
        WHERE dossier_id IS NULL AND kind = 'calendar_unannounced' AND fire_key = p_year::text
          AND resolved_at IS NULL;
        GET DIAGNOSTICS cleared = ROW_COUNT;
        IF cleared > 0 THEN
            INSERT INTO alert (kind, fire_key, payload, resolved_at)
            VALUES ('calendar_announced', p_year::text, p_payload, now())
            ON CONFLICT (kind, fire_key) WHERE dossier_id IS NULL DO NOTHING;
            GET DIAGNOSTICS added = ROW_COUNT;
        END IF;
    END IF;
    IF added > 0 THEN
        PERFORM pg_notify('motcua_alerts', '');
    END IF;
    RETURN added;
END
$$;
