-- 050_dossier_list_key.sql - an immutable keyset for the dossier list (GET /api/v1/dossiers,
-- DSQL_LIST in server/api/dossier_sql.c). The key of 012, coalesce(received_at, created_at),
-- moved when an online submission (state 1, no received_at) was received by a clerk
-- (1 -> 2 sets received_at): a client paging with a cursor could then see the dossier twice
-- or never. The new key is the intake instant coalesce(submitted_at, received_at,
-- created_at): submitted_at is written only when the dossier is inserted (online intake, or
-- a channel-2 reception), received_at is written later only for a dossier that already has
-- submitted_at, so the key of a dossier never changes. Newest intake first, then id.
--
-- Owner: dossier engineer.
DROP INDEX IF EXISTS dossier_list_key;
CREATE INDEX dossier_list_key2 ON dossier
    ((coalesce(submitted_at, received_at, created_at)) DESC, id DESC);
