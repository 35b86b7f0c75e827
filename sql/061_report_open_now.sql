-- 061_report_open_now.sql - the running period classifies its open dossiers NOW.
--
-- Columns 12-13 of Biểu 06 (open in time / overdue, domain.md §8.1-8.2) classify the dossiers
-- still open "at the end of the period". For a period that has not ended yet (this month's
-- report) the end is in the future: 020/021 classified at report_lstart(p_to + 1), so a
-- dossier due next week but in time today was counted overdue (and its open steps as
-- overrun in the late list). The instant is now least(period end, now()) - and, for the
-- "as of" report, least(period end, as-of instant): what the report said that day. A past
-- period is unchanged (its end is before now), and so are the sealed boundaries
-- (report_bound), which exist only for ended periods.
--
-- Replaced (same signatures): report_figures (summaries path), report_figures_raw (the
-- plain-scan reference), report_figures_asof, report_cell_list and report_late_list
-- (the lists behind the cells). Owner: rep. A new file because 020/021 may be applied.

CREATE OR REPLACE FUNCTION report_figures(p_from date, p_to date, p_g1 text, p_g2 text, p_by text,
                               p_structure text, p_scope bigint, p_unit bigint, p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE plpgsql SET jit = off AS $$
#variable_conflict use_column
DECLARE
    -- a hot standby cannot seal: it reads what the primary sealed (later boundaries fall
    -- back to the scan, exact but slower)
    u date := CASE WHEN pg_is_in_recovery() THEN (SELECT upto FROM report_seal)
                   ELSE report_seal_to(now()) END;
    bs boolean := extract(day FROM p_from - 1) = 14 AND p_from - 1 <= u;
    be boolean := extract(day FROM p_to) = 14 AND p_to <= u;
    es timestamptz := report_lstart(p_from);
    ee timestamptz := report_lstart(p_to + 1);
    -- open dossiers are classified at the period end, or now for the running period
    ea timestamptz := least(report_lstart(p_to + 1), now());
    -- whole report months in [p_from, p_to]: boundaries mlo .. mhi, days ms .. mhi
    mlo date := CASE WHEN extract(day FROM p_from) = 15 THEN report_bound_from(p_from)
                     ELSE (report_bound_from(p_from) + interval '1 month')::date END;
    mhi date;
    ms date := (mlo - interval '1 month')::date + 1;
    -- the figures are rolled up to the grouping unit first; procedure and channel are kept
    -- only when a key needs them
    np boolean := 'procedure' IN (p_g1, p_g2) OR 'field' IN (p_g1, p_g2);
    nc boolean := 'channel' IN (p_g1, p_g2);
BEGIN
    IF extract(day FROM p_to) <> 14 THEN
        mhi := (report_bound_from(p_to) - interval '1 month')::date;
    ELSE
        mhi := p_to;
    END IF;
    IF mlo > mhi THEN
        ms := p_to + 1;   -- no whole month: every day from report_day
    END IF;
    RETURN QUERY
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure)),
    x AS (
        SELECT r.resolving_unit_id AS res, r.receiving_unit_id AS rec, r.procedure_id AS proc,
               r.channel AS ch, sum(r.received) AS rcv,
               sum(r.received) FILTER (WHERE r.channel = 2) AS ron,
               sum(r.received) FILTER (WHERE r.channel <> 2) AS rdi, 0 AS car,
               sum(r.ended) AS e, sum(r.ended_early) AS e1, sum(r.ended_on_time) AS e2,
               sum(r.ended_late) AS e3, 0 AS ot, 0 AS oo, sum(r.ended_ok766) AS g1,
               sum(r.ended_late766) AS g2, 0 AS ok
        FROM report_day r
        WHERE r.day BETWEEN p_from AND p_to AND NOT (r.day BETWEEN ms AND mhi)
          AND (CASE WHEN p_by = 'receiving' THEN r.receiving_unit_id ELSE r.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        GROUP BY 1, 2, 3, 4
        UNION ALL
        -- whole report months inside the period: report_month, without the procedure when
        -- no key needs it (report_month_unit)
        SELECT r.resolving_unit_id, r.receiving_unit_id, r.procedure_id, r.channel,
               r.received, CASE WHEN r.channel = 2 THEN r.received END,
               CASE WHEN r.channel <> 2 THEN r.received END, 0, r.ended, r.ended_early,
               r.ended_on_time, r.ended_late, 0, 0, r.ended_ok766, r.ended_late766, 0
        FROM report_month r
        WHERE np AND r.day BETWEEN mlo AND mhi
          AND (CASE WHEN p_by = 'receiving' THEN r.receiving_unit_id ELSE r.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        SELECT r.resolving_unit_id, r.receiving_unit_id, NULL::bigint, r.channel,
               r.received, CASE WHEN r.channel = 2 THEN r.received END,
               CASE WHEN r.channel <> 2 THEN r.received END, 0, r.ended, r.ended_early,
               r.ended_on_time, r.ended_late, 0, 0, r.ended_ok766, r.ended_late766, 0
        FROM report_month_unit r
        WHERE NOT np AND r.day BETWEEN mlo AND mhi
          AND (CASE WHEN p_by = 'receiving' THEN r.receiving_unit_id ELSE r.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        SELECT s.resolving_unit_id, s.receiving_unit_id, s.procedure_id, s.channel, 0, 0, 0,
               CASE WHEN bs AND s.day = p_from - 1 THEN s.open ELSE 0 END, 0, 0, 0, 0,
               CASE WHEN be AND s.day = p_to THEN s.open ELSE 0 END,
               CASE WHEN be AND s.day = p_to THEN s.overdue ELSE 0 END, 0, 0,
               CASE WHEN be AND s.day = p_to THEN s.ok766 ELSE 0 END
        FROM report_bound s
        WHERE np AND (bs OR be) AND s.day IN (p_from - 1, p_to)
          AND (CASE WHEN p_by = 'receiving' THEN s.receiving_unit_id ELSE s.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        SELECT s.resolving_unit_id, s.receiving_unit_id, NULL::bigint, s.channel, 0, 0, 0,
               CASE WHEN bs AND s.day = p_from - 1 THEN s.open ELSE 0 END, 0, 0, 0, 0,
               CASE WHEN be AND s.day = p_to THEN s.open ELSE 0 END,
               CASE WHEN be AND s.day = p_to THEN s.overdue ELSE 0 END, 0, 0,
               CASE WHEN be AND s.day = p_to THEN s.ok766 ELSE 0 END
        FROM report_bound_unit s
        WHERE NOT np AND (bs OR be) AND s.day IN (p_from - 1, p_to)
          AND (CASE WHEN p_by = 'receiving' THEN s.receiving_unit_id ELSE s.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        -- carried over without a sealed boundary: open at es, open now or ended since
        SELECT d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, 0, 0, 0,
               1, 0, 0, 0, 0, 0, 0, 0, 0, 0
        FROM dossier d
        WHERE NOT bs AND d.ended_at IS NULL AND d.state NOT IN (1, 3) AND d.received_at < es
          AND (CASE WHEN p_by = 'receiving' THEN d.receiving_unit_id ELSE d.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        SELECT d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, 0, 0, 0,
               1, 0, 0, 0, 0, 0, 0, 0, 0, 0
        FROM dossier d
        WHERE NOT bs AND d.ended_at IS NOT NULL AND d.ended_at >= es
          AND d.state NOT IN (1, 3) AND d.received_at < es
          AND (CASE WHEN p_by = 'receiving' THEN d.receiving_unit_id ELSE d.resolving_unit_id END)
              IN (SELECT us.id FROM us)
        UNION ALL
        -- open at the end without a sealed boundary, with the state at ee
        SELECT d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, 0, 0, 0,
               0, 0, 0, 0, 0, 1, st & 1, 0, 0, st >> 1
        FROM (SELECT d.* FROM dossier d
              WHERE NOT be AND d.ended_at IS NULL AND d.state NOT IN (1, 3) AND d.received_at < ee
              UNION ALL
              SELECT d.* FROM dossier d
              WHERE NOT be AND d.ended_at IS NOT NULL AND d.ended_at >= ee
                AND d.state NOT IN (1, 3) AND d.received_at < ee) d,
             LATERAL (SELECT report_state_at(d::dossier, ea) AS st) o
        WHERE (CASE WHEN p_by = 'receiving' THEN d.receiving_unit_id ELSE d.resolving_unit_id END)
              IN (SELECT us.id FROM us)
    ), y AS (
        SELECT CASE WHEN p_by = 'receiving' THEN x.rec ELSE x.res END AS uid,
               CASE WHEN np THEN x.proc END AS proc, CASE WHEN nc THEN x.ch END AS ch,
               sum(x.rcv) AS rcv, sum(x.ron) AS ron, sum(x.rdi) AS rdi, sum(x.car) AS car,
               sum(x.e) AS e, sum(x.e1) AS e1, sum(x.e2) AS e2, sum(x.e3) AS e3,
               sum(x.ot) AS ot, sum(x.oo) AS oo, sum(x.g1) AS g1, sum(x.g2) AS g2,
               sum(x.ok) AS ok
        FROM x GROUP BY 1, 2, 3
    )
    SELECT report_key(p_g1, gu, p, f, y.ch), report_key(p_g2, gu, p, f, y.ch),
           sum(y.rcv)::bigint, coalesce(sum(y.ron), 0)::bigint, coalesce(sum(y.rdi), 0)::bigint,
           sum(y.car)::bigint, sum(y.e)::bigint, sum(y.e1)::bigint, sum(y.e2)::bigint,
           sum(y.e3)::bigint, sum(y.ot)::bigint, sum(y.oo)::bigint, sum(y.g1)::bigint,
           sum(y.g2)::bigint, sum(y.ok)::bigint
    FROM y
    JOIN us ON us.id = y.uid
    JOIN unit gu ON gu.id = us.gid
    LEFT JOIN procedure p ON p.id = y.proc
    LEFT JOIN field f ON f.id = p.field_id
    GROUP BY 1, 2
    HAVING sum(y.rcv) + sum(y.car) + sum(y.e) + sum(y.ot) <> 0
    ORDER BY 1, 2;
END
$$;

CREATE OR REPLACE FUNCTION report_figures_raw(p_from date, p_to date, p_g1 text, p_g2 text, p_by text,
                                   p_structure text, p_scope bigint, p_unit bigint,
                                   p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure)),
    d AS (
        SELECT d.*, report_lday(d.received_at) AS rday, report_lday(d.ended_at) AS eday,
               report_cls_legal(d.ended_at, d.legal_due_at, d.has_appointment) AS c,
               report_ok_766(d.ended_at, d.supplement_seconds, d.appointment_at,
                             d.legal_due_at) AS ok
        FROM dossier d
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
    ), y AS (
        SELECT d.*, (d.rday <= p_to AND (d.ended_at IS NULL OR d.eday > p_to)) AS open_end
        FROM d
        WHERE d.rday <= p_to AND (d.ended_at IS NULL OR d.eday >= p_from)
    ), z AS (
        SELECT y.*, CASE WHEN y.open_end THEN report_open_state(y.id, y.legal_due_at,
                    y.appointment_at, least(report_lstart(p_to + 1), now())) END AS st
        FROM y
    )
    SELECT report_key(p_g1, gu, p, f, z.channel), report_key(p_g2, gu, p, f, z.channel),
           count(*) FILTER (WHERE z.rday >= p_from),
           count(*) FILTER (WHERE z.rday >= p_from AND z.channel = 2),
           count(*) FILTER (WHERE z.rday >= p_from AND z.channel <> 2),
           count(*) FILTER (WHERE z.rday < p_from),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 1),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 2),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 3),
           count(*) FILTER (WHERE z.open_end),
           count(*) FILTER (WHERE z.open_end AND z.st & 1 = 1),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.ok),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND NOT z.ok),
           count(*) FILTER (WHERE z.open_end AND z.st >> 1 = 1)
    FROM z
    JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN z.receiving_unit_id
                            ELSE z.resolving_unit_id END
    JOIN unit gu ON gu.id = us.gid
    JOIN procedure p ON p.id = z.procedure_id
    JOIN field f ON f.id = p.field_id
    GROUP BY 1, 2
    ORDER BY 1, 2
$$;

CREATE OR REPLACE FUNCTION report_figures_asof(p_asof timestamptz, p_from date, p_to date, p_g1 text,
                                    p_g2 text, p_by text, p_structure text, p_scope bigint,
                                    p_unit bigint, p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure)),
    kn AS (
        SELECT e.dossier_id, max(e.occurred_at) AS k
        FROM dossier_event e WHERE e.recorded_at <= p_asof GROUP BY e.dossier_id
    ), dk AS (
        SELECT d.id, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel,
               d.received_at, d.appointment_at, d.has_appointment, d.supplement_seconds, kn.k,
               CASE WHEN d.ended_at <= kn.k THEN d.ended_at END AS ended_at,
               CASE WHEN d.ended_at <= kn.k THEN d.legal_due_at
                    ELSE coalesce(
                        (SELECT p.due_after FROM dossier_pause p
                         WHERE p.dossier_id = d.id AND p.counted AND p.resolved_at <= kn.k
                         ORDER BY p.n DESC LIMIT 1),
                        (SELECT p.due_before FROM dossier_pause p
                         WHERE p.dossier_id = d.id AND p.counted ORDER BY p.n LIMIT 1),
                        d.legal_due_at) END AS legal_due_at
        FROM dossier d JOIN kn ON kn.dossier_id = d.id
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL AND d.received_at <= kn.k
    ), d AS (
        SELECT dk.*, report_lday(dk.received_at) AS rday, report_lday(dk.ended_at) AS eday,
               report_cls_legal(dk.ended_at, dk.legal_due_at, dk.has_appointment) AS c,
               report_ok_766(dk.ended_at, dk.supplement_seconds, dk.appointment_at,
                             dk.legal_due_at) AS ok
        FROM dk
    ), y AS (
        SELECT d.*, (d.rday <= p_to AND (d.ended_at IS NULL OR d.eday > p_to)) AS open_end
        FROM d
        WHERE d.rday <= p_to AND (d.ended_at IS NULL OR d.eday >= p_from)
    ), z AS (
        SELECT y.*, CASE WHEN y.open_end THEN report_open_state_k(y.id, y.legal_due_at,
                    y.appointment_at, least(report_lstart(p_to + 1), p_asof), y.k) END AS st
        FROM y
    )
    SELECT report_key(p_g1, gu, p, f, z.channel), report_key(p_g2, gu, p, f, z.channel),
           count(*) FILTER (WHERE z.rday >= p_from),
           count(*) FILTER (WHERE z.rday >= p_from AND z.channel = 2),
           count(*) FILTER (WHERE z.rday >= p_from AND z.channel <> 2),
           count(*) FILTER (WHERE z.rday < p_from),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 1),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 2),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.c = 3),
           count(*) FILTER (WHERE z.open_end),
           count(*) FILTER (WHERE z.open_end AND z.st & 1 = 1),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND z.ok),
           count(*) FILTER (WHERE z.eday BETWEEN p_from AND p_to AND NOT z.ok),
           count(*) FILTER (WHERE z.open_end AND z.st >> 1 = 1)
    FROM z
    JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN z.receiving_unit_id
                            ELSE z.resolving_unit_id END
    JOIN unit gu ON gu.id = us.gid
    JOIN procedure p ON p.id = z.procedure_id
    JOIN field f ON f.id = p.field_id
    GROUP BY 1, 2
    ORDER BY 1, 2
$$;

CREATE OR REPLACE FUNCTION report_cell_list(p_from date, p_to date, p_cell text, p_by text,
                                 p_structure text, p_scope bigint, p_unit bigint, p_sub boolean,
                                 k_unit text, k_level text, k_procedure text, k_field text,
                                 k_channel smallint, p_after_id bigint, p_limit int)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, procedure_code text,
               field_code text, unit_code text, unit_level text, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure)),
    z AS (
        SELECT d.*, report_lday(d.received_at) AS rday, report_lday(d.ended_at) AS eday,
               gu.code AS gcode, gu.level AS glevel, p.code AS pcode, f.code AS fcode
        FROM dossier d
        JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN d.receiving_unit_id
                                ELSE d.resolving_unit_id END
        JOIN unit gu ON gu.id = us.gid
        JOIN procedure p ON p.id = d.procedure_id
        JOIN field f ON f.id = p.field_id
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
          AND d.received_at < report_lstart(p_to + 1)
          AND (d.ended_at IS NULL OR d.ended_at >= report_lstart(p_from))
          AND (k_unit IS NULL OR gu.code = k_unit) AND (k_level IS NULL OR gu.level = k_level)
          AND (k_procedure IS NULL OR p.code = k_procedure)
          AND (k_field IS NULL OR f.code = k_field)
          AND (k_channel IS NULL OR d.channel = k_channel)
          AND (p_after_id IS NULL OR d.id > p_after_id)
    ), c AS (
        SELECT z.*,
               z.rday >= p_from AS is_rcv,
               z.eday BETWEEN p_from AND p_to AS is_end,
               (z.ended_at IS NULL OR z.eday > p_to) AS is_open,
               CASE WHEN z.eday BETWEEN p_from AND p_to
                    THEN report_cls_legal(z.ended_at, z.legal_due_at, z.has_appointment) END AS cls,
               CASE WHEN z.eday BETWEEN p_from AND p_to
                    THEN report_ok_766(z.ended_at, z.supplement_seconds, z.appointment_at,
                                       z.legal_due_at) END AS ok,
               CASE WHEN z.ended_at IS NULL OR z.eday > p_to
                    THEN report_open_state(z.id, z.legal_due_at, z.appointment_at,
                                           least(report_lstart(p_to + 1), now())) END AS st
        FROM z
    )
    SELECT c.id, c.code, c.state, c.channel, c.pcode, c.fcode, c.gcode, c.glevel, c.received_at,
           c.appointment_at, c.legal_due_at, c.ended_at
    FROM c
    WHERE CASE p_cell
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

CREATE OR REPLACE FUNCTION report_late_list(p_from date, p_to date, p_by text, p_structure text,
                                 p_scope bigint, p_unit bigint, p_sub boolean,
                                 p_after_id bigint, p_limit int)
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
                       AND coalesce(s.ended_at, d.ended_at, least(report_lstart(p_to + 1), now()))
                           > s.planned_end_at), '[]'::jsonb)
    FROM (SELECT x.id, 'late' AS cell
          FROM report_cell_list(p_from, p_to, 'late', p_by, p_structure, p_scope, p_unit, p_sub,
                                NULL, NULL, NULL, NULL, NULL, p_after_id, p_limit) x
          UNION ALL
          SELECT x.id, 'open_overdue'
          FROM report_cell_list(p_from, p_to, 'open_overdue', p_by, p_structure, p_scope, p_unit,
                                p_sub, NULL, NULL, NULL, NULL, NULL, p_after_id, p_limit) x) l
    JOIN dossier d ON d.id = l.id
    JOIN procedure p ON p.id = d.procedure_id
    JOIN unit ru ON ru.id = d.resolving_unit_id
    ORDER BY l.id
    LIMIT p_limit
$$;
