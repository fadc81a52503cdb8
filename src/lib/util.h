/* Small helpers used everywhere: allocation that aborts on OOM, scope-bound cleanup,
 * and string utilities. Allocation failure is not recoverable in ckube. */
#ifndef CK_UTIL_H
#define CK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void ck_freep(void *p)
{
    free(*(void **)p);
}
#define cleanup_free __attribute__((cleanup(ck_freep)))

/* Hands ownership on: returns *pp and clears it so the cleanup does nothing. */
#define steal_pointer(pp)                                                                          \
    ({                                                                                             \
        __typeof__(*(pp)) _p = *(pp);                                                              \
        *(pp) = NULL;                                                                              \
        _p;                                                                                        \
    })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}
bool has_prefix(const char *s, const char *prefix);
bool has_suffix(const char *s, const char *suffix);

/* Reads a whole file; returns NULL with errno set on failure. *len may be NULL. */
char *read_file(const char *path, size_t *len);
/* Writes data to path atomically (temp file, fsync, rename) with the given mode. */
int write_file_atomic(const char *path, const void *data, size_t len, int mode);
/* mkdir -p */
int mkdir_p(const char *path, int mode);

/* Monotonic milliseconds and wall-clock RFC 3339 timestamp ("2006-01-02T15:04:05Z"). */
uint64_t now_ms(void);
void rfc3339_now(char out[32]);

#endif
