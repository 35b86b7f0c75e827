-- fn/60_voice.sql - the citizen's voice (issue 16; shared/domain.md §12): what the API and the
-- 766 figures read the same way. Tables: sql/110 (evaluation), 111 (pakn), 113 (reactions).
-- Owner: the voice engineer (server/api/voice/, server/api/report/report_eval.c).
--
-- Applied by `motcua migrate` after the numbered migrations, again whenever this file's
-- checksum changes (sql/fn/README). Every function here is defined only here.

-- The likes and dislikes of PAKN p as known at instant p_at (both populations, the latest
-- standing of each voter, the latest report of the portal). One definition for the API and
-- the 766 figures (server/api/report/report_eval.c).
CREATE OR REPLACE FUNCTION pakn_reactions_at(p bigint, p_at timestamptz,
                                  OUT likes bigint, OUT dislikes bigint)
LANGUAGE sql STABLE AS $$
    WITH v AS (
        SELECT DISTINCT ON (r.voter) r.liked FROM pakn_reaction r
        WHERE r.pakn_id = p AND r.reacted_at <= p_at ORDER BY r.voter, r.id DESC
    ), c AS (
        SELECT k.likes, k.dislikes FROM pakn_portal_count k
        WHERE k.pakn_id = p AND k.reported_at <= p_at ORDER BY k.id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FILTER (WHERE liked) FROM v) + coalesce((SELECT likes FROM c), 0),
           (SELECT count(*) FILTER (WHERE NOT liked) FROM v)
           + coalesce((SELECT dislikes FROM c), 0)
$$;

-- The PAKN as they stood at instant k (NULL: now, the rows as they are), from their step log
-- (pakn_event, recorded_at <= k): the state of the last step known, the receiver and the
-- deadlines set by the last intake or transfer known (payload unit_id, reject_due_at,
-- supplement_due_at, answer_due_at, written by server/api/voice/pakn.c; a log written
-- before they were falls back on the row), and when the steps known were taken: the
-- decision (accept, reject or transfer out; a transfer to another unit restarts it), the
-- first request for information, the answer, the publication. The register's figures and
-- QĐ 766 5.2-5.3 read PAKN only through this (api/report/report_eval.c, report_pakn.c).
CREATE OR REPLACE FUNCTION pakn_rows_at(k timestamptz)
RETURNS TABLE (id bigint, state smallint, topic text, channel text, unit_id bigint,
               dossier_id bigint, parent_id bigint, received_at timestamptz,
               reject_due_at timestamptz, supplement_due_at timestamptz,
               answer_due_at timestamptz, publish_due_at timestamptz,
               decided_at timestamptz, first_info_at timestamptz, answered_at timestamptz,
               published_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.state, p.topic, p.channel, p.unit_id, p.dossier_id, p.parent_id,
           p.received_at, p.reject_due_at, p.supplement_due_at, p.answer_due_at,
           p.publish_due_at, f.decided_at, p.first_info_at, p.answered_at, p.published_at
    FROM pakn p
    CROSS JOIN LATERAL (
        SELECT min(e.occurred_at) AS decided_at FROM pakn_event e
        WHERE e.pakn_id = p.id AND e.type IN ('accept', 'reject', 'transfer')
          AND e.to_state <> 0
          AND e.seq > coalesce((SELECT max(t.seq) FROM pakn_event t WHERE t.pakn_id = p.id
                                AND t.type = 'transfer' AND t.to_state = 0), 0)
    ) f
    WHERE k IS NULL
    UNION ALL
    SELECT p.id, f.state, p.topic, p.channel, coalesce(f.unit_id, p.unit_id), p.dossier_id,
           p.parent_id, p.received_at, coalesce(f.reject_due_at, p.reject_due_at),
           coalesce(f.supplement_due_at, p.supplement_due_at),
           coalesce(f.answer_due_at, p.answer_due_at),
           CASE WHEN f.answered_at IS NOT NULL THEN p.publish_due_at END,
           f.decided_at, f.first_info_at, f.answered_at, f.published_at
    FROM pakn p
    CROSS JOIN LATERAL (
        SELECT (array_agg(e.to_state ORDER BY e.seq DESC))[1] AS state,
               (array_agg((e.payload ->> 'unit_id')::bigint ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'unit_id'))[1] AS unit_id,
               (array_agg((e.payload ->> 'reject_due_at')::timestamptz ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'reject_due_at'))[1] AS reject_due_at,
               (array_agg((e.payload ->> 'supplement_due_at')::timestamptz ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'supplement_due_at'))[1] AS supplement_due_at,
               (array_agg((e.payload ->> 'answer_due_at')::timestamptz ORDER BY e.seq DESC)
                    FILTER (WHERE e.payload ? 'answer_due_at'))[1] AS answer_due_at,
               min(e.occurred_at) FILTER (WHERE e.type IN ('accept', 'reject', 'transfer')
                   AND e.to_state <> 0 AND e.seq > coalesce(
                       (SELECT max(t.seq) FROM pakn_event t WHERE t.pakn_id = p.id
                          AND t.recorded_at <= k AND t.type = 'transfer' AND t.to_state = 0),
                       0)) AS decided_at,
               min(e.occurred_at) FILTER (WHERE e.type = 'request_info') AS first_info_at,
               min(e.occurred_at) FILTER (WHERE e.type = 'answer') AS answered_at,
               min(e.occurred_at) FILTER (WHERE e.type = 'publish') AS published_at
        FROM pakn_event e WHERE e.pakn_id = p.id AND e.recorded_at <= k
    ) f
    WHERE k IS NOT NULL AND f.state IS NOT NULL
$$;
