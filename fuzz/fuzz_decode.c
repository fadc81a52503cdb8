/* libFuzzer target for the request-body decoders: the input is read as JSON (as the API server
 * reads application/json, json_loadb with no flags) and as YAML (ck_yaml_to_json and the lenient
 * ck_yaml_decode). Whatever decodes must survive a round trip through ck_json_to_yaml: the YAML
 * written must decode back to an equal value, and re-encoding must settle on the same text.
 * Any mismatch abort()s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/yaml.h"

/* json_equal, except that an integer and a real holding the same number are equal: YAML has
 * one number syntax, so 1.0 written out reads back as the integer 1, as it does upstream. */
static int same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) return 0;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i))) return 0;
        return 1;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return 0;
        for (void *it = json_object_iter((json_t *)a); it;
             it = json_object_iter_next((json_t *)a, it)) {
            json_t *o = json_object_getn(b, json_object_iter_key(it), json_object_iter_key_len(it));
            if (!o || !same(json_object_iter_value(it), o)) return 0;
        }
        return 1;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

static void fail(const char *what, const json_t *v, const char *yaml, const char *detail)
{
    char *j = json_dumps(v, JSON_ENCODE_ANY);
    fprintf(stderr, "fuzz_decode: %s\n  value: %s\n  yaml:\n%s\n  detail: %s\n", what, j ? j : "?",
            yaml ? yaml : "(none)", detail ? detail : "");
    free(j);
    abort();
}

/* Encodes v and decodes the YAML back; the result must equal v. */
static json_t *through_yaml(const json_t *v, char **yaml)
{
    size_t len;
    json_t *back = NULL;
    ck_err *err = NULL;
    *yaml = ck_json_to_yaml(v, &len);
    if (!*yaml) fail("ck_json_to_yaml failed", v, NULL, NULL);
    if (ck_yaml_to_json(*yaml, len, &back, &err) < 0)
        fail("YAML output does not decode", v, *yaml, err->message);
    if (!same(v, back)) {
        char *b = json_dumps(back, JSON_ENCODE_ANY);
        fail("YAML output decodes to another value", v, *yaml, b);
    }
    return back;
}

/* v -> YAML -> value must give v back, and after that first pass (which may turn reals such as
 * -0.0 into integers, as upstream does) encoding must reach a fixpoint. */
static void round_trip(const json_t *v)
{
    char *y1, *y2, *y3;
    json_t *b1 = through_yaml(v, &y1), *b2 = through_yaml(b1, &y2), *b3 = through_yaml(b2, &y3);
    if (strcmp(y2, y3) != 0) fail("YAML output is not stable", b2, y2, y3);
    json_decref(b1);
    json_decref(b2);
    json_decref(b3);
    free(y1);
    free(y2);
    free(y3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *v = json_loadb((const char *)data, size, 0, &jerr);
    if (v) {
        round_trip(v);
        json_decref(v);
    }

    ck_err *err = NULL;
    if (ck_yaml_to_json((const char *)data, size, &v, &err) == 0) {
        round_trip(v);
        json_decref(v);
    } else {
        if (!err || err->code != 400 || !err->message) abort();
        ck_err_free(err);
        err = NULL;
    }

    char *dups = NULL;
    if (ck_yaml_decode((const char *)data, size, &v, &dups, &err) == 0) {
        round_trip(v);
        json_decref(v);
        free(dups);
    } else {
        ck_err_free(err);
    }
    return 0;
}
