/* The shared base64 codec. */
#include <stdlib.h>

#include "lib/base64.h"
#include "ut.h"

static const char *dec(const char *s)
{
    static char buf[64];
    size_t n;
    unsigned char *p = ck_base64_decode(s, strlen(s), &n, NULL);
    if (!p) return NULL;
    snprintf(buf, sizeof buf, "%.*s", (int)n, (char *)p);
    free(p);
    return buf;
}

int main(void)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        char *e = ck_base64_encode(plain[i], strlen(plain[i]), NULL);
        CHECK_STR(e, coded[i]);
        free(e);
        CHECK_STR(dec(coded[i]), plain[i]);
    }
    CHECK_STR(dec("Zm9v\r\nYmFy"), "foobar");
    CHECK(dec("Zm9") == NULL);  /* missing padding */
    CHECK(dec("Zg=") == NULL);  /* short padding */
    CHECK(dec("Z===") == NULL); /* too much padding */
    CHECK(dec("Zg==Zg==") == NULL);
    CHECK(dec("Zm9v!") == NULL);
    size_t bad = 99, n;
    CHECK(ck_base64_decode("%%%", 3, &n, &bad) == NULL);
    CHECK_INT(bad, 0);
    CHECK(ck_base64_decode("Zm9v*mFy", 8, &n, &bad) == NULL);
    CHECK_INT(bad, 4);
    unsigned char *u = ck_base64url_decode("_-8", 3, &n);
    CHECK(u && n == 2 && u[0] == 0xff && u[1] == 0xef);
    free(u);
    CHECK(ck_base64url_decode("Zg==", 4, &n) == NULL);
    CHECK(ck_base64url_decode("Z", 1, &n) == NULL);
    return UT_DONE();
}
