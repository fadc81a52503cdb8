/* Field error lists and the shared validators. The texts are upstream's (Kubernetes 1.34
 * apimachinery): field.Error bodies, NewInvalid's message and causes, validation.Is*
 * messages and ObjectMeta rules; the code is our own. */
#include "machinery/validation.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

/* ---- A small growable string ---------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static char *sb_take(sbuf *b)
{
    return b->s ? b->s : xstrdup("");
}

/* ---- Go-style rendering of values ----------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (code point in *cp), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;
    if (s[0] < 0xc2 || s[0] > 0xf4) return 0;
    if (s[0] < 0xe0)
        n = 2, c = s[0] & 0x1f, min = 0x80;
    else if (s[0] < 0xf0)
        n = 3, c = s[0] & 0x0f, min = 0x800;
    else
        n = 4, c = s[0] & 0x07, min = 0x10000;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    *cp = c;
    return n;
}

/* Code points Go's unicode.IsPrint rejects that are likely to appear (controls, spacing
 * and format characters); everything else valid is printed as is. */
static bool go_unprintable(uint32_t c)
{
    return (c >= 0x80 && c <= 0xa0) || c == 0xad || (c >= 0x2000 && c <= 0x200f) ||
           (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) || c == 0x3000 ||
           c == 0xfeff;
}

static const char ESCAPED[] = "\a\b\f\n\r\t\v\"\\", ESCAPES[] = "abfnrtv\"\\";

char *ck_quote(const char *s)
{
    sbuf b = {0};
    char tmp[16];
    sb_puts(&b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t cp;
        size_t n;
        if (*p >= 0x80) {
            if ((n = utf8_seq(p, &cp)) == 0) {
                snprintf(tmp, sizeof tmp, "\\x%02x", *p++);
                sb_puts(&b, tmp);
            } else if (go_unprintable(cp)) {
                snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
                sb_puts(&b, tmp);
                p += n;
            } else {
                sb_putn(&b, (const char *)p, n);
                p += n;
            }
            continue;
        }
        const char *esc = strchr(ESCAPED, *p);
        if (esc) {
            char two[3] = {'\\', ESCAPES[esc - ESCAPED], '\0'};
            sb_puts(&b, two);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\x%02x", *p);
            sb_puts(&b, tmp);
        } else {
            sb_putn(&b, (const char *)p, 1);
        }
        p++;
    }
    sb_puts(&b, "\"");
    return sb_take(&b);
}

/* Go's %v for a float64: shortest round-trip digits, exponent form below 1e-4 or from
 * 1e+06 on. */
static char *go_float(double v)
{
    if (isnan(v)) return xstrdup("NaN");
    if (isinf(v)) return xstrdup(v > 0 ? "+Inf" : "-Inf");
    char e[40], dig[24], out[64];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v) break;
    }
    size_t nd = 0;
    char *p = e + (e[0] == '-');
    for (; *p != 'e'; p++)
        if (*p != '.') dig[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    dig[nd] = '\0';
    const char *sign = e[0] == '-' ? "-" : "";
    if (exp < -4 || exp >= 6) {
        snprintf(out, sizeof out, "%s%c%s%se%c%02d", sign, dig[0], nd > 1 ? "." : "", dig + 1,
                 exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        snprintf(out, sizeof out, "%s0.%.*s%s", sign, -exp - 1, "0000", dig);
    } else if ((int)nd <= exp + 1) {
        snprintf(out, sizeof out, "%s%s%.*s", sign, dig, exp + 1 - (int)nd, "000000");
    } else {
        snprintf(out, sizeof out, "%s%.*s.%s", sign, exp + 1, dig, dig + exp + 1);
    }
    return xstrdup(out);
}

/* A bad value as upstream's ErrorBody prints it. */
static char *render(const json_t *v)
{
    if (!v || json_is_null(v)) return xstrdup("null");
    if (json_is_string(v)) return ck_quote(json_string_value(v));
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) return go_float(json_real_value(v));
    if (json_is_boolean(v)) return xstrdup(json_is_true(v) ? "true" : "false");
    cleanup_free char *raw = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    sbuf b = {0};
    for (const char *p = raw ? raw : "null"; *p; p++) { /* Go's json escapes <, >, & */
        const char *e = *p == '<'   ? "\\u003c"
                        : *p == '>' ? "\\u003e"
                        : *p == '&' ? "\\u0026"
                                    : NULL;
        sb_puts(&b, e ? e : (char[]){*p, '\0'});
    }
    return sb_take(&b);
}

/* ---- Field error lists ---------------------------------------------------------------- */

typedef struct ferr {
    const char *reason; /* "FieldValueInvalid", ... */
    char *field;
    char *body; /* "Invalid value: -1: must be ..." */
    char *text; /* "field: body" */
} ferr;

struct ck_field_errors {
    ferr *v;
    unsigned n, cap;
};

ck_field_errors *ck_ferrs_new(void)
{
    return xcalloc(1, sizeof(ck_field_errors));
}

void ck_ferrs_free(ck_field_errors *fe)
{
    if (!fe) return;
    for (unsigned i = 0; i < fe->n; i++) {
        free(fe->v[i].field);
        free(fe->v[i].body);
        free(fe->v[i].text);
    }
    free(fe->v);
    free(fe);
}

bool ck_ferrs_empty(const ck_field_errors *fe)
{
    return !fe || fe->n == 0;
}

unsigned ck_ferrs_count(const ck_field_errors *fe)
{
    return fe ? fe->n : 0;
}

const char *ck_ferrs_text(const ck_field_errors *fe, unsigned i)
{
    return fe && i < fe->n ? fe->v[i].text : NULL;
}

/* value is an already rendered bad value, or NULL when the type prints none. */
static void add(ck_field_errors *fe, const char *reason, const char *type, const char *path,
                const char *value, const char *detail)
{
    sbuf b = {0};
    sb_puts(&b, type);
    if (value) {
        sb_puts(&b, ": ");
        sb_puts(&b, value);
    }
    if (detail && *detail) {
        sb_puts(&b, ": ");
        sb_puts(&b, detail);
    }
    if (fe->n == fe->cap) {
        fe->cap = fe->cap ? fe->cap * 2 : 4;
        fe->v = xrealloc(fe->v, fe->cap * sizeof *fe->v);
    }
    ferr *e = &fe->v[fe->n++];
    e->reason = reason;
    e->field = xstrdup(path ? path : "<nil>"); /* upstream prints a nil path so */
    e->body = sb_take(&b);
    e->text = xasprintf("%s: %s", e->field, e->body);
}

static void add_json(ck_field_errors *fe, const char *reason, const char *type, const char *path,
                     const json_t *value, const char *detail)
{
    cleanup_free char *v = render(value);
    add(fe, reason, type, path, v, detail);
}

void ck_ferr_required(ck_field_errors *fe, const char *path, const char *detail)
{
    add(fe, "FieldValueRequired", "Required value", path, NULL, detail);
}

void ck_ferr_forbidden(ck_field_errors *fe, const char *path, const char *detail)
{
    add(fe, "FieldValueForbidden", "Forbidden", path, NULL, detail);
}

void ck_ferr_invalid(ck_field_errors *fe, const char *path, const json_t *value, const char *detail)
{
    add_json(fe, "FieldValueInvalid", "Invalid value", path, value, detail);
}

void ck_ferr_invalid_str(ck_field_errors *fe, const char *path, const char *value,
                         const char *detail)
{
    cleanup_free char *v = ck_quote(value ? value : "");
    add(fe, "FieldValueInvalid", "Invalid value", path, v, detail);
}

void ck_ferr_invalid_raw(ck_field_errors *fe, const char *path, const char *value,
                         const char *detail)
{
    add(fe, "FieldValueInvalid", "Invalid value", path, value, detail);
}

void ck_ferr_invalid_int(ck_field_errors *fe, const char *path, int64_t value, const char *detail)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)value);
    add(fe, "FieldValueInvalid", "Invalid value", path, v, detail);
}

void ck_ferr_type_invalid(ck_field_errors *fe, const char *path, const json_t *value,
                          const char *detail)
{
    add_json(fe, "FieldValueTypeInvalid", "Invalid value", path, value, detail);
}

void ck_ferr_not_supported(ck_field_errors *fe, const char *path, const json_t *value,
                           const char *const *supported)
{
    sbuf b = {0};
    for (size_t i = 0; supported && supported[i]; i++) {
        cleanup_free char *q = ck_quote(supported[i]);
        sb_puts(&b, i ? ", " : "supported values: ");
        sb_puts(&b, q);
    }
    cleanup_free char *detail = b.s;
    add_json(fe, "FieldValueNotSupported", "Unsupported value", path, value, detail);
}

void ck_ferr_duplicate(ck_field_errors *fe, const char *path, const json_t *value)
{
    add_json(fe, "FieldValueDuplicate", "Duplicate value", path, value, NULL);
}

void ck_ferr_not_found(ck_field_errors *fe, const char *path, const json_t *value)
{
    add_json(fe, "FieldValueNotFound", "Not found", path, value, NULL);
}

void ck_ferr_too_long(ck_field_errors *fe, const char *path, long max_len)
{
    cleanup_free char *d = max_len < 0 ? xstrdup("value is too long")
                                       : xasprintf("may not be more than %ld %s", max_len,
                                                   max_len == 1 ? "byte" : "bytes");
    add(fe, "FieldValueTooLong", "Too long", path, NULL, d);
}

void ck_ferr_too_many(ck_field_errors *fe, const char *path, long actual, long max)
{
    cleanup_free char *d =
        max < 0 ? xstrdup("has too many items")
                : xasprintf("must have at most %ld %s", max, max == 1 ? "item" : "items");
    char v[32];
    snprintf(v, sizeof v, "%ld", actual);
    add(fe, "FieldValueTooMany", "Too many", path, actual < 0 ? NULL : v, d);
}

void ck_ferr_internal(ck_field_errors *fe, const char *path, const char *detail)
{
    add(fe, "InternalError", "Internal error", path, NULL, detail);
}

char *ck_ferrs_aggregate(const ck_field_errors *fe)
{
    if (ck_ferrs_empty(fe)) return NULL;
    sbuf b = {0};
    unsigned uniq = 0;
    for (unsigned i = 0; i < fe->n; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = strcmp(fe->v[i].text, fe->v[j].text) == 0;
        if (seen) continue;
        if (uniq++) sb_puts(&b, ", ");
        sb_puts(&b, fe->v[i].text);
    }
    if (uniq == 1) return sb_take(&b);
    char *out = xasprintf("[%s]", b.s);
    free(b.s);
    return out;
}

int ck_ferrs_to_err(const ck_field_errors *fe, const char *kind, const char *group,
                    const char *name, ck_err **err)
{
    if (ck_ferrs_empty(fe)) return 0;
    json_t *details = json_object();
    if (name && *name) json_object_set_new(details, "name", json_string(name));
    if (group && *group) json_object_set_new(details, "group", json_string(group));
    if (kind && *kind) json_object_set_new(details, "kind", json_string(kind));
    json_t *causes = json_array();
    for (unsigned i = 0; i < fe->n; i++) {
        json_t *c = json_pack("{s:s}", "reason", fe->v[i].reason);
        json_object_set_new(c, "message", json_string(fe->v[i].body));
        if (*fe->v[i].field) json_object_set_new(c, "field", json_string(fe->v[i].field));
        json_array_append_new(causes, c);
    }
    json_object_set_new(details, "causes", causes);
    cleanup_free char *agg = ck_ferrs_aggregate(fe);
    cleanup_free char *qname = ck_quote(name ? name : "");
    return ck_error_details(err, 422, CK_INVALID, details, "%s%s%s %s is invalid: %s",
                            kind ? kind : "", group && *group ? "." : "", group ? group : "", qname,
                            agg);
}

/* ---- String validators ---------------------------------------------------------------- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                                  \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character"
#define LABEL_VALUE_FMT "(" QNAME_FMT ")?"
#define LABEL_VALUE_MSG                                                                            \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character"
#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_LABEL_MSG                                                                          \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1123_SUBDOMAIN_MSG                                                                      \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character"
#define DNS1035_LABEL_FMT "[a-z]([-a-z0-9]*[a-z0-9])?"
#define DNS1035_LABEL_MSG                                                                          \
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "   \
    "alphabetic character, and end with an alphanumeric character"
/* Upstream's RegexError text, examples included ("'a',  or 'b', "). */
#define REGEX_ERROR(msg, re, examples)                                                             \
    msg " (e.g. " examples "regex used for validation is '" re "')"
#define QNAME_ERR REGEX_ERROR(QNAME_MSG, QNAME_FMT, "'MyName',  or 'my.name',  or '123-abc', ")

void ck_msgs_free(ck_msgs *m)
{
    if (!m) return;
    for (unsigned i = 0; i < m->n; i++)
        free(m->v[i]);
    m->n = 0;
}

char *ck_msgs_join(const ck_msgs *m, const char *sep)
{
    sbuf b = {0};
    for (unsigned i = 0; i < m->n; i++) {
        if (i) sb_puts(&b, sep);
        sb_puts(&b, m->v[i]);
    }
    return sb_take(&b);
}

void ck_ferr_invalid_msgs(ck_field_errors *fe, const char *path, const char *value, ck_msgs *m)
{
    for (unsigned i = 0; i < m->n; i++)
        ck_ferr_invalid_str(fe, path, value, m->v[i]);
    ck_msgs_free(m);
}

/* Records a message (taking ownership) and counts it. */
static void note(ck_msgs *out, unsigned *n, char *msg)
{
    if (out && out->n < ARRAY_SIZE(out->v))
        out->v[out->n++] = msg;
    else
        free(msg);
    (*n)++;
}

static char *max_len_error(int n)
{
    return xasprintf("must be no more than %d characters", n);
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool match_qname(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1])) return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.') return false;
    return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? (or [a-z] first for RFC 1035) */
static bool match_dns_label(const char *s, size_t n, bool alpha_first)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1])) return false;
    if (alpha_first && !(s[0] >= 'a' && s[0] <= 'z')) return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '-') return false;
    return true;
}

static bool match_subdomain(const char *s)
{
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (!match_dns_label(s, n, false)) return false;
        if (!dot) return true;
        s = dot + 1;
    }
}

unsigned ck_is_dns1123_label(const char *v, ck_msgs *out)
{
    unsigned n = 0;
    size_t len = strlen(v);
    if (len > 63) note(out, &n, max_len_error(63));
    if (!match_dns_label(v, len, false)) {
        if (match_subdomain(v))
            note(out, &n, xstrdup("must not contain dots"));
        else
            note(out, &n,
                 xstrdup(REGEX_ERROR(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT,
                                     "'my-name',  or '123-abc', ")));
    }
    return n;
}

unsigned ck_is_dns1123_subdomain(const char *v, ck_msgs *out)
{
    unsigned n = 0;
    if (strlen(v) > 253) note(out, &n, max_len_error(253));
    if (!match_subdomain(v))
        note(out, &n,
             xstrdup(REGEX_ERROR(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "'example.com', ")));
    return n;
}

unsigned ck_is_dns1035_label(const char *v, ck_msgs *out)
{
    unsigned n = 0;
    size_t len = strlen(v);
    if (len > 63) note(out, &n, max_len_error(63));
    if (!match_dns_label(v, len, true))
        note(out, &n,
             xstrdup(
                 REGEX_ERROR(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "'my-name',  or 'abc-123', ")));
    return n;
}

unsigned ck_is_qualified_name(const char *v, ck_msgs *out)
{
    unsigned n = 0;
    const char *slash = strchr(v, '/'), *name = v;
    if (slash && strchr(slash + 1, '/')) {
        note(out, &n,
             xstrdup("a qualified name " QNAME_ERR " with an optional DNS subdomain prefix and "
                     "'/' (e.g. 'example.com/MyName')"));
        return n;
    }
    if (slash) {
        cleanup_free char *prefix = xstrndup(v, (size_t)(slash - v));
        name = slash + 1;
        ck_msgs sub = {0};
        if (!*prefix)
            note(out, &n, xstrdup("prefix part must be non-empty"));
        else
            ck_is_dns1123_subdomain(prefix, &sub);
        for (unsigned i = 0; i < sub.n; i++)
            note(out, &n, xasprintf("prefix part %s", sub.v[i]));
        ck_msgs_free(&sub);
    }
    size_t len = strlen(name);
    if (len == 0)
        note(out, &n, xstrdup("name part must be non-empty"));
    else if (len > 63)
        note(out, &n, xstrdup("name part must be no more than 63 characters"));
    if (!match_qname(name, len)) note(out, &n, xstrdup("name part " QNAME_ERR));
    return n;
}

unsigned ck_is_valid_label_value(const char *v, ck_msgs *out)
{
    unsigned n = 0;
    size_t len = strlen(v);
    if (len > 63) note(out, &n, max_len_error(63));
    if (len > 0 && !match_qname(v, len))
        note(out, &n,
             xstrdup(REGEX_ERROR(LABEL_VALUE_MSG, LABEL_VALUE_FMT,
                                 "'MyValue',  or 'my_value',  or '12345', ")));
    return n;
}

/* For generated names a trailing '-' is fine: upstream replaces the last two characters
 * with "a" before validating (its maskTrailingDash). */
static unsigned name_check(const char *name, bool prefix, ck_msgs *out,
                           unsigned (*fn)(const char *, ck_msgs *))
{
    size_t len = strlen(name);
    if (!prefix || len <= 1 || name[len - 1] != '-') return fn(name, out);
    cleanup_free char *masked = xasprintf("%.*sa", (int)(len - 2), name);
    return fn(masked, out);
}

unsigned ck_name_is_dns_subdomain(const char *name, bool prefix, ck_msgs *out)
{
    return name_check(name, prefix, out, ck_is_dns1123_subdomain);
}

unsigned ck_name_is_dns_label(const char *name, bool prefix, ck_msgs *out)
{
    return name_check(name, prefix, out, ck_is_dns1123_label);
}

unsigned ck_name_is_dns1035_label(const char *name, bool prefix, ck_msgs *out)
{
    return name_check(name, prefix, out, ck_is_dns1035_label);
}

/* ---- Object validators ---------------------------------------------------------------- */

static const char *str_at(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void qualified_name(ck_field_errors *fe, const char *path, const char *v)
{
    ck_msgs m = {0};
    ck_is_qualified_name(v, &m);
    ck_ferr_invalid_msgs(fe, path, v, &m);
}

void ck_validate_labels(const json_t *labels, const char *path, ck_field_errors *fe)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        qualified_name(fe, path, k);
        if (!json_is_string(v)) continue;
        ck_msgs m = {0};
        ck_is_valid_label_value(json_string_value(v), &m);
        ck_ferr_invalid_msgs(fe, path, json_string_value(v), &m);
    }
}

void ck_validate_annotations(const json_t *annotations, const char *path, ck_field_errors *fe)
{
    const char *k;
    json_t *v;
    size_t total = 0;
    json_object_foreach((json_t *)annotations, k, v)
    {
        /* A qualified name, except that case does not matter. */
        cleanup_free char *lower = xstrdup(k);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        ck_msgs m = {0};
        ck_is_qualified_name(lower, &m);
        ck_ferr_invalid_msgs(fe, path, k, &m);
        total += strlen(k) + (json_is_string(v) ? json_string_length(v) : 0);
    }
    if (total > CK_TOTAL_ANNOTATION_SIZE) ck_ferr_too_long(fe, path, CK_TOTAL_ANNOTATION_SIZE);
}

void ck_validate_label_selector(const json_t *sel, const char *path, ck_field_errors *fe)
{
    if (!json_is_object(sel)) return;
    cleanup_free char *ml = xasprintf("%s.matchLabels", path);
    ck_validate_labels(json_object_get(sel, "matchLabels"), ml, fe);
    size_t i;
    json_t *expr;
    json_array_foreach(json_object_get(sel, "matchExpressions"), i, expr)
    {
        cleanup_free char *p = xasprintf("%s.matchExpressions[%zu]", path, i);
        cleanup_free char *pv = xasprintf("%s.values", p);
        cleanup_free char *po = xasprintf("%s.operator", p);
        cleanup_free char *pk = xasprintf("%s.key", p);
        const char *op = str_at(expr, "operator");
        json_t *values = json_object_get(expr, "values");
        size_t nvals = json_array_size(values);
        if (streq(op, "In") || streq(op, "NotIn")) {
            if (nvals == 0)
                ck_ferr_required(fe, pv, "must be specified when `operator` is 'In' or 'NotIn'");
        } else if (streq(op, "Exists") || streq(op, "DoesNotExist")) {
            if (nvals > 0)
                ck_ferr_forbidden(fe, pv,
                                  "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'");
        } else {
            ck_ferr_invalid_str(fe, po, op, "not a valid selector operator");
        }
        qualified_name(fe, pk, str_at(expr, "key"));
        size_t j;
        json_t *v;
        json_array_foreach(values, j, v)
        {
            cleanup_free char *pj = xasprintf("%s[%zu]", pv, j);
            ck_msgs m = {0};
            const char *s = json_is_string(v) ? json_string_value(v) : "";
            ck_is_valid_label_value(s, &m);
            ck_ferr_invalid_msgs(fe, pj, s, &m);
        }
    }
}

static void validate_owner_refs(const json_t *refs, ck_field_errors *fe)
{
    const char *path = "metadata.ownerReferences";
    cleanup_free char *controller = NULL;
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *api = str_at(ref, "apiVersion"), *kind = str_at(ref, "kind");
        const char *slash = strchr(api, '/'), *version = api;
        bool core_group = !slash || slash == api;
        if (slash && (strchr(slash + 1, '/') || streq(api, "/")))
            version = "";
        else if (slash)
            version = slash + 1;
        if (!*version)
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.apiVersion", api,
                                "version must not be empty");
        if (!*kind)
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.kind", kind, "must not be empty");
        if (!*str_at(ref, "name"))
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.name", "", "must not be empty");
        if (!*str_at(ref, "uid"))
            ck_ferr_invalid_str(fe, "metadata.ownerReferences.uid", "", "must not be empty");
        if (core_group && streq(version, "v1") && streq(kind, "Event"))
            ck_ferr_invalid(fe, path, ref, "/v1, Kind=Event is disallowed from being an owner");
        if (!json_is_true(json_object_get(ref, "controller"))) continue;
        cleanup_free char *cur = xasprintf("%s/%s", kind, str_at(ref, "name"));
        if (!controller) {
            controller = steal_pointer(&cur);
            continue;
        }
        cleanup_free char *d = xasprintf("Only one reference can have Controller set to true. "
                                         "Found \"true\" in references for %s and %s",
                                         controller, cur);
        ck_ferr_invalid(fe, path, refs, d);
    }
}

static void validate_finalizers(const json_t *fins, ck_field_errors *fe)
{
    bool orphan = false, foreground = false;
    size_t i;
    json_t *f;
    json_array_foreach(fins, i, f)
    {
        const char *s = json_is_string(f) ? json_string_value(f) : "";
        qualified_name(fe, "metadata.finalizers", s);
        orphan |= streq(s, "orphan");
        foreground |= streq(s, "foregroundDeletion");
    }
    if (orphan && foreground)
        ck_ferr_invalid(fe, "metadata.finalizers", fins,
                        "finalizer orphan and foregroundDeletion cannot be both set");
}

void ck_validate_object_meta(const json_t *meta, bool namespaced, ck_name_fn name_fn,
                             ck_field_errors *fe)
{
    if (!name_fn) name_fn = ck_name_is_dns_subdomain;
    const char *gen = str_at(meta, "generateName"), *name = str_at(meta, "name");
    const char *ns = str_at(meta, "namespace");
    ck_msgs m = {0};
    if (*gen) {
        name_fn(gen, true, &m);
        ck_ferr_invalid_msgs(fe, "metadata.generateName", gen, &m);
    }
    if (!*name) {
        ck_ferr_required(fe, "metadata.name", "name or generateName is required");
    } else {
        name_fn(name, false, &m);
        ck_ferr_invalid_msgs(fe, "metadata.name", name, &m);
    }
    if (namespaced && !*ns) {
        ck_ferr_required(fe, "metadata.namespace", NULL);
    } else if (namespaced) {
        ck_name_is_dns_label(ns, false, &m);
        ck_ferr_invalid_msgs(fe, "metadata.namespace", ns, &m);
    } else if (*ns) {
        ck_ferr_forbidden(fe, "metadata.namespace", "not allowed on this type");
    }
    json_int_t generation = json_integer_value(json_object_get(meta, "generation"));
    if (generation < 0)
        ck_ferr_invalid_int(fe, "metadata.generation", generation,
                            "must be greater than or equal to 0");
    ck_validate_labels(json_object_get(meta, "labels"), "metadata.labels", fe);
    ck_validate_annotations(json_object_get(meta, "annotations"), "metadata.annotations", fe);
    validate_owner_refs(json_object_get(meta, "ownerReferences"), fe);
    validate_finalizers(json_object_get(meta, "finalizers"), fe);
}

/* Absent and null are the same value, as Go's zero values are. */
static bool same_value(const json_t *a, const json_t *b)
{
    if (json_is_null(a)) a = NULL;
    if (json_is_null(b)) b = NULL;
    return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* Finalizers in new but not old, sorted and unique, as Go's %#v of a []string. */
static char *new_finalizers(const json_t *newf, const json_t *oldf)
{
    size_t n = json_array_size(newf), k = 0;
    cleanup_free const char **extra = xcalloc(n + 1, sizeof *extra);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(newf, i));
        bool found = !s;
        for (size_t j = 0; j < json_array_size(oldf) && !found; j++)
            found = streq(s, json_string_value(json_array_get(oldf, j)));
        for (size_t j = 0; j < k && !found; j++)
            found = streq(s, extra[j]);
        if (found) continue;
        size_t at = k++;
        for (; at > 0 && strcmp(extra[at - 1], s) > 0; at--)
            extra[at] = extra[at - 1];
        extra[at] = s;
    }
    if (k == 0) return NULL;
    sbuf b = {0};
    sb_puts(&b, "[]string{");
    for (size_t i = 0; i < k; i++) {
        cleanup_free char *q = ck_quote(extra[i]);
        if (i) sb_puts(&b, ", ");
        sb_puts(&b, q);
    }
    sb_puts(&b, "}");
    return sb_take(&b);
}

void ck_validate_object_meta_update(const json_t *new_meta, const json_t *old_meta,
                                    ck_field_errors *fe)
{
    static const char *const immutable_str[] = {"name", "namespace", "uid"};
    static const char *const immutable_any[] = {"creationTimestamp", "deletionTimestamp",
                                                "deletionGracePeriodSeconds"};
    const json_t *old_del = json_object_get(old_meta, "deletionTimestamp");
    if (old_del && !json_is_null(old_del)) {
        cleanup_free char *extra = new_finalizers(json_object_get(new_meta, "finalizers"),
                                                  json_object_get(old_meta, "finalizers"));
        cleanup_free char *d =
            extra ? xasprintf("no new finalizers can be added if the object is being deleted, "
                              "found new finalizers %s",
                              extra)
                  : NULL;
        if (d) ck_ferr_forbidden(fe, "metadata.finalizers", d);
    }
    if (!*str_at(new_meta, "resourceVersion"))
        ck_ferr_invalid_str(fe, "metadata.resourceVersion", "", "must be specified for an update");
    json_int_t gen_new = json_integer_value(json_object_get(new_meta, "generation"));
    if (gen_new < json_integer_value(json_object_get(old_meta, "generation")))
        ck_ferr_invalid_int(fe, "metadata.generation", gen_new, "must not be decremented");
    for (size_t i = 0; i < ARRAY_SIZE(immutable_str); i++) {
        const char *k = immutable_str[i], *nv = str_at(new_meta, k);
        cleanup_free char *path = xasprintf("metadata.%s", k);
        if (!streq(nv, str_at(old_meta, k)))
            ck_ferr_invalid_str(fe, path, nv, "field is immutable");
    }
    for (size_t i = 0; i < ARRAY_SIZE(immutable_any); i++) {
        const char *k = immutable_any[i];
        const json_t *nv = json_object_get(new_meta, k);
        cleanup_free char *path = xasprintf("metadata.%s", k);
        if (!same_value(nv, json_object_get(old_meta, k)))
            ck_ferr_invalid(fe, path, nv, "field is immutable");
    }
    ck_validate_labels(json_object_get(new_meta, "labels"), "metadata.labels", fe);
    ck_validate_annotations(json_object_get(new_meta, "annotations"), "metadata.annotations", fe);
    validate_owner_refs(json_object_get(new_meta, "ownerReferences"), fe);
}

void ck_validate_kube_finalizers(const json_t *meta, ck_field_errors *fe)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(meta, "finalizers"), i, f)
    {
        const char *s = json_is_string(f) ? json_string_value(f) : "";
        if (strchr(s, '/') || streq(s, "kubernetes") || streq(s, "orphan") ||
            streq(s, "foregroundDeletion"))
            continue;
        cleanup_free char *path = xasprintf("metadata.finalizers[%zu]", i);
        ck_ferr_invalid_str(fe, path, s,
                            "name is neither a standard finalizer name nor is it fully qualified");
    }
}
