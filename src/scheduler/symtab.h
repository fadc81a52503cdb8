/* Small containers the scheduling core is built on: interned strings (label keys and
 * values, namespaces, node names become 32-bit ids so matching is integer comparison),
 * an open-addressing u64 -> i64 map for topology counts, a string -> pointer map, and a
 * bump arena for per-cycle allocations. None of them lock: the scheduling core runs on
 * one thread. */
#ifndef CK_SCHED_SYMTAB_H
#define CK_SCHED_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An interned string. 0 means "none"; "" is a valid string with its own id. */
typedef uint32_t ck_sym;

typedef struct ck_sched_symtab ck_sched_symtab;

ck_sched_symtab *ck_sched_symtab_new(void);
void ck_sched_symtab_free(ck_sched_symtab *t);
/* Returns the id of s, adding it if new. Strings live as long as the table. */
ck_sym ck_sym_intern(ck_sched_symtab *t, const char *s);
ck_sym ck_sym_internn(ck_sched_symtab *t, const char *s, size_t len);
/* The id of s, or 0 if it was never interned. */
ck_sym ck_sym_find(const ck_sched_symtab *t, const char *s);
/* The string of an id ("" for 0). */
const char *ck_sym_str(const ck_sched_symtab *t, ck_sym s);
/* The string parsed as a base-10 int64 (strconv.ParseInt); false if it is not one. */
bool ck_sym_int(const ck_sched_symtab *t, ck_sym s, int64_t *out);

/* u64 -> i64 map with linear probing; key 0 is reserved (never a valid key). */
typedef struct ck_sched_u64map {
    uint64_t *keys;
    int64_t *vals;
    uint32_t cap, len;
} ck_sched_u64map;

void ck_sched_u64map_init(ck_sched_u64map *m);
void ck_sched_u64map_free(ck_sched_u64map *m);
void ck_sched_u64map_clear(ck_sched_u64map *m);
/* A pointer to the value of key, or NULL when absent. Valid until the next insertion. */
int64_t *ck_sched_u64map_get(const ck_sched_u64map *m, uint64_t key);
/* The value of key, inserting 0 when absent. */
int64_t *ck_sched_u64map_slot(ck_sched_u64map *m, uint64_t key);
/* Adds delta to key's value (inserting it); drop_zero removes the entry when it reaches 0. */
void ck_sched_u64map_add(ck_sched_u64map *m, uint64_t key, int64_t delta, bool drop_zero);
void ck_sched_u64map_del(ck_sched_u64map *m, uint64_t key);
void ck_sched_u64map_copy(ck_sched_u64map *dst, const ck_sched_u64map *src);
#define CK_SCHED_U64MAP_FOREACH(m, i)                                                              \
    for (uint32_t i = 0; i < (m)->cap; i++)                                                        \
        if ((m)->keys[i])

/* string -> pointer map; keys are copied and owned by the map, values are not. */
typedef struct ck_sched_strmap {
    char **keys;
    void **vals;
    uint32_t *hashes;
    uint32_t cap, len;
} ck_sched_strmap;

void ck_sched_strmap_init(ck_sched_strmap *m);
/* Frees the keys; values are the caller's. */
void ck_sched_strmap_free(ck_sched_strmap *m);
void *ck_sched_strmap_get(const ck_sched_strmap *m, const char *key);
/* Sets key to val and returns the previous value (NULL if none). */
void *ck_sched_strmap_put(ck_sched_strmap *m, const char *key, void *val);
/* Removes key and returns its value (NULL if none). */
void *ck_sched_strmap_del(ck_sched_strmap *m, const char *key);
#define CK_SCHED_STRMAP_FOREACH(m, i)                                                              \
    for (uint32_t i = 0; i < (m)->cap; i++)                                                        \
        if ((m)->keys[i])

/* Bump allocator: allocations live until ck_sched_arena_reset or ck_sched_arena_free. */
typedef struct ck_sched_arena {
    struct ck_sched_arena_chunk *head;
} ck_sched_arena;

void *ck_sched_arena_alloc(ck_sched_arena *a, size_t n);
char *ck_sched_arena_strdup(ck_sched_arena *a, const char *s);
char *ck_sched_arena_printf(ck_sched_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Keeps the first chunk for reuse. */
void ck_sched_arena_reset(ck_sched_arena *a);
void ck_sched_arena_free(ck_sched_arena *a);

uint32_t ck_sched_hash_str(const char *s, size_t len);

#endif
