/* The encrypting store wrapper (--encryption-provider-config): see encrypted.c. */
#ifndef CK_ENCRYPTED_H
#define CK_ENCRYPTED_H

#include <stddef.h>

#include "storage/storage.h"
#include "storage/transform.h"

/* Wraps inner so values of the resources cfg covers are encrypted at rest. The wrapper owns
 * inner and cfg from now on: its close() closes inner and frees cfg. */
ck_store *ck_store_encrypted_wrap(ck_store *inner, ck_encryption_config *cfg);

/* Key rotation: rewrites every live value under prefix that was not written with the first
 * provider and key of its transformer, so it is re-encrypted with them (a compare-and-swap
 * update with the same plaintext). *n receives how many were rewritten. */
int ck_store_encrypted_rewrite(ck_store *s, const char *prefix, size_t *n, ck_err **err);

#endif
