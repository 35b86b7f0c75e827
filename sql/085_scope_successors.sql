-- 085_scope_successors.sql - the access scope follows dissolved units to their successors.
--
-- domain.md §1 and the 2025 reorganisation (communes merged, districts abolished): a dossier
-- of a dissolved unit stays with its successor. unit_in_scope() of 040_security.sql walked
-- parent links only, so the staff of a merged commune could neither read nor act on the open
-- dossiers of the communes it replaced. From here `target` is in the scope of `root` when the
-- walk up from `target` reaches `root` through parent links and successor links
-- (unit_successor, transitively), with one restriction:
--
--   a successor link is followed only from the target, from a unit reached by a successor
--   link, or from a unit reached by a parent link from a unit that has no successor of its
--   own (it "inherits" its parent's successors).
--
-- So a dissolved commune's dossiers go to the commune it merged into (and that commune's
-- ancestors), a dissolved district's own offices (no successor of their own) go to the
-- district's successors, and a commune that merged into A is not handed to B merely
-- because its former district was split between A and B. Accounts bound to a dissolved unit
-- keep their old subtree (parent links are always followed). The dossier list
-- (server/api/dossier_sql.c, DSQL_LIST) walks the same edges downwards from the scope root.
-- Owner: security engineer. docs/security.md "Scopes".
CREATE OR REPLACE FUNCTION unit_in_scope(root bigint, target bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH RECURSIVE up(id, inherit, depth) AS (
        SELECT target, true, 0
        UNION
        SELECT n.id, n.inherit, up.depth + 1
        FROM up
        JOIN unit u ON u.id = up.id
        CROSS JOIN LATERAL (
            SELECT s.successor_id, true
            FROM unit_successor s
            WHERE up.inherit AND s.unit_id = u.id
            UNION ALL
            SELECT u.parent_id,
                   up.inherit AND NOT EXISTS (SELECT 1 FROM unit_successor x
                                              WHERE x.unit_id = u.id)
            WHERE u.parent_id IS NOT NULL
        ) n(id, inherit)
        WHERE up.depth < 16
    )
    SELECT root IS NOT NULL AND target IS NOT NULL AND EXISTS (SELECT 1 FROM up WHERE up.id = root)
$$;
