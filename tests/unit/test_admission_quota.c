/* Resource-list arithmetic shared by ResourceQuota and LimitRanger: quantity sums keep the
 * first operand's format (upstream's Quantity.Add), maxima, and prettyPrint's
 * "name=value" lists used in the exceeded-quota message. */
#include <stdlib.h>

#include "admission/resourcequota.h"
#include "ut.h"

static ck_quantity q(const char *s)
{
    ck_quantity out = {0};
    ck_err *err = NULL;
    CHECK(ck_quantity_parse(s, &out, &err) == 0);
    ck_err_free(err);
    return out;
}

static void expect_sum(const char *a, const char *b, int sign, const char *want)
{
    ck_quantity x = q(a), y = q(b);
    ck_quantity_add(&x, &y, sign);
    char *s = ck_quantity_string(&x);
    CHECK_STR(s, want);
    free(s);
}

int main(void)
{
    expect_sum("100m", "400m", 1, "500m");
    expect_sum("1", "500m", 1, "1500m");
    expect_sum("1Gi", "512Mi", 1, "1536Mi");
    expect_sum("2", "1", -1, "1");
    expect_sum("1", "1", -1, "0");
    expect_sum("1e3", "1", 1, "1001");

    ck_rlist l = {0};
    ck_quantity one = q("1"), cpu = q("250m"), big = q("1"), mem = q("64Mi");
    ck_rl_add(&l, "pods", &one);
    ck_rl_add(&l, "pods", &one);
    ck_rl_add(&l, "requests.cpu", &cpu);
    ck_rl_max(&l, "requests.cpu", &big);
    ck_rl_max(&l, "requests.memory", &mem);
    CHECK_INT(l.n, 3);
    char *s = ck_quantity_string(ck_rl_get(&l, "pods"));
    CHECK_STR(s, "2");
    free(s);
    s = ck_quantity_string(ck_rl_get(&l, "requests.cpu"));
    CHECK_STR(s, "1");
    free(s);
    CHECK(ck_rl_get(&l, "limits.cpu") == NULL);

    const char *names[] = {"requests.memory", "pods", "limits.cpu"};
    char *p = ck_rl_pretty(&l, names, 3);
    CHECK_STR(p, "limits.cpu=0,pods=2,requests.memory=64Mi");
    free(p);
    p = ck_rl_pretty(&l, names + 1, 1);
    CHECK_STR(p, "pods=2");
    free(p);

    json_t *rl = json_pack("{s:s, s:s, s:i}", "cpu", "100m", "memory", "1Gi", "bad", 3);
    ck_rlist j = {0};
    ck_rl_add_json(&j, rl);
    ck_rl_add_json(&j, rl);
    s = ck_quantity_string(ck_rl_get(&j, "memory"));
    CHECK_STR(s, "2Gi");
    free(s);
    s = ck_quantity_string(ck_rl_get(&j, "cpu"));
    CHECK_STR(s, "200m");
    free(s);
    json_decref(rl);
    ck_rl_clear(&j);
    ck_rl_clear(&l);
    return UT_DONE();
}
