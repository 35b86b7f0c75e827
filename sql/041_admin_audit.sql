-- 041_admin_audit.sql - every administrative change (catalogue, calendar, accounts, API-key
-- revocations, webhooks, integration settings) leaves one audit_log row, written by the
-- database itself so that no write path can forget it (docs/security.md §5).
--
-- Owner: security. One generic AFTER ... FOR EACH ROW trigger function, admin_audit(),
-- attached below to the administrative tables. Dossier tables are not audited here: their
-- event log (dossier_event: actor, unit, request id, client address) is their audit.
--
-- Who made the change comes from transaction-local settings that api_db() (server/api/
-- routes.c) sets in the first statement of every unit of an authenticated non-GET request:
-- motcua.account_id, motcua.login, motcua.request_id, motcua.client_addr. A write made
-- without them (psql, a migration, a demo or bench load) is audited with login 'system' and
-- detail.db_user = the PostgreSQL session user. A unit that writes its own, more specific
-- audit row (login, logout, account.create, account.disable, apikey.revoke in
-- server/api/auth.c, and every change of `motcua account`) sets motcua.audited = 'on' and the
-- trigger stays silent for that transaction: each change is audited once.
--
-- Row format: action 'admin.<table>.<insert|update|delete>', target the row's natural key
-- (key columns joined by '/'), outcome 'ok', detail {"new": row} for an insert, {"old": row}
-- for a delete, {"old": {changed columns}, "new": {changed columns}} for an update. Secret
-- columns (password hashes, token hashes, signing and webhook secrets) never reach the
-- detail: when one is set or changed only its name is listed in detail.redacted.
--
-- Trigger arguments: 1. key columns, 2. secret columns, 3. bookkeeping columns (timestamps,
-- generated columns) left out of the detail; an update that changes nothing else (an upsert
-- rewriting the same values) leaves no row. Columns are comma-separated, no spaces.

CREATE FUNCTION admin_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    keys     text[] := string_to_array(TG_ARGV[0], ',');
    secrets  text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{}');
    noise    text[] := coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}');
    o        jsonb;
    n        jsonb;
    r        jsonb;
    changed  text[];
    hidden   text[];
    detail   jsonb;
    who      text := nullif(current_setting('motcua.login', true), '');
BEGIN
    IF current_setting('motcua.audited', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        o := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        n := to_jsonb(NEW);
    END IF;
    r := coalesce(n, o);
    IF TG_OP = 'UPDATE' THEN
        changed := ARRAY(SELECT e.key FROM jsonb_each(n) e
                         WHERE e.value IS DISTINCT FROM o -> e.key AND e.key <> ALL (noise)
                         ORDER BY e.key);
        IF cardinality(changed) = 0 THEN
            RETURN NULL;
        END IF;
        detail := jsonb_build_object(
            'old', (SELECT coalesce(jsonb_object_agg(c, o -> c), '{}') FROM unnest(changed) c
                    WHERE c <> ALL (secrets)),
            'new', (SELECT coalesce(jsonb_object_agg(c, n -> c), '{}') FROM unnest(changed) c
                    WHERE c <> ALL (secrets)));
        hidden := ARRAY(SELECT c FROM unnest(changed) c WHERE c = ANY (secrets));
    ELSE
        detail := jsonb_build_object(CASE TG_OP WHEN 'INSERT' THEN 'new' ELSE 'old' END,
                                     r - secrets - noise);
        hidden := ARRAY(SELECT c FROM unnest(secrets) c WHERE jsonb_typeof(r -> c) IS DISTINCT FROM 'null'
                        AND r ? c);
    END IF;
    IF cardinality(hidden) > 0 THEN
        detail := detail || jsonb_build_object('redacted', to_jsonb(hidden));
    END IF;
    IF who IS NULL THEN
        detail := detail || jsonb_build_object('db_user', session_user::text);
    END IF;
    INSERT INTO audit_log (account_id, login, action, target, outcome, client_addr, request_id,
                           detail)
    VALUES (nullif(current_setting('motcua.account_id', true), '')::bigint,
            coalesce(who, 'system'),
            'admin.' || TG_TABLE_NAME || '.' || lower(TG_OP),
            (SELECT string_agg(r ->> k, '/' ORDER BY i) FROM unnest(keys) WITH ORDINALITY AS t(k, i)),
            'ok',
            nullif(current_setting('motcua.client_addr', true), ''),
            nullif(current_setting('motcua.request_id', true), ''),
            detail);
    RETURN NULL;
END
$$;

-- Catalogue (server/api/catalog*.c).
CREATE TRIGGER unit_admin_audit AFTER INSERT OR UPDATE OR DELETE ON unit
    FOR EACH ROW EXECUTE FUNCTION admin_audit('code', '', 'created_at,name_fold');
CREATE TRIGGER unit_successor_admin_audit AFTER INSERT OR UPDATE OR DELETE ON unit_successor
    FOR EACH ROW EXECUTE FUNCTION admin_audit('unit_id,successor_id', '', '');
CREATE TRIGGER field_admin_audit AFTER INSERT OR UPDATE OR DELETE ON field
    FOR EACH ROW EXECUTE FUNCTION admin_audit('code', '', 'created_at');
CREATE TRIGGER procedure_admin_audit AFTER INSERT OR UPDATE OR DELETE ON procedure
    FOR EACH ROW EXECUTE FUNCTION admin_audit('code', '', 'created_at,name_fold');
CREATE TRIGGER procedure_version_admin_audit AFTER INSERT OR UPDATE OR DELETE
    ON procedure_version
    FOR EACH ROW EXECUTE FUNCTION admin_audit('procedure_id,version', '', 'created_at');

-- Working calendar (server/api/calendar.c).
CREATE TRIGGER calendar_day_admin_audit AFTER INSERT OR UPDATE OR DELETE ON calendar_day
    FOR EACH ROW EXECUTE FUNCTION admin_audit('day', '', 'updated_at');
CREATE TRIGGER calendar_schedule_admin_audit AFTER INSERT OR UPDATE OR DELETE
    ON calendar_schedule
    FOR EACH ROW EXECUTE FUNCTION admin_audit('province,from_day', '', '');

-- Accounts and tokens (server/api/auth.c, server/cli/account.c: their own rows, see above).
-- Tokens: revocations only (a session is issued at every login and last_used_at moves on
-- use; neither is an administrative change), never the hash.
CREATE TRIGGER account_admin_audit AFTER INSERT OR UPDATE OR DELETE ON account
    FOR EACH ROW EXECUTE FUNCTION admin_audit('login', 'password_hash', 'created_at');
CREATE TRIGGER auth_token_admin_audit AFTER UPDATE OF revoked_at ON auth_token
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION admin_audit('id', 'token_hash', 'last_used_at');

-- Webhooks (server/api/webhook.c): subscriptions, and replays of deliveries. The delivery
-- thread only moves a delivery forward (pending -> delivered / dead, attempts + 1); a
-- replay puts it back to pending with attempts reset, which is what the WHEN clause keeps.
CREATE TRIGGER webhook_subscription_admin_audit AFTER INSERT OR UPDATE OR DELETE
    ON webhook_subscription
    FOR EACH ROW EXECUTE FUNCTION admin_audit('id', 'secret', 'created_at');
CREATE TRIGGER webhook_delivery_admin_audit AFTER UPDATE ON webhook_delivery
    FOR EACH ROW WHEN (NEW.attempts < OLD.attempts
                       OR (OLD.state <> 'pending' AND NEW.state = 'pending'))
    EXECUTE FUNCTION admin_audit('id', '', 'lease_until');

-- Integration settings (server/api/integ.c): the status-code map and signing secrets.
CREATE TRIGGER integ_status_map_admin_audit AFTER INSERT OR UPDATE OR DELETE
    ON integ_status_map
    FOR EACH ROW EXECUTE FUNCTION admin_audit('source,code', '', 'updated_at');
CREATE TRIGGER integ_client_admin_audit AFTER INSERT OR UPDATE OR DELETE ON integ_client
    FOR EACH ROW EXECUTE FUNCTION admin_audit('account_id', 'signing_secret', 'created_at');
