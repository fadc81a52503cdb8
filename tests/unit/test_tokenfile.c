/* Unit tests for src/auth/tokenfile: Go encoding/csv parsing (quotes, doubled quotes,
 * multi-line fields, blank lines, CRLF), upstream's errors, and token lookup. */
#include <stdlib.h>

#include "apiserver/server.h"
#include "auth/authn.h"
#include "lib/util.h"
#include "ut.h"

static ck_tokenfile *parse(const char *text, ck_err **err)
{
    return ck_tokenfile_parse(text, strlen(text), "/etc/tokens.csv", err);
}

/* Parses text expecting an error; returns its message (allocated). */
static char *parse_err(const char *text)
{
    ck_err *err = NULL;
    ck_tokenfile *tf = parse(text, &err);
    CHECK(tf == NULL);
    ck_tokenfile_free(tf);
    char *m = err ? xstrdup(err->message) : NULL;
    ck_err_free(err);
    return m;
}

static void test_basic(void)
{
    ck_err *err = NULL;
    ck_tokenfile *tf = parse("t1,alice,uid1,\"g1,g2\"\n"
                             "\n"
                             "t2,bob,uid2\r\n"
                             "t3,carol,uid3,solo,ignored\n"
                             ",nobody,uid4\n"
                             "t5,\"dave \"\"the\"\" admin\",uid5,\"\"\n"
                             "t6,eve,\"multi\nline\"",
                             &err);
    CHECK(tf != NULL);
    CHECK(err == NULL);
    CHECK_INT(ck_tokenfile_count(tf), 5);
    ck_user u = {0};
    CHECK(ck_tokenfile_lookup(tf, "t1", &u));
    CHECK_STR(u.name, "alice");
    CHECK_STR(u.uid, "uid1");
    CHECK_STR(u.groups[0], "g1");
    CHECK_STR(u.groups[1], "g2");
    CHECK(u.groups[2] == NULL);
    ck_user_add_authenticated(&u);
    CHECK_STR(u.groups[2], "system:authenticated");
    CHECK(u.groups[3] == NULL);
    ck_user_add_authenticated(&u); /* idempotent */
    CHECK(u.groups[3] == NULL);
    ck_user_clear(&u);

    CHECK(ck_tokenfile_lookup(tf, "t2", &u));
    CHECK_STR(u.name, "bob");
    CHECK_STR(u.uid, "uid2"); /* the \r of CRLF is not part of the field */
    CHECK(u.groups && u.groups[0] == NULL);
    ck_user_clear(&u);

    CHECK(ck_tokenfile_lookup(tf, "t3", &u));
    CHECK_STR(u.groups[0], "solo");
    CHECK(u.groups[1] == NULL);
    ck_user_clear(&u);

    CHECK(ck_tokenfile_lookup(tf, "t5", &u));
    CHECK_STR(u.name, "dave \"the\" admin");
    CHECK_STR(u.groups[0], ""); /* strings.Split("", ",") is [""] */
    ck_user_clear(&u);

    CHECK(ck_tokenfile_lookup(tf, "t6", &u));
    CHECK_STR(u.uid, "multi\nline");
    ck_user_clear(&u);

    CHECK(!ck_tokenfile_lookup(tf, "", &u));
    CHECK(!ck_tokenfile_lookup(tf, "t4", &u));
    CHECK(!ck_tokenfile_lookup(tf, "T1", &u));
    CHECK(!ck_tokenfile_lookup(NULL, "t1", &u));
    CHECK(u.name == NULL);
    ck_tokenfile_free(tf);
}

static void test_duplicates_and_growth(void)
{
    char *text = xstrdup("dup,first,u1\n");
    for (int i = 0; i < 1000; i++) {
        char *n = xasprintf("%stok%d,user%d,uid%d\n", text, i, i, i);
        free(text);
        text = n;
    }
    char *n = xasprintf("%sdup,second,u2\n", text);
    free(text);
    text = n;
    ck_err *err = NULL;
    ck_tokenfile *tf = parse(text, &err);
    free(text);
    CHECK(tf != NULL);
    CHECK_INT(ck_tokenfile_count(tf), 1001);
    ck_user u = {0};
    CHECK(ck_tokenfile_lookup(tf, "dup", &u));
    CHECK_STR(u.name, "second");
    ck_user_clear(&u);
    CHECK(ck_tokenfile_lookup(tf, "tok999", &u));
    CHECK_STR(u.name, "user999");
    ck_user_clear(&u);
    CHECK(ck_tokenfile_lookup(tf, "tok0", &u));
    CHECK_STR(u.uid, "uid0");
    ck_user_clear(&u);
    ck_tokenfile_free(tf);

    tf = parse("", &err);
    CHECK(tf != NULL);
    CHECK_INT(ck_tokenfile_count(tf), 0);
    ck_tokenfile_free(tf);
}

static void test_errors(void)
{
    char *m = parse_err("t1,alice,uid1\nt2,bob\n");
    CHECK_STR(m, "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, "
                 "user uid), found 2");
    free(m);
    m = parse_err("t1\n");
    CHECK_STR(m, "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, "
                 "user uid), found 1");
    free(m);
    m = parse_err("t1,al\"ice,uid1\n");
    CHECK_STR(m, "parse error on line 1, column 6: bare \" in non-quoted-field");
    free(m);
    m = parse_err("t1,alice,uid1\nt2,\"bob\"x,uid2\n");
    CHECK_STR(m, "parse error on line 2, column 8: extraneous or missing \" in quoted-field");
    free(m);
    m = parse_err("t1,alice,\"uid1\n");
    CHECK(m && strstr(m, "extraneous or missing \" in quoted-field"));
    free(m);
    m = parse_err("t1,alice,\"uid1\nmore\"x\n");
    CHECK(m && has_prefix(m, "record on line 1; parse error on line 2, column 5: "));
    free(m);
    ck_err *err = NULL;
    CHECK(ck_tokenfile_load("/nonexistent/tokens.csv", &err) == NULL);
    CHECK(err && strstr(err->message, "/nonexistent/tokens.csv"));
    ck_err_free(err);
}

int main(void)
{
    test_basic();
    test_duplicates_and_growth();
    test_errors();
    return UT_DONE();
}
