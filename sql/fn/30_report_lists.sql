-- fn/30_report_lists.sql - the dossier lists behind the reports: open / overdue / due soon,
-- the dossiers behind a cell of Biểu 06, the late list (now and as of an instant).
-- Owner: report engineer.
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes, in one transaction with the other changed files (sql/fn/README).
-- Every function here is defined only here: change its body in place.

-- RFC 3339 text of an instant in local time (UTC+7), as the API prints instants.
CREATE OR REPLACE FUNCTION report_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT to_char((t AT TIME ZONE 'UTC') + interval '7 hours', 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"')
$$;

-- A dossier open now (not ended, received) is overdue now (domain.md §7.1) iff now > its
-- legal_due_at, except a dossier in a counted pause, which is in time iff it was not late
-- when the pause began (its legal_due_at moves only when the pause ends).
CREATE OR REPLACE FUNCTION report_overdue_now(p_id bigint, p_due timestamptz, p_paused timestamptz,
                                              p_now timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_due IS NULL THEN false
        WHEN p_paused IS NULL THEN p_now > p_due
        ELSE coalesce((SELECT z.was_late FROM dossier_pause z
                       WHERE z.dossier_id = p_id AND z.counted AND z.resolved_at IS NULL
                       ORDER BY z.n DESC LIMIT 1), p_now > p_due) END
$$;

-- The class of one dossier now under `legal` (domain.md §7.1), as the dossier list shows and
-- filters it (?class=): not counted before reception and for refusals (states 1, 3) or
-- without a legal due; an ended one by report_cls_legal; an open one overdue or in time by
-- report_overdue_now. The keys are cls_class_key() of server/domain/cls.c.
CREATE OR REPLACE FUNCTION report_class_key(p_id bigint, p_state smallint, p_due timestamptz,
                                            p_ended timestamptz, p_has_appointment boolean,
                                            p_paused timestamptz, p_now timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_state IN (1, 3) OR p_due IS NULL THEN 'not_counted'
        WHEN p_ended IS NOT NULL
            THEN (ARRAY['early', 'on_time', 'late'])[report_cls_legal(p_ended, p_due,
                                                                        p_has_appointment)]
        WHEN report_overdue_now(p_id, p_due, p_paused, p_now) THEN 'overdue'
        ELSE 'in_time' END
$$;

-- Open dossiers overdue at p_now (p_kind = 'overdue', most overdue first) or due within
-- (p_now, p_until] and not paused (p_kind = 'due_soon', most urgent first), in the units of
-- report_units(); p_by = resolving | receiving | current. Keyset: (legal_due_at, id) after
-- (p_after_due, p_after_id).
CREATE OR REPLACE FUNCTION report_open_list(p_kind text, p_now timestamptz, p_until timestamptz,
                                            p_by text, p_scope bigint, p_unit bigint, p_sub boolean,
                                            p_after_due timestamptz, p_after_id bigint, p_limit int)
RETURNS TABLE (id bigint, code text, state smallint, procedure_code text, procedure_name text,
               resolving_code text, resolving_name text, current_code text, current_name text,
               official text, received_at timestamptz, appointment_at timestamptz,
               legal_due_at timestamptz, new_appointment_at timestamptz, paused boolean)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT u.id FROM report_units(p_scope, p_unit, p_sub, 'historical') u)
    SELECT d.id, d.code, d.state, p.code, p.name, ru.code, ru.name, cu.code, cu.name,
           d.current_official, d.received_at, d.appointment_at, d.legal_due_at,
           d.new_appointment_at, d.paused_since IS NOT NULL
    FROM dossier d
    JOIN procedure p ON p.id = d.procedure_id
    JOIN unit ru ON ru.id = d.resolving_unit_id
    JOIN unit cu ON cu.id = d.current_unit_id
    WHERE d.ended_at IS NULL AND d.state NOT IN (1, 3) AND d.legal_due_at IS NOT NULL
      AND CASE WHEN p_kind = 'overdue'
               THEN d.legal_due_at < p_now
                    AND report_overdue_now(d.id, d.legal_due_at, d.paused_since, p_now)
               ELSE d.legal_due_at >= p_now AND d.legal_due_at <= p_until
                    AND d.paused_since IS NULL END
      AND (CASE p_by WHEN 'receiving' THEN d.receiving_unit_id
                     WHEN 'current' THEN d.current_unit_id
                     ELSE d.resolving_unit_id END) IN (SELECT us.id FROM us)
      AND (p_after_id IS NULL OR (d.legal_due_at, d.id) > (p_after_due, p_after_id))
    ORDER BY d.legal_due_at, d.id
    LIMIT p_limit
$$;

-- The dossiers counted in one cell of report_figures (same period, units, by, structure),
-- optionally narrowed to one group key (NULL = any): the unit's code (the grouping unit,
-- structure-aware), level, procedure code, field code, channel. p_cell is one of received,
-- received_online, received_direct, carried_over, resolved, early, on_time, late, open,
-- open_in_time, open_overdue, ok766, late766, open_ok766, open_late766. Keyset on id.
-- Live (p_asof NULL, clock p_now) or as known at p_asof, with the appointment and legal due
-- as known then: the rows of report_scan, the one body of the figures and the lists.
CREATE OR REPLACE FUNCTION report_cell_list_of(p_asof timestamptz, p_from date, p_to date,
                                               p_cell text, p_by text, p_structure text,
                                               p_scope bigint, p_unit bigint, p_sub boolean,
                                               k_unit text, k_level text, k_procedure text,
                                               k_field text, k_channel smallint,
                                               p_after_id bigint, p_limit int,
                                               p_now timestamptz)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, procedure_code text,
               field_code text, unit_code text, unit_level text, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.code, c.state, c.channel, c.pcode, c.fcode, c.gcode, c.glevel, c.received_at,
           c.appointment_at, c.legal_due_at, c.ended_at
    FROM report_scan(p_asof, p_from, p_to, p_by, p_structure, p_scope, p_unit, p_sub, p_now) c
    WHERE (k_unit IS NULL OR c.gcode = k_unit) AND (k_level IS NULL OR c.glevel = k_level)
      AND (k_procedure IS NULL OR c.pcode = k_procedure)
      AND (k_field IS NULL OR c.fcode = k_field)
      AND (k_channel IS NULL OR c.channel = k_channel)
      AND (p_after_id IS NULL OR c.id > p_after_id)
      AND CASE p_cell
        WHEN 'received' THEN c.is_rcv
        WHEN 'received_online' THEN c.is_rcv AND c.channel = 2
        WHEN 'received_direct' THEN c.is_rcv AND c.channel <> 2
        WHEN 'carried_over' THEN NOT c.is_rcv
        WHEN 'resolved' THEN c.is_end
        WHEN 'early' THEN c.cls = 1
        WHEN 'on_time' THEN c.cls = 2
        WHEN 'late' THEN c.cls = 3
        WHEN 'open' THEN c.is_open
        WHEN 'open_in_time' THEN c.st & 1 = 0
        WHEN 'open_overdue' THEN c.st & 1 = 1
        WHEN 'ok766' THEN c.ok
        WHEN 'late766' THEN NOT c.ok
        WHEN 'open_ok766' THEN c.st >> 1 = 1
        WHEN 'open_late766' THEN c.st >> 1 = 0
        ELSE false END
    ORDER BY c.id
    LIMIT p_limit
$$;

-- The dossiers of one cell of report_figures now (report_cell_list_of).
-- History: defined in 021_report_lists.sql, restated in 061_report_open_now.sql (those migrations'
-- headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_cell_list(p_from date, p_to date, p_cell text, p_by text,
                                            p_structure text, p_scope bigint, p_unit bigint,
                                            p_sub boolean, k_unit text, k_level text,
                                            k_procedure text, k_field text, k_channel smallint,
                                            p_after_id bigint, p_limit int, p_now timestamptz)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, procedure_code text,
               field_code text, unit_code text, unit_level text, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_cell_list_of(NULL, p_from, p_to, p_cell, p_by, p_structure, p_scope,
                                      p_unit, p_sub, k_unit, k_level, k_procedure, k_field,
                                      k_channel, p_after_id, p_limit, p_now)
$$;

-- The late dossiers of a Biểu 06 period (domain.md §8.2): ended late in the period (column
-- 10) or open and overdue at its end (column 13), each with the steps and liên thông legs
-- that overran their planned end (ended after it, or still open after it at the period end
-- or at the dossier's end): the unit and official responsible. A late dossier without any
-- overrun step is attributed to its resolving unit and current official (`steps` empty).
-- History: defined in 021_report_lists.sql, restated in 061_report_open_now.sql (those migrations'
-- headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_late_list(p_from date, p_to date, p_by text, p_structure text,
                                            p_scope bigint, p_unit bigint, p_sub boolean,
                                            p_after_id bigint, p_limit int, p_now timestamptz)
RETURNS TABLE (id bigint, code text, kind text, procedure_code text, procedure_name text,
               resolving_code text, resolving_name text, official text,
               received_at timestamptz, legal_due_at timestamptz, ended_at timestamptz,
               steps jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.id, d.code, CASE WHEN l.cell = 'late' THEN 'ended_late' ELSE 'open_overdue' END,
           p.code, p.name, ru.code, ru.name, d.current_official, d.received_at, d.legal_due_at,
           CASE WHEN l.cell = 'late' THEN d.ended_at END,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'n', s.n, 'kind', s.kind, 'name', s.name, 'unit_code', su.code,
                        'unit_name', su.name, 'official', s.official,
                        'started_at', report_ts(s.started_at),
                        'planned_end_at', report_ts(s.planned_end_at),
                        'ended_at', report_ts(s.ended_at)) ORDER BY s.n)
                     FROM dossier_step s JOIN unit su ON su.id = s.unit_id
                     WHERE s.dossier_id = d.id AND s.planned_end_at IS NOT NULL
                       AND s.started_at < report_lstart(p_to + 1)
                       AND coalesce(s.ended_at, d.ended_at, least(report_lstart(p_to + 1), p_now))
                           > s.planned_end_at), '[]'::jsonb)
    FROM (SELECT x.id, 'late' AS cell
          FROM report_cell_list(p_from, p_to, 'late', p_by, p_structure, p_scope, p_unit, p_sub,
                                NULL, NULL, NULL, NULL, NULL, p_after_id, p_limit, p_now) x
          UNION ALL
          SELECT x.id, 'open_overdue'
          FROM report_cell_list(p_from, p_to, 'open_overdue', p_by, p_structure, p_scope, p_unit,
                                p_sub, NULL, NULL, NULL, NULL, NULL, p_after_id, p_limit, p_now) x) l
    JOIN dossier d ON d.id = l.id
    JOIN procedure p ON p.id = d.procedure_id
    JOIN unit ru ON ru.id = d.resolving_unit_id
    ORDER BY l.id
    LIMIT p_limit
$$;

-- The dossiers of one cell of report_figures_asof, as known at p_asof
-- (report_cell_list_of).
-- History: introduced by 065_report_asof.sql, whose header describes it.
CREATE OR REPLACE FUNCTION report_cell_list_asof(p_asof timestamptz, p_from date, p_to date,
                                                 p_cell text, p_by text, p_structure text,
                                                 p_scope bigint, p_unit bigint, p_sub boolean,
                                                 k_unit text, k_level text, k_procedure text,
                                                 k_field text, k_channel smallint,
                                                 p_after_id bigint, p_limit int)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, procedure_code text,
               field_code text, unit_code text, unit_level text, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_cell_list_of(p_asof, p_from, p_to, p_cell, p_by, p_structure, p_scope,
                                      p_unit, p_sub, k_unit, k_level, k_procedure, k_field,
                                      k_channel, p_after_id, p_limit, p_asof)
$$;

-- Introduced by 095_report_late_asof.sql, whose header describes it.
CREATE OR REPLACE FUNCTION report_late_list_asof(p_asof timestamptz, p_from date, p_to date,
                                                 p_by text, p_structure text, p_scope bigint,
                                                 p_unit bigint, p_sub boolean, p_after_id bigint,
                                                 p_limit int)
RETURNS TABLE (id bigint, code text, kind text, procedure_code text, procedure_name text,
               resolving_code text, resolving_name text, official text,
               received_at timestamptz, legal_due_at timestamptz, ended_at timestamptz,
               steps jsonb)
LANGUAGE sql STABLE AS $$
    WITH l AS MATERIALIZED (
        SELECT x.id, 'late' AS cell, x.legal_due_at, x.ended_at
        FROM report_cell_list_asof(p_asof, p_from, p_to, 'late', p_by, p_structure, p_scope,
                                   p_unit, p_sub, NULL, NULL, NULL, NULL, NULL, p_after_id,
                                   p_limit) x
        UNION ALL
        SELECT x.id, 'open_overdue', x.legal_due_at, x.ended_at
        FROM report_cell_list_asof(p_asof, p_from, p_to, 'open_overdue', p_by, p_structure,
                                   p_scope, p_unit, p_sub, NULL, NULL, NULL, NULL, NULL,
                                   p_after_id, p_limit) x
    ), ev AS MATERIALIZED (
        SELECT e.dossier_id, e.seq, e.type, e.occurred_at, e.recorded_at <= p_asof AS known,
               e.payload ->> 'official' AS official,
               CASE WHEN e.type = 'hand_over'
                    THEN count(*) FILTER (WHERE e.type = 'hand_over')
                             OVER (PARTITION BY e.dossier_id ORDER BY e.seq)::int END AS step_n
        FROM dossier_event e
        WHERE e.dossier_id IN (SELECT l.id FROM l)
    ), st AS (
        -- the steps known at p_asof, with the seq of the hand_over that started them
        SELECT s.*, h.seq AS seq0,
               s.unit_id IS DISTINCT FROM coalesce(
                   lag(s.unit_id) OVER (PARTITION BY s.dossier_id ORDER BY s.n),
                   (SELECT d.receiving_unit_id FROM dossier d WHERE d.id = s.dossier_id))
                   AS new_unit
        FROM dossier_step s
        JOIN ev h ON h.dossier_id = s.dossier_id AND h.step_n = s.n AND h.known
    ), sk AS (
        SELECT st.*,
               CASE WHEN EXISTS (SELECT 1 FROM ev c
                                 WHERE c.dossier_id = st.dossier_id AND c.known
                                   AND c.seq > st.seq0 AND c.occurred_at = st.ended_at)
                    THEN st.ended_at END AS end_k,
               CASE WHEN NOT EXISTS (SELECT 1 FROM ev a
                                     WHERE a.dossier_id = st.dossier_id AND NOT a.known
                                       AND a.type = 'assign' AND a.seq > st.seq0
                                       AND (st.ended_at IS NULL OR a.occurred_at <= st.ended_at))
                    THEN st.official
                    ELSE (SELECT a.official FROM ev a
                          WHERE a.dossier_id = st.dossier_id AND a.known AND a.type = 'assign'
                            AND a.seq > st.seq0
                          ORDER BY a.seq DESC LIMIT 1) END AS official_k
        FROM st
    )
    SELECT l.id, d.code, CASE WHEN l.cell = 'late' THEN 'ended_late' ELSE 'open_overdue' END,
           p.code, p.name, ru.code, ru.name,
           CASE WHEN NOT EXISTS (SELECT 1 FROM ev a
                                 WHERE a.dossier_id = d.id AND NOT a.known
                                   AND a.type IN ('assign', 'hand_over'))
                THEN d.current_official
                ELSE (SELECT a.official FROM ev a
                      WHERE a.dossier_id = d.id AND a.known AND a.type = 'assign'
                        AND a.seq > coalesce((SELECT max(s.seq0) FROM st s
                                              WHERE s.dossier_id = d.id AND s.new_unit), 0)
                      ORDER BY a.seq DESC LIMIT 1) END,
           d.received_at, l.legal_due_at, CASE WHEN l.cell = 'late' THEN l.ended_at END,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'n', s.n, 'kind', s.kind, 'name', s.name, 'unit_code', su.code,
                        'unit_name', su.name, 'official', s.official_k,
                        'started_at', report_ts(s.started_at),
                        'planned_end_at', report_ts(s.planned_end_at),
                        'ended_at', report_ts(s.end_k)) ORDER BY s.n)
                     FROM sk s JOIN unit su ON su.id = s.unit_id
                     WHERE s.dossier_id = d.id AND s.planned_end_at IS NOT NULL
                       AND s.started_at < report_lstart(p_to + 1)
                       AND coalesce(s.end_k, l.ended_at,
                                    least(report_lstart(p_to + 1), p_asof)) > s.planned_end_at),
                    '[]'::jsonb)
    FROM l
    JOIN dossier d ON d.id = l.id
    JOIN procedure p ON p.id = d.procedure_id
    JOIN unit ru ON ru.id = d.resolving_unit_id
    ORDER BY l.id
    LIMIT p_limit
$$;
