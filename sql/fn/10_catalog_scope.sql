-- fn/10_catalog_scope.sql - the catalogue's Vietnamese folding in SQL and the access scope
-- (unit_in_scope, docs/security.md "Scopes"). Owner: security engineer.
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes, in one transaction with the other changed files (sql/fn/README).
-- Every function here is defined only here: change its body in place.

-- Vietnamese folding in SQL, for the q= filter and for rows written by other tools: lower
-- case, diacritics removed, đ -> d. Same result as json_fold_text() in C for Vietnamese text.
CREATE OR REPLACE FUNCTION vn_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    -- Upper-case letters are listed too: lower() leaves them alone under the C locale.
    SELECT lower(translate(normalize(t, NFC),
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ'
        'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'))
$$;

-- true when `target` is `root` or reached from `root` downwards: the walk up from the
-- target follows parent links and successor links (unit_successor, transitively; 085: a
-- successor link only from the target, from a unit reached by one, or from a unit reached by
-- a parent link from a unit without a successor of its own). One path, not the whole
-- subtree; the depth bound stops a cycle from looping. Handlers put it in their WHERE
-- clauses: unit_in_scope($n::bigint, d.resolving_unit_id). docs/security.md "Scopes".
-- History: defined in 040_security.sql, restated in 085_scope_successors.sql (those migrations'
-- headers say why); the live body is the last one.
-- PL/pgSQL, not SQL (issue 14, item 4): a SQL function whose body holds a recursive CTE is
-- never inlined and was planned afresh on every call (0.16 ms, a third of a GET by code);
-- PL/pgSQL keeps the plan of its query for the session. Same query, same results.
CREATE OR REPLACE FUNCTION unit_in_scope(root bigint, target bigint) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (WITH RECURSIVE up(id, inherit, depth) AS (
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
    SELECT root IS NOT NULL AND target IS NOT NULL AND EXISTS (SELECT 1 FROM up WHERE up.id = root));
END $$;
