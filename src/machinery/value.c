/* Values of unstructured objects as upstream's structured-merge-diff orders, compares and
 * prints them (value.Compare, value.Equals, value.ToString), and their text as Go's
 * encoding/json writes it: what FieldsV1 keys and the last-applied annotation hold. */
#include "machinery/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

void ck_strbuf_put(ck_strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void ck_strbuf_puts(ck_strbuf *b, const char *s)
{
    ck_strbuf_put(b, s, strlen(s));
}

void ck_strbuf_putc(ck_strbuf *b, char c)
{
    ck_strbuf_put(b, &c, 1);
}

static int cmp3(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object; caller frees the array (not the strings). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **k = xcalloc(*n + 1, sizeof *k);
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) k[i++] = key;
    qsort(k, *n, sizeof *k, key_cmp);
    return k;
}

/* An object with the fields of o inserted in name order (new reference). */
json_t *ck_value_sorted_object(const json_t *o)
{
    size_t n;
    const char **k = sorted_keys(o, &n);
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set(out, k[i], json_object_get(o, k[i]));
    free(k);
    return out;
}

static int map_compare(const json_t *a, const json_t *b)
{
    size_t na, nb;
    const char **ka = sorted_keys(a, &na), **kb = sorted_keys(b, &nb);
    size_t i = 0, ia = 0, ib = 0;
    int c = 0;
    if (na == 0 && nb == 0) goto done;
    while (c == 0 && (ia < na || ib < nb)) {
        int d = ia >= na ? 1 : ib >= nb ? -1 : strcmp(ka[ia], kb[ib]);
        const json_t *va = d <= 0 ? json_object_get(a, ka[ia]) : NULL;
        const json_t *vb = d >= 0 ? json_object_get(b, kb[ib]) : NULL;
        if (i == na)
            c = -1;
        else if (i == nb)
            c = 1;
        else if (!va)
            c = 1;
        else if (!vb)
            c = -1;
        else
            c = ck_value_compare(va, vb);
        if (d <= 0) ia++;
        if (d >= 0) ib++;
        i++;
    }
done:
    free(ka);
    free(kb);
    return c;
}

int ck_value_compare(const json_t *a, const json_t *b)
{
    if (json_is_real(a)) {
        if (json_is_real(b)) return cmp3(json_real_value(a), json_real_value(b));
        if (json_is_integer(b)) return cmp3(json_real_value(a), (double)json_integer_value(b));
        return -1;
    } else if (json_is_real(b)) {
        if (json_is_integer(a)) return cmp3((double)json_integer_value(a), json_real_value(b));
        return 1;
    }
    if (json_is_integer(a)) {
        if (!json_is_integer(b)) return -1;
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    } else if (json_is_integer(b)) {
        return 1;
    }
    if (json_is_string(a)) {
        if (!json_is_string(b)) return -1;
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        return c ? (c < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    } else if (json_is_string(b)) {
        return 1;
    }
    if (json_is_boolean(a)) {
        if (!json_is_boolean(b)) return -1;
        return json_is_true(a) == json_is_true(b) ? 0 : json_is_true(a) ? 1 : -1;
    } else if (json_is_boolean(b)) {
        return 1;
    }
    if (json_is_array(a)) {
        if (!json_is_array(b)) return -1;
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            int c = ck_value_compare(json_array_get(a, i), json_array_get(b, i));
            if (c) return c;
        }
        return na < nb ? -1 : na > nb;
    } else if (json_is_array(b)) {
        return 1;
    }
    if (json_is_object(a)) {
        if (!json_is_object(b)) return -1;
        return map_compare(a, b);
    } else if (json_is_object(b)) {
        return 1;
    }
    return 0;
}

bool ck_value_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) return ck_value_compare(a, b) == 0;
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_array(a)) {
        size_t n = json_array_size(a);
        if (n != json_array_size(b)) return false;
        for (size_t i = 0; i < n; i++)
            if (!ck_value_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v)
        {
            const json_t *w = json_object_get(b, k);
            if (!w || !ck_value_equal(v, w)) return false;
        }
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

/* Shortest decimal text that reads back as d, in Go's float formatting. */
static void put_float(ck_strbuf *b, double d)
{
    char tmp[64];
    double a = fabs(d);
    bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
    for (int p = 0; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, exp ? "%.*e" : "%.*f", p, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char *e = strchr(tmp, 'e');
    if (e && e[2] == '0' && e[3]) memmove(e + 2, e + 3, strlen(e + 3) + 1); /* e-07 -> e-7 */
    ck_strbuf_puts(b, tmp);
}

void ck_value_go_string(ck_strbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ck_strbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            ck_strbuf_putc(b, '\\');
            ck_strbuf_putc(b, (char)c);
        } else if (c == '\n') {
            ck_strbuf_puts(b, "\\n");
        } else if (c == '\r') {
            ck_strbuf_puts(b, "\\r");
        } else if (c == '\t') {
            ck_strbuf_puts(b, "\\t");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            ck_strbuf_puts(b, u);
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            ck_strbuf_puts(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            ck_strbuf_putc(b, (char)c);
        }
    }
    ck_strbuf_putc(b, '"');
}

void ck_value_go_json(ck_strbuf *b, const json_t *v)
{
    char tmp[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n;
        const char **k = sorted_keys(v, &n);
        ck_strbuf_putc(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i) ck_strbuf_putc(b, ',');
            ck_value_go_string(b, k[i], strlen(k[i]));
            ck_strbuf_putc(b, ':');
            ck_value_go_json(b, json_object_get(v, k[i]));
        }
        ck_strbuf_putc(b, '}');
        free(k);
        break;
    }
    case JSON_ARRAY:
        ck_strbuf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) ck_strbuf_putc(b, ',');
            ck_value_go_json(b, json_array_get(v, i));
        }
        ck_strbuf_putc(b, ']');
        break;
    case JSON_STRING:
        ck_value_go_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        ck_strbuf_puts(b, tmp);
        break;
    case JSON_REAL:
        put_float(b, json_real_value(v));
        break;
    case JSON_TRUE:
        ck_strbuf_puts(b, "true");
        break;
    case JSON_FALSE:
        ck_strbuf_puts(b, "false");
        break;
    default:
        ck_strbuf_puts(b, "null");
    }
}

char *ck_go_json(const json_t *v)
{
    ck_strbuf b = {0};
    ck_value_go_json(&b, v);
    return b.s ? b.s : xstrdup("");
}

/* Go's %v of a value (upstream value.ToString), strings quoted like %q. */
void ck_value_describe(ck_strbuf *b, const json_t *v)
{
    char tmp[32];
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        ck_strbuf_putc(b, '"');
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            const char *esc = c == '"'    ? "\\\""
                              : c == '\\' ? "\\\\"
                              : c == '\n' ? "\\n"
                              : c == '\r' ? "\\r"
                              : c == '\t' ? "\\t"
                                          : NULL;
            if (esc) {
                ck_strbuf_puts(b, esc);
            } else if (c < 0x20 || c == 0x7f) {
                snprintf(tmp, sizeof tmp, "\\x%02x", c);
                ck_strbuf_puts(b, tmp);
            } else {
                ck_strbuf_putc(b, (char)c);
            }
        }
        ck_strbuf_putc(b, '"');
    } else if (json_is_array(v)) {
        ck_strbuf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) ck_strbuf_putc(b, ',');
            ck_value_describe(b, json_array_get(v, i));
        }
        ck_strbuf_putc(b, ']');
    } else if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            ck_strbuf_puts(b, k);
            ck_strbuf_putc(b, '=');
            ck_value_describe(b, c);
        }
    } else if (json_is_real(v)) {
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
        ck_strbuf_puts(b, tmp);
    } else {
        ck_value_go_json(b, v);
    }
}

char *ck_go_quote(const char *s)
{
    ck_strbuf b = {0};
    json_t *v = json_string(s ? s : "");
    ck_value_describe(&b, v);
    json_decref(v);
    return b.s;
}
