-- bench_report_gen.sql - synthetic province for the report summaries (tools/bench/bench_report.sh,
-- tests/cli/test_report_summary.sh). psql variables:
--   n      number of dossiers (default of the callers: 5000000 for the bench, 50000 quick)
--   units  number of resolving units (>= 100 for the bench)
--   bulk   1: load with the report trigger off and rebuild the summaries set-based (bench);
--          0: go through the trigger, in three transactions per batch like the write path
--             (insert as received, add pauses, then end), so the test exercises it.
-- Dossiers are received over two years (2024-02-15 .. 2026-02-14) in working hours, with a
-- legal due 1-15 days later, ended early/on time/late across period boundaries and holidays,
-- stopped/withdrawn, about 5 % with a supplement pause (some twice, some still waiting) and a
-- few still open. Deterministic (setseed).
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
CREATE TEMP TABLE g_proc AS
SELECT row_number() OVER (ORDER BY p.id) - 1 AS k, p.id, v.id AS vid, v.duration_value AS dur
FROM procedure p JOIN procedure_version v ON v.procedure_id = p.id;

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

CREATE TEMP TABLE gd AS
SELECT g.i, u.id AS unit_id, p.id AS proc_id, p.vid, p.dur, g.channel, g.received_at,
       g.received_at + p.dur * interval '33 hours' AS appointment_at,
       -- 5 %: a counted supplement pause of 1-6 days starting a third into the window; of
       -- those one in five is requested a second time; one in ten still waiting (if recent)
       g.r_pause < 0.05 AS paused,
       g.received_at + p.dur * interval '11 hours' AS p_req,
       CASE WHEN g.r_p2 < 0.1 THEN NULL
            ELSE g.received_at + p.dur * interval '11 hours' + (1 + floor(g.r_p2 * 6)) * interval '1 day'
            END AS p_res,
       g.r_p2 > 0.8 AS p_twice,
       g.r_end, g.r_kind
FROM g
JOIN g_units u ON u.k = (g.uk + (CASE WHEN g.received_at >= TIMESTAMPTZ '2025-07-01 00:00+07'
                                     THEN 0 ELSE 0 END))
JOIN g_proc p ON p.k = (g.uk * 7 + g.pk) % 60;
-- no district unit resolves a dossier received from 01/07/2025 (domain.md §1): move those to
-- the district's successor commune.
UPDATE gd SET unit_id = s.successor_id
FROM unit_successor s
WHERE s.unit_id = gd.unit_id AND gd.received_at >= TIMESTAMPTZ '2025-07-01 00:00+07';
UPDATE gd SET p_res = NULL WHERE paused AND p_res > TIMESTAMPTZ '2026-02-14 17:00+07';

CREATE TEMP TABLE ge AS
SELECT gd.*,
       gd.appointment_at + CASE WHEN gd.paused AND gd.p_res IS NOT NULL
                                THEN gd.p_res - gd.p_req ELSE interval '0' END AS legal_due_at,
       -- end: 0.2 .. 1.3 of the window; 1.5 % never end (stragglers and recent dossiers);
       -- an open supplement pause keeps the dossier open
       CASE WHEN gd.r_end < 0.015 OR (gd.paused AND gd.p_res IS NULL) THEN NULL
            ELSE gd.received_at + (0.2 + gd.r_end * 1.1) * (gd.appointment_at - gd.received_at
                 + CASE WHEN gd.paused AND gd.p_res IS NOT NULL THEN gd.p_res - gd.p_req
                        ELSE interval '0' END) END AS ended_at
FROM gd;
UPDATE ge SET ended_at = NULL WHERE ended_at > TIMESTAMPTZ '2026-02-14 17:00+07';

\if :bulk
SET session_replication_role = replica;   -- no triggers, no FK checks: bulk load
\endif

INSERT INTO dossier (id, code, province, procedure_id, procedure_version_id, receiving_unit_id,
                     resolving_unit_id, current_unit_id, channel, state, version, regime,
                     applicant, duration_value, duration_unit, received_at, appointment_at,
                     legal_due_at, has_appointment, supplement_requests, supplement_seconds,
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
       CASE WHEN paused AND p_res IS NULL THEN appointment_at ELSE legal_due_at END, true,
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
SELECT setval('dossier_id_seq', (SELECT max(id) FROM dossier));

INSERT INTO dossier_pause (dossier_id, n, province, reason, requested_at, resolved_at, counted,
                           repeat, was_late, paused_minutes, due_before, due_after)
SELECT i, 1, 'H56', 'supplement', p_req, p_res, true, false, p_req > appointment_at,
       CASE WHEN p_res IS NOT NULL THEN extract(epoch FROM p_res - p_req)::int / 60 END,
       appointment_at, CASE WHEN p_res IS NOT NULL THEN legal_due_at END
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
SELECT report_rebuild();
\endif
ANALYZE;
