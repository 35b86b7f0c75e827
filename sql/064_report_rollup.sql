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

-- The grouping unit of p_id under `current` as known at k (report_unit_current of 020 with
-- only the links known then; k = infinity: every link, as 020).
CREATE FUNCTION report_unit_current_k(p_id bigint, k timestamptz) RETURNS bigint
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
CREATE FUNCTION report_rollup_of(p_id bigint, p_anchor bigint) RETURNS bigint
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
CREATE FUNCTION report_units_k(p_scope bigint, p_unit bigint, p_sub boolean, p_structure text,
                               k timestamptz)
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

CREATE OR REPLACE FUNCTION report_units(p_scope bigint, p_unit bigint, p_sub boolean,
                                        p_structure text)
RETURNS TABLE (id bigint, gid bigint)
LANGUAGE sql STABLE AS $$
    SELECT * FROM report_units_k(p_scope, p_unit, p_sub, p_structure, 'infinity')
$$;
