/*
 * catalog_int.h - what the files of the catalogue API share (not part of its interface,
 * which is api/catalog/catalog.h). The module is split by resource:
 *   catalog.c          database error mapping, the helpers below, channels, the route table
 *   catalog_unit.c     units and their successors (domain.md §1)
 *   catalog_proc.c     fields, procedures and their versions: reads and writes (§2)
 *   catalog_version.c  validation of a procedure version body (durations, legs, steps, ...)
 */
#ifndef MOTCUA_API_CATALOG_INT_H
#define MOTCUA_API_CATALOG_INT_H

#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"

struct arena;
struct reqctx;

#define NAME_MAX_CHARS 500
#define TEXT_MAX_CHARS 2000
#define MINUTES_MAX 525600 /* one year of minutes: more is a typing error */

/* ---- handlers (catalog_unit.c, catalog_proc.c), rows of API_CATALOG_ROUTES ---- */

void api_units_list(struct reqctx *rc);
void api_unit_create(struct reqctx *rc);
void api_unit_get(struct reqctx *rc);
void api_unit_dissolve(struct reqctx *rc);
void api_fields_list(struct reqctx *rc);
void api_field_create(struct reqctx *rc);
void api_procedures_list(struct reqctx *rc);
void api_procedure_create(struct reqctx *rc);
void api_procedure_get(struct reqctx *rc);
void api_procedure_version_create(struct reqctx *rc);

/* ---- requests (catalog.c) ---- */

/* A query parameter, NULL when absent or empty. */
const char *cat_qparam(struct reqctx *rc, const char *name);

/* ?name= as a date or an RFC 3339 instant -> its local date "YYYY-MM-DD" in rc->arena
   (NULL when absent); -1 with e = BAD_DATE when it is neither. */
int cat_date_param(struct reqctx *rc, const char *name, const char **out, struct mc_err *e);

/* ?q= folded (Vietnamese without diacritics) with LIKE wildcards escaped; NULL when absent
   or empty; -1 with e = BAD_QUERY when not UTF-8 or too long. */
int cat_fold_param(struct reqctx *rc, const char **out, struct mc_err *e);

/* The request body is a JSON object with no member outside keys (NULL-terminated); -1
   with e = VALIDATION_FAILED otherwise. */
int cat_body(struct reqctx *rc, const char *const *keys, struct mc_err *e);

/* Rejects members of obj other than keys (typos in admin input should not pass
   silently); the error names `where`. */
int cat_only_keys(json_t *obj, const char *const *keys, const char *where, struct mc_err *e);

/* 1 when s is central, province, district or commune. */
int cat_level_valid(const char *s);

/* A field or case code: 1-32 letters, digits, '.', '_', '-'. */
int cat_field_code_valid(const char *s);

/* The last day a district may be in force (30/06/2025). */
int32_t cat_district_last_day(void);

/* "YYYY-MM-DD" of a day number, and of today's local date (UTC+7), in the arena. */
const char *cat_date_text(struct arena *a, int32_t day);
const char *cat_today_text(struct arena *a);

/* A text[] literal "{a,b}" of a JSON array of strings that need no quoting (codes, keys). */
const char *cat_text_array(struct arena *a, json_t *strings);

/* ---- statements and results (catalog.c) ---- */

/* Fills one statement of a unit. */
void cat_stmt(struct db_stmt *st, const char *sql, int nparams, const char *const *values);

/* When the unit failed: replies (catalog_reply_db_error) and returns 1; else 0. */
int cat_db_failed(struct reqctx *rc, const struct db_result *r);

/* Column text by name; NULL for SQL NULL or a missing column. */
const char *cat_col(const PGresult *res, int row, const char *name);
/* The column as a JSON string, integer, or parsed JSON (jsonb text); null for SQL NULL. */
json_t *cat_col_str(const PGresult *res, int row, const char *name);
json_t *cat_col_int(const PGresult *res, int row, const char *name);
json_t *cat_col_json(const PGresult *res, int row, const char *name);

/* rc->state of a list read by code: the page size; the statement asks for limit + 1 rows. */
struct list_state {
    int limit;
};

/* Replies 200 with a page of item(res, i) and the cursor of its last code when more rows
   came than the limit (rc->state is a struct list_state). */
void cat_reply_code_page(struct reqctx *rc, const PGresult *res,
                         json_t *(*item)(const PGresult *, int));

/* ---- procedure versions (catalog_version.c) ---- */

/* A validated version, as SQL parameter texts (in the arena). */
struct version_in {
    const char *effective_from, *effective_to;
    const char *duration_value, *duration_unit, *cutoff_minute, *max_minutes;
    const char *pause_reasons;                           /* text[] literal */
    const char *legs, *steps, *documents, *fees, *cases; /* JSON texts */
    const char *resolving_level, *legal_basis;
    const char *leg_units; /* text[] literal of the unit codes named by legs */
    int close_previous;
};

/* Validates a version body (api/catalog/catalog.h); 0 with out filled, or -1 with e naming the
   member ("legs/2/minutes"). */
int cat_version_parse(struct arena *a, json_t *in, struct version_in *out, struct mc_err *e);

#endif
