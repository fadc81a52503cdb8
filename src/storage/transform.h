/* Encryption at rest: upstream's EncryptionConfiguration (apiserver.config.k8s.io/v1, the
 * --encryption-provider-config file) and the value transformers it configures. A stored value
 * written by an encrypting provider is `k8s:enc:<provider>:v1:<key name>:` followed by the
 * provider's ciphertext, as upstream writes it (k8s.io/apiserver/pkg/storage/value/encrypt/aes):
 *   aesgcm: 12-byte random nonce, ciphertext, 16-byte tag; the storage key is the AAD, so a
 *           value copied under another key does not decrypt;
 *   aescbc: 16-byte random IV, then AES-CBC of the PKCS#7-padded plaintext;
 *   identity: the plaintext itself.
 * The first provider (its first key) encodes new writes; reads try every provider, in order,
 * whose prefix the value carries. secretbox and kms are refused at load: OpenSSL 3 has no
 * XSalsa20-Poly1305, and ckube has no KMS plugin client. */
#ifndef CK_TRANSFORM_H
#define CK_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

typedef struct ck_transformer ck_transformer;
typedef struct ck_encryption_config ck_encryption_config;

/* Parses an EncryptionConfiguration (YAML or JSON). On failure returns -1 with a 400 *err
 * naming the offending field ("resources[0].providers[0].aesgcm.keys[0].secret: ..."). */
int ck_encryption_config_parse(const char *buf, size_t len, ck_encryption_config **out,
                               ck_err **err);
/* Reads and parses the file at path; errors are prefixed with the path. */
int ck_encryption_config_load(const char *path, ck_encryption_config **out, ck_err **err);
void ck_encryption_config_free(ck_encryption_config *c);

/* The transformer for a storage key ("/registry/<group|core>/<resource>/..."): that of the
 * first resources[] entry naming the resource ("secrets", "deployments.apps", "*.apps",
 * "*." for the core group, "*.*"), or NULL when none does (values stay as they are).
 * Owned by the config. */
const ck_transformer *ck_encryption_for_key(const ck_encryption_config *c, const char *key);

/* Encodes plaintext for storage under key with the first provider. *out (allocated,
 * NUL-terminated, *outlen excludes the NUL) is the caller's. */
int ck_transform_encode(const ck_transformer *t, const char *key, const char *in, size_t len,
                        char **out, size_t *outlen, ck_err **err);
/* Decodes a stored value read under key. *stale is set when it was not written by the first
 * provider and key (a rewrite would re-encrypt it). Failure: 500 InternalError. */
int ck_transform_decode(const ck_transformer *t, const char *key, const char *in, size_t len,
                        char **out, size_t *outlen, bool *stale, ck_err **err);
/* The prefix new writes carry ("k8s:enc:aesgcm:v1:key1:"; "" for identity). */
const char *ck_transform_write_prefix(const ck_transformer *t);

/* Names the provider and key a stored value was written with, from its prefix alone:
 * "aesgcm:key1", "identity" (no k8s:enc: prefix) or "unknown" (malformed prefix).
 * Writes at most n bytes into buf and returns buf. */
const char *ck_transform_describe(const char *value, size_t len, char *buf, size_t n);

#endif
