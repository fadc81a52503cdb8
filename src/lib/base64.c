/* Base64 encoding and decoding (standard and URL alphabets). */
#include "lib/base64.h"

#include <stdbool.h>

#include "lib/util.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ck_base64_encode(const void *data, size_t n, size_t *outlen)
{
    const unsigned char *s = data;
    char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        *o++ = std_alphabet[v >> 18 & 63];
        *o++ = std_alphabet[v >> 12 & 63];
        *o++ = i + 1 < n ? std_alphabet[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? std_alphabet[v & 63] : '=';
    }
    *o = 0;
    if (outlen) *outlen = (size_t)(o - out);
    return out;
}

static int value(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

/* Shared decoder: padded standard (CR/LF skipped) or unpadded URL alphabet. */
static unsigned char *decode(const char *s, size_t n, bool url, size_t *outlen, size_t *bad)
{
    unsigned char *out = xmalloc(n / 4 * 3 + 4);
    size_t o = 0, quantum = 0, pad = 0, last = 0;
    unsigned acc = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!url && (c == '\r' || c == '\n')) continue;
        last = i;
        if (!url && c == '=') {
            /* Padding only completes the last quantum: "xx==" or "xxx=". */
            if (quantum + pad < 2) goto fail;
            pad++;
            if (quantum + pad > 4) goto fail;
            continue;
        }
        int v = value(c, url);
        if (v < 0 || pad) goto fail;
        acc = acc << 6 | (unsigned)v;
        if (++quantum == 4) {
            out[o++] = (unsigned char)(acc >> 16);
            out[o++] = (unsigned char)(acc >> 8);
            out[o++] = (unsigned char)acc;
            quantum = 0;
            acc = 0;
        }
        continue;
    fail:
        free(out);
        if (bad) *bad = i;
        return NULL;
    }
    if (quantum == 1 || (!url && quantum && quantum + pad != 4)) {
        free(out);
        if (bad) *bad = quantum + pad ? last + 1 - (quantum + pad) : n;
        return NULL;
    }
    if (quantum == 2) out[o++] = (unsigned char)(acc >> 4);
    if (quantum == 3) {
        out[o++] = (unsigned char)(acc >> 10);
        out[o++] = (unsigned char)(acc >> 2);
    }
    out[o] = 0;
    if (outlen) *outlen = o;
    return out;
}

unsigned char *ck_base64_decode(const char *s, size_t n, size_t *outlen, size_t *bad)
{
    return decode(s, n, false, outlen, bad);
}

unsigned char *ck_base64url_decode(const char *s, size_t n, size_t *outlen)
{
    return decode(s, n, true, outlen, NULL);
}
