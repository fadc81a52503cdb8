/* JSON to YAML like sigs.k8s.io/yaml.JSONToYAML: go-yaml v2's encoder decisions (key order,
 * scalar styles, number formatting) fed to libyaml's emitter, from which go-yaml's emitterc.go
 * was ported, so indentation, quoting fallbacks and line folding come out the same. */
#include "lib/yaml.h"

#include <math.h>
#include <yaml.h>

#include "lib/util.h"
#include "lib/yaml_scalar.h"

typedef struct {
    char *s;
    size_t len, cap;
} obuf;

static int write_out(void *data, unsigned char *buf, size_t size)
{
    obuf *o = data;
    if (o->len + size + 1 > o->cap) {
        o->cap = (o->len + size + 1) * 2;
        o->s = xrealloc(o->s, o->cap);
    }
    memcpy(o->s + o->len, buf, size);
    o->len += size;
    return 1;
}

/* One UTF-8 rune at s (len > 0); invalid bytes decode as U+FFFD of width 1, as in Go. */
static uint32_t rune_at(const unsigned char *s, size_t len, size_t *w)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    uint32_t r = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    if (!n || n > len) {
        *w = 1;
        return 0xFFFD;
    }
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *w = 1;
            return 0xFFFD;
        }
        r = r << 6 | (s[k] & 0x3F);
    }
    *w = n;
    return r;
}

/* unicode.IsLetter: exact for Latin-1; other runes are treated as letters (keys outside Latin-1
 * are rare and most such runes are letters). */
static bool is_letter(uint32_t r)
{
    if (r < 0x80) return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    if (r <= 0xFF)
        return r == 0xAA || r == 0xB5 || r == 0xBA || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
    return r != 0xFFFD;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* go-yaml's keyList.Less for two string keys: a "natural" order where runs of digits compare
 * by value and letters sort after other characters. */
static bool key_less(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    size_t i = 0, j = 0, wa, wb;
    while (i < alen && j < blen) {
        uint32_t ra = rune_at(x + i, alen - i, &wa), rb = rune_at(y + j, blen - j, &wb);
        if (ra == rb) {
            i += wa, j += wb;
            continue;
        }
        bool al = is_letter(ra), bl = is_letter(rb);
        if (al && bl) return ra < rb;
        if (al || bl) return bl;
        uint64_t an = 0, bn = 0; /* Go's int64 arithmetic, wrapping alike */
        if (ra == '0' || rb == '0')
            for (size_t k = i; k > 0 && is_digit(x[k - 1]); k--)
                if (x[k - 1] != '0') {
                    an = bn = 1;
                    break;
                }
        size_t ea = i, eb = j;
        for (; ea < alen && is_digit(x[ea]); ea++)
            an = an * 10 + (x[ea] - '0');
        for (; eb < blen && is_digit(y[eb]); eb++)
            bn = bn * 10 + (y[eb] - '0');
        if (an != bn) return (int64_t)an < (int64_t)bn;
        if (ea - i != eb - j) return ea - i < eb - j;
        return ra < rb;
    }
    return i >= alen && j < blen;
}

typedef struct {
    const char *key;
    size_t len;
    json_t *value;
} entry;

static bool bytes_less(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c < 0 || (c == 0 && alen < blen);
}

/* Bottom-up merge sort: stable, and safe whatever the comparison's consistency. */
static void merge_sort(entry *v, size_t n, bool (*less)(const char *, size_t, const char *, size_t))
{
    entry *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n,
                   hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = less(v[j].key, v[j].len, v[i].key, v[i].len) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
}

/* go-yaml's order is not transitive for some keys ("2a" < "12" < "21 " < "2a"), so the result
 * of sorting depends on where the keys start; starting from byte order makes it depend on the
 * set of keys alone. */
static void sort_entries(entry *v, size_t n)
{
    merge_sort(v, n, bytes_less);
    merge_sort(v, n, key_less);
}

static bool emit_scalar(yaml_emitter_t *e, const char *tag, const char *s, size_t len,
                        yaml_scalar_style_t style)
{
    yaml_event_t ev;
    return yaml_scalar_event_initialize(&ev, NULL, (const yaml_char_t *)tag, (const yaml_char_t *)s,
                                        (int)len, !tag, !tag, style) &&
           yaml_emitter_emit(e, &ev);
}

/* go-yaml's stringv: plain unless the text would read back as another type (or a base-60
 * number), literal block when it has a newline; invalid UTF-8 becomes !!binary. One deliberate
 * difference: go-yaml writes the string "<<" plain, which reads back as a merge key; it is
 * quoted here so that every document reads back as the value it came from. */
static bool emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    const char *tag = NULL;
    char *b64 = NULL;
    bool plain = true;
    if (!ys_utf8_valid(s, len)) {
        b64 = ys_base64_encode((const unsigned char *)s, len);
        s = b64;
        len = strlen(b64);
        tag = YS_TAG_BINARY;
    } else {
        ys_value v;
        char *msg = NULL;
        ys_resolve(NULL, s, len, &v, &msg);
        plain = v.kind == YS_STR && !ys_is_base60(s, len) && !(len == 2 && !memcmp(s, "<<", 2));
    }
    yaml_scalar_style_t style = memchr(s, '\n', len) ? YAML_LITERAL_SCALAR_STYLE
                                : plain              ? YAML_PLAIN_SCALAR_STYLE
                                                     : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    bool ok = emit_scalar(e, tag, s, len, style);
    free(b64);
    return ok;
}

static bool emit_plain(yaml_emitter_t *e, const char *s)
{
    return emit_scalar(e, NULL, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

static bool emit_value(yaml_emitter_t *e, const json_t *v);

static bool emit_object(yaml_emitter_t *e, json_t *obj)
{
    yaml_event_t ev;
    size_t n = 0;
    entry *v = xmalloc((json_object_size(obj) + 1) * sizeof *v);
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it))
        v[n++] = (entry){json_object_iter_key(it), json_object_iter_key_len(it),
                         json_object_iter_value(it)};
    sort_entries(v, n);
    bool ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) &&
              yaml_emitter_emit(e, &ev);
    for (size_t i = 0; ok && i < n; i++)
        ok = emit_string(e, v[i].key, v[i].len) && emit_value(e, v[i].value);
    free(v);
    return ok && yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
}

static bool emit_value(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    char buf[40];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return emit_object(e, (json_t *)v);
    case JSON_ARRAY: {
        bool ok =
            yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) &&
            yaml_emitter_emit(e, &ev);
        for (size_t i = 0; ok && i < json_array_size(v); i++)
            ok = emit_value(e, json_array_get(v, i));
        return ok && yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
    }
    case JSON_STRING:
        return emit_string(e, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return emit_plain(e, buf);
    case JSON_REAL:
        if (!isfinite(json_real_value(v))) return false; /* not JSON */
        ys_format_float(json_real_value(v), 64, buf);
        return emit_plain(e, buf);
    case JSON_TRUE:
        return emit_plain(e, "true");
    case JSON_FALSE:
        return emit_plain(e, "false");
    default:
        return emit_plain(e, "null");
    }
}

char *ck_json_to_yaml(const json_t *v, size_t *len)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    obuf out = {0};

    yaml_emitter_initialize(&e);
    yaml_emitter_set_output(&e, write_out, &out);
    yaml_emitter_set_unicode(&e, 1);
    bool ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
              yaml_emitter_emit(&e, &ev) &&
              yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
              yaml_emitter_emit(&e, &ev) && emit_value(&e, v) &&
              yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
              yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev);
    yaml_emitter_delete(&e);
    if (!ok) {
        free(out.s);
        return NULL;
    }
    /* libyaml ends a stream whose last scalar is a "|+" block with "..."; go-yaml clears
     * open_ended before the stream end, so it does not. */
    if (out.len >= 5 && memcmp(out.s + out.len - 5, "\n...\n", 5) == 0) out.len -= 4;
    write_out(&out, (unsigned char *)"", 0);
    out.s[out.len] = 0;
    if (len) *len = out.len;
    return out.s;
}
