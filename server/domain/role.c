/*
 * role.c - role names. See role.h.
 */
#include "domain/role.h"

#include <string.h>

static const struct {
    enum role r;
    const char *name;
    const char *vi;
} ROLES[] = {
    {ROLE_CLERK, "clerk", "Cán bộ tiếp nhận"},
    {ROLE_OFFICIAL, "official", "Chuyên viên xử lý"},
    {ROLE_LEADER, "leader", "Lãnh đạo đơn vị"},
    {ROLE_SUPERVISOR, "supervisor", "Giám sát"},
    {ROLE_INTEGRATION, "integration", "Hệ thống tích hợp"},
    {ROLE_ADMIN, "admin", "Quản trị hệ thống"},
};

const char *
role_name(enum role r)
{
    for (size_t i = 0; i < sizeof(ROLES) / sizeof(ROLES[0]); i++)
        if (ROLES[i].r == r)
            return ROLES[i].name;
    return NULL;
}

enum role
role_parse(const char *s)
{
    for (size_t i = 0; i < sizeof(ROLES) / sizeof(ROLES[0]); i++)
        if (strcmp(ROLES[i].name, s) == 0)
            return ROLES[i].r;
    return 0;
}

const char *
role_label_vi(enum role r)
{
    for (size_t i = 0; i < sizeof(ROLES) / sizeof(ROLES[0]); i++)
        if (ROLES[i].r == r)
            return ROLES[i].vi;
    return "";
}
