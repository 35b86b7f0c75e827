-- 060_integ_inbox_item.sql - batch idempotency per item (server/api/integ.c).
--
-- Before: the inbox of applied sender ids (integ_inbox) was read at the start of a batch
-- and written only when the whole batch ended, so a batch cut short (client timeout,
-- crash) left applied items without their inbox row; a resend then rebuilt the items'
-- bodies from the current dossier version and answered IDEMPOTENCY_KEY_REUSED or a failed
-- transition for items already applied.
--
-- Now: the batch writes one 'pending' row per item up front, with the fingerprint of the
-- RAW item (SHA-256 of its canonical JSON) and the Idempotency-Key scope and key its
-- internal request uses. The item's own write unit marks its idempotency_key row 'done'
-- (api/idem.h); the trigger below turns the matching inbox row 'applied' with the
-- response IN THAT SAME TRANSACTION. So an item is 'applied' in the inbox exactly when its
-- write committed, whatever happens to the batch around it. A replayed item whose row is
-- 'applied' answers "duplicate" with the first result (same fingerprint) or
-- IDEMPOTENCY_KEY_REUSED (another item under the same sender id); a 'pending' row (the
-- item was rejected, or never ran) is evaluated again.
--
-- Owner: rep (integration / reports). Existing rows were all accepted items: 'applied'.
ALTER TABLE integ_inbox
    ADD COLUMN state text NOT NULL DEFAULT 'applied' CHECK (state IN ('pending', 'applied')),
    ADD COLUMN fingerprint text,
    ADD COLUMN idem_scope text,
    ADD COLUMN idem_key text,
    ADD COLUMN http_status int,
    ADD COLUMN response jsonb;
CREATE INDEX integ_inbox_idem ON integ_inbox (idem_scope, idem_key) WHERE state = 'pending';

CREATE FUNCTION integ_inbox_applied() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE integ_inbox
       SET state = 'applied', http_status = NEW.http_status, response = NEW.response,
           dossier_code = coalesce(NEW.response->>'code', NEW.response->'dossier'->>'code',
                                   dossier_code),
           accepted_at = now()
     WHERE idem_scope = NEW.scope AND idem_key = NEW.key AND state = 'pending';
    RETURN NULL;
END
$$;

-- Only the batch's derived keys ("i." + hex, integ.c send_sub) can match a pending row.
CREATE TRIGGER idempotency_key_integ_inbox AFTER UPDATE OF status ON idempotency_key
    FOR EACH ROW WHEN (NEW.status = 'done' AND OLD.status <> 'done' AND NEW.key LIKE 'i.%')
    EXECUTE FUNCTION integ_inbox_applied();
