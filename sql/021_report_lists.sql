-- 021_report_lists.sql - the dossier lists behind the figures (domain.md §7, §8): overdue
-- and due soon now, the dossiers of one figure cell, the late dossiers of Biểu 06 with the
-- unit and official responsible for the late step (dossier_step planned_end_at vs ended_at).
--
-- Owner: report engineer (server/api/report_lists.c). Conventions as sql/020_report.sql.
-- Lists are keyset-paginated: the caller passes the last row's key, never an offset.

-- (The functions of this migration are defined in sql/fn/30_report_lists.sql: sql/fn/README.)
