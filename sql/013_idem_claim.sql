-- 013_idem_claim.sql - who holds an Idempotency-Key claim (server/api/idem.c).
--
-- A claim is 'running' while its request works. If the motcua process dies, or PostgreSQL
-- restarts, the claim stays 'running' and used to block every retry with 409
-- IDEMPOTENCY_IN_FLIGHT for IDEM_STALE_SECONDS. The claim now records the PostgreSQL
-- session that made it: its pid and that session's backend_start (pid alone is reused, the
-- pair is not). A session ends when its connection closes - the motcua process died - or
-- when PostgreSQL restarts; a retry that finds the claiming session gone takes the claim
-- over at once. Rows written before this migration (NULL claim) keep the time rule only.
--
-- Owner: fix2 (idempotency). A new file because 011 may already be applied.
ALTER TABLE idempotency_key
    ADD COLUMN claim_pid int,
    ADD COLUMN claim_backend_start timestamptz;
