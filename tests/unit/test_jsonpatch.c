/* RFC 6902 JSON Patch: our own cases, then the json-patch-tests suite read at run time from
 * $CK_SHARED/testdata/json-patch-tests (CK_SHARED defaults to ../shared, relative to the
 * repository root where tests run). Disabled suite records are reported as skipped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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

/* Applies patch to doc; on success returns the compact result (caller frees), on failure
 * NULL with *code and *msg (caller frees msg) filled. */
static char *apply(const char *doc, const char *patch, int *code, char **msg)
{
    json_t *d = J(doc), *p = J(patch), *out = NULL;
    ck_err *err = NULL;
    char *res = NULL;
    *code = 0;
    if (msg) *msg = NULL;
    if (ck_json_patch(d, p, &out, &err) == 0) {
        res = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    } else {
        *code = err->code;
        if (msg) *msg = xstrdup(err->message);
    }
    json_decref(out);
    json_decref(d);
    json_decref(p);
    ck_err_free(err);
    return res;
}

#define OK(doc, patch, want)                                                                       \
    do {                                                                                           \
        int _c;                                                                                    \
        cleanup_free char *_r = apply(doc, patch, &_c, NULL);                                      \
        CHECK_STR(_r, want);                                                                       \
    } while (0)

#define FAILS(doc, patch, want_code, want_msg)                                                     \
    do {                                                                                           \
        int _c;                                                                                    \
        cleanup_free char *_m = NULL;                                                              \
        cleanup_free char *_r = apply(doc, patch, &_c, &_m);                                       \
        CHECK(_r == NULL);                                                                         \
        CHECK_INT(_c, want_code);                                                                  \
        if (want_msg) CHECK_STR(_m, (const char *)want_msg);                                       \
    } while (0)

static void test_ops(void)
{
    OK("{}", "[]", "{}");
    OK("{\"a\":1}", "null", "{\"a\":1}");
    OK("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":{\"c\":[1]}}]",
       "{\"a\":1,\"b\":{\"c\":[1]}}");
    OK("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0}]", "{\"a\":[0,1,2]}");
    OK("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":3}]", "{\"a\":[1,2,3]}");
    OK("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":3}]", "{\"a\":[1,2,3]}");
    OK("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":[1]}]", "[1]");
    OK("{\"a\":1,\"b\":2}", "[{\"op\":\"remove\",\"path\":\"/a\"}]", "{\"b\":2}");
    OK("[1,2,3]", "[{\"op\":\"remove\",\"path\":\"/1\"}]", "[1,3]");
    OK("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":null}]", "{\"a\":null}");
    OK("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"z\":0}}]", "{\"z\":0}");
    OK("{\"a\":{\"b\":1},\"c\":{}}", "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/c/d\"}]",
       "{\"a\":{},\"c\":{\"d\":1}}");
    OK("{\"a\":[1,2,3]}", "[{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/a/-\"}]",
       "{\"a\":[2,3,1]}");
    OK("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
       "{\"a\":{\"b\":1}}");
    OK("{\"a\":{\"b\":[1]}}",
       "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
       "{\"op\":\"add\",\"path\":\"/c/b/-\",\"value\":2}]",
       "{\"a\":{\"b\":[1]},\"c\":{\"b\":[1,2]}}");
    OK("{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1.0}]", "{\"a\":1}");
    OK("{\"a\":{\"x\":[1,{\"y\":2}]}}",
       "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"x\":[1,{\"y\":2.0}]}}]",
       "{\"a\":{\"x\":[1,{\"y\":2}]}}");
    /* Pointer escapes: ~1 is '/', ~0 is '~', and "~01" is "~1", not "/". */
    OK("{\"a/b\":1,\"m~n\":2,\"~1\":3}",
       "[{\"op\":\"remove\",\"path\":\"/a~1b\"},{\"op\":\"replace\",\"path\":\"/m~0n\",\"value\":"
       "4},{\"op\":\"test\",\"path\":\"/~01\",\"value\":3}]",
       "{\"m~n\":4,\"~1\":3}");
    /* Operations run in order on the result of the previous ones. */
    OK("{\"spec\":{\"replicas\":1}}",
       "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1},"
       "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3},"
       "{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3}]",
       "{\"spec\":{\"replicas\":3}}");
}

static void test_errors(void)
{
    /* The document is not a list of operations: 400. */
    FAILS("{}", "{\"op\":\"add\"}", 400,
          "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    FAILS("{}", "[1]", 400,
          "json: cannot unmarshal number into Go value of type jsonpatch.Operation");
    /* Operations that do not apply: 422 with evanphx/json-patch style messages. */
    FAILS("{\"metadata\":{\"name\":\"a\"}}",
          "[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"b\"}]", 422,
          "testing value /metadata/name failed: test failed");
    FAILS("{}", "[{\"op\":\"add\",\"path\":\"/spec/foo\",\"value\":1}]", 422,
          "add operation does not apply: doc is missing path: \"/spec/foo\": missing value");
    FAILS("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", 422,
          "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value");
    FAILS("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", 422,
          "replace operation does not apply: doc is missing key: /b: missing value");
    FAILS("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":1}]", 422,
          "error in add for path: '/a/2': Unable to access invalid index: 2: invalid index "
          "referenced");
    FAILS("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/x\",\"value\":1}]", 422, NULL);
    FAILS("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/01\"}]", 422, NULL);
    FAILS("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", 422, NULL);
    FAILS("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/-1\"}]", 422, NULL);
    FAILS("{}", "[{\"op\":\"nope\",\"path\":\"/a\"}]", 422, "Unexpected kind: nope");
    FAILS("{}", "[{\"path\":\"/a\"}]", 422, "Unexpected kind: unknown");
    FAILS("{}", "[null]", 422, "Unexpected kind: unknown");
    FAILS("{}", "[{\"op\":\"add\",\"value\":1}]", 422, NULL);
    FAILS("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", 422, NULL);
    FAILS("{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", 422, NULL);
    FAILS("{\"a~\":1}", "[{\"op\":\"remove\",\"path\":\"/a~\"}]", 422, NULL);
    FAILS("{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]", 422, NULL);
    FAILS("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]", 422,
          NULL);
    FAILS("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/b\"}]", 422, NULL);
    FAILS("{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/b\",\"value\":null}]", 422, NULL);
    FAILS("{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":\"1\"}]", 422, NULL);
    /* A failing op leaves nothing half-applied: the input is untouched. */
    json_t *doc = J("{\"a\":1}"), *patch = J("[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
                                             "{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]");
    json_t *out = (json_t *)1;
    ck_err *err = NULL;
    CHECK(ck_json_patch(doc, patch, &out, &err) < 0);
    CHECK(out == NULL);
    CHECK_STR(err ? err->reason : NULL, CK_INVALID);
    CHECK(json_object_size(doc) == 1);
    ck_err_free(err);
    json_decref(doc);
    json_decref(patch);
}

/* Copies that double the document must hit the 3 MiB accumulated copy limit. */
static void test_limits(void)
{
    json_t *patch = json_array();
    for (int i = 0; i < 40; i++)
        json_array_append_new(
            patch, json_pack("{s:s, s:s, s:s}", "op", "copy", "from", "/a", "path", "/a/-"));
    json_t *doc = J("{\"a\":[\"0123456789abcdef0123456789abcdef\"]}"), *out = NULL;
    ck_err *err = NULL;
    CHECK(ck_json_patch(doc, patch, &out, &err) < 0);
    CHECK_INT(err ? err->code : 0, 422);
    CHECK(err && strstr(err->message, "accumulated size increase of copy"));
    ck_err_free(err);
    err = NULL;
    json_decref(patch);
    patch = json_array();
    for (int i = 0; i < 10001; i++)
        json_array_append_new(patch,
                              json_pack("{s:s, s:s, s:i}", "op", "test", "path", "/n", "value", 1));
    CHECK(ck_json_patch(doc, patch, &out, &err) < 0);
    CHECK_INT(err ? err->code : 0, 413);
    ck_err_free(err);
    json_decref(patch);
    json_decref(doc);
}

/* Runs one suite file; counts each record as a check, disabled ones as skipped. */
static void run_suite(const char *path, int *skipped)
{
    json_error_t e;
    json_t *cases = json_load_file(path, JSON_DECODE_ANY, &e);
    CHECK(json_is_array(cases));
    int before_fail = ut_failed, n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        json_t *doc = json_object_get(c, "doc"), *patch = json_object_get(c, "patch");
        const char *what = json_string_value(json_object_get(c, "comment"));
        if (json_is_true(json_object_get(c, "disabled"))) {
            (*skipped)++;
            continue;
        }
        if (!doc || !patch) continue; /* a note */
        json_t *want = json_object_get(c, "expected"), *out = NULL;
        bool want_err = json_object_get(c, "error") != NULL;
        ck_err *err = NULL;
        int r = ck_json_patch(doc, patch, &out, &err);
        bool ok = want_err ? r < 0 && (err->code == 422 || err->code == 400)
                           : r == 0 && (!want || json_equal(out, want));
        if (!ok)
            fprintf(stderr, "suite %s #%zu (%s): %s\n", path, i, what ? what : "-",
                    err ? err->message : "unexpected result");
        CHECK(ok);
        n++;
        json_decref(out);
        ck_err_free(err);
    }
    printf("suite %s: %d cases, %d failed\n", path, n, ut_failed - before_fail);
    json_decref(cases);
}

static void test_suite(void)
{
    const char *shared = getenv("CK_SHARED") ? getenv("CK_SHARED") : "../shared";
    cleanup_free char *dir = xasprintf("%s/testdata/json-patch-tests", shared);
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("note: %s absent; RFC 6902 suite not run (not counted)\n", dir);
        return;
    }
    int skipped = 0;
    const char *files[] = {"tests.json", "spec_tests.json"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        cleanup_free char *p = xasprintf("%s/%s", dir, files[i]);
        run_suite(p, &skipped);
    }
    printf("suite: %d disabled records skipped\n", skipped);
}

int main(void)
{
    test_ops();
    test_errors();
    test_limits();
    test_suite();
    return UT_DONE();
}
