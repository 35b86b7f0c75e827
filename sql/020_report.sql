-- 020_report.sql - incrementally maintained summaries for on-time figures and Biểu số 06
-- (domain.md §7, §8; domain-sources.md §5.2), kept exact by a deferred trigger on the dossier
-- projection, plus the plain-scan reference the summaries are tested against.
--
-- Owner: report engineer (server/api/report*.c, server/report/). Design: docs/architecture.md,
-- "Reports and alerts".
--
-- Conventions (docs/architecture.md "Reports and alerts"):
--   * local day of an instant = its date in UTC+7; a period [from, to] is local days, its end
--     instant E is local midnight after `to`;
--   * a dossier is counted when received (state not 1/3, received_at set);
--   * received on day r, ended on day e (§7.1 end, `dossier.ended_at`);
--   * carried over into a period starting on day f: r < f <= e (or not ended);
--     open at the end of a period ending on day t: carried over into day t + 1.
--
-- Tables:
--   report_day   (day, resolving, receiving, procedure, channel) -> received that day and
--                ended that day by class (legal: early/on time/late; dvcqg766: ok/late).
--   report_span  same key, one row per day d with r < d <= e of an ENDED dossier: in flight
--                at local midnight of d, and whether it was overdue / 766-ok at that instant.
--                Open dossiers are not in it: queries add the (small) open set directly.
-- So every figure of a period is a sum over report_day rows of the period plus the two
-- report_span days `from` and `to + 1`, plus the open dossiers.

-- Local (UTC+7, no DST) date of an instant, and local midnight of a date.
CREATE FUNCTION report_lday(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT ((t + interval '7 hours') AT TIME ZONE 'UTC')::date
$$;

CREATE FUNCTION report_lstart(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT (d::timestamp - interval '7 hours') AT TIME ZONE 'UTC'
$$;

-- Ended dossier, rule set `legal` (domain.md §7.1): 1 early (local date of the end before
-- the local date of legal_due; only with an appointment), 2 on time (end <= legal_due),
-- 3 late. A received dossier without any due instant cannot be late: on time.
CREATE FUNCTION report_cls_legal(ended_at timestamptz, legal_due_at timestamptz,
                                 has_appointment boolean) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN legal_due_at IS NULL THEN 2
        WHEN has_appointment AND report_lday(ended_at) < report_lday(legal_due_at) THEN 1
        WHEN ended_at <= legal_due_at THEN 2
        ELSE 3 END
$$;

-- Ended dossier, rule set `dvcqg766` (domain.md §7.2): on time iff end minus the wall-clock
-- supplement time <= the original appointment (NgayHenTra). Without an appointment the
-- maximum duration's due instant (legal_due_at) stands in for it.
CREATE FUNCTION report_ok_766(ended_at timestamptz, supplement_seconds bigint,
                              appointment_at timestamptz, legal_due_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(appointment_at, legal_due_at) IS NULL
        OR ended_at - make_interval(secs => supplement_seconds)
           <= coalesce(appointment_at, legal_due_at)
$$;

-- A dossier not ended at instant t: bit 1 = overdue under `legal` (§7.1: t > legal_due as of
-- t; a dossier paused at t is in time iff it was not late when the pause began), bit 2 = in
-- time under `dvcqg766` (§7.2: awaiting a supplement at t counts as ended at the request,
-- late when requested more than once; otherwise t minus the supplement time so far <= the
-- appointment). legal_due as of t comes from the pause ledger: the due after the last counted
-- pause resolved by t, else the due before the first counted pause, else legal_due_at.
CREATE FUNCTION report_open_state(p_id bigint, p_legal_due timestamptz,
                                  p_appointment timestamptz, t timestamptz) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH pz AS (
        SELECT n, reason, counted, was_late, requested_at, resolved_at, due_before, due_after
        FROM dossier_pause WHERE dossier_id = p_id AND requested_at <= t
    ), run AS (
        SELECT was_late FROM pz
        WHERE counted AND (resolved_at IS NULL OR resolved_at > t) ORDER BY n DESC LIMIT 1
    ), due AS (
        SELECT coalesce(
            (SELECT due_after FROM pz WHERE counted AND resolved_at <= t ORDER BY n DESC LIMIT 1),
            (SELECT due_before FROM dossier_pause WHERE dossier_id = p_id AND counted
             ORDER BY n LIMIT 1),
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
                     AND (SELECT waiting FROM sup) - make_interval(secs => (SELECT closed_s FROM sup))
                         <= coalesce(p_appointment, p_legal_due)
                 ELSE t - make_interval(secs => (SELECT closed_s FROM sup))
                      <= coalesce(p_appointment, p_legal_due) END)::int
$$;

CREATE TABLE report_day (
    day               date NOT NULL,
    resolving_unit_id bigint NOT NULL,
    receiving_unit_id bigint NOT NULL,
    procedure_id      bigint NOT NULL,
    channel           smallint NOT NULL,
    received          int NOT NULL DEFAULT 0,   -- received on `day`
    ended             int NOT NULL DEFAULT 0,   -- ended on `day` (= early + on_time + late)
    ended_early       int NOT NULL DEFAULT 0,
    ended_on_time     int NOT NULL DEFAULT 0,
    ended_late        int NOT NULL DEFAULT 0,
    ended_ok766       int NOT NULL DEFAULT 0,
    ended_late766     int NOT NULL DEFAULT 0,
    PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
);
CREATE INDEX report_day_resolving ON report_day (resolving_unit_id, day);
CREATE INDEX report_day_receiving ON report_day (receiving_unit_id, day);

CREATE TABLE report_span (
    day               date NOT NULL,
    resolving_unit_id bigint NOT NULL,
    receiving_unit_id bigint NOT NULL,
    procedure_id      bigint NOT NULL,
    channel           smallint NOT NULL,
    inflight          int NOT NULL DEFAULT 0,   -- received before `day`, ended on or after it
    overdue           int NOT NULL DEFAULT 0,   -- of those, overdue (legal) at midnight of `day`
    ok766             int NOT NULL DEFAULT 0,   -- of those, in time (dvcqg766) at that instant
    PRIMARY KEY (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
);

-- The open dossiers of the queries below and of the overdue/due-soon lists.
CREATE INDEX report_open_received ON dossier (received_at)
    WHERE ended_at IS NULL AND state NOT IN (1, 3);

-- Adds (sign = 1) or removes (sign = -1) one dossier row image's contribution.
CREATE FUNCTION report_contrib(d dossier, sign int) RETURNS void
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
    IF d.ended_at IS NULL THEN
        RETURN;
    END IF;
    eday := report_lday(d.ended_at);
    c := report_cls_legal(d.ended_at, d.legal_due_at, d.has_appointment);
    ok := report_ok_766(d.ended_at, d.supplement_seconds, d.appointment_at, d.legal_due_at);
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
    IF eday > rday THEN
        INSERT INTO report_span AS s (day, resolving_unit_id, receiving_unit_id, procedure_id,
                                      channel, inflight, overdue, ok766)
        SELECT g.day, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, sign,
               sign * (st & 1), sign * (st >> 1)
        FROM (SELECT x::date AS day FROM generate_series(rday + 1, eday, interval '1 day') x) g,
             LATERAL (SELECT report_open_state(d.id, d.legal_due_at, d.appointment_at,
                                               report_lstart(g.day)) AS st) o
        ON CONFLICT (day, resolving_unit_id, receiving_unit_id, procedure_id, channel)
        DO UPDATE SET inflight = s.inflight + EXCLUDED.inflight,
                      overdue = s.overdue + EXCLUDED.overdue,
                      ok766 = s.ok766 + EXCLUDED.ok766;
    END IF;
END
$$;

-- Deferred to commit, so that the pause ledger rows written after the dossier row in the same
-- transaction are seen; each row event contributes new minus old, so several updates of one
-- dossier in one transaction telescope. Most transitions (hand-over, assign, pause) change
-- none of the compared columns and cost one comparison.
CREATE FUNCTION report_dossier_trg() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.state IN (1, 3), OLD.received_at, OLD.ended_at, OLD.resolving_unit_id,
            OLD.receiving_unit_id, OLD.procedure_id, OLD.channel,
            CASE WHEN OLD.ended_at IS NOT NULL THEN (OLD.legal_due_at, OLD.appointment_at,
                 OLD.has_appointment, OLD.supplement_seconds)::text END)
           IS NOT DISTINCT FROM
           (NEW.state IN (1, 3), NEW.received_at, NEW.ended_at, NEW.resolving_unit_id,
            NEW.receiving_unit_id, NEW.procedure_id, NEW.channel,
            CASE WHEN NEW.ended_at IS NOT NULL THEN (NEW.legal_due_at, NEW.appointment_at,
                 NEW.has_appointment, NEW.supplement_seconds)::text END) THEN
            RETURN NULL;
        END IF;
        PERFORM report_contrib(OLD, -1);
    END IF;
    PERFORM report_contrib(NEW, 1);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER report_dossier AFTER INSERT OR UPDATE ON dossier
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION report_dossier_trg();

-- Rebuilds both summaries from the dossiers (bulk loads, repair). Set-based, not row by row.
CREATE FUNCTION report_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_day;
    DELETE FROM report_span;
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
                             report_ok_766(d.ended_at, d.supplement_seconds, d.appointment_at,
                                           d.legal_due_at) AS ok) k
        WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL AND d.ended_at IS NOT NULL
    ) x
    GROUP BY day, res, rec, proc, ch;
    -- Dossiers without any pause: their state at midnight needs no ledger lookup.
    INSERT INTO report_span (day, resolving_unit_id, receiving_unit_id, procedure_id, channel,
                             inflight, overdue, ok766)
    SELECT g.day, d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, count(*),
           sum(CASE WHEN d.paused_n = 0 THEN
                   (d.legal_due_at IS NOT NULL AND report_lstart(g.day) > d.legal_due_at)::int
               ELSE report_open_state(d.id, d.legal_due_at, d.appointment_at,
                                      report_lstart(g.day)) & 1 END),
           sum(CASE WHEN d.paused_n = 0 THEN
                   (coalesce(d.appointment_at, d.legal_due_at) IS NULL
                    OR report_lstart(g.day) <= coalesce(d.appointment_at, d.legal_due_at))::int
               ELSE report_open_state(d.id, d.legal_due_at, d.appointment_at,
                                      report_lstart(g.day)) >> 1 END)
    FROM (SELECT d.*, (SELECT count(*) FROM dossier_pause p WHERE p.dossier_id = d.id) AS paused_n
          FROM dossier d
          WHERE d.state NOT IN (1, 3) AND d.received_at IS NOT NULL AND d.ended_at IS NOT NULL
            AND report_lday(d.ended_at) > report_lday(d.received_at)) d,
         LATERAL (SELECT x::date AS day FROM generate_series(report_lday(d.received_at) + 1,
                  report_lday(d.ended_at), interval '1 day') x) g
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- The grouping unit of a unit under `structure=current` (domain.md §1): a dissolved unit's
-- figures go to its successor in force, following chains of mergers; on a split, to the
-- successor with the smallest id (the first one recorded). Under `historical` the unit itself.
CREATE FUNCTION report_unit_current(p_id bigint) RETURNS bigint
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

-- The group key of a row: g in unit | level | procedure | field | channel | none.
CREATE FUNCTION report_key(g text, u unit, p procedure, f field, ch smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE g WHEN 'unit' THEN u.code WHEN 'level' THEN u.level WHEN 'procedure' THEN p.code
                  WHEN 'field' THEN f.code WHEN 'channel' THEN ch::text ELSE '' END
$$;

-- The units a report covers: the caller's scope (NULL = everything, administrators), and the
-- unit asked for, alone or with its sub-units (the same subtree as unit_in_scope() of
-- 040_security.sql, walked downwards once instead of upwards per unit; UNION stops cycles).
CREATE FUNCTION report_units(p_scope bigint, p_unit bigint, p_sub boolean, p_structure text)
RETURNS TABLE (id bigint, gid bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE sc(id) AS (
        SELECT p_scope
        UNION SELECT u.id FROM unit u JOIN sc ON u.parent_id = sc.id
    ), su(id) AS (
        SELECT p_unit
        UNION SELECT u.id FROM unit u JOIN su ON p_sub AND u.parent_id = su.id
    )
    SELECT u.id, CASE WHEN p_structure = 'current' THEN report_unit_current(u.id) ELSE u.id END
    FROM unit u
    WHERE (p_scope IS NULL OR u.id IN (SELECT sc.id FROM sc))
      AND (p_unit IS NULL OR u.id IN (SELECT su.id FROM su))
$$;

-- Figures of the period [p_from, p_to] (local days) from the summaries, grouped by up to two
-- keys, by the resolving (p_by = 'resolving', default) or receiving unit. Columns are the raw
-- counters; Biểu 06 and the rates are built from them in C (server/report/).
CREATE FUNCTION report_figures(p_from date, p_to date, p_g1 text, p_g2 text, p_by text,
                               p_structure text, p_scope bigint, p_unit bigint, p_sub boolean)
RETURNS TABLE (k1 text, k2 text, received bigint, recv_online bigint, recv_direct bigint,
               carried bigint, ended bigint, ended_early bigint, ended_on_time bigint,
               ended_late bigint, open_total bigint, open_overdue bigint, ended_ok766 bigint,
               ended_late766 bigint, open_ok766 bigint)
LANGUAGE sql STABLE AS $$
    WITH us AS MATERIALIZED (SELECT * FROM report_units(p_scope, p_unit, p_sub, p_structure)),
    x AS (
        SELECT r.resolving_unit_id AS res, r.receiving_unit_id AS rec, r.procedure_id AS proc,
               r.channel AS ch, sum(r.received) AS rcv,
               sum(r.received) FILTER (WHERE r.channel = 2) AS ron,
               sum(r.received) FILTER (WHERE r.channel <> 2) AS rdi, 0 AS car,
               sum(r.ended) AS e, sum(r.ended_early) AS e1, sum(r.ended_on_time) AS e2,
               sum(r.ended_late) AS e3, 0 AS ot, 0 AS oo, sum(r.ended_ok766) AS k1,
               sum(r.ended_late766) AS k2, 0 AS ok
        FROM report_day r
        WHERE r.day BETWEEN p_from AND p_to
          AND (CASE WHEN p_by = 'receiving' THEN r.receiving_unit_id ELSE r.resolving_unit_id END)
              IN (SELECT id FROM us)
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT s.resolving_unit_id, s.receiving_unit_id, s.procedure_id, s.channel, 0, 0, 0,
               CASE WHEN s.day = p_from THEN s.inflight ELSE 0 END, 0, 0, 0, 0,
               CASE WHEN s.day = p_to + 1 THEN s.inflight ELSE 0 END,
               CASE WHEN s.day = p_to + 1 THEN s.overdue ELSE 0 END, 0, 0,
               CASE WHEN s.day = p_to + 1 THEN s.ok766 ELSE 0 END
        FROM report_span s
        WHERE s.day IN (p_from, p_to + 1)
          AND (CASE WHEN p_by = 'receiving' THEN s.receiving_unit_id ELSE s.resolving_unit_id END)
              IN (SELECT id FROM us)
        UNION ALL
        SELECT d.resolving_unit_id, d.receiving_unit_id, d.procedure_id, d.channel, 0, 0, 0,
               (report_lday(d.received_at) < p_from)::int, 0, 0, 0, 0, 1, st & 1, 0, 0, st >> 1
        FROM dossier d,
             LATERAL (SELECT CASE
                 -- no pause ever: the ledger cannot change the answer, skip the lookups
                 WHEN d.paused_since IS NULL AND d.paused_minutes = 0
                      AND d.supplement_requests = 0 AND d.first_supplement_at IS NULL THEN
                     (d.legal_due_at IS NOT NULL AND report_lstart(p_to + 1) > d.legal_due_at)::int
                     + 2 * (coalesce(d.appointment_at, d.legal_due_at) IS NULL
                            OR report_lstart(p_to + 1) <= coalesce(d.appointment_at, d.legal_due_at))::int
                 ELSE report_open_state(d.id, d.legal_due_at, d.appointment_at,
                                        report_lstart(p_to + 1)) END AS st) o
        WHERE d.ended_at IS NULL AND d.state NOT IN (1, 3)
          AND d.received_at < report_lstart(p_to + 1)
          AND (CASE WHEN p_by = 'receiving' THEN d.receiving_unit_id ELSE d.resolving_unit_id END)
              IN (SELECT id FROM us)
    )
    SELECT report_key(p_g1, gu, p, f, x.ch), report_key(p_g2, gu, p, f, x.ch),
           sum(rcv)::bigint, coalesce(sum(ron), 0)::bigint, coalesce(sum(rdi), 0)::bigint,
           sum(car)::bigint, sum(e)::bigint, sum(e1)::bigint, sum(e2)::bigint, sum(e3)::bigint,
           sum(ot)::bigint, sum(oo)::bigint, sum(x.k1)::bigint, sum(x.k2)::bigint, sum(ok)::bigint
    FROM x
    JOIN us ON us.id = CASE WHEN p_by = 'receiving' THEN x.rec ELSE x.res END
    JOIN unit gu ON gu.id = us.gid
    JOIN procedure p ON p.id = x.proc
    JOIN field f ON f.id = p.field_id
    GROUP BY 1, 2
    HAVING sum(rcv) + sum(car) + sum(e) + sum(ot) <> 0
    ORDER BY 1, 2
$$;

-- The same figures by a plain scan of the dossiers (no summary): the reference the tests and
-- the benchmark compare report_figures with, and the path for `as_of` style audits.
CREATE FUNCTION report_figures_raw(p_from date, p_to date, p_g1 text, p_g2 text, p_by text,
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
                    y.appointment_at, report_lstart(p_to + 1)) END AS st
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

-- Trend (chart): received and ended by class per day, ISO week or month, from report_day.
CREATE FUNCTION report_trend(p_from date, p_to date, p_interval text, p_by text,
                             p_structure text, p_scope bigint, p_unit bigint, p_sub boolean)
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

SELECT report_rebuild();
