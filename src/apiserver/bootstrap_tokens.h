/* The detached JWS of the bootstrap signer (bootstrap_tokens.c; its tick is declared in
 * bootstrap.h with the server's other control loops). */
#ifndef CK_BOOTSTRAP_TOKENS_H
#define CK_BOOTSTRAP_TOKENS_H

#include <stddef.h>

/* Upstream's jws.ComputeDetachedSignature: the compact JWS of content (n bytes) with the
 * protected header {"alg":"HS256","kid":"<token_id>"} and an HMAC-SHA256 keyed by
 * token_secret (zero-padded to 32 bytes), without its payload: "<header>..<signature>".
 * token_id must need no JSON escaping (bootstrap token ids are [a-z0-9]{6}). Returns an
 * allocated string the caller frees, or NULL if OpenSSL fails. */
char *ck_bootstrap_jws(const char *content, size_t n, const char *token_id,
                       const char *token_secret);

#endif
