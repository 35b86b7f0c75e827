-- 001_init.sql - the first migration of motcua (owner: db engineer).
--
-- Conventions for every migration (see docs/architecture.md, "Database layer"):
--   * Files are sql/NNN_name.sql, applied once each in name order by `motcua migrate`
--     (or at server start-up), each inside one transaction together with its row in
--     schema_migrations(name, checksum, applied_at). Do not write BEGIN/COMMIT, and do not
--     use statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM).
--   * Never edit a file once it is applied anywhere: its SHA-256 is recorded, and the
--     server refuses to start when it changes. Add a new file instead.
--   * Ranges: 001 db, 002 calendar, 010-019 catalogue and dossiers, 020-029 reports,
--     030-039 integration, 040-049 security.
--   * Data files: a line "-- motcua:copy table(col, ...) FROM file.tsv" loads the embedded
--     sql/file.tsv at that point through COPY FROM STDIN (tab-separated; lines starting with
--     '#' and blank lines skipped); the checksum covers the data file too.
--   * Times are timestamptz; the server speaks UTC+7 (Asia/Ho_Chi_Minh, no DST) to clients.
--
-- No extension is created: the application role need not be a superuser, and NFC
-- normalisation, case and diacritic folding for Vietnamese search are done in C with
-- utf8proc (applicant_fold columns), not with unaccent.

-- Identifies the schema family in case a database is shared by mistake with another
-- application: motcua refuses a schema_migrations it does not know (schema ahead).
COMMENT ON TABLE schema_migrations IS
    'motcua: applied migrations (name, SHA-256 of file and data files, applied_at)';
