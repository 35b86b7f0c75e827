/*
 * role.h - the roles of domain.md §11, as bits so a route or a transition can
 * name the set of roles allowed to use it.
 */
#ifndef MOTCUA_DOMAIN_ROLE_H
#define MOTCUA_DOMAIN_ROLE_H

enum role {
    ROLE_CLERK = 1 << 0,       /* cán bộ tiếp nhận (Bộ phận Một cửa) */
    ROLE_OFFICIAL = 1 << 1,    /* chuyên viên xử lý */
    ROLE_LEADER = 1 << 2,      /* lãnh đạo đơn vị */
    ROLE_SUPERVISOR = 1 << 3,  /* giám sát: read only, whole scope */
    ROLE_INTEGRATION = 1 << 4, /* integration client (Egov, DVCQG adapter) */
    ROLE_ADMIN = 1 << 5        /* quản trị */
};

#define ROLE_ALL                                                                                   \
    (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_SUPERVISOR | ROLE_INTEGRATION | ROLE_ADMIN)
#define ROLE_STAFF (ROLE_CLERK | ROLE_OFFICIAL | ROLE_LEADER | ROLE_SUPERVISOR | ROLE_ADMIN)

/* "clerk", "official", "leader", "supervisor", "integration", "admin"; NULL for a non-role. */
const char *role_name(enum role r);
/* Inverse of role_name; 0 when unknown. */
enum role role_parse(const char *s);
/* Vietnamese label ("Cán bộ tiếp nhận", ...). */
const char *role_label_vi(enum role r);

#endif
