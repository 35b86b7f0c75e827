-- 101_report_ok_766_unmoved.sql - dvcqg766 without an appointment compares with the due before
-- counted pauses moved it (issue 13, item 2; docs/domain.md "Classification", dvcqg766).
--
-- report_ok_766 compared end - supplement time with legal_due_at, the maximum duration's due
-- already moved by the counted pauses: a supplement's time was subtracted twice. It now reads
-- the first counted pause's due_before (report_due_unmoved), so it takes the dossier's id:
-- CREATE OR REPLACE cannot add a parameter, the old signature is dropped here and
-- sql/fn/20_reports.sql (applied after this file) defines the new one. The summaries built
-- with the old rule are rebuilt by 102_report_rebuild_766.sql, after the new bodies.
DROP FUNCTION IF EXISTS report_ok_766(timestamptz, bigint, timestamptz, timestamptz);
