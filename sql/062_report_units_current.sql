-- 062_report_units_current.sql - `structure=current` keeps dissolved units in a scoped report.
--
-- report_units (020) took the caller's scope subtree and the asked unit's subtree in the
-- tree as it is, then mapped each unit to its successor in force. A unit dissolved into a
-- commune (domain.md §1: its figures go to its successor) is no longer under that commune,
-- so a supervisor or leader of the merged commune - or anyone asking for unit=<successor> -
-- lost the dissolved unit's dossiers. Under `current` the subtrees now also take in the
-- predecessors (unit_successor, followed backwards through chains of mergers) of every unit
-- in them, and their sub-units, BEFORE filtering; the mapping to the successor is unchanged.
-- Under `historical` nothing changes. Owner: rep.
CREATE OR REPLACE FUNCTION report_units(p_scope bigint, p_unit bigint, p_sub boolean,
                                        p_structure text)
RETURNS TABLE (id bigint, gid bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE e(child, parent, down) AS (
        -- the edges walked from a unit: its sub-units (down) and, by current structure, the
        -- units it succeeded (always followed, even without p_sub: they are the unit itself
        -- under the current structure)
        SELECT u.id, u.parent_id, true FROM unit u WHERE u.parent_id IS NOT NULL
        UNION ALL
        SELECT s.unit_id, s.successor_id, false FROM unit_successor s WHERE p_structure = 'current'
    ), sc(id) AS (
        SELECT p_scope
        UNION SELECT e.child FROM e JOIN sc ON e.parent = sc.id
    ), su(id) AS (
        SELECT p_unit
        UNION SELECT e.child FROM e JOIN su ON e.parent = su.id AND (p_sub OR NOT e.down)
    )
    SELECT u.id, CASE WHEN p_structure = 'current' THEN report_unit_current(u.id) ELSE u.id END
    FROM unit u
    WHERE (p_scope IS NULL OR u.id IN (SELECT sc.id FROM sc))
      AND (p_unit IS NULL OR u.id IN (SELECT su.id FROM su))
$$;
