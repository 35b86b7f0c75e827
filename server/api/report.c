/*
 * report.c - the reports (Biểu số 06, on-time rates) API: API_REPORT_ROUTES, listed in api/routes.c.
 * Created empty by the HTTP engineer so the route table links; the module's owner
 * fills the table (zero row last) and the handlers.
 */
#include "api/api.h"

const struct route API_REPORT_ROUTES[] = {
    {0, NULL, NULL, 0, 0, NULL},
};
