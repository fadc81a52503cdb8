/* Random identifiers; see random.h. */
#include "lib/random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/util.h"

static void fill(unsigned char *b, size_t n)
{
    if (getrandom(b, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)rand();
}

void ck_uuid(char out[37])
{
    unsigned char b[16];
    fill(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

char *ck_generate_name(const char *base)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char r[5];
    fill(r, sizeof r);
    char suffix[6];
    for (int i = 0; i < 5; i++)
        suffix[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    suffix[5] = 0;
    size_t n = strlen(base);
    if (n > 58) n = 58; /* keep the result within 63 characters */
    return xasprintf("%.*s%s", (int)n, base, suffix);
}
