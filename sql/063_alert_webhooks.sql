-- 063_alert_webhooks.sql - alerts go out as webhooks too (issue 6 "The same alerts go out as
-- webhooks"), through the same outbox, relay, deliveries, retries and dead letters as the
-- dossier events (030_integration.sql, server/api/webhook.c).
--
-- An alert row (022_alerts.sql, written by the scheduler) adds one webhook_outbox row in
-- its own transaction, like a dossier event does. Its outbox/delivery key event_id is a
-- uuid derived from the alert id (md5 of 'motcua.alert.<id>'): stable, so a retry carries
-- the same webhook-id. Its seq is the dossier's version when the alert fired: the relay and
-- the claim keep the per-dossier order - an alert goes after the events up to that version
-- (an event delivery of the same seq goes first) and before any later event.
--
-- Subscriptions opt in: alerts reach only subscriptions whose event_types name them
-- ('alert.due_soon', 'alert.overdue', 'alert.supplement_awaited', 'alert.leg_late', or
-- 'alert.*'); an empty event_types stays "every dossier event". The unit filter matches the
-- dossier's receiving or resolving unit, or the alert's own unit. Owner: rep.
ALTER TABLE webhook_outbox ADD COLUMN alert_id bigint;
ALTER TABLE webhook_delivery ADD COLUMN alert_id bigint REFERENCES alert(id);

-- motcua:stub alert_outbox_enqueue - the trigger below names it, so it must exist here; its
-- definition is sql/fn/40_alerts.sql, applied after the numbered migrations (sql/fn/README).
-- Nothing inserts an alert between this migration and that file.
CREATE FUNCTION alert_outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END
$$;
CREATE TRIGGER alert_outbox AFTER INSERT ON alert
    FOR EACH ROW EXECUTE FUNCTION alert_outbox_enqueue();
