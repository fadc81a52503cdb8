/* Interned strings, the u64 and string maps, and the arena (see symtab.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/symtab.h"

uint32_t ck_sched_hash_str(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h ? h : 1;
}

static inline uint32_t hash_u64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (uint32_t)k;
}

/* ---- Interned strings ---------------------------------------------------------------- */

typedef struct sym_entry {
    char *s;
    uint32_t len, hash;
    int64_t num;
    bool is_num;
} sym_entry;

struct ck_sched_symtab {
    sym_entry *e; /* e[0] is the empty "none" entry */
    uint32_t n, cap;
    uint32_t *index; /* open addressing over ids, 0 = empty */
    uint32_t icap;
};

ck_sched_symtab *ck_sched_symtab_new(void)
{
    ck_sched_symtab *t = xcalloc(1, sizeof(*t));
    t->cap = 256;
    t->e = xcalloc(t->cap, sizeof(*t->e));
    t->e[0].s = xstrdup("");
    t->n = 1;
    t->icap = 512;
    t->index = xcalloc(t->icap, sizeof(uint32_t));
    return t;
}

void ck_sched_symtab_free(ck_sched_symtab *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->e[i].s);
    free(t->e);
    free(t->index);
    free(t);
}

/* strconv.ParseInt(s, 10, 64) */
static bool parse_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == len) return false;
    unsigned long long v = 0, limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static void index_insert(ck_sched_symtab *t, uint32_t id)
{
    uint32_t mask = t->icap - 1, i = t->e[id].hash & mask;
    while (t->index[i])
        i = (i + 1) & mask;
    t->index[i] = id;
}

static uint32_t find(const ck_sched_symtab *t, const char *s, size_t len, uint32_t h)
{
    uint32_t mask = t->icap - 1;
    for (uint32_t i = h & mask; t->index[i]; i = (i + 1) & mask) {
        const sym_entry *e = &t->e[t->index[i]];
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0) return t->index[i];
    }
    return 0;
}

ck_sym ck_sym_internn(ck_sched_symtab *t, const char *s, size_t len)
{
    uint32_t h = ck_sched_hash_str(s, len);
    uint32_t id = find(t, s, len, h);
    if (id) return id;
    if (t->n == t->cap) {
        t->cap *= 2;
        t->e = xrealloc(t->e, t->cap * sizeof(*t->e));
    }
    id = t->n++;
    sym_entry *e = &t->e[id];
    e->s = xstrndup(s, len);
    e->len = (uint32_t)len;
    e->hash = h;
    e->is_num = parse_i64(s, len, &e->num);
    if ((t->n - 1) * 2 >= t->icap) {
        free(t->index);
        t->icap *= 2;
        t->index = xcalloc(t->icap, sizeof(uint32_t));
        for (uint32_t i = 1; i < t->n; i++)
            index_insert(t, i);
    } else {
        index_insert(t, id);
    }
    return id;
}

ck_sym ck_sym_intern(ck_sched_symtab *t, const char *s)
{
    return ck_sym_internn(t, s, strlen(s));
}

ck_sym ck_sym_find(const ck_sched_symtab *t, const char *s)
{
    size_t len = strlen(s);
    return find(t, s, len, ck_sched_hash_str(s, len));
}

const char *ck_sym_str(const ck_sched_symtab *t, ck_sym s)
{
    return s < t->n ? t->e[s].s : "";
}

bool ck_sym_int(const ck_sched_symtab *t, ck_sym s, int64_t *out)
{
    if (s == 0 || s >= t->n || !t->e[s].is_num) return false;
    *out = t->e[s].num;
    return true;
}

/* ---- u64 -> i64 map -------------------------------------------------------------------- */

void ck_sched_u64map_init(ck_sched_u64map *m)
{
    memset(m, 0, sizeof(*m));
}

void ck_sched_u64map_free(ck_sched_u64map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

void ck_sched_u64map_clear(ck_sched_u64map *m)
{
    if (m->cap) memset(m->keys, 0, m->cap * sizeof(*m->keys));
    m->len = 0;
}

int64_t *ck_sched_u64map_get(const ck_sched_u64map *m, uint64_t key)
{
    if (!m->len) return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = hash_u64(key) & mask; m->keys[i]; i = (i + 1) & mask)
        if (m->keys[i] == key) return &m->vals[i];
    return NULL;
}

static void u64_grow(ck_sched_u64map *m)
{
    uint32_t ocap = m->cap;
    uint64_t *ok = m->keys;
    int64_t *ov = m->vals;
    m->cap = ocap ? ocap * 2 : 16;
    m->keys = xcalloc(m->cap, sizeof(*m->keys));
    m->vals = xmalloc(m->cap * sizeof(*m->vals));
    uint32_t mask = m->cap - 1;
    for (uint32_t j = 0; j < ocap; j++) {
        if (!ok[j]) continue;
        uint32_t i = hash_u64(ok[j]) & mask;
        while (m->keys[i])
            i = (i + 1) & mask;
        m->keys[i] = ok[j];
        m->vals[i] = ov[j];
    }
    free(ok);
    free(ov);
}

int64_t *ck_sched_u64map_slot(ck_sched_u64map *m, uint64_t key)
{
    int64_t *v = ck_sched_u64map_get(m, key);
    if (v) return v;
    if ((m->len + 1) * 4 > m->cap * 3) u64_grow(m);
    uint32_t mask = m->cap - 1, i = hash_u64(key) & mask;
    while (m->keys[i])
        i = (i + 1) & mask;
    m->keys[i] = key;
    m->vals[i] = 0;
    m->len++;
    return &m->vals[i];
}

void ck_sched_u64map_del(ck_sched_u64map *m, uint64_t key)
{
    int64_t *v = ck_sched_u64map_get(m, key);
    if (!v) return;
    uint32_t mask = m->cap - 1, i = (uint32_t)(v - m->vals);
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    for (uint32_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        uint32_t home = hash_u64(m->keys[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->len--;
}

void ck_sched_u64map_add(ck_sched_u64map *m, uint64_t key, int64_t delta, bool drop_zero)
{
    int64_t *v = ck_sched_u64map_slot(m, key);
    *v += delta;
    if (drop_zero && *v == 0) ck_sched_u64map_del(m, key);
}

void ck_sched_u64map_copy(ck_sched_u64map *dst, const ck_sched_u64map *src)
{
    dst->cap = src->cap;
    dst->len = src->len;
    dst->keys = src->cap ? xmalloc(src->cap * sizeof(*dst->keys)) : NULL;
    dst->vals = src->cap ? xmalloc(src->cap * sizeof(*dst->vals)) : NULL;
    if (src->cap) {
        memcpy(dst->keys, src->keys, src->cap * sizeof(*dst->keys));
        memcpy(dst->vals, src->vals, src->cap * sizeof(*dst->vals));
    }
}

/* ---- string -> pointer map ------------------------------------------------------------ */

void ck_sched_strmap_init(ck_sched_strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void ck_sched_strmap_free(ck_sched_strmap *m)
{
    for (uint32_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    memset(m, 0, sizeof(*m));
}

static int64_t str_find(const ck_sched_strmap *m, const char *key, uint32_t h)
{
    if (!m->len) return -1;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = h & mask; m->keys[i]; i = (i + 1) & mask)
        if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0) return i;
    return -1;
}

void *ck_sched_strmap_get(const ck_sched_strmap *m, const char *key)
{
    int64_t i = str_find(m, key, ck_sched_hash_str(key, strlen(key)));
    return i < 0 ? NULL : m->vals[i];
}

static void str_place(ck_sched_strmap *m, char *key, void *val, uint32_t h)
{
    uint32_t mask = m->cap - 1, i = h & mask;
    while (m->keys[i])
        i = (i + 1) & mask;
    m->keys[i] = key;
    m->vals[i] = val;
    m->hashes[i] = h;
}

void *ck_sched_strmap_put(ck_sched_strmap *m, const char *key, void *val)
{
    uint32_t h = ck_sched_hash_str(key, strlen(key));
    int64_t i = str_find(m, key, h);
    if (i >= 0) {
        void *old = m->vals[i];
        m->vals[i] = val;
        return old;
    }
    if ((m->len + 1) * 4 > m->cap * 3) {
        uint32_t ocap = m->cap;
        char **ok = m->keys;
        void **ov = m->vals;
        uint32_t *oh = m->hashes;
        m->cap = ocap ? ocap * 2 : 16;
        m->keys = xcalloc(m->cap, sizeof(*m->keys));
        m->vals = xcalloc(m->cap, sizeof(*m->vals));
        m->hashes = xcalloc(m->cap, sizeof(*m->hashes));
        for (uint32_t j = 0; j < ocap; j++)
            if (ok[j]) str_place(m, ok[j], ov[j], oh[j]);
        free(ok);
        free(ov);
        free(oh);
    }
    str_place(m, xstrdup(key), val, h);
    m->len++;
    return NULL;
}

void *ck_sched_strmap_del(ck_sched_strmap *m, const char *key)
{
    int64_t found = str_find(m, key, ck_sched_hash_str(key, strlen(key)));
    if (found < 0) return NULL;
    uint32_t mask = m->cap - 1, i = (uint32_t)found;
    void *old = m->vals[i];
    free(m->keys[i]);
    for (uint32_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        uint32_t home = m->hashes[j] & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            m->hashes[i] = m->hashes[j];
            i = j;
        }
    }
    m->keys[i] = NULL;
    m->vals[i] = NULL;
    m->len--;
    return old;
}

/* ---- Arena ------------------------------------------------------------------------------ */

typedef struct ck_sched_arena_chunk {
    struct ck_sched_arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} ck_sched_arena_chunk;

void *ck_sched_arena_alloc(ck_sched_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    ck_sched_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        ck_sched_arena_chunk *nc = xmalloc(sizeof(*nc) + cap);
        nc->used = 0;
        nc->cap = cap;
        nc->next = c;
        a->head = c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *ck_sched_arena_strdup(ck_sched_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ck_sched_arena_alloc(a, n);
    memcpy(p, s, n);
    return p;
}

char *ck_sched_arena_printf(ck_sched_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ck_sched_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ck_sched_arena_reset(ck_sched_arena *a)
{
    ck_sched_arena_chunk *c = a->head;
    if (!c) return;
    /* Keep the oldest (last) chunk, free the rest. */
    while (c->next) {
        ck_sched_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
}

void ck_sched_arena_free(ck_sched_arena *a)
{
    for (ck_sched_arena_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    a->head = NULL;
}
