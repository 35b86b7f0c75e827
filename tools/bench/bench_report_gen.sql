-- bench_report_gen.sql - synthetic province for the report summaries (tools/bench/bench_report.sh,
-- tests/cli/test_report_summary.sh). psql variables:
--   n      number of dossiers (default of the callers: 5000000 for the bench, 50000 quick)
--   units  number of resolving units (>= 100 for the bench)
--   bulk   1: load with the report trigger off and rebuild the summaries set-based (bench);
--          0: go through the trigger, in three transactions per batch like the write path
--             (insert as received, add pauses, then end), so the test exercises it.
--   cal    the working calendar: `motcua calendar days YYYY --data sql/calendar_vn.tsv` for
--          2024 .. 2027 (day, off|work, note), i.e. the server's own calendar: Tết, 30/4-1/5,
--          2/9, compensatory days, make-up Saturdays.
-- Dossiers are received over two years (2024-02-15 .. 2026-02-14) at 07:00-16:59 on any day
-- (a weekend or holiday reception starts the clock at the next session, domain.md §5.1).
-- Appointments and legal dues are computed on that working calendar (working-time axis of
-- domain.md §6.1: N working days = N x 480 working minutes, sessions 07:00-11:30 and
-- 13:30-17:00, the earliest instant), so dues straddle Tết and the other holidays; a pause
-- moves the legal due by pos(resume) - pos(request). Procedures with k % 20 = 19 have no
-- appointment (the maximum duration's due stands in, §7). Ends: early / on time / late,
-- exactly at the due instant, a minute before or after it, on the last second of a report
-- boundary day (the 14th) or at its local midnight, stopped/withdrawn; about 5 % with a
-- supplement pause (some twice, some still waiting) and a few still open. Plus dossiers that
-- are never counted (§7.3): online submissions never received (state 1) and refusals at
-- reception (state 3). Deterministic (setseed).
\set ON_ERROR_STOP 1
SELECT setseed(0.42);

INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from)
VALUES ('000.00.00.H56', 'Ủy ban nhân dân tỉnh Khánh Hòa', 'province', 'committee', NULL, 'H56',
        DATE '2020-01-01');
-- departments (sở), districts (history, closed 30/06/2025) and communes.
INSERT INTO unit (code, name, level, kind, parent_id, province, valid_from, valid_to)
SELECT format('%s.%s.00.H56', lpad((i / 100 + 1)::text, 3, '0'), lpad((i % 100)::text, 2, '0')),
       CASE WHEN i % 10 < 3 THEN 'Sở số ' || i WHEN i % 10 < 5 THEN 'Huyện số ' || i
            ELSE 'Xã số ' || i END,
       CASE WHEN i % 10 < 3 THEN 'province' WHEN i % 10 < 5 THEN 'district' ELSE 'commune' END,
       CASE WHEN i % 10 < 3 THEN 'department' ELSE 'committee' END,
       (SELECT id FROM unit WHERE code = '000.00.00.H56'), 'H56', DATE '2020-01-01',
       CASE WHEN i % 10 BETWEEN 3 AND 4 THEN DATE '2025-06-30' END
FROM generate_series(1, :units) i;
-- Each district merges into the next commune from 01/07/2025 (structure=current).
INSERT INTO unit_successor (unit_id, successor_id, since)
SELECT u.id, (SELECT c.id FROM unit c WHERE c.level = 'commune' AND c.id > u.id ORDER BY c.id
              LIMIT 1), DATE '2025-07-01'
FROM unit u WHERE u.level = 'district'
  AND EXISTS (SELECT 1 FROM unit c WHERE c.level = 'commune' AND c.id > u.id);

INSERT INTO field (code, name)
SELECT 'LV' || i, 'Lĩnh vực ' || i FROM generate_series(1, 12) i;
INSERT INTO procedure (code, name, field_id, levels)
SELECT format('1.%s', lpad((1000 + i)::text, 6, '0')), 'Thủ tục ' || i,
       (SELECT id FROM field WHERE code = 'LV' || (1 + i % 12)), ARRAY['province', 'commune']
FROM generate_series(1, 60) i;
INSERT INTO procedure_version (procedure_id, version, effective_from, duration_value, duration_unit)
SELECT id, 1, DATE '2020-01-01', 1 + id::int % 15, 'wd' FROM procedure;

CREATE TEMP TABLE g_units AS
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, valid_to FROM unit WHERE parent_id IS NOT NULL;
-- Sub-units (roll-ups): in every ten units, the second department is a sub-unit of the
-- first, and the last three communes form a chain (the 10th under the 9th under the 8th).
UPDATE unit u SET parent_id = p.id
FROM g_units c JOIN g_units p ON p.k = c.k - 1
WHERE u.id = c.id AND c.k % 10 IN (1, 7, 8);
CREATE TEMP TABLE g_proc AS
SELECT row_number() OVER (ORDER BY p.id) - 1 AS k, p.id, v.id AS vid, v.duration_value AS dur
FROM procedure p JOIN procedure_version v ON v.procedure_id = p.id;

-- The working calendar (psql variable cal): working days numbered k = 0, 1, ...; every
-- calendar day knows the number of the first working day on or after it.
CREATE TEMP TABLE g_calday (day date PRIMARY KEY, kind text, note text);
-- (\copy does not expand variables: build the command, then run it)
\set g_copy_cal '\\copy g_calday FROM ' :'cal'
:g_copy_cal
CREATE TEMP TABLE g_day AS
SELECT d::date AS day,
       CASE WHEN c.kind = 'off' THEN false WHEN c.kind = 'work' THEN true
            ELSE extract(isodow FROM d) <= 5 END AS working
FROM generate_series(DATE '2023-12-01', DATE '2027-12-31', interval '1 day') d
LEFT JOIN g_calday c ON c.day = d::date;
CREATE TEMP TABLE g_wd AS
SELECT row_number() OVER (ORDER BY day) - 1 AS k, day FROM g_day WHERE working;
ALTER TABLE g_wd ADD PRIMARY KEY (k);
ALTER TABLE g_day ADD COLUMN knext bigint;
UPDATE g_day d SET knext = (SELECT min(w.k) FROM g_wd w WHERE w.day >= d.day);
ALTER TABLE g_day ADD PRIMARY KEY (day);
-- On this axis (domain.md §6.1) pos(t) = 480 x knext(local day of t) + the working minutes
-- of that day before t's local time (0 on a day off: the next session start); the
-- earliest instant at position p > 0 is on working day k = (p - 1) / 480, m = p - 480 k
-- working minutes into it (07:00 + m up to 11:30, else 13:30 + m - 270: a session end, not
-- the next opening). Written as joins below: per-row function calls cost minutes at 5 M.

-- One row per dossier: every random choice made once, here.
CREATE TEMP TABLE g AS
SELECT i,
       -- received: a working-hours instant in the two years (local 07:00-16:59)
       (TIMESTAMPTZ '2024-02-15 07:00+07' + (floor(random() * 730)::int) * interval '1 day'
         + (floor(random() * 600)::int) * interval '1 minute') AS received_at,
       floor(random() * (SELECT count(*) FROM g_units))::int AS uk,
       floor(random() * 20)::int AS pk,
       (ARRAY[1, 2, 2, 1, 3])[1 + floor(random() * 5)::int] AS channel,
       random() AS r_end, random() AS r_kind, random() AS r_pause, random() AS r_p2
FROM generate_series(1, :n) i;

CREATE TEMP TABLE g1 AS
SELECT g.i, u.id AS unit_id, p.id AS proc_id, p.vid, p.dur, p.k AS proc_k, g.channel,
       g.received_at, g.r_pause, g.r_p2, g.r_end, g.r_kind,
       480 * d.knext + CASE WHEN NOT d.working THEN 0
           ELSE least(greatest(m.m - 420, 0), 270) + least(greatest(m.m - 810, 0), 210) END AS pos_r
FROM g
JOIN g_units u ON u.k = g.uk
JOIN g_proc p ON p.k = (g.uk * 7 + g.pk) % 60
CROSS JOIN LATERAL (SELECT (extract(epoch FROM (g.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::time)
                            / 60)::int AS m) m
JOIN g_day d ON d.day = (g.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;

CREATE TEMP TABLE gd AS
SELECT g1.i, g1.unit_id, g1.proc_id, g1.vid, g1.dur, g1.channel, g1.received_at, g1.pos_r,
       -- the due: dur working days from the clock start
       (w1.day + interval '1 minute' * (CASE WHEN x.p1 - 480 * w1.k <= 270 THEN 420 + x.p1 - 480 * w1.k
                                            ELSE 540 + x.p1 - 480 * w1.k END))
           AT TIME ZONE 'Asia/Ho_Chi_Minh' AS due0,
       x.p1 AS pos_due0,
       g1.proc_k % 20 = 19 AS no_appt,
       -- 5 %: a counted supplement pause of 1-6 days starting a third into the window; of
       -- those one in five is requested a second time; one in ten still waiting (if recent)
       g1.r_pause < 0.05 AS paused,
       (w2.day + interval '1 minute' * (CASE WHEN x.p2 - 480 * w2.k <= 270 THEN 420 + x.p2 - 480 * w2.k
                                            ELSE 540 + x.p2 - 480 * w2.k END))
           AT TIME ZONE 'Asia/Ho_Chi_Minh' AS p_req,
       x.p2 AS pos_req,
       g1.r_p2 > 0.8 AS p_twice, g1.r_p2, g1.r_end, g1.r_kind
FROM g1
CROSS JOIN LATERAL (SELECT g1.pos_r + g1.dur * 480 AS p1, g1.pos_r + g1.dur * 160 AS p2) x
JOIN g_wd w1 ON w1.k = (x.p1 - 1) / 480
JOIN g_wd w2 ON w2.k = (x.p2 - 1) / 480;
ALTER TABLE gd ADD COLUMN p_res timestamptz;
UPDATE gd SET p_res = p_req + (1 + floor(r_p2 * 6)) * interval '1 day' WHERE r_p2 >= 0.1;
ALTER TABLE gd ADD COLUMN appointment_at timestamptz;
UPDATE gd SET appointment_at = due0 WHERE NOT no_appt;
-- no district unit resolves a dossier received from 01/07/2025 (domain.md §1): move those to
-- the district's successor commune.
UPDATE gd SET unit_id = s.successor_id
FROM unit_successor s
WHERE s.unit_id = gd.unit_id AND gd.received_at >= TIMESTAMPTZ '2025-07-01 00:00+07';
UPDATE gd SET p_res = NULL WHERE paused AND p_res > TIMESTAMPTZ '2026-02-14 17:00+07';

-- legal due: the due position moved by the working time of a resolved counted pause,
-- pos(resume) - pos(request)
CREATE TEMP TABLE gl AS
SELECT gd.*,
       CASE WHEN gd.paused AND gd.p_res IS NOT NULL
            THEN (w.day + interval '1 minute' * (CASE WHEN y.p - 480 * w.k <= 270 THEN 420 + y.p - 480 * w.k
                                                     ELSE 540 + y.p - 480 * w.k END))
                 AT TIME ZONE 'Asia/Ho_Chi_Minh'
            ELSE gd.due0 END AS legal_due_at,
       CASE WHEN gd.paused AND gd.p_res IS NOT NULL THEN x.pos_res - gd.pos_req END AS p_minutes
FROM gd
LEFT JOIN g_day d ON d.day = (gd.p_res AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
CROSS JOIN LATERAL (SELECT (extract(epoch FROM (gd.p_res AT TIME ZONE 'Asia/Ho_Chi_Minh')::time)
                            / 60)::int AS m) m
CROSS JOIN LATERAL (SELECT 480 * d.knext + CASE WHEN NOT d.working THEN 0
                        ELSE least(greatest(m.m - 420, 0), 270)
                             + least(greatest(m.m - 810, 0), 210) END AS pos_res) x
CROSS JOIN LATERAL (SELECT gd.pos_due0 + x.pos_res - gd.pos_req AS p) y
LEFT JOIN g_wd w ON w.k = (y.p - 1) / 480;
CREATE TEMP TABLE ge AS
SELECT gl.*,
       -- end: 1.5 % never end (stragglers and recent dossiers); an open supplement pause
       -- keeps the dossier open; then exactly at the due (on time, not early), a minute
       -- before it (the same local day: on time), a minute after it (late), the last second
       -- of the report boundary day on or after the due, or its local midnight (the first
       -- instant of the next report month); else 0.2 .. 1.3 of the window
       CASE WHEN gl.r_end < 0.015 OR (gl.paused AND gl.p_res IS NULL) THEN NULL
            WHEN gl.r_end < 0.05 THEN gl.legal_due_at
            WHEN gl.r_end < 0.08 THEN gl.legal_due_at - interval '1 minute'
            WHEN gl.r_end < 0.10 THEN gl.legal_due_at + interval '1 minute'
            WHEN gl.r_end < 0.11
                THEN report_lstart(report_bound_from(report_lday(gl.legal_due_at)) + 1)
                     - interval '1 second'
            WHEN gl.r_end < 0.12
                THEN report_lstart(report_bound_from(report_lday(gl.legal_due_at)) + 1)
            ELSE gl.received_at + (0.2 + gl.r_end * 1.1) * (gl.legal_due_at - gl.received_at)
            END AS ended_at
FROM gl;
-- an end inside the pause would be a write the server refuses: move it after the resume
UPDATE ge SET ended_at = p_res + interval '1 hour'
WHERE paused AND p_res IS NOT NULL AND ended_at IS NOT NULL AND ended_at <= p_res;
UPDATE ge SET ended_at = NULL WHERE ended_at > TIMESTAMPTZ '2026-02-14 17:00+07';

\if :bulk
SET session_replication_role = replica;   -- no triggers, no FK checks: bulk load
\endif

INSERT INTO dossier (id, code, province, procedure_id, procedure_version_id, receiving_unit_id,
                     resolving_unit_id, current_unit_id, channel, state, version, regime,
                     applicant, duration_value, duration_unit, received_at, appointment_at,
                     legal_due_at, has_appointment, max_minutes, supplement_requests,
                     supplement_seconds,
                     first_supplement_at, paused_since, ended_at, end_state, outcome, returned_at)
SELECT i, '000.00.00.H56-' || to_char(received_at + interval '7 hours', 'YYMMDD') || '-' || lpad(i::text, 7, '0'),
       'H56', proc_id, vid, unit_id, unit_id, unit_id, channel,
       -- bulk: the end goes in with the row (one write per dossier instead of two); otherwise
       -- the dossier is ended by the UPDATE below, through the trigger
       CASE WHEN :bulk = 1 AND ended_at IS NOT NULL THEN
                CASE WHEN r_kind < 0.70 THEN 10 WHEN r_kind < 0.94 THEN 9 WHEN r_kind < 0.97 THEN 8
                     ELSE 7 END
            WHEN paused AND p_res IS NULL THEN 5 ELSE 4 END,
       CASE WHEN :bulk = 1 AND ended_at IS NOT NULL THEN 6 ELSE 2 END,
       CASE WHEN received_at < TIMESTAMPTZ '2025-07-01 00:00+07' THEN 'nd61' ELSE 'nd118' END,
       '{"name":"Nguyễn Văn A"}', dur, 'wd', received_at, appointment_at,
       CASE WHEN paused AND p_res IS NULL THEN due0 ELSE legal_due_at END, NOT no_appt,
       CASE WHEN no_appt THEN dur * 480 END,
       CASE WHEN NOT paused THEN 0 WHEN p_twice THEN 2 ELSE 1 END,
       CASE WHEN paused AND p_res IS NOT NULL THEN extract(epoch FROM p_res - p_req)::bigint ELSE 0 END,
       CASE WHEN paused THEN p_req END,
       CASE WHEN paused AND p_res IS NULL THEN p_req END,
       CASE WHEN :bulk = 1 THEN ended_at END,
       CASE WHEN :bulk = 1 AND ended_at IS NOT NULL THEN
                CASE WHEN r_kind < 0.94 THEN 9 WHEN r_kind < 0.97 THEN 8 ELSE 7 END END,
       CASE WHEN :bulk = 1 AND ended_at IS NOT NULL AND r_kind < 0.94 THEN 'granted' END,
       CASE WHEN :bulk = 1 AND ended_at IS NOT NULL AND r_kind < 0.70 THEN ended_at + interval '1 day' END
FROM ge ORDER BY i;
-- never counted (domain.md §7.3): one dossier in a hundred is an online submission never
-- received (state 1, no reception instant) or a refusal at reception (state 3, carrying the
-- instant of the refusal): neither may appear in any figure
INSERT INTO dossier (id, code, province, procedure_id, procedure_version_id, receiving_unit_id,
                     resolving_unit_id, current_unit_id, channel, state, version, regime,
                     applicant, duration_value, duration_unit, submitted_at, received_at)
SELECT :n + j, '000.00.00.H56-' || to_char(received_at + interval '7 hours', 'YYMMDD') || '-'
       || lpad((:n + j)::text, 7, '0'),
       'H56', proc_id, vid, unit_id, unit_id, unit_id, CASE WHEN j % 2 = 0 THEN 2 ELSE 1 END,
       CASE WHEN j % 2 = 0 THEN 1 ELSE 3 END, 1,
       CASE WHEN received_at < TIMESTAMPTZ '2025-07-01 00:00+07' THEN 'nd61' ELSE 'nd118' END,
       '{"name":"Trần Văn B"}', dur, 'wd', CASE WHEN j % 2 = 0 THEN received_at END,
       CASE WHEN j % 2 = 1 THEN received_at END
FROM (SELECT row_number() OVER (ORDER BY i) AS j, ge.* FROM ge WHERE i % 100 = 7) g;
SELECT setval('dossier_id_seq', (SELECT max(id) FROM dossier));

INSERT INTO dossier_pause (dossier_id, n, province, reason, requested_at, resolved_at, counted,
                           repeat, was_late, paused_minutes, due_before, due_after)
SELECT i, 1, 'H56', 'supplement', p_req, p_res, true, false, p_req > due0, p_minutes,
       due0, CASE WHEN p_res IS NOT NULL THEN legal_due_at END
FROM ge WHERE paused;
-- the repeat request (single_supplement: recorded, not counted), after the first was resolved
INSERT INTO dossier_pause (dossier_id, n, province, reason, requested_at, resolved_at, counted,
                           repeat, was_late, due_before)
SELECT i, 2, 'H56', 'supplement', p_res + interval '1 hour', p_res + interval '5 hours', false, true,
       p_res + interval '1 hour' > legal_due_at, legal_due_at
FROM ge WHERE paused AND p_twice AND p_res IS NOT NULL
  AND (ended_at IS NULL OR ended_at > p_res + interval '5 hours');
UPDATE dossier d SET supplement_seconds = d.supplement_seconds + 4 * 3600
FROM ge WHERE ge.i = d.id AND ge.paused AND ge.p_twice AND ge.p_res IS NOT NULL
  AND (ge.ended_at IS NULL OR ge.ended_at > ge.p_res + interval '5 hours');

\if :bulk
\else
-- the ends: 9 resolved (then mostly 10 returned), 8 stopped, 7 withdrawn
UPDATE dossier d
SET ended_at = ge.ended_at,
    state = CASE WHEN ge.r_kind < 0.70 THEN 10 WHEN ge.r_kind < 0.94 THEN 9
                 WHEN ge.r_kind < 0.97 THEN 8 ELSE 7 END,
    end_state = CASE WHEN ge.r_kind < 0.94 THEN 9 WHEN ge.r_kind < 0.97 THEN 8 ELSE 7 END,
    outcome = CASE WHEN ge.r_kind < 0.94 THEN 'granted' END,
    returned_at = CASE WHEN ge.r_kind < 0.70 THEN ge.ended_at + interval '1 day' END,
    version = 6
FROM ge WHERE ge.i = d.id AND ge.ended_at IS NOT NULL;
\endif

\if :bulk
SET session_replication_role = origin;
SELECT report_rebuild(now());
\endif
ANALYZE;
