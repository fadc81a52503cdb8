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
