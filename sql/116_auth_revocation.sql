-- 116_auth_revocation.sql - the revocation generation of the token cache (issue 14, item 4).
--
-- Every motcua process keeps the principals of verified tokens in memory for a few seconds
-- (api/auth/session.c) and serves a cached principal only once the database has confirmed
-- it, in the request's own first statement, at the cost of reading this one row: its
-- generation is bumped by every change that may make a cached principal wrong (a token
-- revoked, its expiry moved or the token deleted; an account disabled, deleted, or its
-- role, unit, login, name or password changed), in the transaction that makes it, by the
-- triggers below, whoever writes (the API, the CLI, psql). A cached principal read at the
-- current generation still holds; otherwise the check compares it with its rows
-- (docs/architecture.md "Session check"). No NOTIFY: a notifying transaction takes a
-- cluster-wide lock through its commit (sql/105); the existing revocation NOTIFYs only
-- drop entries early and are no longer needed for correctness.
CREATE TABLE auth_revocation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    gen bigint NOT NULL
);
INSERT INTO auth_revocation VALUES (true, 1);

CREATE FUNCTION auth_revocation_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_revocation SET gen = gen + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER auth_token_revocation AFTER UPDATE OF revoked_at, expires_at, account_id
    ON auth_token FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION auth_revocation_bump();
CREATE TRIGGER auth_token_revocation_delete AFTER DELETE ON auth_token
    FOR EACH STATEMENT EXECUTE FUNCTION auth_revocation_bump();

CREATE TRIGGER account_revocation
    AFTER UPDATE OF active, role, unit_id, login, display_name, password_hash ON account
    FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.login IS DISTINCT FROM NEW.login
          OR OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
    EXECUTE FUNCTION auth_revocation_bump();
CREATE TRIGGER account_revocation_delete AFTER DELETE ON account
    FOR EACH STATEMENT EXECUTE FUNCTION auth_revocation_bump();

-- A unit's code is shown in the cached principal (unit_code).
CREATE TRIGGER unit_revocation AFTER UPDATE OF code ON unit FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code)
    EXECUTE FUNCTION auth_revocation_bump();
