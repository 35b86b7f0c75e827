-- 096_calendar_2026_new_year.sql - the public-sector New Year swap of 2026 for installed
-- databases (domain.md §4.3): CV 12729/VPCP-KGVX of 25/12/2025 gave Thu 01/01 - Sun
-- 04/01/2026 off by swapping the working Friday 02/01/2026 with the rest Saturday
-- 10/01/2026. A fresh database already has both rows from sql/calendar_vn.tsv (002); an
-- installed one gets them here, and its recorded 002 checksum (the data file before the
-- two rows) stays valid:
-- motcua:supersedes 002_calendar.sql fa7a26f5837a49f67d7f1192fc67336858d74acf82552b9aa8167991e515fd56
--
-- Open dossiers whose window crosses the changed days are re-projected by the server
-- (dossier_reproject_calendar, the path of POST /api/v1/calendar/days) when it next
-- starts or reloads its calendar: a migration cannot compute working time, so it leaves
-- the range in calendar_reproject_pending. Closed dossiers are never rewritten here: the
-- supervisor's list GET /api/v1/calendar/corrections shows those whose class would change,
-- and an administrator applies a correction explicitly (POST .../corrections/apply).

CREATE TABLE calendar_reproject_pending (
    id bigserial PRIMARY KEY,
    from_day date NOT NULL,
    to_day date NOT NULL CHECK (to_day >= from_day),
    change text NOT NULL,                 -- named in each dossier's calendar_reprojected event
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO calendar_day (day, working, reason, note, source) VALUES
    ('2026-01-02', false, 'swap_off',
     'Hoán đổi Tết Dương lịch, làm bù thứ Bảy 10/01/2026 (CV 12729/VPCP-KGVX)', 'announced'),
    ('2026-01-10', true, 'makeup_saturday',
     'Làm bù cho thứ Sáu 02/01/2026 (CV 12729/VPCP-KGVX)', 'announced')
ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, reason = EXCLUDED.reason,
    note = EXCLUDED.note, source = EXCLUDED.source, updated_at = now()
WHERE (calendar_day.working, calendar_day.reason, calendar_day.note)
      IS DISTINCT FROM (EXCLUDED.working, EXCLUDED.reason, EXCLUDED.note);

INSERT INTO calendar_reproject_pending (from_day, to_day, change)
VALUES ('2026-01-02', '2026-01-10', 'calendar_day 2026-01-02..2026-01-10 (CV 12729/VPCP-KGVX)');

-- Running servers reload their calendar (and run the pending re-projection) at commit.
SELECT pg_notify('motcua_calendar', 'migration 096');
