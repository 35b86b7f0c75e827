-- 100_fn_clock_param.sql - the SQL functions take the caller's clock (issue 13, item 5).
--
-- These functions read PostgreSQL's now() to seal the summaries' boundaries and to judge
-- dossiers still open in the running period: a server pinned to another instant (the test
-- build's MOTCUA_TEST_NOW) and the database disagreed, and a request's figures depended on
-- when each statement ran. Each now takes its instant as a last parameter `p_now
-- timestamptz`, bound by the server from the request's clock (rc->now, core/clock.h) and by
-- the alert scheduler from its tick. CREATE OR REPLACE cannot add a parameter: the old
-- signatures are dropped here and sql/fn/ (applied after this file) defines the new ones.
DROP FUNCTION IF EXISTS report_rebuild();
DROP FUNCTION IF EXISTS report_figures(date, date, text, text, text, text, bigint, bigint, boolean);
DROP FUNCTION IF EXISTS report_figures_raw(date, date, text, text, text, text, bigint, bigint,
                                           boolean);
DROP FUNCTION IF EXISTS report_late_list(date, date, text, text, bigint, bigint, boolean, bigint,
                                         int);
DROP FUNCTION IF EXISTS report_cell_list(date, date, text, text, text, bigint, bigint, boolean,
                                         text, text, text, text, smallint, bigint, int);
DROP FUNCTION IF EXISTS alert_calendar_horizon(int, boolean, boolean, jsonb);
