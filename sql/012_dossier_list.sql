-- 012_dossier_list.sql - the index of the dossier list's keyset (GET /api/v1/dossiers,
-- DSQL_LIST in server/api/dossier_sql.c): newest first on coalesce(received_at, created_at),
-- then id. Online submissions not yet received have no received_at and sort by created_at
-- (011_dossier.sql). With it a page is an ordered index scan that stops after `limit` rows
-- in scope, instead of a sort of every dossier in scope.
--
-- Owner: dossier engineer. A new file because 011 may already be applied (001_init.sql).
CREATE INDEX dossier_list_key ON dossier ((coalesce(received_at, created_at)) DESC, id DESC);
