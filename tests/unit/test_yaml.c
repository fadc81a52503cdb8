/* Unit tests for src/lib/yaml*.c: go-yaml v2 scalar resolution as sigs.k8s.io/yaml exposes it,
 * anchors and merges, duplicate keys, limits, error messages, and the encoder's output. */
#include <stdlib.h>
#include <string.h>

#include "lib/yaml.h"
#include "lib/util.h"
#include "ut.h"

static void pass(void)
{
    ut_passed++;
}

static void failf_(int line, const char *what, const char *got, const char *want)
{
    ut_failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n  got:  %s\n  want: %s\n", __FILE__, line, what,
            got ? got : "(null)", want ? want : "(null)");
}

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
}

/* Decodes yaml strictly and compares with the JSON text want (integer/real distinct). */
static void check_dec(int line, const char *yaml, const char *want)
{
    json_t *got = NULL, *exp = json_loads(want, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    ck_err *err = NULL;
    if (!exp) {
        failf_(line, "bad expectation", want, "valid JSON");
    } else if (ck_yaml_to_json(yaml, strlen(yaml), &got, &err) < 0) {
        failf_(line, yaml, err->message, want);
    } else if (!json_equal(got, exp)) {
        char *g = dump(got);
        failf_(line, yaml, g, want);
        free(g);
    } else {
        pass();
    }
    ck_err_free(err);
    json_decref(got);
    json_decref(exp);
}
#define DEC(yaml, want) check_dec(__LINE__, yaml, want)

/* Like check_dec with the lenient decoder (duplicates keep the last value). */
static void check_lax(int line, const char *yaml, const char *want)
{
    json_t *got = NULL, *exp = json_loads(want, JSON_DECODE_ANY, NULL);
    ck_err *err = NULL;
    if (ck_yaml_decode(yaml, strlen(yaml), &got, NULL, &err) < 0) {
        failf_(line, yaml, err->message, want);
    } else if (!exp || !json_equal(got, exp)) {
        char *g = dump(got);
        failf_(line, yaml, g, want);
        free(g);
    } else {
        pass();
    }
    ck_err_free(err);
    json_decref(got);
    json_decref(exp);
}
#define LAX(yaml, want) check_lax(__LINE__, yaml, want)

/* Decodes yaml strictly and expects a 400 with exactly this message. */
static void check_err(int line, const char *yaml, size_t len, const char *want)
{
    json_t *got = NULL;
    ck_err *err = NULL;
    if (ck_yaml_to_json(yaml, len, &got, &err) == 0) {
        char *g = dump(got);
        failf_(line, "decoded, expected an error", g, want);
        free(g);
    } else if (err->code != 400 || !streq(err->reason, CK_BAD_REQUEST)) {
        failf_(line, "error code", err->reason, CK_BAD_REQUEST);
    } else if (want && !streq(err->message, want)) {
        failf_(line, yaml, err->message, want);
    } else {
        pass();
    }
    json_decref(got);
    ck_err_free(err);
}
#define ERR(yaml, want) check_err(__LINE__, yaml, strlen(yaml), want)

/* Encodes the JSON text json and compares the YAML with want. */
static void check_enc(int line, const char *json, const char *want)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    char *y = v ? ck_json_to_yaml(v, NULL) : NULL;
    if (!streq(y, want))
        failf_(line, json, y, want);
    else
        pass();
    free(y);
    json_decref(v);
}
#define ENC(json, want) check_enc(__LINE__, json, want)

/* v -> YAML -> value must give v back (numbers compared by value). */
static void check_round_trip(int line, json_t *v)
{
    size_t len;
    char *y = ck_json_to_yaml(v, &len);
    json_t *back = NULL;
    ck_err *err = NULL;
    if (!y) {
        failf_(line, "encode failed", NULL, "yaml");
    } else if (ck_yaml_to_json(y, len, &back, &err) < 0) {
        failf_(line, y, err->message, "decodes");
    } else if (!json_equal(v, back)) {
        char *a = dump(v), *b = dump(back);
        failf_(line, y, b, a);
        free(a);
        free(b);
    } else {
        pass();
    }
    ck_err_free(err);
    json_decref(back);
    json_decref(v);
    free(y);
}

static void test_scalars(void)
{
    /* go-yaml v2's YAML 1.1 booleans: exact spellings only. */
    const char *yes[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"};
    const char *no[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"};
    char buf[64];
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        snprintf(buf, sizeof buf, "v: %s", yes[i]);
        DEC(buf, "{\"v\": true}");
        snprintf(buf, sizeof buf, "v: %s", no[i]);
        DEC(buf, "{\"v\": false}");
    }
    DEC("v: YeS", "{\"v\": \"YeS\"}");
    DEC("v: tRUE", "{\"v\": \"tRUE\"}");
    DEC("v: oN", "{\"v\": \"oN\"}");

    DEC("v: ~", "{\"v\": null}");
    DEC("v: null", "{\"v\": null}");
    DEC("v: Null", "{\"v\": null}");
    DEC("v: NULL", "{\"v\": null}");
    DEC("v:", "{\"v\": null}");
    DEC("v: nULL", "{\"v\": \"nULL\"}");

    /* Integers: strconv.ParseInt base 0 after dropping underscores. */
    DEC("v: 42", "{\"v\": 42}");
    DEC("v: -42", "{\"v\": -42}");
    DEC("v: +12", "{\"v\": 12}");
    DEC("v: 0", "{\"v\": 0}");
    DEC("v: 0x1F", "{\"v\": 31}");
    DEC("v: 0X1f", "{\"v\": 31}");
    DEC("v: -0x10", "{\"v\": -16}");
    DEC("v: 017", "{\"v\": 15}");
    DEC("v: 0o17", "{\"v\": 15}");
    DEC("v: 0b101", "{\"v\": 5}");
    DEC("v: 1_000", "{\"v\": 1000}");
    DEC("v: 08", "{\"v\": 8}"); /* not octal, but a YAML float */
    DEC("v: 9223372036854775807", "{\"v\": 9223372036854775807}");
    DEC("v: -9223372036854775808", "{\"v\": -9223372036854775808}");
    DEC("v: 9223372036854775808", "{\"v\": 9223372036854775808.0}"); /* uint64 */
    DEC("v: 99999999999999999999", "{\"v\": 1e20}");
    DEC("v: 0x", "{\"v\": \"0x\"}");
    DEC("v: 0xFFFFFFFFFFFFFFFFFF", "{\"v\": \"0xFFFFFFFFFFFFFFFFFF\"}");
    DEC("v: 1_", "{\"v\": 1}");
    DEC("v: _1", "{\"v\": \"_1\"}");
    DEC("v: -x", "{\"v\": \"-x\"}");

    /* Floats; integral ones come out as integers, as after encoding/json. */
    DEC("v: 1.5", "{\"v\": 1.5}");
    DEC("v: 1.0", "{\"v\": 1}");
    DEC("v: 1.", "{\"v\": 1}");
    DEC("v: 1e3", "{\"v\": 1000}");
    DEC("v: .5", "{\"v\": 0.5}");
    DEC("v: -.5", "{\"v\": -0.5}");
    DEC("v: .5_5", "{\"v\": 0.55}");
    DEC("v: 6.02e+23", "{\"v\": 6.02e23}");
    DEC("v: 1e400", "{\"v\": \"1e400\"}"); /* out of range: a string */
    DEC("v: 1e-400", "{\"v\": 0}");
    DEC("v: .e3", "{\"v\": \".e3\"}");
    ERR("v: .nan", "error converting YAML to JSON: json: unsupported value: NaN");
    ERR("v: .inf", "error converting YAML to JSON: json: unsupported value: +Inf");
    ERR("v: -.Inf", "error converting YAML to JSON: json: unsupported value: -Inf");

    /* Timestamps and base-60 numbers stay strings. */
    DEC("v: 2001-12-14", "{\"v\": \"2001-12-14\"}");
    DEC("v: 2001-12-14T21:59:43.10-05:00", "{\"v\": \"2001-12-14T21:59:43.10-05:00\"}");
    DEC("v: 1:20", "{\"v\": \"1:20\"}");
    DEC("v: <<", "{\"v\": \"<<\"}");

    /* Quoted scalars are strings; tags win over the text. */
    DEC("v: \"true\"", "{\"v\": \"true\"}");
    DEC("v: '123'", "{\"v\": \"123\"}");
    DEC("v: \"null\"", "{\"v\": \"null\"}");
    DEC("v: ''", "{\"v\": \"\"}");
    DEC("v: !!str 123", "{\"v\": \"123\"}");
    DEC("v: !!int \"42\"", "{\"v\": 42}");
    DEC("v: !!float 1", "{\"v\": 1}");
    DEC("v: !!bool yes", "{\"v\": true}");
    DEC("v: !!null ''", "{\"v\": null}");
    DEC("v: ! 12", "{\"v\": \"12\"}");
    DEC("v: !custom 12", "{\"v\": \"12\"}");
    DEC("v: !!binary aGVsbG8=", "{\"v\": \"hello\"}");
    DEC("v: !!binary /w==", "{\"v\": \"\\ufffd\"}");
    DEC("v: !!timestamp 2001-12-14", "{\"v\": \"2001-12-14\"}");
    ERR("v: !!int abc",
        "error converting YAML to JSON: yaml: cannot decode !!str `abc` as a !!int");
    ERR("v: !!int 1.5",
        "error converting YAML to JSON: yaml: cannot decode !!float `1.5` as a !!int");
    ERR("v: !!bool 1", "error converting YAML to JSON: yaml: cannot decode !!int `1` as a !!bool");
    ERR("v: !!null x", "error converting YAML to JSON: yaml: cannot decode !!str `x` as a !!null");
    ERR("v: !!binary aGVsbG8",
        "error converting YAML to JSON: yaml: !!binary value contains invalid base64 data");

    /* Escapes and Unicode. */
    DEC("v: \"\\t\\u00e9\\x41\\0\"", "{\"v\": \"\\t\\u00e9A\\u0000\"}");
    DEC("v: \"\\U0001F600\"", "{\"v\": \"\\ud83d\\ude00\"}");
    DEC("v: |\n  a\n  b\n", "{\"v\": \"a\\nb\\n\"}");
    DEC("v: >-\n  a\n  b\n", "{\"v\": \"a b\"}");
    DEC("v: plain\n  continued", "{\"v\": \"plain continued\"}");
    DEC("\xef\xbb\xbfv: bom", "{\"v\": \"bom\"}");
}

static void test_keys(void)
{
    /* sigs.k8s.io/yaml turns non-string keys into strings. */
    DEC("1: a\n1.5: b\nyes: c\nn: d\n0x10: e\n1e6: f\n0.1: g\n.inf: h\n2001-01-01: i",
        "{\"1\": \"a\", \"1.5\": \"b\", \"true\": \"c\", \"false\": \"d\", \"16\": \"e\", "
        "\"1e+06\": \"f\", \"0.1\": \"g\", \".inf\": \"h\", \"2001-01-01\": \"i\"}");
    DEC("3.14159265358979: pi", "{\"3.1415927\": \"pi\"}"); /* float32 precision */
    DEC("\"<<\": literal", "{\"<<\": \"literal\"}");
    DEC("? complex\n: key", "{\"complex\": \"key\"}");
    ERR("~: 1", "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: "
                "<nil>, value: 1");
    ERR("18446744073709551615: x", "error converting YAML to JSON: unsupported map key of type: "
                                   "uint64, key: 0xffffffffffffffff, value: \"x\"");
    ERR("[a, b]: 1", "error converting YAML to JSON: yaml: invalid map key: []interface {}{...}");
    ERR("{a: 1}: 1", "error converting YAML to JSON: yaml: invalid map key: map[interface "
                     "{}]interface {}{...}");
}

static void test_structure(void)
{
    DEC("a:\n  b:\n    - 1\n    - x: [2, {w: z}]\n  c: {}\n  d: []\n",
        "{\"a\": {\"b\": [1, {\"x\": [2, {\"w\": \"z\"}]}], \"c\": {}, \"d\": []}}");
    DEC("- - a\n  - b\n- - c\n", "[[\"a\", \"b\"], [\"c\"]]");
    DEC("key:\n- a\n- b\n", "{\"key\": [\"a\", \"b\"]}");
    DEC("{\"json\": [1, 2.5, \"s\", true, null]}", "{\"json\": [1, 2.5, \"s\", true, null]}");
    DEC("", "null");
    DEC("# only a comment\n", "null");
    DEC("scalar", "\"scalar\"");
    DEC("---\na: 1\n", "{\"a\": 1}");
    DEC("---\na: 1\n...\n", "{\"a\": 1}");
    DEC("a: 1\n---\n", "{\"a\": 1}"); /* a trailing empty document */
    DEC("---\n---\na: 1\n", "{\"a\": 1}");
    DEC("%YAML 1.1\n---\na: 1\n", "{\"a\": 1}");
    ERR("a: 1\n---\nb: 2\n", "error converting YAML to JSON: yaml: line 3: expected a single "
                             "document in the stream, found another");
    ERR("a: 1\n---\nb: [\n", NULL); /* later documents are parsed too */
}

static void test_anchors(void)
{
    DEC("a: &x {k: v}\nb: *x\nc: [*x, *x]",
        "{\"a\": {\"k\": \"v\"}, \"b\": {\"k\": \"v\"}, \"c\": [{\"k\": \"v\"}, {\"k\": \"v\"}]}");
    DEC("a: &s hello\n*s : key", "{\"a\": \"hello\", \"hello\": \"key\"}");
    DEC("a: &x 1\nb: &x 2\nc: *x", "{\"a\": 1, \"b\": 2, \"c\": 2}"); /* latest definition */
    /* Merge keys: explicit keys after "<<" win; in a list, earlier maps win. go-yaml v2's
     * strict decoder reports such overrides as duplicates (kubernetes-sigs/yaml#46). */
    LAX("base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3",
        "{\"base\": {\"x\": 1, \"z\": 2}, \"d\": {\"x\": 1, \"z\": 3}}");
    ERR("base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3",
        "error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key \"z\" already set "
        "in map");
    LAX("a: &a {x: 1}\nb: &b {x: 2, w: 3}\nc:\n  <<: [*a, *b]",
        "{\"a\": {\"x\": 1}, \"b\": {\"x\": 2, \"w\": 3}, \"c\": {\"x\": 1, \"w\": 3}}");
    /* go-yaml v2 applies a merge in place, so it also overrides keys set before it. */
    LAX("c:\n  x: 0\n  <<: {x: 1}", "{\"c\": {\"x\": 1}}");
    DEC("a: &a {x: 1}\nb: &b {w: 3}\nc:\n  <<: [*a, *b]\n  v: 0",
        "{\"a\": {\"x\": 1}, \"b\": {\"w\": 3}, \"c\": {\"x\": 1, \"w\": 3, \"v\": 0}}");
    DEC("c:\n  <<: {x: 1}\n", "{\"c\": {\"x\": 1}}");
    ERR("a: *nope", "error converting YAML to JSON: yaml: unknown anchor 'nope' referenced");
    ERR("a: &a [*a]", "error converting YAML to JSON: yaml: anchor 'a' value contains itself");
    ERR("a: &a {<<: *a}", "error converting YAML to JSON: yaml: anchor 'a' value contains itself");
    ERR("a: 1\n<<: 2", "error converting YAML to JSON: yaml: map merge requires map or sequence "
                       "of maps as the value");
    ERR("a: &s x\nb:\n  <<: [*s]", "error converting YAML to JSON: yaml: map merge requires map "
                                   "or sequence of maps as the value");
}

static void test_duplicates(void)
{
    ERR("a: 1\na: 2", "error converting YAML to JSON: yaml: unmarshal errors:\n  line 2: key "
                      "\"a\" already set in map");
    ERR("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n",
        "error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key \"x\" already set "
        "in map\n  line 5: key \"a\" already set in map");
    ERR("1: a\n1: b", "error converting YAML to JSON: yaml: unmarshal errors:\n  line 2: key 1 "
                      "already set in map");
    /* go-yaml's strict decoder also objects to a merge overriding a key. */
    ERR("b: &b {x: 1}\nc:\n  x: 0\n  <<: *b",
        "error converting YAML to JSON: yaml: unmarshal errors:\n  line 1: key \"x\" already set "
        "in map");

    /* The lenient decoder keeps the last value and reports what strict mode would. */
    json_t *v = NULL;
    char *dups = NULL;
    ck_err *err = NULL;
    CHECK(ck_yaml_decode("a: 1\na: 2\n", 10, &v, &dups, &err) == 0);
    CHECK(json_integer_value(json_object_get(v, "a")) == 2);
    CHECK_STR(dups, "yaml: unmarshal errors:\n  line 2: key \"a\" already set in map");
    json_decref(v);
    free(dups);
    CHECK(ck_yaml_decode("a: 1\n", 5, &v, &dups, &err) == 0);
    CHECK(dups == NULL);
    json_decref(v);
    CHECK(ck_yaml_decode("a: 1\n", 5, &v, NULL, &err) == 0);
    json_decref(v);
    CHECK(ck_yaml_decode("a: [", 4, &v, &dups, &err) == -1 && err && !v && !dups);
    ck_err_free(err);
}

static void test_errors(void)
{
    ERR("a: 1\nb\nc: 2",
        "error converting YAML to JSON: yaml: line 3: could not find expected ':'");
    ERR("a: 1\n b: 2", "error converting YAML to JSON: yaml: line 2: mapping values are not "
                       "allowed in this context");
    ERR("a:\n\t- b", "error converting YAML to JSON: yaml: line 2: found character that cannot "
                     "start any token");
    ERR("a: \"open", "error converting YAML to JSON: yaml: found unexpected end of stream");
    ERR("- a\nb: c", "error converting YAML to JSON: yaml: line 1: did not find expected '-' "
                     "indicator"); /* go-yaml does not bump a parser error's line */
    check_err(__LINE__, "a: \xff", 4,
              "error converting YAML to JSON: yaml: invalid leading "
              "UTF-8 octet");
    check_err(__LINE__, "a: \0", 4, NULL);

    /* Nesting deeper than jansson's own limit. */
    size_t n = CK_YAML_MAX_DEPTH + 1;
    char *deep = xmalloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = 0;
    ERR(deep, "error converting YAML to JSON: yaml: line 1: exceeded max depth of 2048");
    deep[0] = ' ', deep[2 * n - 1] = ' ';
    json_t *v = NULL;
    ck_err *err = NULL;
    CHECK(ck_yaml_to_json(deep, 2 * n, &v, &err) == 0);
    json_decref(v);
    free(deep);
}

static void test_alias_bombs(void)
{
    const char *laughs = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
                         "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                         "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                         "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                         "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                         "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                         "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                         "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                         "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    ERR(laughs, "error converting YAML to JSON: yaml: document contains excessive aliasing");

    /* Few aliases of a large string: go-yaml's ratio allows it, the byte budget does not. */
    size_t big = 100 * 1024, cap = big + 4096;
    char *doc = xmalloc(cap);
    int o = snprintf(doc, cap, "s: &s ");
    memset(doc + o, 'x', big);
    o += (int)big;
    o += snprintf(doc + o, cap - (size_t)o, "\nl: [");
    for (int i = 0; i < 60; i++)
        o += snprintf(doc + o, cap - (size_t)o, "*s,");
    snprintf(doc + o, cap - (size_t)o, "]\n");
    ERR(doc, "error converting YAML to JSON: yaml: document contains excessive aliasing");
    memcpy(strstr(doc, "l: [") + 4 + 30 * 3, "]\n", 3); /* 30 copies, 3 MB: accepted */
    json_t *v = NULL;
    ck_err *err = NULL;
    CHECK(ck_yaml_to_json(doc, strlen(doc), &v, &err) == 0);
    CHECK(json_array_size(json_object_get(v, "l")) == 30);
    json_decref(v);
    free(doc);
}

static void test_encode(void)
{
    ENC("{\"b\": 1, \"a\": {\"y\": [1, 2], \"x\": {}}, \"c\": []}",
        "a:\n  x: {}\n  \"y\":\n  - 1\n  - 2\nb: 1\nc: []\n");
    ENC("[[1, 2], [3], {\"k\": \"v\", \"j\": null}]", "- - 1\n  - 2\n- - 3\n- j: null\n  k: v\n");
    ENC("null", "null\n");
    ENC("{}", "{}\n");
    ENC("\"text\"", "text\n");
    ENC("[true, false, 0, -7, 0.5, 1.0, 1e6, 1e-7, 123456.0, 1e21, 0.1]",
        "- true\n- false\n- 0\n- -7\n- 0.5\n- 1\n- 1e+06\n- 1e-07\n- 123456\n- 1e+21\n- 0.1\n");

    /* Strings that would read back as something else are double-quoted. */
    ENC("{\"v\": [\"true\", \"yes\", \"n\", \"123\", \"0x1F\", \"1_000\", \"1.5\", \".5\", "
        "\"\", \"null\", \"~\", \"2024-01-01T00:00:00Z\", \"2024-01-01\", \"1:20\", \"<<\", "
        "\"-.inf\"]}",
        "v:\n- \"true\"\n- \"yes\"\n- \"n\"\n- \"123\"\n- \"0x1F\"\n- \"1_000\"\n- \"1.5\"\n"
        "- \".5\"\n- \"\"\n- \"null\"\n- \"~\"\n- \"2024-01-01T00:00:00Z\"\n- \"2024-01-01\"\n"
        "- \"1:20\"\n- \"<<\"\n- \"-.inf\"\n");
    /* ... and the emitter quotes what plain style cannot carry. */
    ENC("[\" lead\", \"trail \", \"a: b\", \"- x\", \"#c\", \"a #c\", \"x:\", \"@at\", "
        "\"it's\", \"tab\\tx\", \"nul\\u0000\", \"\\u00e9t\\u00e9\", \"\\ud83d\\ude00\", "
        "\"2001-02-30\", \"0x\", \"YeS\", \"---\", \"url: http://x\"]",
        "- ' lead'\n- 'trail '\n- 'a: b'\n- '- x'\n- '#c'\n- 'a #c'\n- 'x:'\n- '@at'\n"
        "- it's\n- \"tab\\tx\"\n- \"nul\\0\"\n- été\n- \"\\U0001F600\"\n- 2001-02-30\n- 0x\n"
        "- YeS\n- '---'\n- 'url: http://x'\n");
    /* Multi-line strings are literal blocks, with go-yaml's chomping indicators. */
    ENC("{\"a\": \"x\\ny\\n\", \"b\": \"x\\ny\", \"c\": \"x\\n\\n\"}",
        "a: |\n  x\n  y\nb: |-\n  x\n  y\nc: |+\n  x\n\n");
    ENC("{\"s\": \" indented\\nfirst\"}", "s: |2-\n   indented\n  first\n");
    ENC("{\"s\": \"trailing \\nspace\"}", "s: \"trailing \\nspace\"\n");
    /* go-yaml's natural key order: digit runs by value, non-letters before letters. */
    ENC("{\"b\": 0, \"a10\": 0, \"B\": 0, \"a2\": 0, \"10\": 0, \"9\": 0, \"1\": 0, \"_x\": 0}",
        "_x: 0\n\"1\": 0\n\"9\": 0\n\"10\": 0\nB: 0\na2: 0\na10: 0\nb: 0\n");
    /* Long plain text folds near column 80. */
    ENC("{\"d\": \"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn "
        "oooo pppp qqqq rrrr\"}",
        "d: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n"
        "  qqqq rrrr\n");

    /* Invalid UTF-8 (only reachable through jansson's unchecked constructors) is !!binary. */
    json_t *bin = json_pack("{s:o}", "b", json_stringn_nocheck("\xff\xfe", 2));
    char *y = ck_json_to_yaml(bin, NULL);
    CHECK_STR(y, "b: !!binary //4=\n");
    free(y);
    json_decref(bin);
}

static void test_round_trips(void)
{
    const char *tricky[] = {"",
                            " ",
                            "true",
                            "False",
                            "yes",
                            "NO",
                            "on",
                            "y",
                            "~",
                            "null",
                            "123",
                            "-1",
                            "+1",
                            "0x1F",
                            "0o7",
                            "0b1",
                            "1_0",
                            "1.5",
                            ".5",
                            "1e3",
                            ".inf",
                            "-.INF",
                            ".NaN",
                            "2001-12-14",
                            "2001-12-14 21:59:43",
                            "1:20",
                            "<<",
                            "a: b",
                            "- a",
                            "? x",
                            "#",
                            "&a",
                            "*a",
                            "!tag",
                            "|",
                            ">",
                            "%",
                            "@",
                            "`",
                            "'",
                            "\"",
                            "a\nb",
                            "a\n",
                            "\n",
                            "\n\n",
                            " a\nb",
                            "a \nb",
                            "a\r\nb",
                            "\t",
                            "\xc2\x85",
                            "\xe2\x80\xa8x",
                            "\xef\xbb\xbf",
                            "---",
                            "...",
                            "a\\b",
                            "é",
                            "\xf0\x9f\x98\x80",
                            "{",
                            "[]",
                            ",",
                            "x,y",
                            "a # b",
                            "a#b",
                            "key:",
                            ":",
                            "-",
                            "--",
                            "- ",
                            "0",
                            "00",
                            "08",
                            "1.",
                            "=",
                            "\x7f",
                            "\x01",
                            "a\n  b\n c",
                            "   ",
                            "x\n\n\ny\n\n"};
    for (size_t i = 0; i < ARRAY_SIZE(tricky); i++) {
        check_round_trip(__LINE__, json_pack("{s:s}", "k", tricky[i]));
        check_round_trip(__LINE__, json_pack("{s:i}", tricky[i], 1));
        check_round_trip(__LINE__, json_pack("[s]", tricky[i]));
        check_round_trip(__LINE__, json_string(tricky[i]));
    }
    char longkey[200];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    check_round_trip(__LINE__, json_pack("{s:s}", longkey, "complex key"));
    check_round_trip(__LINE__, json_pack("{s:[i,I,f,f,b,n]}", "n", -1, (json_int_t)INT64_MIN, 0.25,
                                         1e300, 1, 0));
    check_round_trip(__LINE__, json_pack("{s:{s:[{s:{}}, []]}}", "a", "b", "c"));
    check_round_trip(__LINE__, json_stringn("nul\0inside", 10));
}

static const char deployment_yaml[] = "apiVersion: apps/v1\n"
                                      "kind: Deployment\n"
                                      "metadata:\n"
                                      "  name: nginx-deployment\n"
                                      "  labels:\n"
                                      "    app: nginx\n"
                                      "  annotations:\n"
                                      "    description: >\n"
                                      "      A web server\n"
                                      "      for tests.\n"
                                      "spec:\n"
                                      "  replicas: 3\n"
                                      "  selector:\n"
                                      "    matchLabels: &labels\n"
                                      "      app: nginx\n"
                                      "  template:\n"
                                      "    metadata:\n"
                                      "      labels: *labels\n"
                                      "    spec:\n"
                                      "      containers:\n"
                                      "      - name: nginx\n"
                                      "        image: nginx:1.14.2\n"
                                      "        args: [\"--port\", '8080', --verbose]\n"
                                      "        env:\n"
                                      "        - {name: DEBUG, value: \"true\"}\n"
                                      "        ports:\n"
                                      "        - containerPort: 80\n"
                                      "          protocol: TCP\n"
                                      "        resources:\n"
                                      "          limits:\n"
                                      "            cpu: 500m\n"
                                      "            memory: 128Mi\n";

static const char deployment_json[] =
    "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": "
    "\"nginx-deployment\", \"labels\": {\"app\": \"nginx\"}, \"annotations\": {\"description\": "
    "\"A web server for tests.\\n\"}}, \"spec\": {\"replicas\": 3, \"selector\": "
    "{\"matchLabels\": {\"app\": \"nginx\"}}, \"template\": {\"metadata\": {\"labels\": "
    "{\"app\": \"nginx\"}}, \"spec\": {\"containers\": [{\"name\": \"nginx\", \"image\": "
    "\"nginx:1.14.2\", \"args\": [\"--port\", \"8080\", \"--verbose\"], \"env\": [{\"name\": "
    "\"DEBUG\", \"value\": \"true\"}], \"ports\": [{\"containerPort\": 80, \"protocol\": "
    "\"TCP\"}], \"resources\": {\"limits\": {\"cpu\": \"500m\", \"memory\": \"128Mi\"}}}]}}}}";

/* What kubectl shows for the same object from a Go API server. */
static const char deployment_out[] = "apiVersion: apps/v1\n"
                                     "kind: Deployment\n"
                                     "metadata:\n"
                                     "  annotations:\n"
                                     "    description: |\n"
                                     "      A web server for tests.\n"
                                     "  labels:\n"
                                     "    app: nginx\n"
                                     "  name: nginx-deployment\n"
                                     "spec:\n"
                                     "  replicas: 3\n"
                                     "  selector:\n"
                                     "    matchLabels:\n"
                                     "      app: nginx\n"
                                     "  template:\n"
                                     "    metadata:\n"
                                     "      labels:\n"
                                     "        app: nginx\n"
                                     "    spec:\n"
                                     "      containers:\n"
                                     "      - args:\n"
                                     "        - --port\n"
                                     "        - \"8080\"\n"
                                     "        - --verbose\n"
                                     "        env:\n"
                                     "        - name: DEBUG\n"
                                     "          value: \"true\"\n"
                                     "        image: nginx:1.14.2\n"
                                     "        name: nginx\n"
                                     "        ports:\n"
                                     "        - containerPort: 80\n"
                                     "          protocol: TCP\n"
                                     "        resources:\n"
                                     "          limits:\n"
                                     "            cpu: 500m\n"
                                     "            memory: 128Mi\n";

static void test_deployment(void)
{
    DEC(deployment_yaml, deployment_json);
    ENC(deployment_json, deployment_out);
    DEC(deployment_out, deployment_json);
    /* JSON is YAML: the JSON text decodes to the same object. */
    DEC(deployment_json, deployment_json);
}

int main(void)
{
    test_scalars();
    test_keys();
    test_structure();
    test_anchors();
    test_duplicates();
    test_errors();
    test_alias_bombs();
    test_encode();
    test_round_trips();
    test_deployment();
    return UT_DONE();
}
