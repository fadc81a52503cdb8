/* Quantity parsing and printing, written after upstream's resource.Quantity behaviour:
 * the same grammar and error texts, rounding away from zero to nano precision, the
 * BinarySI cap at 2^63-1, and the same rule for keeping the input as the printed form.
 * Parsing works on little-endian decimal digit arrays, so nothing overflows midway. */
#include "machinery/quantity.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

#define QUANTITY_RE "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
#define MAX_DIGITS 36
#define INT64_MAX_DIGITS "9223372036854775807"

typedef unsigned __int128 u128;

static const char ERR_FORMAT[] = "quantities must match the regular expression '" QUANTITY_RE "'";
static const char ERR_NUMERIC[] = "unable to parse numeric part of quantity";
static const char ERR_SUFFIX[] = "unable to parse quantity's suffix";

static const struct {
    const char *name;
    int base;
    int exp;
} suffixes[] = {
    {"", 10, 0},   {"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"k", 10, 3},  {"M", 10, 6},
    {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18}, {"Ki", 2, 10}, {"Mi", 2, 20},
    {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50}, {"Ei", 2, 60},
};
/* DecimalSI suffixes for exponents -9, -6, ..., 18. */
static const char *const si_names[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
static const char *const bin_names[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

static int fail(ck_err **err, const char *msg)
{
    return ck_error(err, 400, CK_BAD_REQUEST, "%s", msg);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "<sign><num>.<denom><suffix>" split the way upstream's scanner splits it: num has its
 * leading zeros removed and is "0" when empty; has_digit tells whether the numeric part
 * holds any digit at all (upstream's slow path rejects it otherwise). */
typedef struct parts {
    bool negative, has_digit;
    const char *num, *denom, *suffix;
    size_t nnum, ndenom, nsuffix;
} parts;

static int split(const char *s, parts *p)
{
    size_t end = strlen(s), pos = 0, i;
    *p = (parts){.num = "0", .nnum = 1, .denom = "", .suffix = ""};
    if (end > 0 && (s[0] == '-' || s[0] == '+')) {
        p->negative = s[0] == '-';
        pos++;
    }
    for (; pos < end && s[pos] == '0'; pos++)
        p->has_digit = true;
    if (pos >= end) return 0;
    for (i = pos; i < end && is_digit(s[i]); i++) {
    }
    if (i > pos) {
        p->num = s + pos;
        p->nnum = i - pos;
        p->has_digit = true;
    }
    pos = i;
    if (pos >= end) return 0;
    if (s[pos] == '.') {
        for (i = ++pos; i < end && is_digit(s[i]); i++) {
        }
        p->denom = s + pos;
        p->ndenom = i - pos;
        p->has_digit |= i > pos;
        pos = i;
        if (pos >= end) return 0;
    }
    size_t start = pos;
    for (i = pos; i < end && strchr("eEinumkKMGTP", s[i]); i++) {
    }
    if (i < end && (s[i] == '-' || s[i] == '+')) i++;
    while (i < end && is_digit(s[i]))
        i++;
    if (i < end) return -1;
    p->suffix = s + start;
    p->nsuffix = end - start;
    return 0;
}

/* strconv.ParseInt(s, 10, 64). */
static int parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == n) return -1;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int interpret(const parts *p, int *base, int32_t *exp, ck_qformat *fmt)
{
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        if (strlen(suffixes[i].name) == p->nsuffix &&
            memcmp(suffixes[i].name, p->suffix, p->nsuffix) == 0) {
            *base = suffixes[i].base;
            *exp = suffixes[i].exp;
            *fmt = *base == 2 ? CK_Q_BINARY_SI : CK_Q_DECIMAL_SI;
            return 0;
        }
    }
    int64_t v;
    if (p->nsuffix > 1 && (p->suffix[0] == 'e' || p->suffix[0] == 'E') &&
        parse_int64(p->suffix + 1, p->nsuffix - 1, &v) == 0) {
        *base = 10;
        *exp = (int32_t)(uint32_t)(uint64_t)v; /* upstream truncates to int32 */
        *fmt = CK_Q_DECIMAL_EXPONENT;
        return 0;
    }
    return -1;
}

/* Whether upstream keeps the input string as the printed form: only on its int64 fast
 * path, and only for inputs that look canonical (decimal: exponent a multiple of 3, no
 * "000" tail, no leading "0"; binary: integer not a multiple of 8). *fast reports whether
 * the fast path applies at all. */
static bool keeps_input(const parts *p, int base, int32_t exp, bool *fast)
{
    int64_t nnum = (int64_t)p->nnum, ndenom = (int64_t)p->ndenom;
    if (base == 10) {
        int64_t scale = (int64_t)exp - ndenom;
        *fast = 18 - nnum - ndenom >= 0 && scale >= -9;
        if (!*fast || scale % 3 != 0 || p->num[0] == '0') return false;
        char tail[3];
        int64_t len = nnum + ndenom;
        if (len < 3) return true;
        for (int64_t i = 0; i < 3; i++) {
            int64_t at = len - 3 + i;
            tail[i] = at < nnum ? p->num[at] : p->denom[at - nnum];
        }
        return memcmp(tail, "000", 3) != 0;
    }
    *fast = p->ndenom == 0 && 15 - nnum - exp * 3 / 10 - 1 >= 0;
    if (!*fast) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < p->nnum; i++)
        v = v * 10 + (uint64_t)(p->num[i] - '0');
    return (v & 7) != 0;
}

/* Digits d[lo..n) little-endian (d[lo] is the least significant), value d * 10^x. */
typedef struct digits {
    unsigned char *d;
    size_t lo, n;
    int64_t x;
} digits;

static void mul_small(digits *g, unsigned m)
{
    unsigned carry = 0;
    for (size_t i = g->lo; i < g->n; i++) {
        unsigned v = g->d[i] * m + carry;
        g->d[i] = (unsigned char)(v % 10);
        carry = v / 10;
    }
    for (; carry; carry /= 10)
        g->d[g->n++] = (unsigned char)(carry % 10);
}

static void trim_top(digits *g)
{
    while (g->n > g->lo && g->d[g->n - 1] == 0)
        g->n--;
}

/* Drops digits below 10^-9, rounding the magnitude up when any dropped digit is set. */
static void round_nano(digits *g)
{
    if (g->x >= -9) return;
    uint64_t drop = (uint64_t)(-9 - g->x);
    size_t stop = drop >= g->n - g->lo ? g->n : g->lo + (size_t)drop;
    bool up = false;
    for (size_t i = g->lo; i < stop; i++)
        up |= g->d[i] != 0;
    g->lo = stop;
    g->x = -9;
    if (!up) return;
    size_t i = g->lo;
    while (i < g->n && g->d[i] == 9)
        g->d[i++] = 0;
    if (i == g->n) g->d[g->n++] = 0;
    g->d[i]++;
}

/* Upstream caps BinarySI magnitudes at 2^63-1 after rounding. */
static bool above_int64(const digits *g)
{
    int64_t order = (int64_t)(g->n - g->lo) + g->x; /* count of integer digits */
    if (order != 19) return order > 19;
    for (int k = 18; k >= 0; k--) {
        int64_t at = k - g->x;
        unsigned dig = at >= 0 && at < (int64_t)(g->n - g->lo) ? g->d[g->lo + (size_t)at] : 0;
        unsigned lim = (unsigned)(INT64_MAX_DIGITS[18 - k] - '0');
        if (dig != lim) return dig > lim;
    }
    for (int64_t at = 0; at < -g->x && at < (int64_t)(g->n - g->lo); at++)
        if (g->d[g->lo + (size_t)at]) return true;
    return false;
}

int ck_quantity_parse(const char *s, ck_quantity *q, ck_err **err)
{
    memset(q, 0, sizeof *q);
    if (!s || !*s) return fail(err, ERR_FORMAT);
    if (strcmp(s, "0") == 0) {
        strcpy(q->cached, "0");
        return 0;
    }
    parts p;
    int base;
    int32_t exp;
    bool fast;
    if (split(s, &p) < 0) return fail(err, ERR_FORMAT);
    if (interpret(&p, &base, &exp, &q->format) < 0) return fail(err, ERR_SUFFIX);
    bool keep = keeps_input(&p, base, exp, &fast);
    if (!fast && !p.has_digit) return fail(err, ERR_NUMERIC);

    cleanup_free unsigned char *buf = xmalloc(p.nnum + p.ndenom + 48);
    digits g = {.d = buf, .x = base == 10 ? (int64_t)exp - (int64_t)p.ndenom : -(int64_t)p.ndenom};
    for (size_t i = p.ndenom; i > 0; i--)
        g.d[g.n++] = (unsigned char)(p.denom[i - 1] - '0');
    for (size_t i = p.nnum; i > 0; i--)
        g.d[g.n++] = (unsigned char)(p.num[i - 1] - '0');
    for (int e = base == 2 ? exp : 0; e > 0; e -= 10)
        mul_small(&g, 1024);
    trim_top(&g);
    round_nano(&g);
    trim_top(&g);
    if (g.n == g.lo) return 0; /* zero keeps its format */
    if (q->format == CK_Q_BINARY_SI && above_int64(&g)) {
        g.lo = 0;
        g.x = 0;
        for (g.n = 0; g.n < 19; g.n++)
            g.d[g.n] = (unsigned char)(INT64_MAX_DIGITS[18 - g.n] - '0');
    }
    if (q->format == CK_Q_BINARY_SI && (int64_t)(g.n - g.lo) + g.x <= 0)
        q->format = CK_Q_DECIMAL_SI; /* 0 < value < 1 */
    for (; g.d[g.lo] == 0; g.lo++)
        g.x++;
    if (g.n - g.lo > MAX_DIGITS || g.x < INT32_MIN || g.x > INT32_MAX)
        return fail(err, ERR_NUMERIC);
    u128 m = 0;
    for (size_t i = g.n; i > g.lo; i--)
        m = m * 10 + g.d[i - 1];
    q->mantissa = p.negative ? -(__int128)m : (__int128)m;
    q->scale = (int32_t)g.x;
    if (keep && strlen(s) < sizeof q->cached) strcpy(q->cached, s);
    return 0;
}

/* Writes |v| in decimal, NUL-terminated; returns the length (at most 39). */
static size_t u128_str(u128 v, char out[48])
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* m * 10^e if it fits in 128 bits. */
static bool pow10_mul(u128 m, int64_t e, u128 *out)
{
    if (e > 38) return m == 0 ? (*out = 0, true) : false;
    u128 p = 1;
    for (int64_t i = 0; i < e; i++)
        p *= 10;
    if (m > ~(u128)0 / p) return false;
    *out = m * p;
    return true;
}

/* Magnitude without trailing zeros: value = ±m * 10^x. */
static u128 magnitude(const ck_quantity *q, int64_t *x)
{
    u128 m = q->mantissa < 0 ? -(u128)q->mantissa : (u128)q->mantissa;
    *x = q->scale;
    while (m && m % 10 == 0) {
        m /= 10;
        (*x)++;
    }
    return m;
}

char *ck_quantity_string(const ck_quantity *q)
{
    if (q->cached[0]) return xstrdup(q->cached);
    if (q->mantissa == 0) return xstrdup("0");
    const char *sign = q->mantissa < 0 ? "-" : "";
    int64_t x;
    u128 m = magnitude(q, &x), v;
    char num[48];
    if (q->format == CK_Q_BINARY_SI && x >= 0 && pow10_mul(m, x, &v) && v >= 1024) {
        unsigned k = 0;
        for (; v % 1024 == 0; k++)
            v /= 1024;
        if (k < ARRAY_SIZE(bin_names)) {
            u128_str(v, num);
            return xasprintf("%s%s%s", sign, num, bin_names[k]);
        }
    }
    /* Decimal: lower the exponent to a multiple of three, padding the digits. */
    size_t n = u128_str(m, num);
    int64_t r = ((x % 3) + 3) % 3;
    for (int64_t i = 0; i < r; i++)
        num[n++] = '0';
    num[n] = '\0';
    x -= r;
    if (q->format != CK_Q_DECIMAL_EXPONENT && x >= -9 && x <= 18)
        return xasprintf("%s%s%s", sign, num, si_names[(x + 9) / 3]);
    /* Exponent form; also DecimalSI beyond "E", as upstream's fix for the dropped suffix. */
    if (x == 0) return xasprintf("%s%s", sign, num);
    return xasprintf("%s%se%lld", sign, num, (long long)x);
}

static int sign_of(const ck_quantity *q)
{
    return q->mantissa < 0 ? -1 : q->mantissa > 0;
}

int ck_quantity_cmp(const ck_quantity *a, const ck_quantity *b)
{
    int sa = sign_of(a), sb = sign_of(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int64_t xa, xb;
    char da[48], db[48];
    size_t la = u128_str(magnitude(a, &xa), da), lb = u128_str(magnitude(b, &xb), db);
    int64_t oa = (int64_t)la + xa, ob = (int64_t)lb + xb;
    int c;
    if (oa != ob) {
        c = oa < ob ? -1 : 1;
    } else {
        c = memcmp(da, db, la < lb ? la : lb);
        if (c == 0) c = la < lb ? -1 : la > lb;
        c = c < 0 ? -1 : c > 0;
    }
    return sa > 0 ? c : -c;
}

/* value * 10^s rounded away from zero, saturated to int64. */
static int64_t scaled(const ck_quantity *q, int s)
{
    if (q->mantissa == 0) return 0;
    int64_t x;
    u128 m = magnitude(q, &x), r;
    int64_t e = x + s;
    if (e >= 0) {
        if (!pow10_mul(m, e, &r)) r = ~(u128)0;
    } else if (-e > 38) {
        r = 1;
    } else {
        u128 p;
        pow10_mul(1, -e, &p);
        r = m / p + (m % p != 0);
    }
    if (q->mantissa > 0) return r > INT64_MAX ? INT64_MAX : (int64_t)r;
    return r > (u128)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - (uint64_t)r);
}

int64_t ck_quantity_milli(const ck_quantity *q)
{
    return scaled(q, 3);
}

int64_t ck_quantity_value(const ck_quantity *q)
{
    return scaled(q, 0);
}
