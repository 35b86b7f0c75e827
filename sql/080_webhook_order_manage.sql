-- 080_webhook_order_manage.sql - webhooks out (server/api/webhook.c, docs/integration.md §4):
-- a dead letter holds its dossier back, an administrator may skip it, subscriptions are
-- edited and their secrets rotated, and the sending is fair between subscriptions.
--
-- In order per dossier (issue 7): before, only a PENDING delivery held back the later ones
-- of its (subscription, dossier), so after a dead letter the later events went out and a
-- replay of the dead one arrived after them. Now a dead delivery blocks them too (the claim
-- in webhook.c): they stay pending, reported as "blocked", until an administrator replays
-- the dead one (it goes out first, the rest follow in order) or skips it - the new state
-- 'skipped', with who and when, audited like a replay.
--
-- Secret rotation (Standard Webhooks): the former secret keeps signing beside the new one
-- until previous_secret_until (webhook-signature carries both "v1,<sig>" values), so a
-- receiver can switch keys without losing a message. previous_secret is a secret: the
-- audit trigger of 041 is recreated to redact it like `secret`.
--
-- Owner: integration engineer (webhooks). Existing rows: nothing to convert.

ALTER TABLE webhook_delivery DROP CONSTRAINT webhook_delivery_state_check;
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_state_check
    CHECK (state IN ('pending', 'delivered', 'dead', 'skipped'));
ALTER TABLE webhook_delivery
    ADD COLUMN skipped_at timestamptz,
    ADD COLUMN skipped_by bigint;

-- The dead letters a claim looks for before a later delivery of the same dossier.
CREATE INDEX webhook_delivery_dead ON webhook_delivery (subscription_id, dossier_id, seq)
    WHERE state = 'dead';
-- The claim walks each active subscription's due deliveries up to its in-flight limit.
CREATE INDEX webhook_delivery_sub_due ON webhook_delivery (subscription_id, next_attempt_at, id)
    WHERE state = 'pending';

ALTER TABLE webhook_subscription
    ADD COLUMN previous_secret text CHECK (previous_secret ~ '^whsec_[A-Za-z0-9+/=]{16,}$'),
    ADD COLUMN previous_secret_until timestamptz,
    ADD COLUMN secret_rotated_at timestamptz,
    ADD COLUMN updated_at timestamptz;

-- 041's triggers, recreated: previous_secret is redacted; a skip is audited like a replay.
DROP TRIGGER webhook_subscription_admin_audit ON webhook_subscription;
CREATE TRIGGER webhook_subscription_admin_audit AFTER INSERT OR UPDATE OR DELETE
    ON webhook_subscription
    FOR EACH ROW EXECUTE FUNCTION admin_audit('id', 'secret,previous_secret',
                                              'created_at,updated_at');
DROP TRIGGER webhook_delivery_admin_audit ON webhook_delivery;
CREATE TRIGGER webhook_delivery_admin_audit AFTER UPDATE ON webhook_delivery
    FOR EACH ROW WHEN (NEW.attempts < OLD.attempts
                       OR (OLD.state <> 'pending' AND NEW.state = 'pending')
                       OR (OLD.state <> 'skipped' AND NEW.state = 'skipped'))
    EXECUTE FUNCTION admin_audit('id', '', 'lease_until');
