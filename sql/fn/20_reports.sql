-- fn/20_reports.sql - the report functions (domain.md §7, §8): local days and boundaries, the
-- state of a dossier at an instant, the summaries' maintenance (contributions, sealing,
-- rebuild), the report's units, and the figures (summaries, plain scan, as of), the trend.
-- Tables and triggers: sql/020_report.sql, 064, 065. Owner: report engineer.
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes, in one transaction with the other changed files (sql/fn/README).
-- Every function here is defined only here: change its body in place.

-- Local (UTC+7, no DST) date of an instant, and local midnight of a date.
CREATE OR REPLACE FUNCTION report_lday(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT ((t + interval '7 hours') AT TIME ZONE 'UTC')::date
$$;

CREATE OR REPLACE FUNCTION report_lstart(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT (d::timestamp - interval '7 hours') AT TIME ZONE 'UTC'
$$;

-- Ended dossier, rule set `legal` (domain.md §7.1): 1 early (local date of the end before
-- the local date of legal_due; only with an appointment), 2 on time (end <= legal_due),
-- 3 late. A received dossier without any due instant cannot be late: on time.
CREATE OR REPLACE FUNCTION report_cls_legal(ended_at timestamptz, legal_due_at timestamptz,
                                            has_appointment boolean) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN legal_due_at IS NULL THEN 2
        WHEN has_appointment AND report_lday(ended_at) < report_lday(legal_due_at) THEN 1
        WHEN ended_at <= legal_due_at THEN 2
        ELSE 3 END
$$;

-- The legal due of dossier p_id before any counted pause moved it: the first counted pause's
-- due_before (the legal due as of its request), else p_legal_due (dossier.legal_due_at, not
-- moved then). Without an appointment this is the maximum duration's due on the working
-- calendar, what dvcqg766 compares with (docs/domain.md "Classification", dvcqg766).
CREATE OR REPLACE FUNCTION report_due_unmoved(p_id bigint, p_legal_due timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT p.due_before FROM dossier_pause p
                     WHERE p.dossier_id = p_id AND p.counted ORDER BY p.n LIMIT 1), p_legal_due)
$$;

-- Ended dossier p_id, rule set `dvcqg766` (domain.md §7.2): on time iff end minus the
-- wall-clock supplement time <= the original appointment (NgayHenTra). Without an appointment
-- the maximum duration's due stands in for it, as it was before counted pauses moved
-- legal_due_at (report_due_unmoved: the supplement time is subtracted once, not also added
-- to the due). Inlined into its callers; the ledger is read only without an appointment.
CREATE OR REPLACE FUNCTION report_ok_766(p_id bigint, ended_at timestamptz,
                                         supplement_seconds bigint, appointment_at timestamptz,
                                         legal_due_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(appointment_at, legal_due_at) IS NULL
        OR ended_at - make_interval(secs => supplement_seconds)
           <= coalesce(appointment_at, report_due_unmoved(p_id, legal_due_at))
$$;

-- A dossier not ended at instant t: bit 1 = overdue under `legal` (§7.1: t > legal_due as of
-- t; a dossier paused at t is in time iff it was not late when the pause began), bit 2 = in
-- time under `dvcqg766` (§7.2: awaiting a supplement at t counts as ended at the request,
-- late when requested more than once; otherwise t minus the supplement time so far <= the
-- appointment). legal_due as of t comes from the pause ledger: the due after the last counted
-- pause resolved by t, else the due before the first counted pause, else legal_due_at.
-- As known at instant k: with p_nreq NULL, the ledger facts after k are unknown (a pause
-- requested after k did not exist, one resolved after k was still running; k = infinity:
-- everything known, p_legal_due the stored legal_due_at); with p_nreq set (`as_of`, the
-- dossier as report_asof_rows rebuilt it, p_legal_due its due as known then), the first
-- p_nreq pauses, each resolved only if its resume event was recorded by k.
CREATE OR REPLACE FUNCTION report_open_state_of(p_id bigint, p_legal_due timestamptz,
                                                p_appointment timestamptz, t timestamptz,
                                                k timestamptz, p_nreq int)
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH pk AS (
        SELECT p.n, p.reason, p.counted, p.was_late, p.requested_at, p.due_before,
               CASE WHEN r.known THEN p.resolved_at END AS resolved_at,
               CASE WHEN r.known THEN p.due_after END AS due_after
        FROM dossier_pause p
        CROSS JOIN LATERAL (
            SELECT CASE WHEN p_nreq IS NULL THEN p.resolved_at <= k
                        ELSE p.resolved_at IS NOT NULL
                             AND EXISTS (SELECT 1 FROM dossier_event e
                                         WHERE e.dossier_id = p_id AND e.recorded_at <= k
                                           AND e.payload ->> 'pause_n' = p.n::text) END AS known) r
        WHERE p.dossier_id = p_id
          AND CASE WHEN p_nreq IS NULL THEN p.requested_at <= k ELSE p.n <= p_nreq END
    ), pz AS (
        SELECT * FROM pk WHERE requested_at <= t
    ), run AS (
        SELECT was_late FROM pz
        WHERE counted AND (resolved_at IS NULL OR resolved_at > t) ORDER BY n DESC LIMIT 1
    ), due AS (
        -- the due after the last counted pause resolved by t, else the due before the first
        -- counted pause, else the dossier's (the stored one moved by pauses after k: unmoved)
        SELECT coalesce(
            (SELECT due_after FROM pz WHERE counted AND resolved_at <= t ORDER BY n DESC LIMIT 1),
            (SELECT due_before FROM pk WHERE counted ORDER BY n LIMIT 1),
            CASE WHEN p_nreq IS NULL THEN report_due_unmoved(p_id, p_legal_due)
                 ELSE p_legal_due END) AS at
    ), a766 AS (
        SELECT coalesce(p_appointment, report_due_unmoved(p_id, p_legal_due)) AS at
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
                 WHEN (SELECT at FROM a766) IS NULL THEN true
                 WHEN (SELECT waiting FROM sup) IS NOT NULL THEN
                     (SELECT nreq FROM sup) <= 1
                     AND (SELECT waiting FROM sup) - make_interval(secs => (SELECT closed_s FROM sup))
                         <= (SELECT at FROM a766)
                 ELSE t - make_interval(secs => (SELECT closed_s FROM sup))
                      <= (SELECT at FROM a766) END)::int
$$;

-- The state bits at t with the ledger facts after k unknown (report_open_state_of).
CREATE OR REPLACE FUNCTION report_open_state_k(p_id bigint, p_legal_due timestamptz,
                                               p_appointment timestamptz, t timestamptz,
                                               k timestamptz)
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT report_open_state_of(p_id, p_legal_due, p_appointment, t, k, NULL)
$$;

-- The same at instant t with everything known (k = infinity): what the summaries and the
-- live reports use. One definition of the rule, so as_of and live cannot drift apart.
CREATE OR REPLACE FUNCTION report_open_state(p_id bigint, p_legal_due timestamptz,
                                             p_appointment timestamptz, t timestamptz) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT report_open_state_k(p_id, p_legal_due, p_appointment, t, 'infinity')
$$;

-- Boundaries (domain.md §8.2): every official period ends on local day 14 of a month.
-- First boundary on or after local day d.
CREATE OR REPLACE FUNCTION report_bound_from(d date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT (make_date(extract(year FROM d)::int, extract(month FROM d)::int, 14)
            + CASE WHEN extract(day FROM d) <= 14 THEN interval '0'
                   ELSE interval '1 month' END)::date
$$;

-- Adds (sign = 1) or removes (sign = -1) one dossier row image's contribution.
CREATE OR REPLACE FUNCTION report_contrib(d dossier, sign int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rday date;
    eday date;
    c int;
    ok boolean;
BEGIN
    IF d.state IN (1, 3) OR d.received_at IS NULL THEN
        RETURN;
    END IF;
    rday := report_lday(d.received_at);
    INSERT INTO report_day AS r (day, resolving_unit_id, receiving_unit_id, procedure_id, channel,
                                 received)
    VALUES (rday, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, sign)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
    DO UPDATE SET received = r.received + EXCLUDED.received;
    INSERT INTO report_month AS r (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                   channel, received)
    VALUES (report_bound_from(rday), d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,
            d.channel, sign)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
    DO UPDATE SET received = r.received + EXCLUDED.received;
    INSERT INTO report_month_unit AS r (day, resolving_unit_id, receiving_unit_id, channel,
                                        received)
    VALUES (report_bound_from(rday), d.resolving_unit_id, d.receiving_unit_id, d.channel, sign)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, channel)
    DO UPDATE SET received = r.received + EXCLUDED.received;
    IF d.ended_at IS NULL THEN
        RETURN;
    END IF;
    eday := report_lday(d.ended_at);
    c := report_cls_legal(d.ended_at, d.legal_due_at, d.has_appointment);
    ok := report_ok_766(d.id, d.ended_at, d.supplement_seconds, d.appointment_at,
                        d.legal_due_at);
    INSERT INTO report_day AS r (day, resolving_unit_id, receiving_unit_id, procedure_id, channel,
                                 ended, ended_early, ended_on_time, ended_late, ended_ok766,
                                 ended_late766)
    VALUES (eday, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, sign,
            CASE WHEN c = 1 THEN sign ELSE 0 END, CASE WHEN c = 2 THEN sign ELSE 0 END,
            CASE WHEN c = 3 THEN sign ELSE 0 END, CASE WHEN ok THEN sign ELSE 0 END,
            CASE WHEN ok THEN 0 ELSE sign END)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
    DO UPDATE SET ended = r.ended + EXCLUDED.ended,
                  ended_early = r.ended_early + EXCLUDED.ended_early,
                  ended_on_time = r.ended_on_time + EXCLUDED.ended_on_time,
                  ended_late = r.ended_late + EXCLUDED.ended_late,
                  ended_ok766 = r.ended_ok766 + EXCLUDED.ended_ok766,
                  ended_late766 = r.ended_late766 + EXCLUDED.ended_late766;
    INSERT INTO report_month AS r (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                   channel, ended, ended_early, ended_on_time, ended_late,
                                   ended_ok766, ended_late766)
    VALUES (report_bound_from(eday), d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,
            d.channel, sign,
            CASE WHEN c = 1 THEN sign ELSE 0 END, CASE WHEN c = 2 THEN sign ELSE 0 END,
            CASE WHEN c = 3 THEN sign ELSE 0 END, CASE WHEN ok THEN sign ELSE 0 END,
            CASE WHEN ok THEN 0 ELSE sign END)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
    DO UPDATE SET ended = r.ended + EXCLUDED.ended,
                  ended_early = r.ended_early + EXCLUDED.ended_early,
                  ended_on_time = r.ended_on_time + EXCLUDED.ended_on_time,
                  ended_late = r.ended_late + EXCLUDED.ended_late,
                  ended_ok766 = r.ended_ok766 + EXCLUDED.ended_ok766,
                  ended_late766 = r.ended_late766 + EXCLUDED.ended_late766;
    INSERT INTO report_month_unit AS r (day, resolving_unit_id, receiving_unit_id, channel,
                                        ended, ended_early, ended_on_time, ended_late,
                                   ended_ok766, ended_late766)
    VALUES (report_bound_from(eday), d.resolving_unit_id, d.receiving_unit_id, d.channel, sign,
            CASE WHEN c = 1 THEN sign ELSE 0 END, CASE WHEN c = 2 THEN sign ELSE 0 END,
            CASE WHEN c = 3 THEN sign ELSE 0 END, CASE WHEN ok THEN sign ELSE 0 END,
            CASE WHEN ok THEN 0 ELSE sign END)
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, channel)
    DO UPDATE SET ended = r.ended + EXCLUDED.ended,
                  ended_early = r.ended_early + EXCLUDED.ended_early,
                  ended_on_time = r.ended_on_time + EXCLUDED.ended_on_time,
                  ended_late = r.ended_late + EXCLUDED.ended_late,
                  ended_ok766 = r.ended_ok766 + EXCLUDED.ended_ok766,
                  ended_late766 = r.ended_late766 + EXCLUDED.ended_late766;
END
$$;

-- Last boundary whose end instant (local midnight after it) is at or before t.
CREATE OR REPLACE FUNCTION report_bound_upto(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT (make_date(extract(year FROM x)::int, extract(month FROM x)::int, 14)
            - CASE WHEN extract(day FROM x) >= 14 THEN interval '0'
                   ELSE interval '1 month' END)::date
    FROM (SELECT report_lday(t) - 1 AS x) v
$$;

-- report_open_state of a dossier row image at t, without the ledger lookups when the dossier
-- has no pause row at all (the ledger cannot change the answer then).
CREATE OR REPLACE FUNCTION report_state_at(d dossier, t timestamptz) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM dossier_pause p WHERE p.dossier_id = d.id) THEN
            (d.legal_due_at IS NOT NULL AND t > d.legal_due_at)::int
            + 2 * (coalesce(d.appointment_at, d.legal_due_at) IS NULL
                   OR t <= coalesce(d.appointment_at, d.legal_due_at))::int
        ELSE report_open_state(d.id, d.legal_due_at, d.appointment_at, t) END
$$;

-- The state bits of a dossier row image at each boundary it is open at, up to p_upto, from
-- report_bound_from(its reception day) on; NULL when none (not counted, or spans none).
CREATE OR REPLACE FUNCTION report_bound_states(d dossier, p_upto date) RETURNS smallint[]
LANGUAGE sql STABLE AS $$
    SELECT array_agg(report_state_at(d, report_lstart(g::date + 1))::smallint ORDER BY g)
    FROM generate_series(report_bound_from(report_lday(d.received_at))::timestamp,
                         least(p_upto, coalesce(report_lday(d.ended_at) - 1, p_upto))::timestamp,
                         interval '1 month') g
    WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
$$;

-- Adds (sign 1) or removes (-1) a memo's contribution to report_bound.
CREATE OR REPLACE FUNCTION report_bound_add(p_res bigint, p_rec bigint, p_proc bigint,
                                            p_ch smallint, p_b0 date, p_sts smallint[], sign int)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_bound AS r (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                   channel, open, overdue, ok766)
    SELECT (p_b0 + make_interval(months => i - 1))::date, p_res, p_rec, p_proc, p_ch, sign,
           sign * (p_sts[i] & 1), sign * (p_sts[i] >> 1)
    FROM generate_subscripts(p_sts, 1) i
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
    DO UPDATE SET open = r.open + EXCLUDED.open, overdue = r.overdue + EXCLUDED.overdue,
                  ok766 = r.ok766 + EXCLUDED.ok766;
    INSERT INTO report_bound_unit AS r (day, resolving_unit_id, receiving_unit_id, channel, open,
                                        overdue, ok766)
    SELECT (p_b0 + make_interval(months => i - 1))::date, p_res, p_rec, p_ch, sign,
           sign * (p_sts[i] & 1), sign * (p_sts[i] >> 1)
    FROM generate_subscripts(p_sts, 1) i
    ON CONFLICT (day, resolving_unit_id, receiving_unit_id, channel)
    DO UPDATE SET open = r.open + EXCLUDED.open, overdue = r.overdue + EXCLUDED.overdue,
                  ok766 = r.ok766 + EXCLUDED.ok766
$$;

-- Brings one dossier's boundary contribution in line with its current row and pause ledger:
-- recompute, compare with the memo, and if different remove the memo's and add the new.
-- Idempotent, so it may run for every change (dossier row or ledger). The shared advisory
-- lock orders it against report_seal_to (exclusive): the sealed boundary read here is the
-- one the sealer's scan was made for.
CREATE OR REPLACE FUNCTION report_bound_sync(p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    u date;
    d dossier;
    m report_bound_memo;
    nb date;
    ns smallint[];
BEGIN
    PERFORM pg_advisory_xact_lock_shared(74130614);
    SELECT upto INTO u FROM report_seal;
    SELECT * INTO d FROM dossier WHERE id = p_id;
    SELECT * INTO m FROM report_bound_memo WHERE dossier_id = p_id FOR UPDATE;
    IF d.id IS NOT NULL AND d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
       AND report_lday(d.received_at) <= u THEN
        nb := report_bound_from(report_lday(d.received_at));
        ns := report_bound_states(d, u);
    END IF;
    IF m.dossier_id IS NOT NULL THEN
        IF ns IS NOT NULL AND (m.resolving_unit_id, m.receiving_unit_id, m.procedure_id,
                               m.channel, m.b0, m.sts)
           = (d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, nb, ns) THEN
            RETURN;
        END IF;
        PERFORM report_bound_add(m.resolving_unit_id, m.receiving_unit_id, m.procedure_id,
                                 m.channel, m.b0, m.sts, -1);
        DELETE FROM report_bound_memo WHERE dossier_id = p_id;
    END IF;
    IF ns IS NOT NULL THEN
        PERFORM report_bound_add(d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,
                                 d.channel, nb, ns, 1);
        INSERT INTO report_bound_memo VALUES (p_id, d.resolving_unit_id, d.receiving_unit_id,
                                              d.procedure_id, d.channel, nb, ns);
    END IF;
END
$$;

-- Seals boundary b (its end instant has passed): adds every dossier open at its end, with its
-- state then, to report_bound and appends it to their memos. The open ones come through the
-- partial index report_open_received, the ended ones through dossier_ended (ended since).
CREATE OR REPLACE FUNCTION report_seal_one(b date) RETURNS void
LANGUAGE sql AS $$
    WITH s AS MATERIALIZED (
        SELECT d.id, d.resolving_unit_id AS res, d.receiving_unit_id AS rec,
               d.procedure_id AS proc, d.channel AS ch,
               report_state_at(d, report_lstart(b + 1)) AS st
        FROM dossier d
        WHERE d.ended_at IS NULL AND d.state NOT IN (1, 3)
          AND d.received_at < report_lstart(b + 1)
        UNION ALL
        SELECT d.id, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel,
               report_state_at(d, report_lstart(b + 1))
        FROM dossier d
        WHERE d.ended_at IS NOT NULL AND d.ended_at >= report_lstart(b + 1)
          AND d.state NOT IN (1, 3) AND d.received_at < report_lstart(b + 1)
    ), a AS (
        INSERT INTO report_bound AS r (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                       channel, open, overdue, ok766)
        SELECT b, res, rec, proc, ch, count(*), sum(st & 1), sum(st >> 1)
        FROM s GROUP BY res, rec, proc, ch
        ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
        DO UPDATE SET open = r.open + EXCLUDED.open, overdue = r.overdue + EXCLUDED.overdue,
                      ok766 = r.ok766 + EXCLUDED.ok766
    ), au AS (
        INSERT INTO report_bound_unit AS r (day, resolving_unit_id, receiving_unit_id, channel,
                                            open, overdue, ok766)
        SELECT b, res, rec, ch, count(*), sum(st & 1), sum(st >> 1)
        FROM s GROUP BY res, rec, ch
        ON CONFLICT (day, resolving_unit_id, receiving_unit_id, channel)
        DO UPDATE SET open = r.open + EXCLUDED.open, overdue = r.overdue + EXCLUDED.overdue,
                      ok766 = r.ok766 + EXCLUDED.ok766
    )
    INSERT INTO report_bound_memo AS m
    SELECT id, res, rec, proc, ch, b, ARRAY[st::smallint] FROM s
    ON CONFLICT (dossier_id) DO UPDATE SET sts = m.sts || EXCLUDED.sts
$$;

-- Seals every boundary whose end instant is at or before t (lazily, from the report queries
-- and report_rebuild: nothing has to run on the 15th). Returns the sealed boundary.
CREATE OR REPLACE FUNCTION report_seal_to(t timestamptz) RETURNS date
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    target date := report_bound_upto(t);
    u date;
BEGIN
    SELECT upto INTO u FROM report_seal;
    IF u >= target THEN
        RETURN u;
    END IF;
    PERFORM pg_advisory_xact_lock(74130614);
    SELECT upto INTO u FROM report_seal FOR UPDATE;
    WHILE u < target LOOP
        u := (u + interval '1 month')::date;
        PERFORM report_seal_one(u);
    END LOOP;
    UPDATE report_seal SET upto = u;
    RETURN u;
END
$$;

-- Rebuilds the summaries from the dossiers (bulk loads, repair). Set-based, not row by row;
-- seals every boundary passed by p_now (the caller's clock).
-- JIT off: compiling the many small expressions costs seconds here and buys nothing.
CREATE OR REPLACE FUNCTION report_rebuild(p_now timestamptz) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    u date := report_bound_upto(p_now);
BEGIN
    PERFORM pg_advisory_xact_lock(74130614);
    DELETE FROM report_day;
    DELETE FROM report_bound;
    DELETE FROM report_bound_memo;
    INSERT INTO report_seal (upto) VALUES (u) ON CONFLICT (one) DO UPDATE SET upto = u;
    INSERT INTO report_day (day, resolving_unit_id, receiving_unit_id, procedure_id, channel,
                            received, ended, ended_early, ended_on_time, ended_late, ended_ok766,
                            ended_late766)
    SELECT day, res, rec, proc, ch, sum(rcv), sum(e), sum(e1), sum(e2), sum(e3), sum(ok), sum(nok)
    FROM (
        SELECT report_lday(d.received_at) AS day, d.resolving_unit_id AS res,
               d.receiving_unit_id AS rec, d.procedure_id AS proc, d.channel AS ch, 1 AS rcv,
               0 AS e, 0 AS e1, 0 AS e2, 0 AS e3, 0 AS ok, 0 AS nok
        FROM dossier d WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
        UNION ALL
        SELECT report_lday(d.ended_at), d.resolving_unit_id, d.receiving_unit_id,
               d.procedure_id, d.channel, 0, 1, (c = 1)::int, (c = 2)::int, (c = 3)::int,
               ok::int, (NOT ok)::int
        FROM dossier d,
             LATERAL (SELECT report_cls_legal(d.ended_at, d.legal_due_at, d.has_appointment) AS c,
                             report_ok_766(d.id, d.ended_at, d.supplement_seconds,
                                           d.appointment_at, d.legal_due_at) AS ok) k
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL AND d.ended_at IS NOT NULL
    ) x
    GROUP BY day, res, rec, proc, ch;
    DELETE FROM report_month;
    INSERT INTO report_month
    SELECT report_bound_from(day), resolving_unit_id, receiving_unit_id, procedure_id, channel,
           sum(received), sum(ended), sum(ended_early), sum(ended_on_time), sum(ended_late),
           sum(ended_ok766), sum(ended_late766)
    FROM report_day GROUP BY 1, 2, 3, 4, 5;
    DELETE FROM report_month_unit;
    INSERT INTO report_month_unit
    SELECT day, resolving_unit_id, receiving_unit_id, channel, sum(received), sum(ended),
           sum(ended_early), sum(ended_on_time), sum(ended_late), sum(ended_ok766),
           sum(ended_late766)
    FROM report_month GROUP BY 1, 2, 3, 4;
    -- Only the dossiers open at the end of some sealed boundary get a memo. Set-based: one
    -- row per (dossier, boundary); the ledger is read only for the dossiers with a pause row
    -- (report_state_at's shortcut, inlined).
    INSERT INTO report_bound_memo
    SELECT x.id, x.res, x.rec, x.proc, x.ch, min(x.b), array_agg(x.st ORDER BY x.b)
    FROM (
        SELECT d.id, d.resolving_unit_id AS res, d.receiving_unit_id AS rec,
               d.procedure_id AS proc, d.channel AS ch, g.b::date AS b,
               (CASE WHEN p.dossier_id IS NULL THEN
                    (d.legal_due_at IS NOT NULL AND report_lstart(g.b::date + 1) > d.legal_due_at)::int
                    + 2 * (coalesce(d.appointment_at, d.legal_due_at) IS NULL
                           OR report_lstart(g.b::date + 1)
                              <= coalesce(d.appointment_at, d.legal_due_at))::int
                ELSE report_open_state(d.id, d.legal_due_at, d.appointment_at,
                                       report_lstart(g.b::date + 1)) END)::smallint AS st
        FROM dossier d
        LEFT JOIN (SELECT DISTINCT dossier_id FROM dossier_pause) p ON p.dossier_id = d.id
        CROSS JOIN LATERAL generate_series(
            report_bound_from(report_lday(d.received_at))::timestamp,
            least(u, coalesce(report_lday(d.ended_at) - 1, u))::timestamp, interval '1 month') g(b)
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
    ) x
    GROUP BY x.id, x.res, x.rec, x.proc, x.ch;
    INSERT INTO report_bound (day, resolving_unit_id, receiving_unit_id, procedure_id, channel,
                              open, overdue, ok766)
    SELECT (m.b0 + make_interval(months => i - 1))::date, m.resolving_unit_id,
           m.receiving_unit_id, m.procedure_id, m.channel, count(*), sum(m.sts[i] & 1),
           sum(m.sts[i] >> 1)
    FROM report_bound_memo m, generate_subscripts(m.sts, 1) i
    GROUP BY 1, 2, 3, 4, 5;
    DELETE FROM report_bound_unit;
    INSERT INTO report_bound_unit
    SELECT day, resolving_unit_id, receiving_unit_id, channel, sum(open), sum(overdue), sum(ok766)
    FROM report_bound GROUP BY 1, 2, 3, 4;
END
$$;

-- The grouping unit of a unit under `structure=current` (domain.md §1): a dissolved unit's
-- figures go to its successor in force, following chains of mergers; on a split, to the
-- successor with the smallest id (the first one recorded). Under `historical` the unit itself.
CREATE OR REPLACE FUNCTION report_unit_current(p_id bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT p_id, 0
        UNION ALL
        SELECT (SELECT min(s.successor_id) FROM unit_successor s WHERE s.unit_id = up.id),
               up.depth + 1
        FROM up
        WHERE up.depth < 16 AND EXISTS (SELECT 1 FROM unit_successor s WHERE s.unit_id = up.id)
    )
    SELECT id FROM up ORDER BY depth DESC LIMIT 1
$$;

-- The group key of a row from the codes it is made of: g in unit | level | procedure |
-- field | channel | none (the grouping unit's code and level, the procedure's and the
-- field's code, the channel).
CREATE OR REPLACE FUNCTION report_key_of(g text, ucode text, ulevel text, pcode text,
                                         fcode text, ch smallint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE g WHEN 'unit' THEN ucode WHEN 'level' THEN ulevel WHEN 'procedure' THEN pcode
                  WHEN 'field' THEN fcode WHEN 'channel' THEN ch::text ELSE '' END
$$;

-- The same from the rows: the grouping unit, the procedure, its field.
CREATE OR REPLACE FUNCTION report_key(g text, u unit, p procedure, f field, ch smallint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT report_key_of(g, u.code, u.level, p.code, f.code, ch)
$$;

-- The grouping unit of p_id under `current` as known at k (report_unit_current of 020 with
-- only the links known then; k = infinity: every link, as 020).
CREATE OR REPLACE FUNCTION report_unit_current_k(p_id bigint, k timestamptz) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up(id, depth) AS (
        SELECT p_id, 0
        UNION ALL
        SELECT (SELECT min(s.successor_id) FROM unit_successor s
                WHERE s.unit_id = up.id AND s.since <= report_lday(k) AND s.recorded_at <= k),
               up.depth + 1
        FROM up
        WHERE up.depth < 16
          AND EXISTS (SELECT 1 FROM unit_successor s
                      WHERE s.unit_id = up.id AND s.since <= report_lday(k) AND s.recorded_at <= k)
    )
    SELECT id FROM up ORDER BY depth DESC LIMIT 1
$$;

-- The unit p_id's figures roll up to under anchor p_anchor: p_anchor itself when p_id is
-- p_anchor, else the child of p_anchor on p_id's path to the root; with p_anchor NULL the
-- top unit of the path. NULL when p_id is not under p_anchor. (A walk up the parent links,
-- at most 32 levels: cycles cannot loop.)
CREATE OR REPLACE FUNCTION report_rollup_of(p_id bigint, p_anchor bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up(id, parent, depth) AS (
        SELECT u.id, u.parent_id, 0 FROM unit u WHERE u.id = p_id
        UNION ALL
        SELECT u.id, u.parent_id, up.depth + 1
        FROM up JOIN unit u ON u.id = up.parent
        WHERE up.depth < 32 AND up.id IS DISTINCT FROM p_anchor
    )
    SELECT up.id FROM up
    WHERE (p_anchor IS NULL AND up.parent IS NULL) OR up.id = p_anchor OR up.parent = p_anchor
    ORDER BY up.depth LIMIT 1
$$;

-- report_units (062) with the roll-up of p_structure and the successor links known at k.
CREATE OR REPLACE FUNCTION report_units_k(p_scope bigint, p_unit bigint, p_sub boolean,
                                          p_structure text, k timestamptz)
RETURNS TABLE (id bigint, gid bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE o AS (
        SELECT split_part(p_structure, '/', 1) AS st, split_part(p_structure, '/', 2) AS ru,
               coalesce(p_unit, p_scope) AS anchor
    ), e(child, parent, down) AS (
        SELECT u.id, u.parent_id, true FROM unit u WHERE u.parent_id IS NOT NULL
        UNION ALL
        SELECT s.unit_id, s.successor_id, false FROM unit_successor s, o
        WHERE o.st = 'current' AND s.since <= report_lday(k) AND s.recorded_at <= k
    ), sc(id) AS (
        SELECT p_scope
        UNION SELECT e.child FROM e JOIN sc ON e.parent = sc.id
    ), su(id) AS (
        SELECT p_unit
        UNION SELECT e.child FROM e JOIN su ON e.parent = su.id
              AND (p_sub OR (SELECT o.ru FROM o) <> '' OR NOT e.down)
    )
    SELECT u.id,
           CASE WHEN o.ru = '' THEN g.g
                WHEN o.ru = 'subtree' AND o.anchor IS NOT NULL THEN o.anchor
                ELSE coalesce(report_rollup_of(g.g, o.anchor), report_rollup_of(u.id, o.anchor),
                              o.anchor, g.g) END
    FROM unit u
    CROSS JOIN o
    CROSS JOIN LATERAL (SELECT CASE WHEN o.st = 'current' THEN report_unit_current_k(u.id, k)
                                    ELSE u.id END AS g) g
    WHERE (p_scope IS NULL OR u.id IN (SELECT sc.id FROM sc))
      AND (p_unit IS NULL OR u.id IN (SELECT su.id FROM su))
$$;

-- The units a report covers: the caller's scope (NULL = everything, administrators), and the
-- unit asked for, alone or with its sub-units (the same subtree as unit_in_scope() of
-- 040_security.sql, walked downwards once instead of upwards per unit; UNION stops cycles).
-- Now the mapping of report_units_k as known today (k = infinity): under `current` the
-- predecessors of the units too (062), and the roll-ups carried by p_structure (064).
-- History: defined in 020_report.sql, restated in 062_report_units_current.sql,
-- 064_report_rollup.sql (those migrations' headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_units(p_scope bigint, p_unit bigint, p_sub boolean,
                                        p_structure text)
RETURNS TABLE (id bigint, gid bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_units_k(p_scope, p_unit, p_sub, p_structure, 'infinity')
$$;

-- Figures of the period [p_from, p_to] (local days) from the summaries, grouped by up to two
-- keys, by the resolving (p_by = 'resolving', default) or receiving unit. Columns are the raw
-- counters; Biểu 06 and the rates are built from them in C (server/report/).
-- Seals the boundaries passed (report_seal_to), then: report_day over the period; column 6
-- (carried over) from report_bound at p_from - 1 and columns 11-13 (open at the end) from
-- report_bound at p_to when those are sealed boundaries (every official period), else from
-- the dossiers spanning that instant (explicit ranges, the running period: open ones through
-- report_open_received, ended ones through dossier_ended, so the cost grows with how far
-- back the instant is). JIT off: the fallback branches' cost estimates would trigger a
-- compilation (hundreds of ms) for a query that reads a few thousand summary rows.
-- History: defined in 020_report.sql, restated in 061_report_open_now.sql (those migrations'
-- headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_figures(p_from date, p_to date, p_g1 text, p_g2 text, p_by text,
                                          p_structure text, p_scope bigint, p_unit bigint,
                                          p_sub boolean, p_now timestamptz)
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
                   ELSE report_seal_to(p_now) END;
    bs boolean := extract(day FROM p_from - 1) = 14 AND p_from - 1 <= u;
    be boolean := extract(day FROM p_to) = 14 AND p_to <= u;
    es timestamptz := report_lstart(p_from);
    ee timestamptz := report_lstart(p_to + 1);
    -- open dossiers are classified at the period end, or now for the running period
    ea timestamptz := least(report_lstart(p_to + 1), p_now);
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

-- Every dossier received as known at p_asof, with the fields the figures read.
CREATE OR REPLACE FUNCTION report_asof_rows(p_asof timestamptz)
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
-- p_nreq pauses, each resolved only if its resume event was recorded by p_asof
-- (report_open_state_of).
CREATE OR REPLACE FUNCTION report_open_state_asof(p_id bigint, p_legal_due timestamptz,
                                                  p_appointment timestamptz, t timestamptz,
                                                  p_asof timestamptz, p_nreq int)
RETURNS int
LANGUAGE sql STABLE AS $$
    SELECT report_open_state_of(p_id, p_legal_due, p_appointment, t, p_asof, p_nreq)
$$;

-- One row per dossier counted in the figures of [p_from, p_to] (received by its end, not
-- ended before its start) in the units of the report, with what the figures and the cell
-- lists read: the grouping unit's code and level, the procedure's and field's codes, the
-- cells it is in (received in the period, ended in it, open at its end), its class under
-- `legal` (report_cls_legal) and `dvcqg766` (report_ok_766) when ended in the period, and its
-- state bits (report_open_state) when open at the end, judged at the period end or, for the
-- running period, at the clock. One body for the live figures and lists (p_asof NULL: the
-- dossiers, report_units, report_open_state, the clock p_now) and the same as known at
-- p_asof (report_asof_rows, report_units_k, report_open_state_asof; the clock is p_asof).
-- With a constant NULL p_asof the planner drops the as-of branch: report_figures_raw stays a
-- plain scan of dossier.
CREATE OR REPLACE FUNCTION report_scan(p_asof timestamptz, p_from date, p_to date, p_by text,
                                       p_structure text, p_scope bigint, p_unit bigint,
                                       p_sub boolean, p_now timestamptz)
RETURNS TABLE (id bigint, code text, state smallint, channel smallint, received_at timestamptz,
               appointment_at timestamptz, legal_due_at timestamptz, ended_at timestamptz,
               gcode text, glevel text, pcode text, fcode text, is_rcv boolean,
               is_end boolean, is_open boolean, cls int, ok boolean, st int)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (
        SELECT * FROM report_units_k(p_scope, p_unit, p_sub, p_structure,
                                     coalesce(p_asof, 'infinity'))
    ), a AS (
        SELECT d.id, d.code, d.state, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id,
               d.channel, d.received_at, d.ended_at, d.appointment_at, d.legal_due_at,
               d.has_appointment, d.supplement_seconds, NULL::int AS nreq
        FROM dossier d
        WHERE p_asof IS NULL AND d.state NOT IN (1, 3) AND d.received_at IS NOT NULL
        UNION ALL
        SELECT r.* FROM report_asof_rows(p_asof) r WHERE p_asof IS NOT NULL
    ), z AS (
        SELECT a.*, report_lday(a.received_at) AS rday, report_lday(a.ended_at) AS eday,
               gu.code AS gcode, gu.level AS glevel, p.code AS pcode, f.code AS fcode
        FROM a
        JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN a.receiving_unit_id
                                ELSE a.resolving_unit_id END
        JOIN unit gu ON gu.id = us.gid
        JOIN procedure p ON p.id = a.procedure_id
        JOIN field f ON f.id = p.field_id
        WHERE a.received_at < report_lstart(p_to + 1)
          AND (a.ended_at IS NULL OR a.ended_at >= report_lstart(p_from))
    )
    SELECT z.id, z.code, z.state, z.channel, z.received_at, z.appointment_at, z.legal_due_at,
           z.ended_at, z.gcode, z.glevel, z.pcode, z.fcode, z.rday >= p_from,
           z.eday BETWEEN p_from AND p_to, z.ended_at IS NULL OR z.eday > p_to,
           CASE WHEN z.eday BETWEEN p_from AND p_to
                THEN report_cls_legal(z.ended_at, z.legal_due_at, z.has_appointment) END,
           CASE WHEN z.eday BETWEEN p_from AND p_to
                THEN report_ok_766(z.id, z.ended_at, z.supplement_seconds, z.appointment_at,
                                   z.legal_due_at) END,
           CASE WHEN (z.ended_at IS NULL OR z.eday > p_to) AND p_asof IS NULL
                THEN report_open_state(z.id, z.legal_due_at, z.appointment_at,
                                       least(report_lstart(p_to + 1), p_now))
                WHEN z.ended_at IS NULL OR z.eday > p_to
                THEN report_open_state_asof(z.id, z.legal_due_at, z.appointment_at,
                                            least(report_lstart(p_to + 1), p_asof), p_asof,
                                            z.nreq) END
    FROM z
$$;

-- The figures of report_scan grouped by up to two keys (report_key_of), as report_figures
-- returns them: live (p_asof NULL, report_figures_raw) or as known at p_asof
-- (report_figures_asof).
CREATE OR REPLACE FUNCTION report_figures_scan(p_asof timestamptz, p_from date, p_to date,
                                               p_g1 text, p_g2 text, p_by text,
                                               p_structure text, p_scope bigint, p_unit bigint,
                                               p_sub boolean, p_now timestamptz)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    SELECT report_key_of(p_g1, z.gcode, z.glevel, z.pcode, z.fcode, z.channel),
           report_key_of(p_g2, z.gcode, z.glevel, z.pcode, z.fcode, z.channel),
           count(*) FILTER (WHERE z.is_rcv),
           count(*) FILTER (WHERE z.is_rcv AND z.channel = 2),
           count(*) FILTER (WHERE z.is_rcv AND z.channel <> 2),
           count(*) FILTER (WHERE NOT z.is_rcv),
           count(*) FILTER (WHERE z.is_end),
           count(*) FILTER (WHERE z.cls = 1),
           count(*) FILTER (WHERE z.cls = 2),
           count(*) FILTER (WHERE z.cls = 3),
           count(*) FILTER (WHERE z.is_open),
           count(*) FILTER (WHERE z.st & 1 = 1),
           count(*) FILTER (WHERE z.ok),
           count(*) FILTER (WHERE NOT z.ok),
           count(*) FILTER (WHERE z.st >> 1 = 1)
    FROM report_scan(p_asof, p_from, p_to, p_by, p_structure, p_scope, p_unit, p_sub, p_now) z
    GROUP BY 1, 2
    ORDER BY 1, 2
$$;

-- The same figures as report_figures by a plain scan of the dossiers (no summary): the
-- reference the tests and the benchmark compare report_figures with (report_figures_scan).
-- History: defined in 020_report.sql, restated in 061_report_open_now.sql (those migrations'
-- headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_figures_raw(p_from date, p_to date, p_g1 text, p_g2 text,
                                              p_by text, p_structure text, p_scope bigint,
                                              p_unit bigint, p_sub boolean, p_now timestamptz)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_figures_scan(NULL, p_from, p_to, p_g1, p_g2, p_by, p_structure,
                                      p_scope, p_unit, p_sub, p_now)
$$;

-- The figures as the report said at instant p_asof (`as_of`): only events recorded at or
-- before it count. Each dossier's knowledge horizon k = the latest occurred_at among its
-- events recorded by then (occurred_at never goes backwards along a dossier's events, so the
-- recorded events are exactly those that occurred by k); as of then it was received iff
-- received_at <= k, ended iff ended_at <= k (else open), its legal due the one after the
-- last counted pause resolved by k, and its pause ledger the rows requested by k
-- (report_open_state_asof). Then the plain scan of report_figures_raw (report_figures_scan).
-- Cost: one pass over the event log (index dossier_event_recorded) and the dossiers: a
-- plain-scan report, seconds at millions of dossiers; meant for audits. Events sharing one
-- instant with a later-recorded event are taken as known together (the horizon is an
-- instant).
-- History: defined in 020_report.sql, restated in 061_report_open_now.sql, 065_report_asof.sql
-- (those migrations' headers say why); the live body is the last one.
CREATE OR REPLACE FUNCTION report_figures_asof(p_asof timestamptz, p_from date, p_to date,
                                               p_g1 text, p_g2 text, p_by text, p_structure text,
                                               p_scope bigint, p_unit bigint, p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_figures_scan(p_asof, p_from, p_to, p_g1, p_g2, p_by, p_structure,
                                      p_scope, p_unit, p_sub, p_asof)
$$;

-- Trend (chart): received and ended by class per day, ISO week or month, from report_day.
CREATE OR REPLACE FUNCTION report_trend(p_from date, p_to date, p_interval text, p_by text,
                                        p_structure text, p_scope bigint, p_unit bigint,
                                        p_sub boolean)
RETURNS TABLE (bucket date, received bigint, ended bigint, ended_early bigint,
               ended_on_time bigint, ended_late bigint, ended_ok766 bigint)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure))
    SELECT CASE p_interval WHEN 'week' THEN date_trunc('week', r.day)::date
                           WHEN 'month' THEN date_trunc('month', r.day)::date ELSE r.day END,
           sum(r.received), sum(r.ended), sum(r.ended_early), sum(r.ended_on_time),
           sum(r.ended_late), sum(r.ended_ok766)
    FROM report_day r
    WHERE r.day BETWEEN p_from AND p_to
      AND (CASE WHEN p_by = 'receiving' THEN r.receiving_unit_id ELSE r.resolving_unit_id END)
          IN (SELECT id FROM us)
    GROUP BY 1 ORDER BY 1
$$;
