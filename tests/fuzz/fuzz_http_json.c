/*
 * fuzz_http_json.c - libFuzzer harness for the request-body parser and the text
 * helpers of http/jin.c. Invariants: a parse either returns a value and leaves e at
 * ERR_OK, or returns NULL with one of BAD_JSON, JSON_TOO_DEEP, BAD_UTF8; whatever is
 * valid UTF-8 folds to valid UTF-8 with no upper-case ASCII and no double spaces.
 * Seeds: tests/fuzz/corpus/fuzz_http_json/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "http/jin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mc_err e;
    json_t *j;
    struct arena *a;
    char *s, *f;

    err_clear(&e);
    j = jin_parse_strict((const char *)data, size, &e);
    if (j != NULL) {
        const char *out;

        if (e.code != ERR_OK)
            abort();
        if (json_is_object(j))
            (void)jin_get_str(j, "name", 100, 0, &out, &e);
        json_decref(j);
    } else if (e.code != ERR_BAD_JSON && e.code != ERR_TOO_DEEP && e.code != ERR_BAD_UTF8) {
        abort();
    }
    a = arena_new();
    s = arena_strndup(a, (const char *)data, size);
    f = jin_fold_text(a, s);
    if ((f == NULL) == jin_utf8_valid(s, strlen(s)))
        abort();
    if (f != NULL) {
        if (!jin_utf8_valid(f, strlen(f)) || strstr(f, "  ") != NULL)
            abort();
        for (const char *p = f; *p != '\0'; p++)
            if (*p >= 'A' && *p <= 'Z')
                abort();
    }
    arena_free(a);
    return 0;
}
