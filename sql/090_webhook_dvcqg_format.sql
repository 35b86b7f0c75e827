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

-- The CapNhatTienDoHoSoMC row of event e: DVCQG field names, status codes 1-10 as they are,
-- times yyyyMMddHHmmss in Asia/Ho_Chi_Minh. NgayKetThucTheoQuyDinh: the planned end of the
-- step the event opened (hand_over), else the dossier's legal due instant.
CREATE FUNCTION dvcqg_progress_row(e dossier_event) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'MaHoSo', e.aggregateid,
        'NguoiXuLy', left(coalesce(nullif((SELECT a.display_name FROM account a
                                            WHERE a.id = e.actor_account_id), ''),
                                   e.actor_login, ''), 50),
        'ChucDanh', e.actor_role,
        'ThoiDiemXuLy', to_char(e.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMMDDHH24MISS'),
        'PhongBanXuLy', (SELECT au.name FROM unit au WHERE au.id = e.actor_unit_id),
        'NoiDungXuLy', coalesce(e.payload->>'reason', e.payload->>'note', e.type),
        'TrangThai', e.to_state,
        'NgayBatDau', to_char(e.occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMMDDHH24MISS'),
        'NgayKetThucTheoQuyDinh', to_char(coalesce(
            (SELECT st.planned_end_at FROM dossier_step st
              WHERE st.dossier_id = e.dossier_id AND st.started_at = e.occurred_at
              ORDER BY st.n DESC LIMIT 1),
            (SELECT d.legal_due_at FROM dossier d WHERE d.id = e.dossier_id))
            AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMMDDHH24MISS'),
        'motcua', json_build_object('event_id', e.id, 'sequence', e.seq, 'type', e.type))
$$;
