-- 064_report_rollup.sql - sub-units rolled up into their parent (issue 6 "sub-units rolled
-- up", domain.md §8.1 groupings), and the unit structure as known at an instant (as_of).
--
-- A report's units come from report_units (020, 062): every unit maps to the unit it is
-- grouped under (gid; the unit itself, or its successor in force under `current`). A roll-up
-- only changes that mapping, so every report function (summaries, plain scan, as_of, the
-- cell lists) rolls up the same way and stays exact: a rolled-up row is the sum of the rows
-- of the units it covers, nothing is recomputed. The anchor is the unit asked for (unit=),
-- else the caller's scope unit, else (an administrator) the top of the tree:
--   children  each unit goes to the child of the anchor on its path to the root (a unit's
--             whole subtree summed), the anchor's own dossiers stay under the anchor;
--   subtree   every unit goes to the anchor: the whole subtree as one row.
-- The roll-up rides on the p_structure argument, which the report functions pass only to
-- report_units: 'historical' | 'current', optionally followed by '/children' or '/subtree'
-- (server/api/report.c builds it from ?structure= and ?rollup=). A roll-up always takes the
-- whole subtree (include_sub_units is implied).
--
-- As known at instant k (report_units_k, for as_of, 065): a successor link counts only if it
-- was in force (since <= local day of k) and recorded (recorded_at <= k, a column added
-- here; links that existed before this migration count as always known). Parent links have
-- no history: the tree is today's. Owner: rep.

ALTER TABLE unit_successor ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE unit_successor ALTER COLUMN recorded_at SET DEFAULT now();

-- (The functions of this migration are defined in sql/fn/20_reports.sql: sql/fn/README.)
