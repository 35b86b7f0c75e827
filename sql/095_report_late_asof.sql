-- 095_report_late_asof.sql - Biểu 06's late list as of a past instant (?as_of=).
--
-- report_late_list (021, 061) read the steps, the legal due, the end and the official from
-- today's rows, so its dossiers and their responsible steps moved with later events while
-- the figures, Biểu 06 and the cell lists as of A did not (065). report_late_list_asof takes
-- its dossiers from report_cell_list_asof (cells 'late' and 'open_overdue', 065: state,
-- end, appointment, legal due, pause ledger and units as known at A) and rebuilds the
-- steps from the events recorded by A (events are recorded in seq order, so those known at
-- A are a prefix of the dossier's log):
--   * step n exists iff the n-th hand_over (the only event that starts a step or leg) was
--     recorded by A; its planned end never changes after;
--   * its end is known iff an event recorded by A after that hand_over occurred at the
--     row's ended_at (the next hand_over or the end closes it), else it was open at A;
--   * its official: the row's when no assign recorded after A fell in its lifetime, else the
--     last assign recorded by A in its lifetime, else none;
--   * the dossier's official (attribution without an overrun step): the row's when no
--     assign or hand_over was recorded after A, else the last assign recorded by A after the
--     last hand_over by A into another unit, else none.
-- Limitation: an official carried over by a hand_over within the same unit and replaced by
-- an assign after A shows as none (the value at the hand_over is not in the log).
-- Cost: that of report_cell_list_asof (a plain scan, for audits). Owner: rep.

CREATE FUNCTION report_late_list_asof(p_asof timestamptz, p_from date, p_to date, p_by text,
                                      p_structure text, p_scope bigint, p_unit bigint,
                                      p_sub boolean, p_after_id bigint, p_limit int)
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
