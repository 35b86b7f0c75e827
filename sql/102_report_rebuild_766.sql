-- 102_report_rebuild_766.sql - the report summaries again, with the dvcqg766 rule of 101
-- (report_day, report_month, report_month_unit count ended_ok766 / ended_late766 through
-- report_contrib; report_bound through the open states). A plain migration would run before
-- sql/fn/ is applied, with the old bodies: this one is marked to run in the function files'
-- transaction, after them, and is recorded there (server/db/migrate.c).
--
-- The clock: the boundaries sealed stay sealed (a server pinned ahead of the database's clock
-- may have sealed past now()); a fresh database has no dossier and gets the same seal as 020.
-- motcua:after-functions
SELECT report_rebuild(greatest(now(), (SELECT report_lstart(upto + 1) FROM report_seal)));
