-- 065_report_asof.sql - "as of a past instant" uses only what was known at that instant.
--
-- report_figures_asof (020, 061) took each dossier's horizon from its events but read the
-- appointment, the legal due and the unit mapping from today's rows: a later calendar
-- re-projection (event calendar_reprojected), a later pause resolution or a later successor
-- link changed what a past report said. Now the figures as of instant A are the live
-- report's rules applied to the database as it stood at A, rebuilt from the event log
-- (dossier_event, events with recorded_at <= A):
--   * state: the to_state of the last event recorded by A; counted iff not 1 / 3 (§7.3);
--   * end (§7.1): the first event recorded by A into 9, else 10, else 8, else 7;
--   * appointment and legal due: the value after the last event recorded by A that changed
--     them (calendar_reprojected: appointment_after / legal_due_after; the resume of a pause,
--     receive_supplement / payment_done: due_after), else the value before the first event
--     that ever changed them (its *_before), else the row's (never changed);
--   * pause ledger: pause n exists iff the n-th pause request (request_supplement,
--     request_payment) was recorded by A; it is resolved iff the event resuming it
--     (payload pause_n = n) was recorded by A;
--   * units: report_units_k (064): successor links in force and recorded by A.
-- Receiving / resolving unit, procedure, channel and the reception instant never change
-- after reception. Parent links have no history (the tree is today's).
-- The cell lists behind the figures take the same reconstruction (report_cell_list_asof).
-- Cost: a plain scan of the event log recorded by A and of the dossiers (audits, seconds at
-- millions of dossiers), as before. Owner: rep.

-- Every dossier received as known at p_asof, with the fields the figures read.
CREATE FUNCTION report_asof_rows(p_asof timestamptz)
RETURNS TABLE (id bigint, code text, state smallint, resolving_unit_id bigint,
               receiving_unit_id bigint, procedure_id bigint, channel smallint,
               received_at timestamptz, ended_at timestamptz, appointment_at timestamptz,
               legal_due_at timestamptz, has_appointment boolean, supplement_seconds bigint,
               nreq int)
LANGUAGE sql STABLE AS $$
    WITH ev AS (
        SELECT e.dossier_id,
               (array_agg(e.to_state ORDER BY e.seq DESC))[1] AS st,
               coalesce(min(e.occurred_at) FILTER (WHERE e.to_state = 9),
                        min(e.occurred_at) FILTER (WHERE e.to_state = 10),
                        min(e.occurred_at) FILTER (WHERE e.to_state = 8),
                        min(e.occurred_at) FILTER (WHERE e.to_state = 7)) AS ended_at,
               count(*) FILTER (WHERE e.type IN ('request_supplement', 'request_payment'))::int
                   AS nreq,
               bool_or(e.payload ? 'appointment_after') AS appt_known,
               (array_agg(e.payload ->> 'appointment_after' ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'appointment_after'))[1] AS appt,
               bool_or(e.payload ? 'legal_due_after' OR e.payload ? 'due_after') AS due_known,
               (array_agg(coalesce(e.payload ->> 'legal_due_after', e.payload ->> 'due_after')
                          ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'legal_due_after' OR e.payload ? 'due_after'))[1]
                   AS due
        FROM dossier_event e
        WHERE e.recorded_at <= p_asof
        GROUP BY e.dossier_id
    )
    SELECT d.id, d.code, ev.st, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,
           d.channel, d.received_at, ev.ended_at,
           CASE WHEN ev.appt_known THEN ev.appt::timestamptz
                ELSE coalesce((SELECT x.payload ->> 'appointment_before' FROM dossier_event x
                               WHERE x.dossier_id = d.id AND x.payload ? 'appointment_before'
                               ORDER BY x.seq LIMIT 1)::timestamptz, d.appointment_at) END,
           CASE WHEN ev.due_known THEN ev.due::timestamptz
                ELSE coalesce((SELECT coalesce(x.payload ->> 'legal_due_before',
                                               x.payload ->> 'due_before')
                               FROM dossier_event x
                               WHERE x.dossier_id = d.id
                                 AND (x.payload ? 'legal_due_before' OR x.payload ? 'due_before')
                               ORDER BY x.seq LIMIT 1)::timestamptz, d.legal_due_at) END,
           d.has_appointment, d.supplement_seconds, ev.nreq
    FROM ev JOIN dossier d ON d.id = ev.dossier_id
    WHERE ev.st NOT IN (1, 3) AND d.received_at IS NOT NULL
$$;

-- report_open_state (020) at instant t over the pause ledger as known at p_asof: the first
-- p_nreq pauses, each resolved only if its resume event was recorded by p_asof.
CREATE FUNCTION report_open_state_asof(p_id bigint, p_legal_due timestamptz,
                                       p_appointment timestamptz, t timestamptz,
                                       p_asof timestamptz, p_nreq int)
RETURNS int
LANGUAGE sql STABLE AS $$
    WITH pk AS (
        SELECT p.n, p.reason, p.counted, p.was_late, p.requested_at, p.due_before,
               CASE WHEN r.known THEN p.resolved_at END AS resolved_at,
               CASE WHEN r.known THEN p.due_after END AS due_after
        FROM dossier_pause p
        CROSS JOIN LATERAL (
            SELECT p.resolved_at IS NOT NULL
                   AND EXISTS (SELECT 1 FROM dossier_event e
                               WHERE e.dossier_id = p_id AND e.recorded_at <= p_asof
                                 AND e.payload ->> 'pause_n' = p.n::text) AS known) r
        WHERE p.dossier_id = p_id AND p.n <= p_nreq
    ), pz AS (
        SELECT * FROM pk WHERE requested_at <= t
    ), run AS (
        SELECT was_late FROM pz
        WHERE counted AND (resolved_at IS NULL OR resolved_at > t) ORDER BY n DESC LIMIT 1
    ), due AS (
        SELECT coalesce(
            (SELECT due_after FROM pz WHERE counted AND resolved_at <= t ORDER BY n DESC LIMIT 1),
            (SELECT due_before FROM pk WHERE counted ORDER BY n LIMIT 1),
            p_legal_due) AS at
    ), sup AS (
        SELECT count(*) AS nreq,
               coalesce(sum(extract(epoch FROM least(coalesce(resolved_at, t), t) - requested_at))
                        FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= t), 0) AS closed_s,
               min(requested_at) FILTER (WHERE resolved_at IS NULL OR resolved_at > t) AS waiting
        FROM pz WHERE reason = 'supplement'
    )
    SELECT (CASE WHEN EXISTS (SELECT 1 FROM run) THEN (SELECT was_late FROM run)
                 ELSE (SELECT at FROM due) IS NOT NULL AND t > (SELECT at FROM due) END)::int
         + 2 * (CASE
                 WHEN coalesce(p_appointment, p_legal_due) IS NULL THEN true
                 WHEN (SELECT waiting FROM sup) IS NOT NULL THEN
                     (SELECT nreq FROM sup) <= 1
                     AND (SELECT waiting FROM sup)
                         - make_interval(secs => (SELECT closed_s FROM sup))
                         <= coalesce(p_appointment, p_legal_due)
                 ELSE t - make_interval(secs => (SELECT closed_s FROM sup))
                      <= coalesce(p_appointment, p_legal_due) END)::int
$$;

CREATE OR REPLACE FUNCTION report_figures_asof(p_asof timestamptz, p_from date, p_to date,
                                               p_g1 text, p_g2 text, p_by text, p_structure text,
                                               p_scope bigint, p_unit bigint, p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (
        SELECT * FROM report_units_k(p_scope, p_unit, p_sub, p_structure, p_asof)
    ), d AS (
        SELECT a.*, report_lday(a.received_at) AS rday, report_lday(a.ended_at) AS eday,
               report_cls_legal(a.ended_at, a.legal_due_at, a.has_appointment) AS c,
               report_ok_766(a.ended_at, a.supplement_seconds, a.appointment_at,
                             a.legal_due_at) AS ok
        FROM report_asof_rows(p_asof) a
    ), y AS (
        SELECT d.*, (d.rday <= p_to AND (d.ended_at IS NULL OR d.eday > p_to)) AS open_end
        FROM d
        WHERE d.rday <= p_to AND (d.ended_at IS NULL OR d.eday >= p_from)
    ), z AS (
        SELECT y.*, CASE WHEN y.open_end THEN report_open_state_asof(y.id, y.legal_due_at,
                    y.appointment_at, least(report_lstart(p_to + 1), p_asof), p_asof, y.nreq)
                    END AS st
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

-- report_cell_list (061) as known at p_asof: the dossiers of one cell of
-- report_figures_asof, with their appointment and legal due as known then.
CREATE FUNCTION report_cell_list_asof(p_asof timestamptz, p_from date, p_to date, p_cell text,
                                      p_by text, p_structure text, p_scope bigint,
                                      p_unit bigint, p_sub boolean, k_unit text, k_level text,
                                      k_procedure text, k_field text, k_channel smallint,
                                      p_after_id bigint, p_limit int)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, procedure_code text,
               field_code text, unit_code text, unit_level text, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (
        SELECT * FROM report_units_k(p_scope, p_unit, p_sub, p_structure, p_asof)
    ), z AS (
        SELECT a.*, report_lday(a.received_at) AS rday, report_lday(a.ended_at) AS eday,
               gu.code AS gcode, gu.level AS glevel, p.code AS pcode, f.code AS fcode
        FROM report_asof_rows(p_asof) a
        JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN a.receiving_unit_id
                                ELSE a.resolving_unit_id END
        JOIN unit gu ON gu.id = us.gid
        JOIN procedure p ON p.id = a.procedure_id
        JOIN field f ON f.id = p.field_id
        WHERE a.received_at < report_lstart(p_to + 1)
          AND (a.ended_at IS NULL OR a.ended_at >= report_lstart(p_from))
          AND (k_unit IS NULL OR gu.code = k_unit) AND (k_level IS NULL OR gu.level = k_level)
          AND (k_procedure IS NULL OR p.code = k_procedure)
          AND (k_field IS NULL OR f.code = k_field)
          AND (k_channel IS NULL OR a.channel = k_channel)
          AND (p_after_id IS NULL OR a.id > p_after_id)
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
                    THEN report_open_state_asof(z.id, z.legal_due_at, z.appointment_at,
                                                least(report_lstart(p_to + 1), p_asof), p_asof,
                                                z.nreq) END AS st
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
