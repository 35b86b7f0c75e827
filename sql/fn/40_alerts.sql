-- fn/40_alerts.sql - the dossier trigger of the alert schedule, the alert scheduler's claim
-- and reschedule, the unit path of an alert, the alerts' webhook outbox rows, the calendar
-- horizon alarm, the PAKN trigger, claim and reschedule. Tables and triggers:
-- sql/022_alerts.sql, 063, 098, 105, 112. Owner: report engineer (server/api/report/alerts.c).
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes, in one transaction with the other changed files (sql/fn/README).
-- Every function here is defined only here: change its body in place.

-- The dossier trigger (sql/105; was alert_dossier_trg of 022): marks a received, open
-- dossier for a look now; an ended one leaves the schedule. No NOTIFY (issue 14, item 1: it
-- would serialise the commits of the cluster): the server that committed rings its own
-- scheduler after the commit (core/bell.h), the schedulers of other processes find the row
-- by their poll (server/api/report/alerts.c).
CREATE OR REPLACE FUNCTION alert_dossier_mark() RETURNS trigger
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
    RETURN NULL;
END
$$;

-- The scheduler's claim: up to p_limit schedule rows due at p_now and not leased, skipping
-- rows another scheduler holds, leased for 60 s, with what the computation needs. legs:
-- the open liên thông legs with a planned end. supplement_at: the running supplement
-- request, if any.
CREATE OR REPLACE FUNCTION alert_claim(p_now timestamptz, p_limit int)
RETURNS TABLE (dossier_id bigint, gen bigint, code text, state smallint,
               current_unit_id bigint, resolving_unit_id bigint, legal_due_at bigint,
               new_appointment_at bigint, paused boolean, ended boolean,
               supplement_at bigint, legs text)
LANGUAGE sql AS $$
    WITH c AS (
        SELECT s.dossier_id FROM alert_schedule s
        WHERE s.next_fire_at <= p_now AND (s.claimed_until IS NULL OR s.claimed_until < p_now)
        ORDER BY s.next_fire_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), u AS (
        UPDATE alert_schedule s SET claimed_until = p_now + interval '60 seconds'
        FROM c WHERE s.dossier_id = c.dossier_id
        RETURNING s.dossier_id, s.gen
    )
    SELECT u.dossier_id, u.gen, d.code, d.state, d.current_unit_id, d.resolving_unit_id,
           extract(epoch FROM d.legal_due_at)::bigint,
           extract(epoch FROM d.new_appointment_at)::bigint,
           d.paused_since IS NOT NULL, d.ended_at IS NOT NULL,
           (SELECT extract(epoch FROM z.requested_at)::bigint FROM dossier_pause z
            WHERE z.dossier_id = d.id AND z.reason = 'supplement' AND z.resolved_at IS NULL
            ORDER BY z.n DESC LIMIT 1),
           (SELECT string_agg(s.n || ':' || s.unit_id || ':'
                              || extract(epoch FROM s.planned_end_at)::bigint, ',' ORDER BY s.n)
            FROM dossier_step s
            WHERE s.dossier_id = d.id AND s.kind = 'leg' AND s.ended_at IS NULL
              AND s.planned_end_at IS NOT NULL)
    FROM u JOIN dossier d ON d.id = u.dossier_id
$$;

-- Stores the next instant of one claimed dossier (NULL: nothing left) unless it changed
-- since the claim (then the trigger has already asked for a new look).
CREATE OR REPLACE FUNCTION alert_reschedule(p_dossier bigint, p_gen bigint, p_next timestamptz)
RETURNS void
LANGUAGE sql AS $$
    UPDATE alert_schedule SET next_fire_at = p_next, claimed_until = NULL
    WHERE dossier_id = p_dossier AND gen = p_gen
$$;

-- The PAKN trigger (sql/112): marks a PAKN whose state, receiver, version or stored
-- deadlines changed for a look; a terminal one (rejected, transferred out, published) leaves
-- the schedule (NULL). The mark is the PAKN's arrival at its current receiver, not now():
-- an instant the scheduler's clock has passed whatever the clock (the process wrote it from
-- its own), so the row is due at once also on a server whose clock is pinned in the past
-- (MOTCUA_TEST_NOW); any past instant means "look now". No NOTIFY (issue 14, item 1): the
-- committing server rings its scheduler after the commit, the others find it by their poll.
CREATE OR REPLACE FUNCTION alert_pakn_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (OLD.state, OLD.unit_id, OLD.arrived_at, OLD.reject_due_at, OLD.answer_due_at,
            OLD.publish_due_at, OLD.version)
           IS NOT DISTINCT FROM
           (NEW.state, NEW.unit_id, NEW.arrived_at, NEW.reject_due_at, NEW.answer_due_at,
            NEW.publish_due_at, NEW.version) THEN
        RETURN NULL;
    END IF;
    INSERT INTO alert_pakn_schedule AS s (pakn_id, next_fire_at)
    VALUES (NEW.id, CASE WHEN NEW.state IN (0, 1, 4, 5) THEN least(now(), NEW.arrived_at) END)
    ON CONFLICT (pakn_id) DO UPDATE
        SET next_fire_at = EXCLUDED.next_fire_at, gen = s.gen + 1, claimed_until = NULL;
    RETURN NULL;
END
$$;

-- The scheduler's claim of PAKN (sql/112), as alert_claim: up to p_limit rows due at p_now
-- and not leased, leased for 60 s, with the PAKN's state, receiver and stored deadlines
-- (epoch seconds; which one runs is decided in C, alerts.c pakn_watch).
CREATE OR REPLACE FUNCTION alert_pakn_claim(p_now timestamptz, p_limit int)
RETURNS TABLE (pakn_id bigint, gen bigint, state smallint, unit_id bigint,
               reject_due_at bigint, answer_due_at bigint, publish_due_at bigint)
LANGUAGE sql AS $$
    WITH c AS (
        SELECT s.pakn_id FROM alert_pakn_schedule s
        WHERE s.next_fire_at <= p_now AND (s.claimed_until IS NULL OR s.claimed_until < p_now)
        ORDER BY s.next_fire_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), u AS (
        UPDATE alert_pakn_schedule s SET claimed_until = p_now + interval '60 seconds'
        FROM c WHERE s.pakn_id = c.pakn_id
        RETURNING s.pakn_id, s.gen
    )
    SELECT u.pakn_id, u.gen, p.state, p.unit_id,
           floor(extract(epoch FROM p.reject_due_at))::bigint,
           floor(extract(epoch FROM p.answer_due_at))::bigint,
           floor(extract(epoch FROM p.publish_due_at))::bigint
    FROM u JOIN pakn p ON p.id = u.pakn_id
$$;

-- Stores the next instant of one claimed PAKN (NULL: nothing left) unless it changed since
-- the claim (then the trigger has already asked for a new look).
CREATE OR REPLACE FUNCTION alert_pakn_reschedule(p_pakn bigint, p_gen bigint, p_next timestamptz)
RETURNS void
LANGUAGE sql AS $$
    UPDATE alert_pakn_schedule SET next_fire_at = p_next, claimed_until = NULL
    WHERE pakn_id = p_pakn AND gen = p_gen
$$;

-- The units whose readers may see an alert of unit p_unit: itself and its ancestors.
CREATE OR REPLACE FUNCTION alert_unit_path(p_unit bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT p_unit, 0
        UNION ALL
        SELECT u.parent_id, up.depth + 1 FROM unit u JOIN up ON u.id = up.id
        WHERE u.parent_id IS NOT NULL AND up.depth < 16
    )
    SELECT array_agg(id ORDER BY depth) FROM up
$$;

-- An alert row adds one webhook_outbox row in its own transaction, like a dossier event
-- (063: the key derived from the alert id, seq = the dossier's version, the subscriptions'
-- opt-in). Calendar alerts (098): a calendar alert goes out like the others, to the CloudEvents
-- subscriptions that opt in ('alert.calendar_unannounced', 'alert.calendar_announced' or
-- 'alert.*') and name no units (it has none). The outbox orders deliveries per dossier: the
-- calendar alerts take the ordering key dossier_id 0 (no dossier has it: ids start at 1) and
-- seq = their alert id, so they go out in the order they fired. PAKN alerts (sql/112) have no
-- dossier either and go out the same way (ordering key 0, seq = the alert id) to the
-- subscriptions that opt in ('alert.pakn_due_soon', 'alert.pakn_overdue' or 'alert.*');
-- the unit filter matches the alert's unit (the PAKN's receiver).
-- History: defined in 063_alert_webhooks.sql, restated in 098_alert_calendar_horizon.sql (those
-- migrations' headers say why); the live body is the last one.
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
CREATE OR REPLACE FUNCTION alert_calendar_horizon(p_year int, p_alarm boolean, p_announced boolean,
                                                  p_payload jsonb, p_now timestamptz)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    added int := 0;
    cleared int := 0;
BEGIN
    IF p_alarm THEN
        INSERT INTO alert (kind, fire_key, payload, created_at)
        VALUES ('calendar_unannounced', p_year::text, p_payload, p_now)
        ON CONFLICT (kind, fire_key) WHERE dossier_id IS NULL AND pakn_id IS NULL DO NOTHING;
        GET DIAGNOSTICS added = ROW_COUNT;
        UPDATE alert SET resolved_at = NULL
        WHERE dossier_id IS NULL AND pakn_id IS NULL AND kind = 'calendar_unannounced'
          AND fire_key = p_year::text
          AND resolved_at IS NOT NULL;
    ELSIF p_announced THEN
        UPDATE alert SET resolved_at = p_now
        WHERE dossier_id IS NULL AND pakn_id IS NULL AND kind = 'calendar_unannounced'
          AND fire_key = p_year::text
          AND resolved_at IS NULL;
        GET DIAGNOSTICS cleared = ROW_COUNT;
        IF cleared > 0 THEN
            INSERT INTO alert (kind, fire_key, payload, created_at, resolved_at)
            VALUES ('calendar_announced', p_year::text, p_payload, p_now, p_now)
            ON CONFLICT (kind, fire_key) WHERE dossier_id IS NULL AND pakn_id IS NULL DO NOTHING;
            GET DIAGNOSTICS added = ROW_COUNT;
        END IF;
    END IF;
    IF added > 0 THEN
        PERFORM pg_notify('motcua_alerts', '');
    END IF;
    RETURN added;
END
$$;
