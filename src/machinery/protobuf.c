/* Protobuf request bodies to JSON (see protobuf.h). The decoder walks the wire format with
 * bounds-checked reads, keeps the last value of each field (all values of repeated and map
 * fields), then builds the object in Go field order with encoding/json's omitempty and
 * omitzero rules, the zero value of every absent non-pointer field, and the custom JSON forms
 * of Time, MicroTime, Duration, IntOrString, Quantity, RawExtension and FieldsV1. */
#include "machinery/protobuf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "machinery/quantity.h"

#define MAX_DEPTH 64
#define PB_MAGIC "k8s\0"
#define SCHEME "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"

typedef struct pbdec {
    int depth;
    size_t budget; /* JSON values we may still create: bounds the output of tiny inputs */
    ck_err **err;
} pbdec;

typedef struct rd {
    const uint8_t *p, *end;
} rd;

static const char *name_at(uint32_t off)
{
    return ck_pb_names + off;
}

static int fail(pbdec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pbdec *d, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ck_error(d->err, 400, CK_BAD_REQUEST, "the body of the request could not be decoded: %s",
                    buf);
}

static int spend(pbdec *d)
{
    if (d->budget == 0) return fail(d, "the decoded object is too large");
    d->budget--;
    return 0;
}

/* ---- wire reading ---- */

static int rd_varint(pbdec *d, rd *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return fail(d, "unexpected EOF");
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            *v = x;
            return 0;
        }
    }
    return fail(d, "proto: integer overflow");
}

/* Reads a length prefix and hands out the delimited bytes. */
static int rd_bytes(pbdec *d, rd *r, const uint8_t **p, size_t *n)
{
    uint64_t len;
    if (rd_varint(d, r, &len) < 0) return -1;
    if ((int64_t)len < 0) return fail(d, "proto: negative length found during unmarshaling");
    if (len > (uint64_t)(r->end - r->p)) return fail(d, "unexpected EOF");
    *p = r->p;
    *n = (size_t)len;
    r->p += len;
    return 0;
}

static int rd_tag(pbdec *d, rd *r, uint32_t *num, unsigned *wt)
{
    uint64_t tag;
    if (rd_varint(d, r, &tag) < 0) return -1;
    *wt = (unsigned)(tag & 7);
    if (*wt == 4) return fail(d, "proto: wiretype end group for non-group");
    if ((tag >> 3) == 0 || (tag >> 3) > INT32_MAX)
        return fail(d, "proto: illegal tag %" PRIu64 " (wire type %u)", tag >> 3, *wt);
    *num = (uint32_t)(tag >> 3);
    return 0;
}

/* Skips one field value of wire type wt (groups included, as gogo's skipGenerated does). */
static int rd_skip(pbdec *d, rd *r, unsigned wt)
{
    int groups = 0;
    for (;;) {
        uint64_t v;
        const uint8_t *p;
        size_t n;
        switch (wt) {
        case 0:
            if (rd_varint(d, r, &v) < 0) return -1;
            break;
        case 1:
        case 5:
            if ((size_t)(r->end - r->p) < (wt == 1 ? 8u : 4u)) return fail(d, "unexpected EOF");
            r->p += wt == 1 ? 8 : 4;
            break;
        case 2:
            if (rd_bytes(d, r, &p, &n) < 0) return -1;
            break;
        case 3:
            groups++;
            break;
        case 4:
            if (groups == 0) return fail(d, "proto: unexpected end of group");
            groups--;
            break;
        default:
            return fail(d, "proto: illegal wireType %u", wt);
        }
        if (groups == 0) return 0;
        if (groups > MAX_DEPTH) return fail(d, "proto: groups nested too deeply");
        if (rd_varint(d, r, &v) < 0) return -1;
        wt = (unsigned)(v & 7);
    }
}

/* ---- JSON forms of scalars ---- */

/* A JSON string of s with invalid UTF-8 bytes replaced by U+FFFD, as Go's encoder does. */
static json_t *utf8_string(const uint8_t *s, size_t n)
{
    size_t i = 0;
    char *buf = NULL;
    size_t blen = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len = c < 0x80                ? 1
                     : c >= 0xc2 && c < 0xe0 ? 2
                     : c >= 0xe0 && c < 0xf0 ? 3
                     : c >= 0xf0 && c < 0xf5 ? 4
                                             : 0;
        bool ok = len > 0 && len <= n - i;
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xc0) == 0x80;
        if (ok && len == 3) {
            uint8_t c1 = s[i + 1];
            ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
        } else if (ok && len == 4) {
            uint8_t c1 = s[i + 1];
            ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
        }
        if (!ok && !buf) {
            buf = xmalloc(n * 3 + 1);
            memcpy(buf, s, i);
            blen = i;
        }
        if (!ok) {
            memcpy(buf + blen, "\xef\xbf\xbd", 3);
            blen += 3;
            i++;
            continue;
        }
        if (buf) memcpy(buf + blen, s + i, len);
        blen += len;
        i += len;
    }
    json_t *j = json_stringn_nocheck(buf ? buf : (const char *)s, buf ? blen : n);
    free(buf);
    return j;
}

static json_t *base64_string(const uint8_t *s, size_t n)
{
    size_t len;
    char *out = ck_base64_encode(s, n, &len);
    json_t *j = json_stringn_nocheck(out, len);
    free(out);
    return j;
}

static void put_uint(char *buf, int *w, uint64_t x)
{
    do {
        buf[--*w] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
}

/* Go's time.Duration.String(): "1h0m0s", "1.5s", "300ms", "2\u00b5s", "0s". */
static json_t *duration_string(int64_t ns)
{
    char buf[40];
    int w = sizeof buf, prec = 9;
    uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
    if (u == 0) return json_string("0s");
    buf[--w] = 's';
    if (u < 1000) {
        prec = 0;
        buf[--w] = 'n';
    } else if (u < 1000000) {
        prec = 3;
        w -= 2;
        memcpy(buf + w, "\xc2\xb5", 2);
    } else if (u < 1000000000) {
        prec = 6;
        buf[--w] = 'm';
    }
    bool print = false;
    for (int i = 0; i < prec; i++, u /= 10) {
        print = print || u % 10 != 0;
        if (print) buf[--w] = (char)('0' + u % 10);
    }
    if (print) buf[--w] = '.';
    if (prec < 9) {
        put_uint(buf, &w, u);
    } else { /* u is whole seconds */
        put_uint(buf, &w, u % 60);
        if ((u /= 60) > 0) {
            buf[--w] = 'm';
            put_uint(buf, &w, u % 60);
            if ((u /= 60) > 0) {
                buf[--w] = 'h';
                put_uint(buf, &w, u);
            }
        }
    }
    if (ns < 0) buf[--w] = '-';
    return json_stringn(buf + w, sizeof buf - (size_t)w);
}

/* RFC 3339 in UTC ("Z"), with a 6-digit fraction for MicroTime; years 0..9999 only. */
static int time_string(pbdec *d, int64_t sec, int64_t nsec, bool micro, json_t **out)
{
    if (sec < -62167219200LL || sec > 253402300799LL)
        return fail(d, "Time.MarshalJSON: year outside of range [0,9999]");
    int64_t days = sec / 86400, rem = sec % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil date from days since 1970-01-01 (proleptic Gregorian) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, mon = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (mon <= 2);
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", (int)year, (int)mon,
                     (int)day, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (micro) n += snprintf(buf + n, sizeof buf - (size_t)n, ".%06d", (int)(nsec / 1000));
    snprintf(buf + n, sizeof buf - (size_t)n, "Z");
    *out = json_string(buf);
    return 0;
}

/* ---- messages ---- */

static int decode_msg(pbdec *d, const ck_pb_msg *m, const uint8_t *p, size_t n, json_t **out);
static int decode_body(pbdec *d, const uint8_t *body, size_t len, json_t **out);

static const ck_pb_field *field_at(const ck_pb_msg *m, unsigned i)
{
    return &ck_pb_fields[m->first + i];
}

static bool varint_kind(int kind)
{
    return kind >= CK_PB_BOOL && kind <= CK_PB_UINT64;
}

/* One value of the given kind; *out may be NULL for a message whose JSON form is nil. Bytes
 * are kept raw (not base64) when raw is set: RawExtension and FieldsV1 parse them. */
static int read_value(pbdec *d, rd *r, int kind, uint16_t msg, unsigned wt, bool raw, json_t **out)
{
    *out = NULL;
    if (spend(d) < 0) return -1;
    if (varint_kind(kind)) {
        uint64_t v;
        if (wt != 0) return fail(d, "proto: wrong wireType = %u for a varint field", wt);
        if (rd_varint(d, r, &v) < 0) return -1;
        switch (kind) {
        case CK_PB_BOOL:
            *out = json_boolean(v != 0);
            break;
        case CK_PB_INT32:
            *out = json_integer((int32_t)(uint32_t)v);
            break;
        case CK_PB_UINT32:
            *out = json_integer((uint32_t)v);
            break;
        case CK_PB_UINT64:
            *out = v > INT64_MAX ? json_real((double)v) : json_integer((json_int_t)v);
            break;
        default:
            *out = json_integer((json_int_t)v);
        }
        return 0;
    }
    const uint8_t *p;
    size_t n;
    if (wt != 2) return fail(d, "proto: wrong wireType = %u for a length-delimited field", wt);
    if (rd_bytes(d, r, &p, &n) < 0) return -1;
    if (kind == CK_PB_STRING) {
        /* As for JSON bodies (and C strings downstream), NUL is not allowed in strings. */
        if (memchr(p, 0, n)) return fail(d, "string contains a NUL byte");
        *out = utf8_string(p, n);
    } else if (kind == CK_PB_BYTES)
        *out = raw ? json_stringn_nocheck((const char *)p, n) : base64_string(p, n);
    else if (kind == CK_PB_MESSAGE && msg < ck_pb_nmsgs)
        return decode_msg(d, &ck_pb_msgs[msg], p, n, out);
    else
        return fail(d, "proto: unsupported field kind %d", kind);
    return 0;
}

/* A map entry {key = 1, value = 2}, added to the object *slot. */
static int read_map_entry(pbdec *d, rd *r, const ck_pb_field *f, unsigned wt, json_t **slot)
{
    const uint8_t *p;
    size_t n;
    if (wt != 2) return fail(d, "proto: wrong wireType = %u for a map field", wt);
    if (rd_bytes(d, r, &p, &n) < 0) return -1;
    rd e = {p, p + n};
    json_t *key = NULL, *val = NULL;
    int kk = f->kind >> 4, vk = f->kind & 15;
    while (e.p < e.end) {
        uint32_t num;
        unsigned ewt;
        json_t *v = NULL;
        if (rd_tag(d, &e, &num, &ewt) < 0) goto bad;
        if (num == 1 || num == 2) {
            if (read_value(d, &e, num == 1 ? kk : vk, f->msg, ewt, false, &v) < 0) goto bad;
            json_t **dst = num == 1 ? &key : &val;
            json_decref(*dst);
            *dst = v;
        } else if (rd_skip(d, &e, ewt) < 0)
            goto bad;
    }
    if (!val && vk != CK_PB_MESSAGE)
        val = vk == CK_PB_STRING || vk == CK_PB_BYTES ? json_string("")
              : vk == CK_PB_BOOL                      ? json_false()
                                                      : json_integer(0);
    else if (!val && decode_msg(d, &ck_pb_msgs[f->msg], NULL, 0, &val) < 0)
        goto bad;
    if (!*slot) *slot = json_object();
    char num[32];
    const char *k = "";
    size_t klen = 0;
    if (json_is_string(key)) {
        k = json_string_value(key);
        klen = json_string_length(key);
    } else if (json_is_integer(key)) {
        klen = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(key));
        k = num;
    }
    json_object_setn_new_nocheck(*slot, k, klen, val ? val : json_null());
    json_decref(key);
    return 0;
bad:
    json_decref(key);
    json_decref(val);
    return -1;
}

static int read_field(pbdec *d, rd *r, const ck_pb_msg *m, const ck_pb_field *f, unsigned wt,
                      json_t **slot)
{
    int kind = f->kind & 15;
    bool raw = m->special == CK_PB_RAWEXT || m->special == CK_PB_FIELDSV1;
    json_t *v;
    if (f->flags & CK_PB_MAP) return read_map_entry(d, r, f, wt, slot);
    if (!(f->flags & CK_PB_REPEATED)) {
        if (read_value(d, r, kind, f->msg, wt, raw, &v) < 0) return -1;
        json_decref(*slot);
        *slot = v;
        return 0;
    }
    if (!*slot) *slot = json_array();
    if (varint_kind(kind) && wt == 2) { /* packed */
        const uint8_t *p;
        size_t n;
        if (rd_bytes(d, r, &p, &n) < 0) return -1;
        rd pr = {p, p + n};
        while (pr.p < pr.end) {
            if (read_value(d, &pr, kind, 0, 0, false, &v) < 0) return -1;
            json_array_append_new(*slot, v);
        }
        return 0;
    }
    if (read_value(d, r, kind, f->msg, wt, raw, &v) < 0) return -1;
    json_array_append_new(*slot, v ? v : json_null());
    return 0;
}

static json_t *slot_of(const ck_pb_msg *m, json_t **slots, uint16_t num)
{
    for (unsigned i = 0; i < m->nfields; i++)
        if (field_at(m, i)->num == num) return slots[i];
    return NULL;
}

/* Embedded JSON of RawExtension and FieldsV1: null when absent or empty. */
static int raw_json(pbdec *d, const json_t *raw, json_t **out)
{
    size_t n = json_string_length(raw);
    const char *s = json_string_value(raw);
    if (!s || n == 0) {
        *out = json_null();
        return 0;
    }
    if (n >= 4 && memcmp(s, PB_MAGIC, 4) == 0) return decode_body(d, (const uint8_t *)s, n, out);
    json_error_t je;
    *out = json_loadb(s, n, JSON_DECODE_ANY, &je);
    if (!*out) return fail(d, "embedded object is not valid JSON: %s", je.text);
    return 0;
}

static int build_special(pbdec *d, const ck_pb_msg *m, json_t **slots, size_t n, json_t **out)
{
    json_t *a = slot_of(m, slots, 1), *b = slot_of(m, slots, 2), *c = slot_of(m, slots, 3);
    int64_t x = json_integer_value(a), y = json_integer_value(b);
    switch (m->special) {
    case CK_PB_TIME:
    case CK_PB_MICROTIME: {
        /* Time drops the nanoseconds; MicroTime truncates them to microseconds. */
        int64_t ns = m->special == CK_PB_TIME ? 0 : y - y % 1000;
        if (n > 0 && (x < -(INT64_C(1) << 40) || x > INT64_C(1) << 40))
            return fail(d, "Time.MarshalJSON: year outside of range [0,9999]");
        x += ns / 1000000000 - (ns % 1000000000 < 0);
        ns = (ns % 1000000000 + 1000000000) % 1000000000;
        if (n == 0 || (x == -62135596800LL && ns == 0)) {
            *out = json_null();
            return 0;
        }
        return time_string(d, x, ns, m->special == CK_PB_MICROTIME, out);
    }
    case CK_PB_DURATION:
        *out = duration_string(x);
        return 0;
    case CK_PB_INTORSTRING:
        if (x == 0)
            *out = json_integer((int32_t)y);
        else if (x == 1)
            *out = c ? json_incref(c) : json_string("");
        else
            return fail(d, "impossible IntOrString.Type");
        return 0;
    case CK_PB_QUANTITY: {
        if (!a) {
            *out = json_string("0");
            return 0;
        }
        ck_quantity q;
        ck_err *qe = NULL;
        if (ck_quantity_parse(json_string_value(a), &q, &qe) < 0) {
            fail(d, "%s", qe->message);
            ck_err_free(qe);
            return -1;
        }
        char *s = ck_quantity_string(&q);
        *out = json_string(s);
        free(s);
        return 0;
    }
    case CK_PB_RAWEXT:
    case CK_PB_FIELDSV1:
        return raw_json(d, a, out);
    case CK_PB_LIST:
        *out = json_array_size(a) ? json_incref(a) : NULL;
        return 0;
    }
    return fail(d, "unknown special message %d", m->special);
}

/* Go's omitempty: false, 0, "", and empty slices, maps and strings (never structs). */
static bool is_empty(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) == 0;
    case JSON_INTEGER:
        return json_integer_value(v) == 0;
    case JSON_REAL:
        return json_real_value(v) == 0;
    case JSON_FALSE:
    case JSON_NULL:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) == 0;
    default:
        return false;
    }
}

/* The value of field f in plain message m given its decoded slot (NULL when absent); NULL
 * with 0 when the field is left out of the JSON. */
static int field_json(pbdec *d, const ck_pb_field *f, json_t *slot, json_t **out)
{
    int kind = f->kind & 15;
    const ck_pb_msg *sm = kind == CK_PB_MESSAGE ? &ck_pb_msgs[f->msg] : NULL;
    json_t *v = NULL;
    bool nil = false;
    *out = NULL;
    if (f->flags & (CK_PB_REPEATED | CK_PB_MAP))
        nil = !slot || (json_is_array(slot) ? json_array_size(slot) : json_object_size(slot)) == 0;
    else if ((f->flags & CK_PB_POINTER) || kind == CK_PB_BYTES || (sm && sm->special == CK_PB_LIST))
        nil = !slot;
    if (nil) {
        if (f->flags & (CK_PB_OMITEMPTY | CK_PB_OMITZERO | CK_PB_INLINE)) return 0;
        *out = json_null();
        return 0;
    }
    if (slot)
        v = json_incref(slot);
    else if (sm) {
        if (decode_msg(d, sm, NULL, 0, &v) < 0) return -1;
    } else
        v = kind == CK_PB_STRING ? json_string("")
            : kind == CK_PB_BOOL ? json_false()
                                 : json_integer(0);
    bool pointer = f->flags & CK_PB_POINTER;
    bool scalar_like = !sm || sm->special == CK_PB_LIST;
    if (!pointer && !(f->flags & CK_PB_INLINE)) {
        bool drop = false;
        if ((f->flags & CK_PB_OMITEMPTY) && scalar_like) drop = is_empty(v);
        if (!drop && (f->flags & CK_PB_OMITZERO)) {
            json_t *zero = NULL;
            if (!scalar_like && decode_msg(d, sm, NULL, 0, &zero) < 0) {
                json_decref(v);
                return -1;
            }
            drop = scalar_like ? is_empty(v) : json_equal(v, zero);
            json_decref(zero);
        }
        if (drop) {
            json_decref(v);
            return 0;
        }
    }
    *out = v;
    return 0;
}

static int build_plain(pbdec *d, const ck_pb_msg *m, json_t **slots, json_t **out)
{
    json_t *o = json_object();
    for (unsigned i = 0; i < m->nfields; i++) {
        const ck_pb_field *f = field_at(m, i);
        json_t *v;
        if (spend(d) < 0 || field_json(d, f, slots[i], &v) < 0) {
            json_decref(o);
            return -1;
        }
        if (!v) continue;
        if ((f->flags & CK_PB_INLINE) && json_is_object(v)) {
            json_object_update_missing(o, v);
            json_decref(v);
        } else if (f->flags & CK_PB_INLINE)
            json_decref(v);
        else
            json_object_set_new_nocheck(o, name_at(f->name), v);
    }
    *out = o;
    return 0;
}

/* Decodes message m from p[0, n) (n == 0: its zero value) into *out (NULL for a nil list). */
static int decode_msg(pbdec *d, const ck_pb_msg *m, const uint8_t *p, size_t n, json_t **out)
{
    *out = NULL;
    if (d->depth >= MAX_DEPTH) return fail(d, "max depth exceeded");
    d->depth++;
    json_t **slots = xcalloc(m->nfields ? m->nfields : 1, sizeof *slots);
    if (!p) p = (const uint8_t *)"";
    rd r = {p, p + n};
    int rc = 0;
    while (rc == 0 && r.p < r.end) {
        uint32_t num;
        unsigned wt;
        unsigned i = 0;
        if (rd_tag(d, &r, &num, &wt) < 0) {
            rc = -1;
            break;
        }
        while (i < m->nfields && field_at(m, i)->num != num)
            i++;
        rc = i < m->nfields ? read_field(d, &r, m, field_at(m, i), wt, &slots[i])
                            : rd_skip(d, &r, wt);
    }
    if (rc == 0)
        rc = m->special == CK_PB_PLAIN ? build_plain(d, m, slots, out)
                                       : build_special(d, m, slots, n, out);
    for (unsigned i = 0; i < m->nfields; i++)
        json_decref(slots[i]);
    free(slots);
    d->depth--;
    return rc;
}

/* ---- lookup and envelope ---- */

static const ck_pb_msg *find_in_pkg(const ck_pb_pkg *pk, const char *kind)
{
    size_t lo = pk->first, hi = (size_t)pk->first + pk->nmsgs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name_at(ck_pb_msgs[mid].name), kind);
        if (c == 0) return ck_pb_msgs[mid].is_kind ? &ck_pb_msgs[mid] : NULL;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const ck_pb_msg *ck_pb_lookup(const char *group, const char *version, const char *kind)
{
    /* meta/v1 kinds registered in every group version, and the unversioned ones of v1. */
    static const char *const shared[] = {"WatchEvent",    "ListOptions",   "GetOptions",
                                         "DeleteOptions", "CreateOptions", "UpdateOptions",
                                         "PatchOptions"};
    static const char *const unversioned[] = {"Status", "APIVersions", "APIGroupList", "APIGroup",
                                              "APIResourceList"};
    const ck_pb_pkg *meta = NULL;
    for (unsigned i = 0; i < ck_pb_npkgs; i++) {
        const ck_pb_pkg *pk = &ck_pb_pkgs[i];
        if (streq(name_at(pk->path), "apis/meta/v1")) meta = pk;
        if (streq(name_at(pk->group), group) && streq(name_at(pk->version), version)) {
            const ck_pb_msg *m = find_in_pkg(pk, kind);
            if (m) return m;
        }
    }
    bool known = false;
    for (size_t i = 0; i < ARRAY_SIZE(shared); i++)
        known = known || streq(kind, shared[i]);
    for (size_t i = 0; i < ARRAY_SIZE(unversioned) && !*group && streq(version, "v1"); i++)
        known = known || streq(kind, unversioned[i]);
    return known && meta ? find_in_pkg(meta, kind) : NULL;
}

/* Envelope: runtime.Unknown {typeMeta {apiVersion = 1, kind = 2} = 1, raw = 2,
 * contentEncoding = 3, contentType = 4}. Strings are returned NUL-terminated (owned). */
static int read_envelope(pbdec *d, rd *r, char **api_version, char **kind, const uint8_t **raw,
                         size_t *raw_len)
{
    while (r->p < r->end) {
        uint32_t num;
        unsigned wt;
        const uint8_t *p;
        size_t n;
        if (rd_tag(d, r, &num, &wt) < 0) return -1;
        if (num != 1 && num != 2) {
            if (rd_skip(d, r, wt) < 0) return -1;
            continue;
        }
        if (wt != 2) return fail(d, "proto: wrong wireType = %u for field %u", wt, num);
        if (rd_bytes(d, r, &p, &n) < 0) return -1;
        if (num == 2) {
            *raw = p;
            *raw_len = n;
            continue;
        }
        rd t = {p, p + n};
        while (t.p < t.end) {
            if (rd_tag(d, &t, &num, &wt) < 0) return -1;
            if (num != 1 && num != 2) {
                if (rd_skip(d, &t, wt) < 0) return -1;
                continue;
            }
            if (wt != 2) return fail(d, "proto: wrong wireType = %u for field %u", wt, num);
            if (rd_bytes(d, &t, &p, &n) < 0) return -1;
            char **dst = num == 1 ? api_version : kind;
            free(*dst);
            *dst = xstrndup((const char *)p, n);
        }
    }
    return 0;
}

/* Replaces bytes outside printable ASCII (for error messages). */
static char *printable(char *s)
{
    for (char *c = s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\') *c = '?';
    return s;
}

/* Magic, envelope, lookup of the kind's message and the message itself. */
static int decode_body(pbdec *d, const uint8_t *body, size_t len, json_t **out)
{
    *out = NULL;
    if (len == 0) return fail(d, "empty data");
    if (len < 4 || memcmp(body, PB_MAGIC, 4) != 0)
        return fail(d, "provided data does not appear to be a protobuf message, expected "
                       "prefix [107 56 115 0]");
    if (len == 4) return fail(d, "empty body");
    rd r = {body + 4, body + len};
    cleanup_free char *api_version = NULL, *kind = NULL;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    if (read_envelope(d, &r, &api_version, &kind, &raw, &raw_len) < 0) return -1;
    const char *av = api_version ? printable(api_version) : "";
    if (!kind || !*kind)
        return fail(d,
                    "Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:\"%.64s\", "
                    "Kind:\"\"}'",
                    av);
    printable(kind);
    if (!*av)
        return fail(d,
                    "Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:\"\", "
                    "Kind:\"%.64s\"}'",
                    kind);
    const char *slash = strchr(av, '/');
    cleanup_free char *group = slash ? xstrndup(av, (size_t)(slash - av)) : xstrdup("");
    const char *version = slash ? slash + 1 : av;
    const ck_pb_msg *m = strchr(version, '/') ? NULL : ck_pb_lookup(group, version, kind);
    if (!m)
        return ck_error(d->err, 400, CK_BAD_REQUEST,
                        "no kind \"%.64s\" is registered for version \"%.64s\" in scheme \"%s\"",
                        kind, av, SCHEME);
    json_t *obj = NULL;
    if (decode_msg(d, m, raw, raw_len, &obj) < 0) return -1;
    json_t *res = json_object();
    json_object_set_new(res, "kind", json_string(kind));
    json_object_set_new(res, "apiVersion", json_string(av));
    if (json_is_object(obj)) json_object_update_missing(res, obj);
    json_decref(obj);
    *out = res;
    return 0;
}

int ck_protobuf_decode(const char *body, size_t len, json_t **out, ck_err **err)
{
    pbdec d = {.budget = 64 * len + 4096, .err = err};
    return decode_body(&d, (const uint8_t *)body, len, out);
}
