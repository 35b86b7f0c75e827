-- 105_no_doorbell_in_writes.sql - no NOTIFY inside a writing transaction (issue 14, item 1).
--
-- The dossier trigger (022) and the outbox trigger of dossier_event (030) called pg_notify
-- in the transaction of every reception and transition. A transaction that has notified
-- takes a cluster-wide lock before its commit and holds it through the WAL flush, so every
-- commit of the cluster ran one at a time. The triggers now only write their rows; the
-- server that committed rings its own relay and scheduler in-process (core/bell.h, after
-- the commit), and every process polls for work written by the others (webhook.c,
-- alerts.c: an indexed EXISTS every 200 ms while idle).
--
-- The new trigger functions are defined in sql/fn/ (alert_dossier_mark in 40_alerts.sql,
-- webhook_outbox_add in 50_webhooks.sql), applied after the numbered migrations; this
-- migration only points the triggers at them (same trigger names, so the firing order on
-- dossier and dossier_event is unchanged) and drops the old functions. They are new names,
-- not bodies edited in place, so 022 and 030 stay as installed databases applied them.
--
-- motcua:after-functions
-- It runs after the function files, in their transaction (sql/fn/README): the new trigger
-- functions exist when the triggers are pointed at them, and the switch is atomic - no
-- moment in which a trigger writes nothing, whatever else is running during the upgrade.
-- A server of the previous build left running keeps working but waits for NOTIFYs that no
-- longer come (its relay still polls every second; its scheduler sleeps up to 10 minutes):
-- stop it first (docs/operations.md).

DROP TRIGGER alert_dossier ON dossier;
CREATE TRIGGER alert_dossier AFTER INSERT OR UPDATE ON dossier
    FOR EACH ROW EXECUTE FUNCTION alert_dossier_mark();

DROP TRIGGER dossier_event_outbox ON dossier_event;
CREATE TRIGGER dossier_event_outbox AFTER INSERT ON dossier_event
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_add();

DROP FUNCTION IF EXISTS alert_dossier_trg();
DROP FUNCTION IF EXISTS webhook_outbox_enqueue();
