/* Helpers shared by unit tests that build objects and temporary stores. */
#ifndef CK_UT_FIXTURES_H
#define CK_UT_FIXTURES_H

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"

/* nftw callback removing each entry (use with FTW_DEPTH | FTW_PHYS). */
__attribute__((unused)) static int rm_entry(const char *path, const struct stat *st, int flag,
                                            struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

/* Parses a JSON text written with single quotes (new reference). */
__attribute__((unused)) static json_t *js(const char *text)
{
    char *s = xstrdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v) fprintf(stderr, "bad test JSON: %s: %s\n", e.text, s);
    free(s);
    return v;
}

#endif
