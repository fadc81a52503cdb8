/* Label and field selectors; cases follow upstream's labels/selector_test.go and
 * fields/selector_test.go (parse validity, matching, error texts). */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/selector.h"
#include "ut.h"

/* Labels from "k=v,k2=v2" (no escaping needed in tests). */
static json_t *labels(const char *spec)
{
    json_t *o = json_object();
    char *copy = xstrdup(spec), *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        json_object_set_new(o, kv, json_string(eq + 1));
    }
    free(copy);
    return o;
}

/* 1 match, 0 no match, -1 parse error. */
static int lmatch(const char *sel, const char *set)
{
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    if (ck_label_selector_parse(sel, &s, &err) < 0) {
        CHECK_INT(err->code, 400);
        ck_err_free(err);
        return -1;
    }
    json_t *l = labels(set);
    int r = ck_label_selector_matches(s, l);
    json_decref(l);
    ck_label_selector_free(s);
    return r;
}

static char *lerror(const char *sel)
{
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    if (ck_label_selector_parse(sel, &s, &err) == 0) {
        ck_label_selector_free(s);
        return xstrdup("(no error)");
    }
    char *m = xstrdup(err->message);
    ck_err_free(err);
    return m;
}

static void expect_lerror(const char *sel, const char *want)
{
    char *got = lerror(sel);
    CHECK_STR(got, want);
    free(got);
}

static void test_label_parse(void)
{
    static const char *const good[] = {"x=a,y=b,z=c",
                                       "",
                                       "x!=a,y=b",
                                       "x=",
                                       "x= ",
                                       "x=,z= ",
                                       "x= ,z= ",
                                       "!x",
                                       "x>1",
                                       "x>1,z<5",
                                       "\rx",
                                       "this-is-a-dns.domain.com/key-with-dash",
                                       "this-is-another-dns.domain.com/key-with-dash in (so,what)",
                                       "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                                       "foo  in\t (abc)",
                                       "x notin\n (abc)",
                                       "x  notin\t\t\t(abc,def)",
                                       "x in (abc,def)",
                                       "x in (abc,)",
                                       "x in ()",
                                       "x notin (abc,,def),bar,z in (),w",
                                       "x,y in (a)",
                                       "x=a",
                                       "x>1",
                                       "x<7",
                                       "x=a,y!=b",
                                       "x=a,y!=b,z in (h,i,j)",
                                       "x notin ( )",
                                       "x notin (, a)",
                                       "a ",
                                       "a in (x,y,notin, z,in)",
                                       "in in (in)",
                                       "notin=in",
                                       "x==a",
                                       "example.com/a",
                                       "a/b=c",
                                       "x in (a,,b)"};
    static const char *const bad[] = {"x=a||y=b",
                                      "x==a==b",
                                      "!x=a",
                                      "x<a",
                                      "x,,y",
                                      ",x,y",
                                      "x nott in (y)",
                                      "a in (xyz),",
                                      "a in (xyz)b notin ()",
                                      "a in (xyz abc)",
                                      "a notin(",
                                      "a (",
                                      "(",
                                      "x=a b",
                                      "-x",
                                      "x/y/z",
                                      "/x",
                                      "x/",
                                      "x in (a,,)",
                                      "x=-1",
                                      "x>-1",
                                      "x>1.5",
                                      "x in a",
                                      "x in (a b)",
                                      "x=(a)",
                                      "!",
                                      "x!",
                                      "x=a,",
                                      "a=b c",
                                      ",",
                                      "x>",
                                      "x<"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        int r = lmatch(good[i], "");
        if (r < 0) fprintf(stderr, "unexpected parse error: '%s'\n", good[i]);
        CHECK(r >= 0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int r = lmatch(bad[i], "");
        if (r >= 0) fprintf(stderr, "parsed unexpectedly: '%s'\n", bad[i]);
        CHECK(r < 0);
    }
}

static void test_label_match(void)
{
    static const struct {
        const char *sel, *set;
        int want;
    } table[] = {
        {"", "x=y", 1},
        {"x=y", "x=y", 1},
        {"x=y,z=w", "x=y,z=w", 1},
        {"x!=y,z!=w", "x=z,z=a", 1},
        {"notin=in", "notin=in", 1},
        {"x", "x=z", 1},
        {"!x", "y=z", 1},
        {"x>1", "x=2", 1},
        {"x<1", "x=0", 1},
        {"x=z", "", 0},
        {"x=y", "x=z", 0},
        {"x=y,z=w", "x=w,z=w", 0},
        {"x!=y,z!=w", "x=z,z=w", 0},
        {"x", "y=z", 0},
        {"!x", "x=z", 0},
        {"x>1", "x=0", 0},
        {"x<1", "x=2", 0},
        {"x>1", "x=v2", 0},
        {"x>1", "", 0},
        {"foo=bar", "foo=bar,baz=blah", 1},
        {"baz=blah", "foo=bar,baz=blah", 1},
        {"foo=bar,baz=blah", "foo=bar,baz=blah", 1},
        {"foo=blah", "foo=bar,baz=blah", 0},
        {"baz=bar", "foo=bar,baz=blah", 0},
        {"foo=bar,foobar=bar,baz=blah", "foo=bar,baz=blah", 0},
        {"x in (foo),y notin (alpha)", "x=foo,y=baz", 1},
        {"x in (foo),y in (alpha)", "x=foo,y=baz", 0},
        {"x notin (),y", "y=", 1},
        {"!x,y", "y=", 1},
        {"x notin (),!y", "y=", 0},
        {"x in ()", "y=baz", 0},
        {"x in ()", "x=", 1},
        {"x=", "x=", 1},
        {"x=", "", 0},
        {"x!=", "", 1},
        {"x,y in (a)", "y=a", 0},
        {"x notin (abc,,def),bar,z in (),w", "bar=1,w=2,z=", 1},
        {"x notin (abc,,def),bar,z in (),w", "bar=1,w=2,z=,x=", 0},
        {"a in (x,y,notin, z,in)", "a=notin", 1},
        {"a in (x,y,notin, z,in)", "a=in", 1},
        {"a in (x,y,notin, z,in)", "a=q", 0},
        {"env in (prod, staging), tier notin (cache)", "env=staging,tier=web", 1},
        {"env in (prod, staging), tier notin (cache)", "env=staging,tier=cache", 0},
        {"x>-5", "x=1", -1},
        {"x<10", "x=-3", 1},
        {"x<10", "x=+3", 1},
        {"x>9223372036854775806", "x=9223372036854775807", 1},
        {"x>1", "x=99999999999999999999", 0},
    };
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        int got = lmatch(table[i].sel, table[i].set);
        if (got != table[i].want)
            fprintf(stderr, "'%s' on {%s}: got %d want %d\n", table[i].sel, table[i].set, got,
                    table[i].want);
        CHECK_INT(got, table[i].want);
    }
}

#define QNAME_RE                                                                                   \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RE                                                                                   \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static void test_label_errors(void)
{
    expect_lerror("x==a==b", "found '==', expected: ',' or 'end of string'");
    expect_lerror("!x=a", "found '=', expected: ',' or 'end of string'");
    expect_lerror("x,,y", "found ',', expected: identifier after ','");
    expect_lerror(",x", "found ',', expected: !, identifier, or 'end of string'");
    expect_lerror("a in (xyz),", "found '', expected: identifier after ','");
    expect_lerror(
        "x nott in (y)",
        "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt");
    expect_lerror("a in (xyz abc)",
                  "unable to parse requirement: found 'abc', expected: ',' or ')'");
    expect_lerror("a notin(", "unable to parse requirement: found '', expected: ',', ')' or "
                              "identifier");
    expect_lerror("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, "
                         "!=, gt, lt");
    expect_lerror("(", "found '(', expected: !, identifier, or 'end of string'");
    expect_lerror("x in a", "unable to parse requirement: found 'a' expected: '('");
    expect_lerror("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or "
                                "identifier");
    expect_lerror("x in (a,,)", "unable to parse requirement: found ')', expected: ',', or "
                                "identifier");
    expect_lerror("x=(a)", "unable to parse requirement: found '(', expected: identifier");
    expect_lerror("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for "
                         "'Gt', 'Lt' operators, the value must be an integer");
    expect_lerror("x=a b", "found 'b', expected: ',' or 'end of string'");
    expect_lerror("x=a||y", "unable to parse requirement: values[0][x]: Invalid value: "
                            "\"a||y\": " VALUE_RE);
    expect_lerror("-x", "unable to parse requirement: <nil>: Invalid value: \"-x\": name "
                        "part " QNAME_RE);
    expect_lerror("x/y/z", "unable to parse requirement: <nil>: Invalid value: \"x/y/z\": a "
                           "qualified name " QNAME_RE " with an optional DNS subdomain prefix "
                           "and '/' (e.g. 'example.com/MyName')");
    expect_lerror("/x", "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix "
                        "part must be non-empty");
    expect_lerror("x/", "unable to parse requirement: <nil>: Invalid value: \"x/\": name part "
                        "must be non-empty; name part " QNAME_RE);
    expect_lerror("x in (-a,-b)", "unable to parse requirement: [values[0][x]: Invalid value: "
                                  "\"-a\": " VALUE_RE ", values[1][x]: Invalid value: \"-b\": "
                                  "" VALUE_RE "]");
    char *long_key = xasprintf("%0254d", 0);
    char *got = lerror(long_key);
    CHECK(strstr(got, "name part must be no more than 63 characters") != NULL);
    free(got);
    free(long_key);
}

static int jmatch(const char *sel_json, const char *set, char **errmsg)
{
    json_t *j = sel_json ? json_loads(sel_json, 0, NULL) : NULL;
    ck_label_selector *s = NULL;
    ck_err *err = NULL;
    int r = ck_label_selector_from_json(j, &s, &err);
    json_decref(j);
    if (r < 0) {
        if (errmsg) *errmsg = xstrdup(err->message);
        ck_err_free(err);
        return -1;
    }
    json_t *l = labels(set);
    r = ck_label_selector_matches(s, l);
    CHECK(ck_label_selector_empty(s) == (sel_json == NULL || strcmp(sel_json, "{}") == 0));
    json_decref(l);
    ck_label_selector_free(s);
    return r;
}

static void test_label_json(void)
{
    CHECK_INT(jmatch(NULL, "a=b", NULL), 1);
    CHECK_INT(jmatch("{}", "a=b", NULL), 1);
    CHECK_INT(jmatch("{\"matchLabels\":{\"app\":\"web\"}}", "app=web,x=y", NULL), 1);
    CHECK_INT(jmatch("{\"matchLabels\":{\"app\":\"web\"}}", "app=db", NULL), 0);
    CHECK_INT(jmatch("{\"matchLabels\":{\"app\":\"web\",\"tier\":\"fe\"}}", "app=web", NULL), 0);
    const char *expr = "{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"In\",\"values\":"
                       "[\"prod\",\"staging\"]},{\"key\":\"tier\",\"operator\":\"NotIn\","
                       "\"values\":[\"cache\"]},{\"key\":\"app\",\"operator\":\"Exists\"},"
                       "{\"key\":\"legacy\",\"operator\":\"DoesNotExist\"}]}";
    CHECK_INT(jmatch(expr, "env=prod,app=x", NULL), 1);
    CHECK_INT(jmatch(expr, "env=prod,app=x,tier=web", NULL), 1);
    CHECK_INT(jmatch(expr, "env=prod,app=x,tier=cache", NULL), 0);
    CHECK_INT(jmatch(expr, "env=dev,app=x", NULL), 0);
    CHECK_INT(jmatch(expr, "env=prod", NULL), 0);
    CHECK_INT(jmatch(expr, "env=prod,app=x,legacy=1", NULL), 0);

    static const char *const errs[][2] = {
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Foo\"}]}",
         "\"Foo\" is not a valid label selector operator"},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}",
         "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]}]}",
         "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
         "values: Invalid value: [\"x\"]: values set must be empty for exists and does not "
         "exist"},
        {"{\"matchExpressions\":[{\"key\":\"-a\",\"operator\":\"Exists\"}]}",
         "key: Invalid value: \"-a\": name part " QNAME_RE},
        {"{\"matchLabels\":{\"app\":\"a b\"}}",
         "values[0][app]: Invalid value: \"a b\": " VALUE_RE},
        {"{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"ok\",\"a "
         "b\"]}]}",
         "values[1][a]: Invalid value: \"a b\": " VALUE_RE},
        {"[]", "label selector must be an object"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
        char *msg = NULL;
        CHECK_INT(jmatch(errs[i][0], "", &msg), -1);
        CHECK_STR(msg, errs[i][1]);
        free(msg);
    }
}

/* ---- Field selectors ---- */

static const char *getter(const char *field, void *ctx)
{
    return json_string_value(json_object_get(ctx, field));
}

static int fmatch(const char *sel, json_t *fields)
{
    ck_field_selector *s = NULL;
    ck_err *err = NULL;
    if (ck_field_selector_parse(sel, &s, &err) < 0) {
        CHECK_INT(err->code, 400);
        ck_err_free(err);
        return -1;
    }
    int r = ck_field_selector_matches(s, getter, fields);
    ck_field_selector_free(s);
    return r;
}

static void expect_ferror(const char *sel, const char *want)
{
    ck_field_selector *s = NULL;
    ck_err *err = NULL;
    CHECK(ck_field_selector_parse(sel, &s, &err) < 0);
    CHECK_STR(err ? err->message : NULL, want);
    ck_err_free(err);
}

static void test_fields(void)
{
    json_t *set = json_pack("{s:s, s:s, s:s, s:s}", "foo", "bar", "baz", "blah", "complex",
                            "=value\\,\\", "x", "a||y=b");
    static const struct {
        const char *sel;
        int want;
    } table[] = {
        {"", 1},
        {"foo=bar", 1},
        {"baz=blah", 1},
        {"foo=bar,baz=blah", 1},
        {"foo==bar", 1},
        {"foo!=bar", 0},
        {"foo!=baz", 1},
        {"foo=blah", 0},
        {"baz=bar", 0},
        {"foo=bar,foobar=bar,baz=blah", 0},
        {"foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", 1},
        {"x=a||y\\=b", 1},
        {"missing=", 1},
        {"missing!=", 0},
        {"missing!=x", 1},
        {"=", 1},
        {"foo=bar,,baz=blah", 1},
        {"foo=bar,", 1},
        {",foo=bar", 1},
        {"x=a||y=b", -1},
        {"x==a==b", -1},
        {"x=a,b", -1},
        {"x in (a)", -1},
        {"x", -1},
        {"x=\\", -1},
        {"x=\\a", -1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        int got = fmatch(table[i].sel, set);
        if (got != table[i].want)
            fprintf(stderr, "field '%s': got %d want %d\n", table[i].sel, got, table[i].want);
        CHECK_INT(got, table[i].want);
    }
    json_decref(set);

    expect_ferror("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'");
    expect_ferror("x", "invalid selector: 'x'; can't understand 'x'");
    expect_ferror("x=a||y=b", "invalid field selector: unescaped character in value: 61");
    expect_ferror("x=a,y", "invalid selector: 'x=a,y'; can't understand 'y'");
    expect_ferror("x=\\a", "invalid field selector: invalid escape sequence: \\a");
    expect_ferror("x=\\", "invalid field selector: invalid escape sequence: \\");
    expect_ferror("x=\\\\\\", "invalid field selector: invalid escape sequence: \\");
    expect_ferror("k=\\\xc3\xa9", "invalid field selector: invalid escape sequence: \\\xc3\xa9");
    /* terms are sorted first, so the error names the smallest bad term */
    expect_ferror("z,a", "invalid selector: 'z,a'; can't understand 'a'");

    ck_field_selector *s = NULL;
    CHECK(ck_field_selector_parse("spec.nodeName=n1,metadata.name!=x,=", &s, NULL) == 0);
    CHECK_INT(ck_field_selector_count(s), 2);
    CHECK_STR(ck_field_selector_field(s, 0), "metadata.name");
    CHECK_STR(ck_field_selector_field(s, 1), "spec.nodeName");
    CHECK(ck_field_selector_field(s, 2) == NULL);
    ck_field_selector_free(s);
    CHECK(ck_field_selector_parse("a\\,b=c\\,d", &s, NULL) == 0);
    CHECK_STR(ck_field_selector_field(s, 0), "a\\,b"); /* field names are not unescaped */
    json_t *f = json_pack("{s:s}", "a\\,b", "c,d");
    CHECK(ck_field_selector_matches(s, getter, f));
    json_decref(f);
    ck_field_selector_free(s);
    CHECK(ck_field_selector_parse(NULL, &s, NULL) == 0);
    CHECK_INT(ck_field_selector_count(s), 0);
    ck_field_selector_free(s);
}

int main(void)
{
    test_label_parse();
    test_label_match();
    test_label_errors();
    test_label_json();
    test_fields();
    return UT_DONE();
}
