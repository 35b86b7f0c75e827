/*
 * routes.c - `motcua routes`: one "METHOD PATTERN roles|public" line per route of the
 * route table (api/routes.c), roles comma-separated. tests/http/test_openapi.py compares
 * it with proto/openapi.yaml; operators read it to see who may call what.
 */
#include <stdio.h>

#include "api/api.h"
#include "app.h"
#include "cli/cli.h"
#include "domain/role.h"
#include "http/router.h"

int
cli_routes(void)
{
    static const enum role ROLES[] = {ROLE_CLERK,      ROLE_OFFICIAL,    ROLE_LEADER,
                                      ROLE_SUPERVISOR, ROLE_INTEGRATION, ROLE_ADMIN};
    struct app app = {0};
    struct mc_err e;

    if (api_routes_build(&app, &e) != 0) {
        fprintf(stderr, "motcua: %s\n", e.detail[0] != '\0' ? e.detail : err_msg_vi(e.code));
        return 1;
    }
    for (size_t i = 0; i < app.nroutes; i++) {
        const struct route *r = &app.routes[i];
        const char *sep = "";

        printf("%s %s ", route_method_name(r->method), r->pattern);
        if (r->flags & RF_PUBLIC)
            fputs("public", stdout);
        for (size_t k = 0; !(r->flags & RF_PUBLIC) && k < sizeof(ROLES) / sizeof(ROLES[0]); k++)
            if (r->roles & ROLES[k]) {
                printf("%s%s", sep, role_name(ROLES[k]));
                sep = ",";
            }
        putchar('\n');
    }
    api_routes_free(&app);
    return 0;
}
