-- 090_webhook_dvcqg_format.sql - webhooks in the national portal's vocabulary (issue 7,
-- domain.md §10, domain-sources.md §8.2; server/api/webhook.c, docs/integration.md §4).
--
-- A subscription chooses its body `format`: 'cloudevents' (the default, as before) or
-- 'dvcqg': for each dossier event, the CapNhatTienDoHoSoMC progress row of that event - the
-- very row of the feed GET /api/v1/dvcqg/progress - wrapped as
--   {"CapNhatTienDoHoSoMC": {...}, "MaHoSo": "<dossier code>", "version": <event seq>}.
-- Alerts are never fanned out to a dvcqg subscription (the portal has no such object).
--
-- One definition of the progress row: dvcqg_progress_row(), used by the feed (dvcqg.c) and
-- by the relay. The row reads mutable data besides the event (the actor's display name, the
-- unit's name, the dossier's legal due instant when the event opened no step), so the relay
-- renders a dvcqg body ONCE, when it fans the event out, into webhook_delivery.body; every
-- attempt and every replay sends those stored bytes (Standard Webhooks: a retry carries the
-- same body under the same webhook-id). NULL body: CloudEvents, rendered at send time from
-- the immutable event row.
--
-- Owner: integration engineer (webhooks). Existing rows: all stay 'cloudevents'.

ALTER TABLE webhook_subscription
    ADD COLUMN format text NOT NULL DEFAULT 'cloudevents'
        CHECK (format IN ('cloudevents', 'dvcqg'));

ALTER TABLE webhook_delivery ADD COLUMN body text;

-- (The functions of this migration are defined in sql/fn/50_webhooks.sql: sql/fn/README.)
