/*
 * dossier_sql.c - the query texts of the dossier API (constant SQL, $n parameters only).
 * Instants travel as RFC 3339 text in and as extract(epoch ...)::bigint out. Local
 * dates (UTC+7, domain.md §4.5) are taken as ((t + 7 h) AT TIME ZONE 'UTC')::date so
 * they do not depend on the server's time zone setting.
 */
#include "api/dossier/dossier_int.h"
#include "api/dossier/idem.h"

/* Everything a reception needs before its unit of work, in one round trip. Parameters:
 * enum rctx_param (dossier_int.h). */
const char DSQL_RECEPTION_CTX[] =
    "SELECT u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, u.province,"
    " u.address AS unit_address,"
    " (u.valid_from <= $2::date AND (u.valid_to IS NULL OR u.valid_to >= $2::date)) AS unit_valid,"
    " p.id AS procedure_id, p.code AS procedure_code, p.name AS procedure_name,"
    " f.code AS field_code, f.name AS field_name,"
    " pv.id AS version_id, pv.version, pv.duration_value, pv.duration_unit, pv.cutoff_minute,"
    " pv.max_minutes, pv.cases::text AS cases, pv.legs::text AS legs,"
    " pv.documents::text AS components,"
    " r.id AS resolving_id, r.code AS resolving_code, r.name AS resolving_name,"
    /* domain.md §1: the resolving unit must be in force on the reception date, and no
       dossier received from 01/07/2025 may be assigned a district (huyện) unit. */
    " (r.valid_from <= $2::date AND (r.valid_to IS NULL OR r.valid_to >= $2::date)"
    "  AND NOT (r.level = 'district' AND $2::date >= DATE '2025-07-01')) AS resolving_valid,"
    " NOT (u.level = 'district' AND $2::date >= DATE '2025-07-01') AS unit_level_ok"
    " FROM unit u"
    " LEFT JOIN procedure p ON p.code = $1"
    " LEFT JOIN field f ON f.id = p.field_id"
    " LEFT JOIN procedure_version pv ON pv.procedure_id = p.id"
    "  AND pv.effective_from <= $2::date"
    "  AND (pv.effective_to IS NULL OR pv.effective_to >= $2::date)"
    " LEFT JOIN unit r ON r.code = coalesce($4, pv.legs->0->>'unit_code', u.code)"
    " WHERE CASE WHEN $5::text IS NULL THEN u.id = $3::bigint"
    "  ELSE u.code = $5 AND unit_in_scope($3::bigint, u.id) END";

/* The dossier row, with its code drawn from the gap-free per-unit per-day sequence in the
 * same transaction (domain.md §9) unless it arrives with one (INSD_EXT_CODE). Parameters:
 * enum insd_param (dossier_int.h). */
const char DSQL_INSERT_DOSSIER[] =
    "WITH seq AS ("
    " INSERT INTO dossier_code_seq (unit_id, day, last)"
    " SELECT $1::bigint, $2::date, 1 WHERE $27::text IS NULL"
    " ON CONFLICT (unit_id, day) DO UPDATE SET last = dossier_code_seq.last + 1"
    " RETURNING last)"
    " INSERT INTO dossier (code, external_code, province, procedure_id, procedure_version_id,"
    "  case_code, receiving_unit_id, resolving_unit_id, current_unit_id, channel, state,"
    "  version, regime, applicant, applicant_fold, documents, sets, return_method,"
    "  duration_value, duration_unit, submitted_at, received_at, appointment_at,"
    "  legal_due_at, has_appointment, max_minutes, lookup_secret_hash)"
    " SELECT coalesce($27::text, $3 || '-' || $4 || '-' ||"
    "   (SELECT CASE WHEN last < 10000 THEN lpad(last::text, 4, '0') ELSE last::text END"
    "    FROM seq)),"
    "  $27::text IS NOT NULL, $5, $6::bigint, $7::bigint, $8, $1::bigint, $9::bigint,"
    "  $1::bigint, $10::smallint, $11::smallint, 1, $12, $13::jsonb, $14, $15::jsonb,"
    "  $16::int, $17, $18::int, $19, $20::timestamptz, $21::timestamptz, $22::timestamptz,"
    "  $23::timestamptz, $24::boolean, $25::int, $26"
    " RETURNING id, code";

/* Event 1 of the dossier just inserted in this transaction. currval() is volatile: compared
 * to d.id directly it is evaluated for every row and the planner cannot use it as an index
 * key (a full scan of dossier, 215 ms at 100,000 dossiers); wrapped in a scalar subquery it
 * becomes an InitPlan evaluated once, and the lookup is one primary-key probe (0.05 ms).
 * Parameters: enum fev_param (dossier_int.h). */
const char DSQL_INSERT_FIRST_EVENT[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, actor_account_id, actor_login, actor_role, actor_unit_id, request_id,"
    " client_addr, payload, aggregateid)"
    " SELECT d.id, d.province, 1, $1, NULL, d.state, $2::timestamptz, $3::bigint, $4, $5,"
    " $6::bigint, $7, $8, $9::jsonb, d.code"
    " FROM dossier d WHERE d.id = (SELECT currval(pg_get_serial_sequence('dossier', 'id')))";

/* The idempotent response of a reception, with the code drawn in this transaction put in
 * place of DOSSIER_CODE_MARK (currval in an InitPlan: see DSQL_INSERT_FIRST_EVENT).
 * Parameters: enum idem_store_param (idem.h), those of IDEM_STORE_SQL. */
const char DSQL_IDEM_STORE_NEW[] =
    "WITH u AS (UPDATE idempotency_key SET status = 'done', http_status = $3::int,"
    " response = replace($4, '" DOSSIER_CODE_MARK "',"
    "  (SELECT code FROM dossier"
    "   WHERE id = (SELECT currval(pg_get_serial_sequence('dossier', 'id')))))"
    "  ::jsonb "
    IDEM_STORE_WHERE " RETURNING 1)"
    " SELECT idem_claim_held((SELECT count(*) FROM u))";

/* The idempotent response of a guidance (Mẫu 02), completed with the id of the
 * reception_guidance row inserted in this transaction, so that a replay carries the same
 * id as the first answer. Parameters: enum idem_store_param (idem.h). */
const char DSQL_IDEM_STORE_GUIDANCE[] =
    "WITH u AS (UPDATE idempotency_key SET status = 'done', http_status = $3::int,"
    " response = jsonb_set($4::jsonb, '{id}',"
    "  to_jsonb(currval(pg_get_serial_sequence('reception_guidance', 'id')))) "
    IDEM_STORE_WHERE " RETURNING 1)"
    " SELECT idem_claim_held((SELECT count(*) FROM u))";

/* A guidance (Mẫu 02). Parameters: enum guid_param (dossier_int.h). */
const char DSQL_INSERT_GUIDANCE[] =
    "INSERT INTO reception_guidance (province, receiving_unit_id, procedure_id,"
    " procedure_version_id, regime, channel, applicant, applicant_fold, documents, missing,"
    " note, guided_at, actor_account_id, actor_login, request_id)"
    " VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5, $6::smallint, $7::jsonb, $8,"
    " $9::jsonb, $10::jsonb, $11, $12::timestamptz, $13::bigint, $14, $15)"
    " RETURNING id";

/* Everything a transition needs, in one round trip. Parameters: enum fu_param
 * (dossier_int.h). */
const char DSQL_FOR_UPDATE[] =
    "SELECT d.id, d.code, d.province, d.state, d.version, d.channel, d.case_code,"
    " d.receiving_unit_id, d.resolving_unit_id, d.current_unit_id, d.current_official,"
    " d.regime, d.has_appointment, d.max_minutes, d.duration_value, d.duration_unit,"
    " d.paused_minutes, d.supplement_requests, d.supplement_seconds, d.outcome,"
    " d.end_state, d.apology_late, d.applicant::text AS applicant,"
    " extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM d.legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM d.new_appointment_at)::bigint AS new_appointment_at,"
    " extract(epoch FROM d.paused_since)::bigint AS paused_since,"
    " extract(epoch FROM d.first_supplement_at)::bigint AS first_supplement_at,"
    " extract(epoch FROM d.ended_at)::bigint AS ended_at,"
    " extract(epoch FROM d.returned_at)::bigint AS returned_at,"
    " extract(epoch FROM (SELECT max(e.occurred_at) FROM dossier_event e"
    "  WHERE e.dossier_id = d.id))::bigint AS last_event_at,"
    " pv.pause_reasons::text AS pause_reasons, pv.legs::text AS legs, pv.steps::text AS steps,"
    " pv.cutoff_minute,"
    " (SELECT count(*) FROM dossier_pause dp WHERE dp.dossier_id = d.id) AS npauses,"
    " (SELECT json_build_object('n', dp.n, 'reason', dp.reason, 'counted', dp.counted,"
    "   'requested_at', extract(epoch FROM dp.requested_at)::bigint)"
    "  FROM dossier_pause dp WHERE dp.dossier_id = d.id AND dp.resolved_at IS NULL"
    "  ORDER BY dp.n DESC LIMIT 1)::text AS open_pause,"
    " (SELECT count(*) FROM dossier_step ds WHERE ds.dossier_id = d.id) AS nsteps,"
    " (SELECT id FROM unit WHERE code = $3) AS to_unit_id,"
    /* A hand-over target in force on the event date; never a district unit for a dossier
       received from 01/07/2025 (domain.md §1). */
    " (SELECT (tu.valid_from <= $5::date AND (tu.valid_to IS NULL OR tu.valid_to >= $5::date)"
    "   AND NOT (tu.level = 'district' AND (d.received_at IS NULL"
    "    OR (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date >= DATE '2025-07-01')))"
    "  FROM unit tu WHERE tu.code = $3) AS to_unit_valid,"
    " (SELECT ru.valid_from <= $5::date AND (ru.valid_to IS NULL OR ru.valid_to >= $5::date)"
    "   AND NOT (ru.level = 'district' AND $5::date >= DATE '2025-07-01')"
    "  FROM unit ru WHERE ru.id = d.resolving_unit_id) AS resolving_valid,"
    " (SELECT count(*) FROM account a WHERE a.login = $4 AND a.active) AS official_ok,"
    " (SELECT row_to_json(v)::text FROM (SELECT pv2.id, pv2.duration_value,"
    "   pv2.duration_unit, pv2.cutoff_minute, pv2.max_minutes, pv2.cases FROM procedure_version pv2"
    "   WHERE pv2.procedure_id = d.procedure_id AND pv2.effective_from <= $5::date"
    "   AND (pv2.effective_to IS NULL OR pv2.effective_to >= $5::date)) v) AS version_then"
    " FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id"
    " WHERE d.code = $1"
    "  AND ($2::bigint IS NULL"
    "   OR $2::bigint IN (d.receiving_unit_id, d.resolving_unit_id, d.current_unit_id)"
    "   OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.current_unit_id))";

/* First statement of a transition: the UNIQUE (dossier_id, seq) key makes a concurrent
 * writer that read the same version fail here (23505 -> VERSION_CONFLICT), before the
 * projection is touched. Parameters: enum iev_param (dossier_int.h). */
const char DSQL_INSERT_EVENT[] =
    "INSERT INTO dossier_event (dossier_id, province, seq, type, from_state, to_state,"
    " occurred_at, actor_account_id, actor_login, actor_role, actor_unit_id, request_id,"
    " client_addr, payload, aggregateid)"
    " VALUES ($1::bigint, $2, $3::int, $4, $5::smallint, $6::smallint, $7::timestamptz,"
    " $8::bigint, $9, $10, $11::bigint, $12, $13, $14::jsonb, $15)";

/* The new projection, guarded by the version read. Parameters: enum proj_param
 * (dossier_int.h). */
const char DSQL_UPDATE_PROJECTION[] =
    "UPDATE dossier SET state = $3::smallint, version = $4::int,"
    " current_unit_id = $5::bigint, current_official = $6, received_at = $7::timestamptz,"
    " appointment_at = $8::timestamptz, legal_due_at = $9::timestamptz,"
    " new_appointment_at = $10::timestamptz, apology_late = $11::boolean,"
    " paused_since = $12::timestamptz, paused_minutes = $13::int,"
    " supplement_requests = $14::int, supplement_seconds = $15::bigint,"
    " first_supplement_at = $16::timestamptz, ended_at = $17::timestamptz,"
    " end_state = $18::smallint, outcome = $19, returned_at = $20::timestamptz,"
    " procedure_version_id = coalesce($21::bigint, procedure_version_id), duration_value = $22::int, duration_unit = $23,"
    " has_appointment = $24::boolean, max_minutes = $25::int,"
    " lookup_secret_hash = coalesce($26, lookup_secret_hash), regime = $27,"
    " updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int";

/* Parameters: enum pins_param (dossier_int.h). */
const char DSQL_PAUSE_INSERT[] =
    "INSERT INTO dossier_pause (dossier_id, n, province, reason, requested_at, counted,"
    " repeat, was_late, due_before, detail)"
    " VALUES ($1::bigint, $2::int, $3, $4, $5::timestamptz, $6::boolean, $7::boolean,"
    " $8::boolean, $9::timestamptz, $10::jsonb)";

/* Parameters: enum pres_param (dossier_int.h). */
const char DSQL_PAUSE_RESOLVE[] =
    "UPDATE dossier_pause SET resolved_at = $3::timestamptz, paused_minutes = $4::int,"
    " due_after = $5::timestamptz"
    " WHERE dossier_id = $1::bigint AND n = $2::int AND resolved_at IS NULL";

/* Parameters: enum sclose_param (dossier_int.h). */
const char DSQL_STEP_CLOSE[] =
    "UPDATE dossier_step SET ended_at = $2::timestamptz"
    " WHERE dossier_id = $1::bigint AND ended_at IS NULL";

/* Parameters: enum sins_param (dossier_int.h). */
const char DSQL_STEP_INSERT[] =
    "INSERT INTO dossier_step (dossier_id, n, province, kind, unit_id, name, official,"
    " planned_minutes, started_at, planned_end_at)"
    " VALUES ($1::bigint, $2::int, $3, $4, $5::bigint, $6, $7, $8::int, $9::timestamptz,"
    " $10::timestamptz)";

/* Parameters: enum sassign_param (dossier_int.h). */
const char DSQL_STEP_ASSIGN[] =
    "UPDATE dossier_step SET official = $2"
    " WHERE dossier_id = $1::bigint AND ended_at IS NULL";

/* A new lookup secret (its hash), guarded by the version read (enum reissue_param,
 * dossier_int.h). Nothing else of the projection moves. */
const char DSQL_REISSUE_SECRET[] =
    "UPDATE dossier SET version = $3::int, lookup_secret_hash = $4, updated_at = now()"
    " WHERE id = $1::bigint AND version = $2::int";

/* Parameters: enum curv_param (dossier_int.h). */
const char DSQL_CURRENT_VERSION[] =
    "SELECT state, version FROM dossier WHERE id = $1::bigint";

/* One dossier for reading. Parameters: enum dread_param (dossier_int.h). */
const char DSQL_GET[] =
    "SELECT d.id, d.code, d.external_code, d.province, d.state, d.version, d.channel,"
    " d.regime, d.case_code, d.applicant::text AS applicant, d.documents::text AS documents,"
    " d.sets, d.return_method, d.duration_value, d.duration_unit, d.has_appointment,"
    " d.max_minutes, d.paused_minutes, d.supplement_requests, d.supplement_seconds,"
    " d.current_official, d.outcome, d.end_state, d.apology_late,"
    " extract(epoch FROM d.submitted_at)::bigint AS submitted_at,"
    " extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM d.legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM d.new_appointment_at)::bigint AS new_appointment_at,"
    " extract(epoch FROM d.paused_since)::bigint AS paused_since,"
    " extract(epoch FROM d.ended_at)::bigint AS ended_at,"
    " extract(epoch FROM d.returned_at)::bigint AS returned_at,"
    " p.code AS procedure_code, p.name AS procedure_name, f.code AS field_code,"
    " f.name AS field_name, pv.version AS procedure_version,"
    " ru.code AS receiving_code, ru.name AS receiving_name,"
    " su.code AS resolving_code, su.name AS resolving_name,"
    " cu.code AS current_code, cu.name AS current_name,"
    " (SELECT coalesce(json_agg(json_build_object('n', dp.n, 'reason', dp.reason,"
    "   'requested_at', extract(epoch FROM dp.requested_at)::bigint,"
    "   'resolved_at', extract(epoch FROM dp.resolved_at)::bigint,"
    "   'counted', dp.counted, 'repeat', dp.repeat, 'was_late', dp.was_late,"
    "   'paused_minutes', dp.paused_minutes,"
    "   'due_before', extract(epoch FROM dp.due_before)::bigint,"
    "   'due_after', extract(epoch FROM dp.due_after)::bigint, 'detail', dp.detail)"
    "   ORDER BY dp.n), '[]') FROM dossier_pause dp WHERE dp.dossier_id = d.id)::text AS pauses,"
    " (SELECT coalesce(json_agg(json_build_object('n', ds.n, 'kind', ds.kind,"
    "   'unit', (SELECT code FROM unit WHERE id = ds.unit_id), 'name', ds.name,"
    "   'official', ds.official, 'planned_minutes', ds.planned_minutes,"
    "   'started_at', extract(epoch FROM ds.started_at)::bigint,"
    "   'planned_end_at', extract(epoch FROM ds.planned_end_at)::bigint,"
    "   'ended_at', extract(epoch FROM ds.ended_at)::bigint) ORDER BY ds.n), '[]')"
    "  FROM dossier_step ds WHERE ds.dossier_id = d.id)::text AS steps"
    " FROM dossier d"
    " JOIN procedure p ON p.id = d.procedure_id"
    " JOIN procedure_version pv ON pv.id = d.procedure_version_id"
    " LEFT JOIN field f ON f.id = p.field_id"
    " JOIN unit ru ON ru.id = d.receiving_unit_id"
    " JOIN unit su ON su.id = d.resolving_unit_id"
    " JOIN unit cu ON cu.id = d.current_unit_id"
    " WHERE d.code = $1"
    "  AND ($2::bigint IS NULL"
    "   OR $2::bigint IN (d.receiving_unit_id, d.resolving_unit_id, d.current_unit_id)"
    "   OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.current_unit_id))";

/* The timeline (enum dread_param, dossier_int.h). An empty result means unknown or out of
 * scope. */
const char DSQL_EVENTS[] =
    "SELECT e.id::text AS id, e.seq, e.type, e.from_state, e.to_state,"
    " extract(epoch FROM e.occurred_at)::bigint AS occurred_at,"
    " extract(epoch FROM e.recorded_at)::bigint AS recorded_at,"
    " e.actor_login, e.actor_role, (SELECT code FROM unit WHERE id = e.actor_unit_id) AS actor_unit,"
    " e.request_id, e.payload::text AS payload"
    " FROM dossier d JOIN dossier_event e ON e.dossier_id = d.id"
    " WHERE d.code = $1"
    "  AND ($2::bigint IS NULL"
    "   OR $2::bigint IN (d.receiving_unit_id, d.resolving_unit_id, d.current_unit_id)"
    "   OR unit_in_scope($2::bigint, d.receiving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.resolving_unit_id)"
    "   OR unit_in_scope($2::bigint, d.current_unit_id))"
    " ORDER BY e.seq";

/* The list (keyset on (coalesce(submitted_at, received_at, created_at), id) descending,
 * index dossier_list_key2 of sql/050_dossier_list_key.sql: the intake instant, which never
 * changes for a dossier, so a cursor stays valid when a submission is received). The class
 * (column and ?class= filter) is report_class_key() of sql/fn/30_report_lists.sql, the one
 * definition the reports share (tested against domain/cls.c by test_db_cls_parity), rule
 * set `legal` at DL_NOW, the request's now (domain.md §7.1): an open dossier in a counted
 * pause is in time iff it was not late when the pause began (legal_due_at is not moved
 * until the pause ends).
 * Scope: the units of the scope root's subtree (and of the ?unit filter's) are computed
 * once per query by the recursive CTEs `scope` and `pick`, then compared with
 * `= ANY(array)`, which the planner evaluates once (InitPlan) and can turn into index
 * conditions; unit_in_scope() per row cost ~0.1 ms a dossier (docs/api/dossiers.md,
 * "Performance"). UNION (not UNION ALL) ends the walk on a cycle in unit.parent_id.
 * Both walk down the edges unit_in_scope() (sql/085_scope_successors.sql) walks up: sub-units,
 * and the units a unit succeeded (unit_successor, transitively), so a merged commune sees the
 * dossiers of the communes it replaced. `t`: reached through a successor link, below which
 * only sub-units without a successor of their own follow (they inherit their parent's).
 * `pick` without sub-units (DL_SUB_UNITS false) still takes the predecessors: under the current
 * structure they are the unit itself.
 * The page is cut first (LIMIT inside), then the names of its units and procedure are
 * joined: a few primary-key lookups per row returned, none per row scanned.
 * Parameters: enum dl_param (dossier_int.h). */
const char DSQL_LIST[] =
    "WITH RECURSIVE scope(id, t) AS ("
    "  SELECT $1::bigint, false WHERE $1::bigint IS NOT NULL"
    "  UNION SELECT n.id, n.t FROM scope s CROSS JOIN LATERAL ("
    "   SELECT u.id, s.t FROM unit u WHERE u.parent_id = s.id"
    "    AND (NOT s.t OR NOT EXISTS (SELECT 1 FROM unit_successor x WHERE x.unit_id = u.id))"
    "   UNION ALL SELECT us.unit_id, true FROM unit_successor us WHERE us.successor_id = s.id"
    "  ) n(id, t)),"
    " pick(id, t) AS ("
    "  SELECT id, false FROM unit WHERE code = $2::text"
    "  UNION SELECT n.id, n.t FROM pick k CROSS JOIN LATERAL ("
    "   SELECT u.id, k.t FROM unit u WHERE $3::boolean AND u.parent_id = k.id"
    "    AND (NOT k.t OR NOT EXISTS (SELECT 1 FROM unit_successor x WHERE x.unit_id = u.id))"
    "   UNION ALL SELECT us.unit_id, true FROM unit_successor us WHERE us.successor_id = k.id"
    "  ) n(id, t)),"
    " page AS ("
    "  SELECT x.*"
    "  FROM (SELECT d.*,"
    "   report_class_key(d.id, d.state, d.legal_due_at, d.ended_at, d.has_appointment,"
    "    d.paused_since, $19::timestamptz) AS class,"
    "   ((d.received_at + interval '7 hours') AT TIME ZONE 'UTC')::date AS rday,"
    "   ((d.legal_due_at + interval '7 hours') AT TIME ZONE 'UTC')::date AS dday,"
    "   ((d.ended_at + interval '7 hours') AT TIME ZONE 'UTC')::date AS eday,"
    "   coalesce(d.submitted_at, d.received_at, d.created_at) AS k"
    "   FROM dossier d) x"
    "  WHERE ($1::bigint IS NULL"
    "    OR x.receiving_unit_id = ANY ((SELECT array_agg(id) FROM scope)::bigint[])"
    "    OR x.resolving_unit_id = ANY ((SELECT array_agg(id) FROM scope)::bigint[])"
    "    OR x.current_unit_id = ANY ((SELECT array_agg(id) FROM scope)::bigint[]))"
    "   AND ($2::text IS NULL"
    "    OR x.resolving_unit_id = ANY ((SELECT array_agg(id) FROM pick)::bigint[])"
    "    OR x.receiving_unit_id = ANY ((SELECT array_agg(id) FROM pick)::bigint[])"
    "    OR (NOT $3::boolean"
    "        AND x.current_unit_id = ANY ((SELECT array_agg(id) FROM pick)::bigint[])))"
    "   AND ($4::text IS NULL"
    "    OR x.procedure_id = (SELECT id FROM procedure WHERE code = $4::text))"
    "   AND ($5::text IS NULL OR x.procedure_id IN (SELECT p.id FROM procedure p"
    "    JOIN field f ON f.id = p.field_id WHERE f.code = $5::text))"
    "   AND ($6::smallint IS NULL OR x.channel = $6::smallint)"
    "   AND ($7::smallint IS NULL OR x.state = $7::smallint)"
    "   AND ($8::text IS NULL OR $8 = x.class)"
    "   AND ($9::date IS NULL OR x.rday >= $9::date)"
    "   AND ($10::date IS NULL OR x.rday <= $10::date)"
    "   AND ($11::date IS NULL OR x.dday >= $11::date)"
    "   AND ($12::date IS NULL OR x.dday <= $12::date)"
    "   AND ($13::date IS NULL OR x.eday >= $13::date)"
    "   AND ($14::date IS NULL OR x.eday <= $14::date)"
    "   AND ($15::text IS NULL OR x.applicant_fold LIKE '%' || $15 || '%'"
    "    OR lower(x.code) LIKE '%' || $15 || '%')"
    "   AND ($16::timestamptz IS NULL OR (x.k, x.id) < ($16::timestamptz, $17::bigint))"
    "  ORDER BY x.k DESC, x.id DESC"
    "  LIMIT $18::int)"
    " SELECT x.id, x.code, x.state, x.version, x.channel, x.applicant->>'name' AS applicant_name,"
    " x.current_official, x.outcome,"
    " extract(epoch FROM x.received_at)::bigint AS received_at,"
    " extract(epoch FROM x.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM x.legal_due_at)::bigint AS legal_due_at,"
    " extract(epoch FROM x.new_appointment_at)::bigint AS new_appointment_at,"
    " extract(epoch FROM x.ended_at)::bigint AS ended_at,"
    " extract(epoch FROM x.paused_since)::bigint AS paused_since,"
    " extract(epoch FROM x.k)::bigint AS k_epoch, to_char(x.k AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS k_text,"
    " p.code AS procedure_code, p.name AS procedure_name,"
    " ru.code AS receiving_code, ru.name AS receiving_name,"
    " su.code AS resolving_code, su.name AS resolving_name,"
    " cu.code AS current_code, cu.name AS current_name, x.class"
    " FROM page x JOIN procedure p ON p.id = x.procedure_id"
    " JOIN unit ru ON ru.id = x.receiving_unit_id"
    " JOIN unit su ON su.id = x.resolving_unit_id"
    " JOIN unit cu ON cu.id = x.current_unit_id"
    " ORDER BY x.k DESC, x.id DESC";

/* Open dossiers whose remaining window crosses [RSEL_FROM, RSEL_TO] (local dates, enum
 * rsel_param in dossier_int.h), for the calendar re-projection (domain.md §4.5): received,
 * not ended, legal due on or after the first and received on or before the last. */
const char DSQL_REPROJECT_SELECT[] =
    "SELECT d.id, d.code, d.province, d.state, d.version, d.duration_value, d.duration_unit,"
    " d.max_minutes, d.has_appointment,"
    /* The stored duration is the case's when the dossier has one (domain.md §2): so is the
       cut-off. */
    DSQL_CUTOFF_MINUTE ","
    " extract(epoch FROM d.received_at)::bigint AS received_at,"
    " extract(epoch FROM d.appointment_at)::bigint AS appointment_at,"
    " extract(epoch FROM d.legal_due_at)::bigint AS legal_due_at,"
    " (SELECT coalesce(json_agg(json_build_array(dp.reason,"
    "   extract(epoch FROM dp.requested_at)::bigint,"
    "   extract(epoch FROM dp.resolved_at)::bigint) ORDER BY dp.n), '[]')"
    "  FROM dossier_pause dp WHERE dp.dossier_id = d.id AND dp.counted)::text AS pauses"
    " FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id"
    " WHERE d.ended_at IS NULL AND d.received_at IS NOT NULL AND d.state NOT IN (1, 3)"
    "  AND ((d.legal_due_at + interval '7 hours') AT TIME ZONE 'UTC')::date >= $1::date"
    "  AND ((d.received_at + interval '7 hours') AT TIME ZONE 'UTC')::date <= $2::date"
    " ORDER BY d.id";
