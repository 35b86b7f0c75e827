-- 117_idem_claim_nonce.sql - a write proves it still holds its Idempotency-Key claim.
--
-- A write whose outcome is unknown (its connection lost, or the database deadline passed,
-- while it was in flight: a frozen backend may still commit it when it thaws) gets 503, and
-- its claim is released so the client's retry can run at once. Were the late commit to
-- land after that release, the retry would write a second time. So every claim carries a
-- random nonce (set by the claim and by a takeover), and the statement that marks the key
-- done - the last of the write's transaction - requires the key to be still 'running' with
-- the writer's nonce, and raises MC409 otherwise: the late write rolls back whole, and its
-- request's retry (which holds the key now) stands alone. api/dossier/idem.c.
ALTER TABLE idempotency_key ADD COLUMN claim_nonce bigint;

-- n: rows the store statement updated. Raises when the claim was not held (n = 0).
CREATE FUNCTION idem_claim_held(n bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION 'the Idempotency-Key claim of this write was released or taken over'
            USING ERRCODE = 'MC409';
    END IF;
    RETURN true;
END $$;
