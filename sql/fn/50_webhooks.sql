-- fn/50_webhooks.sql - the outbox trigger of dossier_event and the webhook payloads built in
-- SQL (the DVCQG progress format, 090). Tables and triggers: sql/030_integration.sql, 080,
-- 090, 105. Owner: integration engineer.
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes, in one transaction with the other changed files (sql/fn/README).
-- Every function here is defined only here: change its body in place.

-- The CapNhatTienDoHoSoMC row of event e: DVCQG field names, status codes 1-10 as they are,
-- times yyyyMMddHHmmss in Asia/Ho_Chi_Minh. NgayKetThucTheoQuyDinh: the planned end of the
-- step the event opened (hand_over), else the dossier's legal due instant.
CREATE OR REPLACE FUNCTION dvcqg_progress_row(e dossier_event) RETURNS json
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

-- The outbox trigger of dossier_event (sql/105; was webhook_outbox_enqueue of 030): one
-- webhook_outbox row per event, in the event's transaction. No NOTIFY (issue 14, item 1: it
-- would serialise the commits of the cluster): the server that committed rings its own relay
-- after the commit (core/bell.h), the relays of other processes find the row by their poll
-- (server/api/integration/webhook.c).
CREATE OR REPLACE FUNCTION webhook_outbox_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_outbox (event_id, dossier_id, seq) VALUES (NEW.id, NEW.dossier_id, NEW.seq);
    RETURN NULL;
END
$$;
