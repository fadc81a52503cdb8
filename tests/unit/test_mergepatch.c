/* RFC 7386 JSON Merge Patch, including the RFC's appendix examples and the upstream
 * (evanphx/json-patch) edge cases the apiserver exposes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "machinery/patch.h"
#include "ut.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &e);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

/* Returns the compact sorted result (caller frees) or NULL with *code set. */
static char *merge(const char *doc, const char *patch, int *code)
{
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    ck_err *err = NULL;
    char *res = NULL;
    *code = 0;
    if (ck_merge_patch(d, p, &out, &err) == 0)
        res = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    else
        *code = err->code;
    /* Inputs are never modified. */
    json_t *d2 = J(doc), *p2 = J(patch);
    CHECK(json_equal(d, d2) && json_equal(p, p2));
    json_decref(d2);
    json_decref(p2);
    json_decref(out);
    json_decref(d);
    json_decref(p);
    ck_err_free(err);
    return res;
}

#define MERGE(doc, patch, want)                                                                    \
    do {                                                                                           \
        int _c;                                                                                    \
        cleanup_free char *_r = merge(doc, patch, &_c);                                            \
        CHECK_STR(_r, want);                                                                       \
    } while (0)

static void test_rfc_examples(void)
{
    MERGE("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
    MERGE("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
    MERGE("{\"a\":\"b\"}", "{\"a\":null}", "{}");
    MERGE("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
    MERGE("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
    MERGE("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
    MERGE("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}");
    MERGE("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
    MERGE("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
    MERGE("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
    MERGE("{\"e\":null}", "{\"a\":1}", "{\"a\":1,\"e\":null}");
    MERGE("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
    MERGE("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void test_kubernetes_shapes(void)
{
    /* Labels merge; a null label is removed; lists are replaced wholesale. */
    MERGE("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"containers\":[{"
          "\"name\":\"c\",\"image\":\"x\"}]}}",
          "{\"metadata\":{\"labels\":{\"b\":null,\"c\":\"3\"}},\"spec\":{\"containers\":[{"
          "\"name\":\"d\"}]}}",
          "{\"metadata\":{\"labels\":{\"a\":\"1\",\"c\":\"3\"}},\"spec\":{\"containers\":[{"
          "\"name\":\"d\"}]}}");
    MERGE("{\"spec\":{\"replicas\":1}}", "{\"spec\":{\"replicas\":3,\"paused\":true}}",
          "{\"spec\":{\"paused\":true,\"replicas\":3}}");
    /* Deleting what is absent is a no-op; nested nulls in new values are pruned. */
    MERGE("{\"a\":1}", "{\"zz\":null}", "{\"a\":1}");
    MERGE("{\"a\":1}", "{\"b\":{\"c\":null,\"d\":[{\"e\":null}]}}", "{\"a\":1,\"b\":{\"d\":[{}]}}");
    MERGE("{\"a\":null}", "{\"a\":{\"x\":null,\"y\":1}}", "{\"a\":{\"y\":1}}");
    MERGE("{\"a\":1}", "{}", "{\"a\":1}");
}

static void test_errors(void)
{
    int code;
    /* Upstream rejects a null or scalar patch document with 400 "Invalid JSON Patch". */
    const char *bad[] = {"null", "1", "\"x\"", "true"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *r = merge("{\"a\":1}", bad[i], &code);
        CHECK(r == NULL);
        CHECK_INT(code, 400);
        free(r);
    }
    json_t *p = J("1"), *out = NULL;
    ck_err *err = NULL;
    CHECK(ck_merge_patch(p, p, &out, &err) < 0 && out == NULL);
    CHECK_STR(err ? err->message : NULL, "Invalid JSON Patch");
    CHECK_STR(err ? err->reason : NULL, CK_BAD_REQUEST);
    ck_err_free(err);
    json_decref(p);
}

int main(void)
{
    test_rfc_examples();
    test_kubernetes_shapes();
    test_errors();
    return UT_DONE();
}
