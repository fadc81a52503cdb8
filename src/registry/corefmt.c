/* Table cell helpers shared by the core printers; see corefmt.h. */
#include "registry/corefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/util.h"
#include "registry/registry.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *ck_fmt_labels(const json_t *labels)
{
    size_t n = json_object_size(labels);
    if (!n) return xstrdup("<none>");
    const char **keys = xcalloc(n, sizeof *keys);
    size_t i = 0, len = 1;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        keys[i++] = k;
        len += strlen(k) + 2 + strlen(json_string_value(v) ? json_string_value(v) : "");
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    char *out = xmalloc(len), *p = out;
    for (i = 0; i < n; i++) {
        const char *val = json_string_value(json_object_get(labels, keys[i]));
        p += sprintf(p, "%s%s=%s", i ? "," : "", keys[i], val ? val : "");
    }
    free(keys);
    return out;
}

void ck_fmt_containers(const json_t *containers, json_t *cells)
{
    size_t ln = 1, li = 1, i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        const char *n = ck_obj_str(c, "name"), *im = ck_obj_str(c, "image");
        ln += strlen(n ? n : "") + 1;
        li += strlen(im ? im : "") + 1;
    }
    char *names = xcalloc(1, ln), *images = xcalloc(1, li);
    json_array_foreach(containers, i, c)
    {
        const char *n = ck_obj_str(c, "name"), *im = ck_obj_str(c, "image");
        if (i) {
            strcat(names, ",");
            strcat(images, ",");
        }
        strcat(names, n ? n : "");
        strcat(images, im ? im : "");
    }
    ck_row_take(cells, names);
    ck_row_take(cells, images);
}

void ck_row_str(json_t *cells, const char *s)
{
    json_array_append_new(cells, json_string(s ? s : ""));
}

void ck_row_take(json_t *cells, char *s)
{
    ck_row_str(cells, s);
    free(s);
}

void ck_row_name(const json_t *obj, json_t *cells)
{
    ck_row_str(cells, ck_obj_str(obj, "metadata.name"));
}

void ck_row_age(const json_t *obj, json_t *cells)
{
    const char *ts = ck_obj_str(obj, "metadata.creationTimestamp");
    json_array_append_new(cells, ts ? json_string(ts) : json_null());
}

bool ck_fmt_seconds_since(const char *ts, int64_t *out)
{
    struct tm tm = {0};
    if (!ts) return false;
    const char *rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) return false;
    time_t t = timegm(&tm);
    *out = (int64_t)(time(NULL) - t);
    return true;
}

char *ck_fmt_duration(int64_t s)
{
    if (s < -1) return xstrdup("<invalid>");
    if (s < 0) return xstrdup("0s");
    if (s < 120) return xasprintf("%llds", (long long)s);
    long long m = s / 60, h = s / 3600, d = h / 24;
    if (m < 10)
        return s % 60 ? xasprintf("%lldm%llds", m, (long long)(s % 60)) : xasprintf("%lldm", m);
    if (m < 180) return xasprintf("%lldm", m);
    if (h < 8) return m % 60 ? xasprintf("%lldh%lldm", h, m % 60) : xasprintf("%lldh", h);
    if (h < 48) return xasprintf("%lldh", h);
    if (h < 24 * 8) return h % 24 ? xasprintf("%lldd%lldh", d, h % 24) : xasprintf("%lldd", d);
    if (h < 24 * 365 * 2) return xasprintf("%lldd", d);
    if (h < 24 * 365 * 8)
        return d % 365 ? xasprintf("%lldy%lldd", d / 365, d % 365) : xasprintf("%lldy", d / 365);
    return xasprintf("%lldy", d / 365);
}
