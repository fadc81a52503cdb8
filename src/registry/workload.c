/* Validators and printer helpers shared by the non-core kinds; see workload.h. */
#include "registry/corefmt.h"
#include "registry/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>

#include "lib/util.h"
#include "machinery/selector.h"
#include "registry/podspec.h"
#include "registry/registry.h"

json_int_t ck_obj_int(const json_t *obj, const char *path, json_int_t dflt)
{
    const json_t *v = ck_obj_get(obj, path);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

char *ck_path(const char *base, const char *child)
{
    return xasprintf("%s.%s", base, child);
}

void ck_validate_nonnegative(const json_t *v, const char *path, ck_field_errors *fe)
{
    if (json_is_integer(v) && json_integer_value(v) < 0)
        ck_ferr_invalid_int(fe, path, json_integer_value(v), "must be greater than or equal to 0");
}

/* The number of a "[0-9]+%" string, or -1. */
static long percent_of(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s || !*s) return -1;
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != '%') return -1;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] < '0' || s[i] > '9') return -1;
    return strtol(s, NULL, 10);
}

void ck_validate_int_or_percent(const json_t *v, const char *path, ck_field_errors *fe)
{
    if (!v || json_is_null(v)) return;
    if (json_is_string(v)) {
        if (percent_of(v) < 0)
            ck_ferr_invalid(fe, path, v,
                            "a valid percent string must be a numeric string followed by an "
                            "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                            "'[0-9]+%')");
    } else if (json_is_integer(v)) {
        ck_validate_nonnegative(v, path, fe);
    } else {
        ck_ferr_invalid(fe, path, v, "must be an integer or percentage (e.g '5%%')");
    }
}

void ck_validate_not_over_100(const json_t *v, const char *path, ck_field_errors *fe)
{
    if (percent_of(v) > 100) ck_ferr_invalid(fe, path, v, "must not be greater than 100%");
}

long ck_int_or_percent(const json_t *v)
{
    if (json_is_integer(v)) return (long)json_integer_value(v);
    long p = percent_of(v);
    return p < 0 ? 0 : p;
}

void ck_validate_selector_match(const json_t *sel, const json_t *tmpl, const char *tmpl_path,
                                ck_field_errors *fe)
{
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    const json_t *labels = ck_obj_get(tmpl, "metadata.labels");
    bool match = false;
    if (!sel || json_is_null(sel)) {
        match = false; /* a nil selector selects nothing */
    } else if (ck_label_selector_from_json(sel, &s, &err) < 0) {
        ck_err_free(err);
        return;
    } else {
        match = ck_label_selector_matches(s, json_is_object(labels) ? labels : NULL);
        ck_label_selector_free(s);
    }
    if (match) return;
    cleanup_free char *p = ck_path(tmpl_path, "metadata.labels");
    cleanup_free char *shown = ck_go_string_map(json_is_object(labels) ? labels : NULL);
    ck_ferr_invalid_raw(fe, p, shown, "`selector` does not match template `labels`");
}

void ck_validate_required_selector(const json_t *sel, const char *path, const char *what,
                                   ck_field_errors *fe)
{
    if (!json_is_object(sel)) {
        ck_ferr_required(fe, path, "");
        return;
    }
    ck_validate_label_selector(sel, path, fe);
    if (json_object_size(json_object_get(sel, "matchLabels")) +
            json_array_size(json_object_get(sel, "matchExpressions")) ==
        0) {
        cleanup_free char *d = xasprintf("empty selector is invalid for %s", what);
        ck_ferr_invalid(fe, path, sel, d);
    }
}

bool ck_selector_parses(const json_t *sel)
{
    if (!sel || json_is_null(sel)) return true;
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    if (ck_label_selector_from_json(sel, &s, &err) < 0) {
        ck_err_free(err);
        return false;
    }
    ck_label_selector_free(s);
    return true;
}

void ck_validate_restart_always(const json_t *tmpl, const char *tmpl_path, const char *kind,
                                ck_field_errors *fe)
{
    const json_t *rp = ck_obj_get(tmpl, "spec.restartPolicy");
    if (!streq(json_string_value(rp), "Always")) {
        static const char *const always[] = {"Always", NULL};
        cleanup_free char *p = ck_path(tmpl_path, "spec.restartPolicy");
        json_t *v = rp ? json_incref((json_t *)rp) : json_string("");
        ck_ferr_not_supported(fe, p, v, always);
        json_decref(v);
    }
    if (ck_obj_get(tmpl, "spec.activeDeadlineSeconds")) {
        cleanup_free char *p = ck_path(tmpl_path, "spec.activeDeadlineSeconds");
        cleanup_free char *d = xasprintf("activeDeadlineSeconds in %s is not Supported", kind);
        ck_ferr_forbidden(fe, p, d);
    }
}

void ck_validate_replica_template(const json_t *spec, ck_field_errors *fe)
{
    const json_t *sel = json_object_get(spec, "selector");
    if (!ck_selector_parses(sel)) {
        ck_ferr_invalid(fe, "spec.selector", sel, "invalid label selector");
        return;
    }
    const json_t *tmpl = json_object_get(spec, "template");
    bool empty =
        json_is_object(sel) && json_object_size(json_object_get(sel, "matchLabels")) +
                                       json_array_size(json_object_get(sel, "matchExpressions")) ==
                                   0;
    if (!empty) ck_validate_selector_match(sel, tmpl, "spec.template", fe);
    ck_validate_pod_template(tmpl, "spec.template", fe);
    ck_validate_restart_always(tmpl, "spec.template", "ReplicaSet", fe);
}

bool ck_json_same(const json_t *a, const json_t *b)
{
    if (!a || json_is_null(a)) return !b || json_is_null(b);
    return b && json_equal(a, b);
}

void ck_validate_immutable(const json_t *nv, const json_t *ov, const char *path,
                           ck_field_errors *fe)
{
    if (!ck_json_same(nv, ov)) ck_ferr_invalid(fe, path, nv, "field is immutable");
}

static void msg_add(ck_msgs *out, unsigned *n, const char *fmt, const char *arg)
{
    if (out && out->n < ARRAY_SIZE(out->v)) out->v[out->n++] = xasprintf(fmt, arg);
    (*n)++;
}

unsigned ck_name_any(const char *name, bool prefix, ck_msgs *out)
{
    (void)name, (void)prefix, (void)out;
    return 0;
}

unsigned ck_name_is_path_segment(const char *name, bool prefix, ck_msgs *out)
{
    unsigned n = 0;
    if (!prefix && (streq(name, ".") || streq(name, ".."))) {
        msg_add(out, &n, "may not be '%s'", name);
        return n;
    }
    if (strchr(name, '/')) msg_add(out, &n, "may not contain '%s'", "/");
    if (strchr(name, '%')) msg_add(out, &n, "may not contain '%s'", "%");
    return n;
}

unsigned ck_is_valid_port_name(const char *s, ck_msgs *out)
{
    unsigned n = 0;
    size_t len = strlen(s);
    bool letter = false, charset = len > 0;
    for (const char *p = s; *p; p++) {
        letter |= *p >= 'a' && *p <= 'z';
        charset &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
    }
    if (len > 15) msg_add(out, &n, "%s", "must be no more than 15 characters");
    if (!charset)
        msg_add(out, &n, "%s",
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    if (!letter) msg_add(out, &n, "%s", "must contain at least one letter (a-z)");
    if (strstr(s, "--")) msg_add(out, &n, "%s", "must not contain consecutive hyphens");
    if (len && (s[0] == '-' || s[len - 1] == '-'))
        msg_add(out, &n, "%s", "must not begin or end with a hyphen");
    return n;
}

void ck_validate_port_num(const json_t *v, const char *path, ck_field_errors *fe)
{
    json_int_t p = json_integer_value(v);
    if (p < 1 || p > 65535) ck_ferr_invalid(fe, path, v, "must be between 1 and 65535, inclusive");
}

bool ck_parse_cidr(const char *s, unsigned char ip[16], int *family, int *prefix)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || !slash[1]) return false;
    cleanup_free char *addr = xstrndup(s, (size_t)(slash - s));
    char *end;
    long pl = strtol(slash + 1, &end, 10);
    if (*end || slash[1] < '0' || slash[1] > '9') return false;
    if (inet_pton(AF_INET, addr, ip) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, addr, ip) == 1)
        *family = AF_INET6;
    else
        return false;
    if (pl < 0 || pl > (*family == AF_INET ? 32 : 128)) return false;
    *prefix = (int)pl;
    return true;
}

/* ---- label selector text ---------------------------------------------------------------- */

typedef struct req_text {
    const char *key;
    char *text;
    size_t order;
} req_text;

static int cmp_req(const void *a, const void *b)
{
    const req_text *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "(a,b)" with the values sorted. */
static char *value_set(const json_t *values)
{
    size_t n = json_array_size(values), len = 3;
    const char **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i] = json_string_value(json_array_get(values, i));
        if (!v[i]) v[i] = "";
        len += strlen(v[i]) + 1;
    }
    qsort(v, n, sizeof *v, cmp_cstr);
    char *out = xmalloc(len), *p = out;
    *p++ = '(';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", v[i]);
    strcpy(p, ")");
    free(v);
    return out;
}

char *ck_format_label_selector(const json_t *sel)
{
    ck_label_selector *parsed = NULL;
    ck_err *err = NULL;
    if (json_is_object(sel) && ck_label_selector_from_json(sel, &parsed, &err) < 0) {
        ck_err_free(err);
        return xstrdup("<error>");
    }
    ck_label_selector_free(parsed);
    const json_t *ml = json_object_get(sel, "matchLabels");
    const json_t *me = json_object_get(sel, "matchExpressions");
    size_t n = json_object_size(ml) + json_array_size(me), k = 0;
    if (n == 0) return xstrdup("<none>");
    req_text *r = xcalloc(n, sizeof *r);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ml, key, v)
    {
        r[k].key = key;
        r[k].order = k;
        r[k].text = xasprintf("%s=%s", key, json_string_value(v) ? json_string_value(v) : "");
        k++;
    }
    size_t i;
    json_array_foreach(me, i, v)
    {
        const char *ek = ck_obj_str(v, "key"), *op = ck_obj_str(v, "operator");
        r[k].key = ek ? ek : "";
        r[k].order = k;
        if (streq(op, "In") || streq(op, "NotIn")) {
            cleanup_free char *set = value_set(json_object_get(v, "values"));
            r[k].text = xasprintf("%s %s %s", r[k].key, streq(op, "In") ? "in" : "notin", set);
        } else {
            r[k].text = xasprintf("%s%s", streq(op, "DoesNotExist") ? "!" : "", r[k].key);
        }
        k++;
    }
    qsort(r, n, sizeof *r, cmp_req);
    size_t len = 1;
    for (k = 0; k < n; k++)
        len += strlen(r[k].text) + 1;
    char *out = xmalloc(len), *p = out;
    *p = 0;
    for (k = 0; k < n; k++) {
        p += sprintf(p, "%s%s", k ? "," : "", r[k].text);
        free(r[k].text);
    }
    free(r);
    return out;
}

/* ---- cells ------------------------------------------------------------------------------ */

void ck_cell_str(json_t *cells, const char *s)
{
    json_array_append_new(cells, json_string(s ? s : ""));
}

void ck_cell_take(json_t *cells, char *s)
{
    ck_cell_str(cells, s);
    free(s);
}

void ck_cell_int(json_t *cells, json_int_t v)
{
    json_array_append_new(cells, json_integer(v));
}

void ck_cell_name(const json_t *obj, json_t *cells)
{
    ck_cell_str(cells, ck_obj_str(obj, "metadata.name"));
}

void ck_cell_age(const json_t *obj, json_t *cells)
{
    const char *ts = ck_obj_str(obj, "metadata.creationTimestamp");
    json_array_append_new(cells, ts ? json_string(ts) : json_null());
}

/* Joins the string member key of every element of arr with ','. */
static char *join_member(const json_t *arr, const char *key)
{
    size_t len = 1, i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *s = json_string_value(json_object_get(e, key));
        len += strlen(s ? s : "") + 1;
    }
    char *out = xmalloc(len), *p = out;
    *p = 0;
    json_array_foreach(arr, i, e)
    {
        const char *s = json_string_value(json_object_get(e, key));
        p += sprintf(p, "%s%s", i ? "," : "", s ? s : "");
    }
    return out;
}

void ck_cells_containers(const json_t *containers, json_t *cells)
{
    ck_cell_take(cells, join_member(containers, "name"));
    ck_cell_take(cells, join_member(containers, "image"));
}

char *ck_format_labels(const json_t *labels)
{
    size_t n = json_object_size(labels), len = 1, i = 0;
    if (!n) return xstrdup("<none>");
    const char **keys = xcalloc(n, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        keys[i++] = k;
        len += strlen(k) + strlen(json_string_value(v) ? json_string_value(v) : "") + 2;
    }
    qsort(keys, n, sizeof *keys, cmp_cstr);
    char *out = xmalloc(len), *p = out;
    for (i = 0; i < n; i++) {
        const char *val = json_string_value(json_object_get(labels, keys[i]));
        p += sprintf(p, "%s%s=%s", i ? "," : "", keys[i], val ? val : "");
    }
    free(keys);
    return out;
}

char *ck_human_duration(int64_t s)
{
    return ck_fmt_duration(s);
}

/* ---- time ------------------------------------------------------------------------------- */

bool ck_parse_time(const char *ts, int64_t *epoch)
{
    struct tm tm = {0};
    if (!ts || !*ts) return false;
    const char *p = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) return false;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
        }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int h = 0, m = 0;
        if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2) return false;
        off = (h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != 'z') {
        return false;
    }
    *epoch = (int64_t)timegm(&tm) - off;
    return true;
}

char *ck_since(const char *ts)
{
    int64_t t;
    if (!ck_parse_time(ts, &t)) return xstrdup("<unknown>");
    return ck_human_duration((int64_t)time(NULL) - t);
}
