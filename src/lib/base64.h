/* Base64 as Kubernetes uses it: Go's StdEncoding for []byte fields (padded; CR and LF
 * ignored when decoding) and unpadded base64url for JWTs. */
#ifndef CK_BASE64_H
#define CK_BASE64_H

#include <stddef.h>

/* Standard, padded, no line breaks. Returns a NUL-terminated string the caller frees;
 * *outlen (may be NULL) gets its length. */
char *ck_base64_encode(const void *data, size_t n, size_t *outlen);
/* Standard, padding required, CR/LF skipped. Returns the bytes (NUL-terminated, caller
 * frees) or NULL when malformed; *bad (may be NULL) then gets the offset of the first
 * offending input byte, as Go's CorruptInputError reports it. */
unsigned char *ck_base64_decode(const char *s, size_t n, size_t *outlen, size_t *bad);
/* Unpadded base64url (JWT segments); NULL when malformed. */
unsigned char *ck_base64url_decode(const char *s, size_t n, size_t *outlen);

#endif
