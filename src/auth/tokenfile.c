/* The static token file (upstream's tokenfile.NewCSV): CSV records read with Go's
 * encoding/csv rules (FieldsPerRecord -1, no lazy quotes), kept in a hash table by token. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "auth/authn.h"
#include "lib/log.h"
#include "lib/util.h"

typedef struct tf_entry {
    char *token, *name, *uid;
    char **groups; /* NULL-terminated; NULL when the record had no fourth column */
    struct tf_entry *next;
} tf_entry;

struct ck_tokenfile {
    tf_entry **buckets;
    size_t nbuckets, count;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void entry_free(tf_entry *e)
{
    free(e->token);
    free(e->name);
    free(e->uid);
    for (char **g = e->groups; g && *g; g++)
        free(*g);
    free(e->groups);
    free(e);
}

/* Splits s on commas as Go's strings.Split does (an empty s gives one empty string). */
static char **split_commas(const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **out = xcalloc(n + 1, sizeof *out);
    size_t i = 0;
    for (const char *p = s;;) {
        const char *c = strchr(p, ',');
        if (!c) {
            out[i++] = xstrdup(p);
            break;
        }
        out[i++] = xstrndup(p, (size_t)(c - p));
        p = c + 1;
    }
    return out;
}

static void put(ck_tokenfile *tf, char **rec, size_t n)
{
    size_t b = fnv1a(rec[0]) % tf->nbuckets;
    tf_entry **pp = &tf->buckets[b];
    while (*pp && !streq((*pp)->token, rec[0]))
        pp = &(*pp)->next;
    tf_entry *e = xcalloc(1, sizeof *e);
    e->token = xstrdup(rec[0]);
    e->name = xstrdup(rec[1]);
    e->uid = xstrdup(rec[2]);
    if (n >= 4) e->groups = split_commas(rec[3]);
    if (*pp) { /* duplicate: the later record wins */
        e->next = (*pp)->next;
        entry_free(*pp);
    } else {
        tf->count++;
    }
    *pp = e;
}

/* ---- a reader for Go's encoding/csv format --------------------------------------------- */

typedef struct csv {
    const char *p, *end;
    int line; /* current line, 1-based */
    char **fields;
    size_t n, cap;
    char *buf;
    size_t blen, bcap;
} csv;

static void buf_add(csv *c, const char *s, size_t n)
{
    if (c->blen + n + 1 > c->bcap) {
        c->bcap = (c->blen + n + 1) * 2;
        c->buf = xrealloc(c->buf, c->bcap);
    }
    memcpy(c->buf + c->blen, s, n);
    c->blen += n;
    c->buf[c->blen] = 0;
}

static void field_end(csv *c)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->fields = xrealloc(c->fields, c->cap * sizeof *c->fields);
    }
    c->fields[c->n++] = xstrndup(c->buf ? c->buf : "", c->blen);
    c->blen = 0;
}

static void fields_clear(csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->fields[i]);
    c->n = 0;
}

/* Length of the line at p without its "\n" or "\r\n"; *next gets the following line. */
static size_t line_len(const csv *c, const char *p, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(c->end - p));
    const char *e = nl ? nl : c->end;
    *next = nl ? nl + 1 : c->end;
    if (e > p && e[-1] == '\r') e--;
    return (size_t)(e - p);
}

static int parse_error(ck_err **err, int start, int line, int col, const char *what)
{
    if (start != line)
        return ck_error(err, 400, CK_BAD_REQUEST,
                        "record on line %d; parse error on line %d, column %d: %s", start, line,
                        col, what);
    return ck_error(err, 400, CK_BAD_REQUEST, "parse error on line %d, column %d: %s", line, col,
                    what);
}

#define ERR_BARE "bare \" in non-quoted-field"
#define ERR_QUOTE "extraneous or missing \" in quoted-field"

/* Reads the next record into c->fields. Returns 1 with a record, 0 at the end, -1 on a
 * parse error. Empty lines are skipped. */
static int read_record(csv *c, ck_err **err)
{
    fields_clear(c);
    const char *next;
    size_t len;
    for (;;) {
        if (c->p >= c->end) return 0;
        len = line_len(c, c->p, &next);
        if (len) break;
        c->p = next;
        c->line++;
    }
    int start = c->line;
    const char *l = c->p, *le = c->p + len;
    int col = 1;
    for (;;) {
        if (l < le && *l == '"') { /* quoted field */
            l++;
            col++;
            for (;;) {
                const char *q = memchr(l, '"', (size_t)(le - l));
                if (q) {
                    buf_add(c, l, (size_t)(q - l));
                    col += (int)(q - l) + 1;
                    l = q + 1;
                    if (l < le && *l == '"') {
                        buf_add(c, "\"", 1);
                        l++;
                        col++;
                    } else if (l < le && *l == ',') {
                        field_end(c);
                        l++;
                        col++;
                        break;
                    } else if (l == le) {
                        field_end(c);
                        goto done;
                    } else {
                        return parse_error(err, start, c->line, col - 1, ERR_QUOTE);
                    }
                } else {
                    /* No closing quote on this line: the field goes on over the line
                     * break (kept as "\n"), unless this was the last line. */
                    buf_add(c, l, (size_t)(le - l));
                    if (next >= c->end) {
                        col += (int)(le - l);
                        return parse_error(err, start, c->line, col, ERR_QUOTE);
                    }
                    buf_add(c, "\n", 1);
                    c->p = next;
                    c->line++;
                    len = line_len(c, c->p, &next);
                    l = c->p;
                    le = c->p + len;
                    col = 1;
                }
            }
        } else { /* plain field up to the next comma */
            const char *comma = memchr(l, ',', (size_t)(le - l));
            const char *fe = comma ? comma : le;
            const char *q = memchr(l, '"', (size_t)(fe - l));
            if (q) return parse_error(err, start, c->line, col + (int)(q - l), ERR_BARE);
            buf_add(c, l, (size_t)(fe - l));
            field_end(c);
            col += (int)(fe - l) + 1;
            if (!comma) goto done;
            l = comma + 1;
        }
    }
done:
    c->p = next;
    c->line++;
    return 1;
}

ck_tokenfile *ck_tokenfile_parse(const char *text, size_t len, const char *path, ck_err **err)
{
    ck_tokenfile *tf = xcalloc(1, sizeof *tf);
    tf->nbuckets = 64;
    tf->buckets = xcalloc(tf->nbuckets, sizeof *tf->buckets);
    csv c = {.p = text, .end = text + len, .line = 1};
    int rc, recno = 0;
    while ((rc = read_record(&c, err)) > 0) {
        if (c.n < 3) {
            ck_error(err, 400, CK_BAD_REQUEST,
                     "token file '%s' must have at least 3 columns (token, user name, user uid), "
                     "found %zu",
                     path, c.n);
            rc = -1;
            break;
        }
        recno++;
        if (!*c.fields[0]) {
            ck_log_warn("empty token has been found in token file '%s', record number '%d'", path,
                        recno);
            continue;
        }
        if (tf->count >= tf->nbuckets * 2) { /* grow: rehash every chain */
            size_t nb = tf->nbuckets * 4;
            tf_entry **b = xcalloc(nb, sizeof *b);
            for (size_t i = 0; i < tf->nbuckets; i++)
                for (tf_entry *e = tf->buckets[i], *nx; e; e = nx) {
                    nx = e->next;
                    size_t h = fnv1a(e->token) % nb;
                    e->next = b[h];
                    b[h] = e;
                }
            free(tf->buckets);
            tf->buckets = b;
            tf->nbuckets = nb;
        }
        size_t before = tf->count;
        put(tf, c.fields, c.n);
        if (tf->count == before)
            ck_log_warn("duplicate token has been found in token file '%s', record number '%d'",
                        path, recno);
    }
    fields_clear(&c);
    free(c.fields);
    free(c.buf);
    if (rc < 0) {
        ck_tokenfile_free(tf);
        return NULL;
    }
    return tf;
}

ck_tokenfile *ck_tokenfile_load(const char *path, ck_err **err)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        ck_error(err, 400, CK_BAD_REQUEST, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    ck_tokenfile *tf = ck_tokenfile_parse(text, len, path, err);
    free(text);
    return tf;
}

size_t ck_tokenfile_count(const ck_tokenfile *tf)
{
    return tf ? tf->count : 0;
}

bool ck_tokenfile_lookup(const ck_tokenfile *tf, const char *token, ck_user *user)
{
    if (!tf || !token) return false;
    const tf_entry *e = tf->buckets[fnv1a(token) % tf->nbuckets];
    while (e && !streq(e->token, token))
        e = e->next;
    if (!e) return false;
    user->name = xstrdup(e->name);
    user->uid = xstrdup(e->uid);
    size_t n = 0;
    for (char **g = e->groups; g && *g; g++)
        n++;
    user->groups = xcalloc(n + 1, sizeof *user->groups);
    for (size_t i = 0; i < n; i++)
        user->groups[i] = xstrdup(e->groups[i]);
    return true;
}

void ck_tokenfile_free(ck_tokenfile *tf)
{
    if (!tf) return;
    for (size_t i = 0; i < tf->nbuckets; i++)
        for (tf_entry *e = tf->buckets[i], *nx; e; e = nx) {
            nx = e->next;
            entry_free(e);
        }
    free(tf->buckets);
    free(tf);
}
