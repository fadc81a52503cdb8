/* libFuzzer target for token parsing: the input is tried as a service-account JWT (against a
 * fixed RSA key, with and without a valid-looking header), as a token.csv file, and as a
 * bootstrap token. Must never crash or leak. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/server.h"
#include "auth/authn.h"
#include "pki/sajwt.h"

static EVP_PKEY *key(void)
{
    static EVP_PKEY *k;
    if (!k) k = EVP_RSA_gen(2048);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;

    json_t *claims = NULL, *auds = NULL;
    char *msg = NULL;
    (void)ck_sa_verify(key(), CK_SA_DEFAULT_ISSUER, s, NULL, 1700000000, &claims, &auds, &msg);
    json_decref(claims);
    json_decref(auds);
    free(msg);

    ck_err *err = NULL;
    ck_tokenfile *tf = ck_tokenfile_parse(s, size, "fuzz.csv", &err);
    if (tf) {
        ck_user u = {0};
        if (ck_tokenfile_lookup(tf, s, &u)) ck_user_clear(&u);
        ck_tokenfile_free(tf);
    }
    ck_err_free(err);

    char id[7], secret[17];
    (void)ck_bootstrap_token_parse(s, id, secret);
    (void)ck_bootstrap_group_valid(s);
    long long t;
    (void)ck_rfc3339_parse(s, &t);
    free(s);
    return 0;
}
