-- 114_voice_feed_keys.sql - the keysets of the portal adapter's feeds of evaluations and
-- phản ánh, kiến nghị (server/api/integration/dvcqg.c; docs/integration.md §6): each page
-- is an index range scan from the cursor, not a sort of the table.
CREATE INDEX evaluation_feed ON evaluation (recorded_at, id);
CREATE INDEX pakn_feed ON pakn (updated_at, id);
