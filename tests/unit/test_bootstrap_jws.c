/* Known-answer tests for the bootstrap signer's detached JWS (src/apiserver/bootstrap_tokens.c).
 * The first three vectors are upstream's (staging/src/k8s.io/cluster-bootstrap/token/jws/
 * jws_test.go); the last was computed independently with Python's standard library:
 *
 *   import hmac, hashlib, base64
 *   b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
 *   h = b(b'{"alg":"HS256","kid":"abcdef"}')
 *   key = b"0123456789abcdef".ljust(32, b"\0")
 *   print(h + ".." + b(hmac.new(key, (h + "." + b(b"apiVersion: v1\n")).encode(),
 *                               hashlib.sha256).digest()))
 */
#include <stdlib.h>
#include <string.h>

#include "apiserver/bootstrap_tokens.h"
#include "ut.h"

#define CONTENT "Hello from the other side. I must have called a thousand times."
#define HDR_JOSHUA "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9"

static void check_sig(const char *content, const char *id, const char *secret, const char *want)
{
    char *got = ck_bootstrap_jws(content, strlen(content), id, secret);
    CHECK_STR(got, want);
    free(got);
}

static void test_upstream_vectors(void)
{
    check_sig(CONTENT, "joshua", "my voice is my passcode",
              HDR_JOSHUA "..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8");
    check_sig("", "joshua", "my voice is my passcode",
              HDR_JOSHUA "..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk");
    check_sig(CONTENT, "joshua", "", HDR_JOSHUA "..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8");
}

static void test_bootstrap_token(void)
{
    /* A real token's shape: id abcdef, secret 0123456789abcdef. The header is
     * base64url({"alg":"HS256","kid":"abcdef"}), unpadded. */
    check_sig(
        "apiVersion: v1\n", "abcdef", "0123456789abcdef",
        "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..K1chermAQEq0rdqy-ehj0VDfmA_ytv8Wzh9g26FldrE");
    /* Embedded NUL bytes are signed too: n, not strlen, bounds the content. */
    char *a = ck_bootstrap_jws("x\0y", 3, "abcdef", "0123456789abcdef");
    char *b = ck_bootstrap_jws("x\0y", 1, "abcdef", "0123456789abcdef");
    char *c = ck_bootstrap_jws("x", 1, "abcdef", "0123456789abcdef");
    CHECK(a && b && c && strcmp(a, b) != 0);
    CHECK_STR(b, c);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    test_upstream_vectors();
    test_bootstrap_token();
    return UT_DONE();
}
