/* Go %#v renderings of values that upstream validation prints in its messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/validation.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ck_go_string_map(const json_t *obj)
{
    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return xstrdup(json_is_object(obj) ? "map[string]string{}" : "map[string]string(nil)");
    size_t n = json_object_size(obj), i = 0;
    const char **keys = xcalloc(n, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_str);
    size_t cap = 32, len = 0;
    char *out = xmalloc(cap);
    len = (size_t)sprintf(out, "map[string]string{");
    for (i = 0; i < n; i++) {
        char *qk = ck_quote(keys[i]);
        const char *sv = json_string_value(json_object_get(obj, keys[i]));
        char *qv = ck_quote(sv ? sv : "");
        size_t need = strlen(qk) + strlen(qv) + 4;
        if (len + need + 2 > cap) out = xrealloc(out, cap = (len + need + 2) * 2);
        len += (size_t)sprintf(out + len, "%s%s:%s", i ? ", " : "", qk, qv);
        free(qk);
        free(qv);
    }
    strcpy(out + len, "}");
    free(keys);
    return out;
}

char *ck_go_bytes(const unsigned char *b, size_t n)
{
    char *out = xmalloc(8 + n * 6 + 2), *p = out;
    p += sprintf(p, "[]byte{");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s0x%x", i ? ", " : "", b[i]);
    strcpy(p, "}");
    return out;
}
