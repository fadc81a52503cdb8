/* go-yaml v2 scalar resolution (resolve.go) and the pieces of Go's strconv, time and base64 it
 * relies on, reimplemented so ckube reads and writes scalars exactly as a Go API server does. */
#include "lib/yaml_scalar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"

/* resolve.go's resolveMap: exact spellings only ("YeS" stays a string). */
static const struct {
    const char *s;
    ys_kind kind;
    int v; /* bool value, or sign of infinity; 0 with YS_FLOAT means NaN */
} resolve_map[] = {
    {"y", YS_BOOL, 1},       {"Y", YS_BOOL, 1},       {"yes", YS_BOOL, 1},
    {"Yes", YS_BOOL, 1},     {"YES", YS_BOOL, 1},     {"true", YS_BOOL, 1},
    {"True", YS_BOOL, 1},    {"TRUE", YS_BOOL, 1},    {"on", YS_BOOL, 1},
    {"On", YS_BOOL, 1},      {"ON", YS_BOOL, 1},      {"n", YS_BOOL, 0},
    {"N", YS_BOOL, 0},       {"no", YS_BOOL, 0},      {"No", YS_BOOL, 0},
    {"NO", YS_BOOL, 0},      {"false", YS_BOOL, 0},   {"False", YS_BOOL, 0},
    {"FALSE", YS_BOOL, 0},   {"off", YS_BOOL, 0},     {"Off", YS_BOOL, 0},
    {"OFF", YS_BOOL, 0},     {"", YS_NULL, 0},        {"~", YS_NULL, 0},
    {"null", YS_NULL, 0},    {"Null", YS_NULL, 0},    {"NULL", YS_NULL, 0},
    {".nan", YS_FLOAT, 0},   {".NaN", YS_FLOAT, 0},   {".NAN", YS_FLOAT, 0},
    {".inf", YS_FLOAT, 1},   {".Inf", YS_FLOAT, 1},   {".INF", YS_FLOAT, 1},
    {"+.inf", YS_FLOAT, 1},  {"+.Inf", YS_FLOAT, 1},  {"+.INF", YS_FLOAT, 1},
    {"-.inf", YS_FLOAT, -1}, {"-.Inf", YS_FLOAT, -1}, {"-.INF", YS_FLOAT, -1},
    /* resolve.go also lists "<<", but its hint byte is 0 so the entry is never reached: "<<" is
     * a string, and merge keys are recognised by their text alone (decode.go's isMerge). */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* resolve.go's resolveTable: the first byte says which forms are worth trying. */
static char hint_of(const char *s, size_t len)
{
    if (!len) return 'N';
    char c = s[0];
    if (c == '+' || c == '-') return 'S';
    if (is_digit(c)) return 'D';
    if (c && strchr("yYnNtTfFoO~", c)) return 'M';
    if (c == '.') return '.';
    return 0;
}

/* strconv.underscoreOK: '_' only between digits (or after a base prefix). */
static bool underscore_ok(const char *s, size_t len)
{
    char saw = '^';
    size_t i = 0;
    bool hex = false;
    if (len && (s[0] == '-' || s[0] == '+')) s++, len--;
    if (len >= 2 && s[0] == '0' && s[1] && strchr("bBoOxX", s[1])) {
        i = 2;
        saw = '0';
        hex = (s[1] | 0x20) == 'x';
    }
    for (; i < len; i++) {
        char c = s[i], l = (char)(c | 0x20);
        if (is_digit(c) || (hex && l >= 'a' && l <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') return false;
            saw = '_';
            continue;
        }
        if (saw == '_') return false;
        saw = '!';
    }
    return saw != '_';
}

/* strtod on a validated decimal literal (underscores dropped); overflow is an error like Go's
 * ErrRange, underflow is not. */
static bool decimal_to_double(const char *s, size_t len, double *out)
{
    char *tmp = xmalloc(len + 1), *end;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_') tmp[n++] = s[i];
    tmp[n] = 0;
    double f = strtod(tmp, &end);
    bool ok = *end == 0 && end != tmp && !isinf(f);
    free(tmp);
    if (ok) *out = f;
    return ok;
}

/* strconv.ParseFloat restricted to decimal literals, the only form reachable from the '.' hint:
 * [+-]? (d+ [. d*] | . d+) ([eE] [+-]? d [d_]*)?, with Go's underscore rules. */
static bool go_parse_float(const char *s, size_t len, double *out)
{
    size_t i = 0;
    bool digits = false, dot = false, unders = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < len; i++) {
        if (is_digit(s[i]))
            digits = true;
        else if (s[i] == '_')
            unders = true;
        else if (s[i] == '.' && !dot)
            dot = true;
        else
            break;
    }
    if (!digits) return false;
    if (i < len && (s[i] | 0x20) == 'e') {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= len || !is_digit(s[i])) return false;
        for (; i < len && (is_digit(s[i]) || s[i] == '_'); i++)
            if (s[i] == '_') unders = true;
    }
    if (i != len || (unders && !underscore_ok(s, len))) return false;
    return decimal_to_double(s, len, out);
}

/* strconv.ParseUint(s, 0, 64): 0b/0o/0x prefixes need a digit after them, a lone leading 0
 * means octal. No sign, no underscores (the caller removed them). */
static bool go_parse_uint(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    if (!len) return false;
    if (s[0] == '0') {
        char p = len >= 3 ? (char)(s[1] | 0x20) : 0;
        base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
        size_t skip = (p == 'b' || p == 'o' || p == 'x') ? 2 : 1;
        s += skip;
        len -= skip;
    }
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i], l = (char)(c | 0x20);
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if (l >= 'a' && l <= 'z')
            d = (unsigned)(l - 'a' + 10);
        else
            return false;
        if (d >= base || n > (UINT64_MAX - d) / base) return false;
        n = n * base + d;
    }
    *out = n;
    return true;
}

/* strconv.ParseInt(s, 0, 64). */
static bool go_parse_int(const char *s, size_t len, int64_t *out)
{
    bool neg = false;
    uint64_t u;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++, len--;
    }
    if (!go_parse_uint(s, len, &u)) return false;
    if (!neg && u > (uint64_t)INT64_MAX) return false;
    if (neg && u > (uint64_t)INT64_MAX + 1) return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* resolve.go's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s, size_t len)
{
    size_t i = 0, n;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    if (i < len && s[i] == '.') {
        for (n = ++i; i < len && is_digit(s[i]); i++) {
        }
        if (i == n) return false;
    } else {
        for (n = i; i < len && is_digit(s[i]); i++) {
        }
        if (i == n) return false;
        if (i < len && s[i] == '.')
            for (i++; i < len && is_digit(s[i]); i++) {
            }
    }
    if (i < len && (s[i] | 0x20) == 'e') {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        for (n = i; i < len && is_digit(s[i]); i++) {
        }
        if (i == n) return false;
    }
    return i == len;
}

/* time's getnum(s, false): one or two digits. */
static bool getnum(const char *s, size_t len, size_t *i, int *v)
{
    if (*i >= len || !is_digit(s[*i])) return false;
    *v = s[(*i)++] - '0';
    if (*i < len && is_digit(s[*i])) *v = *v * 10 + (s[(*i)++] - '0');
    return true;
}

static int days_in(int month, int year)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && leap ? 29 : d[month - 1];
}

/* time.Parse with one of go-yaml's allowedTimestampFormats; sep is 'T', 't', ' ' or 0 for the
 * date-only layout. */
static bool parse_time_layout(const char *s, size_t len, char sep)
{
    size_t i = 4;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int month, day, hour, min, sec;
    if (i >= len || s[i++] != '-' || !getnum(s, len, &i, &month) || month < 1 || month > 12)
        return false;
    if (i >= len || s[i++] != '-' || !getnum(s, len, &i, &day)) return false;
    if (day < 1 || day > days_in(month, year)) return false;
    if (!sep) return i == len;
    if (sep == ' ') {
        /* A layout space matches a run of spaces (time.skip). */
        if (i < len && s[i] != ' ') return false;
        while (i < len && s[i] == ' ')
            i++;
    } else if (i >= len || s[i++] != sep) {
        return false;
    }
    if (!getnum(s, len, &i, &hour) || hour > 23) return false;
    if (i >= len || s[i++] != ':' || !getnum(s, len, &i, &min) || min > 59) return false;
    if (i >= len || s[i++] != ':' || !getnum(s, len, &i, &sec) || sec > 59) return false;
    if (i + 1 < len && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1]))
        for (i++; i < len && is_digit(s[i]); i++) {
        }
    if (sep == ' ') return i == len;
    if (i < len && s[i] == 'Z') return i + 1 == len;
    /* Z07:00 without the Z: a sign, two digits, ':', two digits. */
    if (len - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') return false;
    if (!is_digit(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 4]) || !is_digit(s[i + 5]))
        return false;
    int oh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0'),
        om = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
    return oh <= 24 && om <= 60;
}

/* resolve.go's parseTimestamp. */
static bool is_timestamp(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_digit(s[i]))
        i++;
    if (i != 4 || i == len || s[i] != '-') return false;
    return parse_time_layout(s, len, 'T') || parse_time_layout(s, len, 't') ||
           parse_time_layout(s, len, ' ') || parse_time_layout(s, len, 0);
}

/* The implicit (untagged) resolution of resolve.go; try_ts mirrors its "only try values as a
 * timestamp if unquoted or tagged !!timestamp". */
static void resolve_implicit(const char *s, size_t len, bool try_ts, ys_value *v)
{
    char hint = hint_of(s, len);
    v->kind = YS_STR;
    if (!hint) return;
    for (size_t k = 0; k < ARRAY_SIZE(resolve_map); k++) {
        if (strlen(resolve_map[k].s) != len || memcmp(resolve_map[k].s, s, len) != 0) continue;
        v->kind = resolve_map[k].kind;
        v->b = resolve_map[k].v;
        if (v->kind == YS_FLOAT) v->f = resolve_map[k].v ? resolve_map[k].v * INFINITY : NAN;
        return;
    }
    if (hint == '.') {
        if (go_parse_float(s, len, &v->f)) v->kind = YS_FLOAT;
        return;
    }
    if (hint != 'D' && hint != 'S') return;
    if (try_ts && is_timestamp(s, len)) {
        v->kind = YS_TIMESTAMP;
        return;
    }
    char *plain = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_') plain[n++] = s[i];
    plain[n] = 0;
    /* The 0b/-0b fallbacks of resolve.go are already covered by ParseInt/ParseUint base 0. */
    if (go_parse_int(plain, n, &v->i))
        v->kind = YS_INT;
    else if (go_parse_uint(plain, n, &v->u))
        v->kind = YS_UINT;
    else if (yaml_style_float(plain, n) && decimal_to_double(plain, n, &v->f))
        v->kind = YS_FLOAT;
    free(plain);
}

static const char *short_tag(ys_kind k)
{
    switch (k) {
    case YS_NULL:
        return "!!null";
    case YS_BOOL:
        return "!!bool";
    case YS_INT:
    case YS_UINT:
        return "!!int";
    case YS_FLOAT:
        return "!!float";
    case YS_TIMESTAMP:
        return "!!timestamp";
    default:
        return "!!str";
    }
}

int ys_resolve(const char *tag, const char *s, size_t len, ys_value *out, char **msg)
{
    static const struct {
        const char *name;
        ys_kind kind;
    } resolvable[] = {{"str", YS_STR},     {"bool", YS_BOOL}, {"int", YS_INT},
                      {"float", YS_FLOAT}, {"null", YS_NULL}, {"timestamp", YS_TIMESTAMP}};
    memset(out, 0, sizeof *out);
    if (tag && !*tag) tag = NULL;
    int want = -1; /* the explicit tag's kind */
    if (tag) {
        if (has_prefix(tag, YS_TAG_PREFIX))
            for (size_t k = 0; k < ARRAY_SIZE(resolvable); k++)
                if (streq(tag + strlen(YS_TAG_PREFIX), resolvable[k].name))
                    want = resolvable[k].kind;
        if (want < 0) {
            /* Not resolvable: !!binary is decoded later, any other tag keeps the text. */
            out->kind = streq(tag, YS_TAG_BINARY) ? YS_BINARY : YS_STR;
            return 0;
        }
    }
    if (want == YS_STR) {
        out->kind = YS_STR;
        return 0;
    }
    resolve_implicit(s, len, !tag || want == YS_TIMESTAMP, out);
    if (!tag || (int)out->kind == want || (want == YS_INT && out->kind == YS_UINT)) return 0;
    if (want == YS_FLOAT && out->kind == YS_INT) {
        out->kind = YS_FLOAT;
        out->f = (double)out->i;
        return 0;
    }
    *msg = xasprintf("cannot decode %s `%.*s` as a %s", short_tag(out->kind), (int)len, s,
                     short_tag((ys_kind)want));
    return -1;
}

bool ys_is_base60(const char *s, size_t len)
{
    /* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
    size_t i = 0;
    int groups = 0;
    if (!len || !memchr(s, ':', len)) return false;
    if (s[i] == '+' || s[i] == '-') i++;
    if (i >= len || !is_digit(s[i++])) return false;
    while (i < len && (is_digit(s[i]) || s[i] == '_'))
        i++;
    while (i < len && s[i] == ':') {
        i++;
        if (i + 1 < len && s[i] >= '0' && s[i] <= '5' && is_digit(s[i + 1]))
            i += 2;
        else if (i < len && is_digit(s[i]))
            i++;
        else
            return false;
        groups++;
    }
    if (i < len && s[i] == '.')
        for (i++; i < len && (is_digit(s[i]) || s[i] == '_'); i++) {
        }
    return groups > 0 && i == len;
}

void ys_format_float(double f, int bits, char out[40])
{
    char buf[40], digits[24];
    int p, max = bits == 32 ? 9 : 17;
    if (bits == 32) f = (float)f;
    if (isnan(f)) {
        strcpy(out, "NaN");
        return;
    }
    if (isinf(f)) {
        strcpy(out, f > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The shortest %e rendering that reads back as the same value. */
    for (p = 1; p < max; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, f);
        if (bits == 32 ? strtof(buf, NULL) == (float)f : strtod(buf, NULL) == f) break;
    }
    snprintf(buf, sizeof buf, "%.*e", p - 1, f);
    const char *c = buf;
    bool neg = *c == '-';
    int nd = 0;
    if (neg) c++;
    for (; *c != 'e'; c++)
        if (is_digit(*c)) digits[nd++] = *c;
    int exp = atoi(c + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = 0;
    char *o = out;
    if (neg) *o++ = '-';
    if (exp < -4 || exp >= 6) {
        /* %e with Go's at-least-two-digit exponent. */
        *o++ = digits[0];
        if (nd > 1) o += sprintf(o, ".%s", digits + 1);
        sprintf(o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        o += sprintf(o, "0.");
        for (int k = -1; k > exp; k--)
            *o++ = '0';
        strcpy(o, digits);
    } else {
        for (int k = 0; k <= exp; k++)
            *o++ = k < nd ? digits[k] : '0';
        if (nd > exp + 1) o += sprintf(o, ".%s", digits + exp + 1);
        *o = 0;
    }
}

char *ys_base64_decode(const char *s, size_t len, size_t *outlen)
{
    return (char *)ck_base64_decode(s, len, outlen, NULL);
}

char *ys_base64_encode(const unsigned char *s, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t enc = (len + 2) / 3 * 4, o = 0, col = 0;
    bool wrap = enc >= 70;
    char *out = xmalloc(enc + enc / 70 + 2);
    for (size_t i = 0; i < len; i += 3) {
        uint32_t w = (uint32_t)s[i] << 16;
        if (i + 1 < len) w |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < len) w |= s[i + 2];
        char q[4] = {tbl[w >> 18 & 63], tbl[w >> 12 & 63], i + 1 < len ? tbl[w >> 6 & 63] : '=',
                     i + 2 < len ? tbl[w & 63] : '='};
        for (int k = 0; k < 4; k++) {
            out[o++] = q[k];
            if (wrap && ++col == 70) out[o++] = '\n', col = 0;
        }
    }
    if (wrap && col) out[o++] = '\n';
    out[o] = 0;
    return out;
}

/* Length of the valid UTF-8 sequence at s (Go's rules: no overlongs, surrogates or values above
 * U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!n || c > 0xF4 || n > len) return 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;
    if (c == 0xED && s[1] >= 0xA0) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;
    if (c == 0xF4 && s[1] >= 0x90) return 0;
    return n;
}

bool ys_utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = utf8_seq((const unsigned char *)s + i, len - i))) return false;
    return true;
}

char *ys_utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
    char *out = xmalloc(len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_seq((const unsigned char *)s + i, len - i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            n = 1;
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}
