/* Minimal unit-test support: CHECK macros count results; UT_DONE() prints
 * "N passed, N failed" and returns the exit status. */
#ifndef CK_UT_H
#define CK_UT_H

#include <stdio.h>
#include <string.h>

static int ut_passed, ut_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            ut_passed++;                                                                           \
        } else {                                                                                   \
            ut_failed++;                                                                           \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        if (_a && _b && strcmp(_a, _b) == 0) {                                                     \
            ut_passed++;                                                                           \
        } else {                                                                                   \
            ut_failed++;                                                                           \
            fprintf(stderr, "FAIL %s:%d: %s == %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__,  \
                    #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");                               \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        if (_a == _b) {                                                                            \
            ut_passed++;                                                                           \
        } else {                                                                                   \
            ut_failed++;                                                                           \
            fprintf(stderr, "FAIL %s:%d: %s == %s (got %lld, want %lld)\n", __FILE__, __LINE__,    \
                    #a, #b, _a, _b);                                                               \
        }                                                                                          \
    } while (0)

#define UT_DONE() (printf("%d passed, %d failed\n", ut_passed, ut_failed), ut_failed ? 1 : 0)

#endif
