/* The Deployment controller's arithmetic and bookkeeping (controller/deployment_util.c),
 * with cases from upstream's deployment_util_test.go, sync_test.go and the documented
 * proportional-scaling example: maxSurge/maxUnavailable resolution and rounding, the new
 * set's size, proportions, revisions and their annotations, template equality, sort
 * orders, conditions, status and the progress predicates. */
#include <stdlib.h>
#include <string.h>

#include "controller/deployment_util.h"
#include "lib/util.h"
#include "registry/registry.h"
#include "ut.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v) fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, s);
    return v;
}

/* A RollingUpdate deployment (surge and unavailable as JSON values). */
static json_t *deploy(int replicas, const char *surge, const char *unavail)
{
    cleanup_free char *s = xasprintf(
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u1\","
        "\"generation\":1},\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":"
        "\"web\"}},\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":%s,"
        "\"maxUnavailable\":%s}},\"progressDeadlineSeconds\":600,\"revisionHistoryLimit\":10,"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{"
        "\"name\":\"c\",\"image\":\"nginx\"}]}}}}",
        replicas, surge, unavail);
    return J(s);
}

static json_t *rset(const char *name, int replicas, int available, const char *created,
                    const char *annotations)
{
    cleanup_free char *s = xasprintf(
        "{\"metadata\":{\"name\":\"%s\",\"uid\":\"uid-%s\",\"creationTimestamp\":\"%s\","
        "\"annotations\":%s},\"spec\":{\"replicas\":%d,\"template\":{\"metadata\":{\"labels\":"
        "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}},"
        "\"status\":{\"replicas\":%d,\"readyReplicas\":%d,\"availableReplicas\":%d}}",
        name, name, created, annotations ? annotations : "{}", replicas, replicas, available,
        available);
    return J(s);
}

static void test_int_or_percent(void)
{
    int v;
    json_t *p = json_string("25%"), *i = json_integer(3), *bad = json_string("oops");
    CHECK_INT(ck_int_or_percent_scaled(p, 10, true, &v), 0);
    CHECK_INT(v, 3); /* 2.5 up */
    ck_int_or_percent_scaled(p, 10, false, &v);
    CHECK_INT(v, 2); /* 2.5 down */
    ck_int_or_percent_scaled(p, 3, true, &v);
    CHECK_INT(v, 1);
    ck_int_or_percent_scaled(p, 3, false, &v);
    CHECK_INT(v, 0);
    ck_int_or_percent_scaled(p, 4, true, &v);
    CHECK_INT(v, 1); /* exact: no rounding up */
    ck_int_or_percent_scaled(i, 100, false, &v);
    CHECK_INT(v, 3);
    CHECK_INT(ck_int_or_percent_scaled(bad, 10, true, &v), -1);
    json_decref(p);
    json_decref(i);
    json_decref(bad);

    /* TestResolveFenceposts. */
    int s, u;
    json_t *a = json_string("39%"), *zero = json_integer(0);
    ck_deploy_fenceposts(a, a, 10, &s, &u);
    CHECK_INT(s, 4);
    CHECK_INT(u, 3);
    ck_deploy_fenceposts(NULL, a, 10, &s, &u);
    CHECK(s == 0 && u == 3);
    ck_deploy_fenceposts(a, NULL, 10, &s, &u);
    CHECK(s == 4 && u == 0);
    ck_deploy_fenceposts(NULL, NULL, 10, &s, &u);
    CHECK(s == 0 && u == 1); /* never both zero */
    ck_deploy_fenceposts(zero, zero, 0, &s, &u);
    CHECK(s == 0 && u == 1);
    json_decref(a);
    json_decref(zero);

    /* MaxSurge / MaxUnavailable of deployments: 25% of 3 is surge 1, unavailable 0. */
    json_t *d = deploy(3, "\"25%\"", "\"25%\"");
    CHECK_INT(ck_deploy_max_surge(d), 1);
    CHECK_INT(ck_deploy_max_unavailable(d), 0);
    json_decref(d);
    d = deploy(1, "0", "\"1%\""); /* both round to zero: one unavailable */
    CHECK_INT(ck_deploy_max_surge(d), 0);
    CHECK_INT(ck_deploy_max_unavailable(d), 1);
    json_decref(d);
    d = deploy(2, "1", "5"); /* capped at replicas */
    CHECK_INT(ck_deploy_max_unavailable(d), 2);
    json_decref(d);
    d = deploy(0, "1", "1");
    CHECK_INT(ck_deploy_max_unavailable(d), 0);
    json_decref(d);
    d = J("{\"spec\":{\"replicas\":5,\"strategy\":{\"type\":\"Recreate\"}}}");
    CHECK_INT(ck_deploy_max_surge(d), 0);
    CHECK_INT(ck_deploy_max_unavailable(d), 0);
    CHECK(!ck_deploy_is_rolling(d));
    json_decref(d);
}

static void test_new_rs_replicas(void)
{
    /* TestNewRSNewReplicas. */
    json_t *d = deploy(1, "1", "0");
    json_t *nrs = rset("new", 5, 0, "2025-01-01T00:00:00Z", NULL);
    json_t *old = rset("old", 0, 0, "2024-01-01T00:00:00Z", NULL);
    json_t *all[] = {old, nrs};
    CHECK_INT(ck_deploy_new_rs_replicas(d, all, 2, nrs), 5); /* cannot scale up */
    json_decref(d);
    d = deploy(6, "10", "0");
    json_object_set_new(json_object_get(nrs, "spec"), "replicas", json_integer(2));
    CHECK_INT(ck_deploy_new_rs_replicas(d, all, 2, nrs), 6); /* up to the desired count */
    json_decref(d);
    /* A rollout of 10 with surge 3: the new set gets 3 while the old has 10. */
    d = deploy(10, "3", "2");
    json_object_set_new(json_object_get(nrs, "spec"), "replicas", json_integer(0));
    json_object_set_new(json_object_get(old, "spec"), "replicas", json_integer(10));
    CHECK_INT(ck_deploy_new_rs_replicas(d, all, 2, nrs), 3);
    json_object_set_new(json_object_get(old, "spec"), "replicas", json_integer(8));
    json_object_set_new(json_object_get(nrs, "spec"), "replicas", json_integer(3));
    CHECK_INT(ck_deploy_new_rs_replicas(d, all, 2, nrs), 5);
    json_decref(d);
    d = J("{\"spec\":{\"replicas\":3,\"strategy\":{\"type\":\"Recreate\"}}}");
    CHECK_INT(ck_deploy_new_rs_replicas(d, all, 2, nrs), 3);
    json_decref(d);
    json_decref(nrs);
    json_decref(old);
}

static void test_proportion(void)
{
    /* The documented example: 10 replicas, surge 3, unavailable 2, a rollout stuck at
     * old 8 + new 5 (both annotated max-replicas 13); scaling to 15 adds 5 replicas, 3 to
     * the old set and 2 to the new one. */
    json_t *d = deploy(15, "3", "2");
    json_object_set_new(d, "status", J("{\"replicas\":13}"));
    const char *ann = "{\"deployment.kubernetes.io/max-replicas\":\"13\","
                      "\"deployment.kubernetes.io/desired-replicas\":\"10\"}";
    json_t *old = rset("old", 8, 8, "2024-01-01T00:00:00Z", ann);
    json_t *nrs = rset("new", 5, 0, "2025-01-01T00:00:00Z", ann);
    int to_add = 15 + 3 - 13;
    int p1 = ck_deploy_proportion(old, d, to_add, 0);
    CHECK_INT(p1, 3);
    CHECK_INT(ck_deploy_proportion(nrs, d, to_add, p1), 2);
    CHECK_INT(ck_deploy_proportion(nrs, d, to_add, to_add), 0); /* all handed out */

    /* Scaling down to 5 (surge 3: 8 allowed) takes 5 away: round(8*8/13)=5 -> -3. */
    json_object_set_new(json_object_get(d, "spec"), "replicas", json_integer(5));
    to_add = 5 + 3 - 13;
    int q1 = ck_deploy_proportion(old, d, to_add, 0);
    CHECK_INT(q1, -3);
    CHECK_INT(ck_deploy_proportion(nrs, d, to_add, q1), -2); /* round(5*8/13)=3 */
    /* To zero: each set gives everything. */
    json_object_set_new(json_object_get(d, "spec"), "replicas", json_integer(0));
    CHECK_INT(ck_deploy_proportion(old, d, -13, 0), -8);
    /* Without the annotation the deployment's status.replicas stands in. */
    json_object_set_new(json_object_get(d, "spec"), "replicas", json_integer(15));
    json_object_del(ck_obj_get(old, "metadata.annotations"),
                    "deployment.kubernetes.io/max-replicas");
    CHECK_INT(ck_deploy_proportion(old, d, 5, 0), 3);
    /* Never from zero. */
    json_object_set_new(json_object_get(old, "spec"), "replicas", json_integer(0));
    CHECK_INT(ck_deploy_proportion(old, d, 5, 0), 0);
    json_decref(d);
    json_decref(old);
    json_decref(nrs);

    /* IsSaturated. */
    d = deploy(3, "1", "0");
    json_t *rs = rset("new", 3, 3, "2025-01-01T00:00:00Z",
                      "{\"deployment.kubernetes.io/desired-replicas\":\"3\"}");
    CHECK(ck_deploy_is_saturated(d, rs));
    json_object_set_new(json_object_get(rs, "status"), "availableReplicas", json_integer(2));
    CHECK(!ck_deploy_is_saturated(d, rs));
    CHECK(!ck_deploy_is_saturated(d, NULL));
    json_decref(rs);
    json_decref(d);
}

static void test_revisions(void)
{
    json_t *a =
        rset("a", 0, 0, "2024-01-01T00:00:00Z", "{\"deployment.kubernetes.io/revision\":\"3\"}");
    json_t *b =
        rset("b", 0, 0, "2024-01-02T00:00:00Z", "{\"deployment.kubernetes.io/revision\":\"10\"}");
    json_t *c =
        rset("c", 0, 0, "2024-01-03T00:00:00Z", "{\"deployment.kubernetes.io/revision\":\"x\"}");
    json_t *e = rset("e", 0, 0, "2024-01-04T00:00:00Z", NULL);
    json_t *all[] = {a, b, c, e};
    CHECK_INT(ck_deploy_revision(a), 3);
    CHECK_INT(ck_deploy_revision(c), -1);
    CHECK_INT(ck_deploy_revision(e), 0);
    CHECK_INT(ck_deploy_max_revision(all, 4), 10); /* numeric, not lexical */
    CHECK_INT(ck_deploy_last_revision(all, 4), 3);

    /* ReplicaSetsByRevision: unparsable ones fall back to creation time. */
    json_t *sorted[] = {b, e, a};
    qsort(sorted, 3, sizeof *sorted, ck_rs_cmp_revision);
    CHECK(sorted[0] == e && sorted[1] == a && sorted[2] == b);

    /* A new set: the deployment's annotations but the skipped ones, revision, replicas. */
    json_t *d = deploy(3, "1", "0");
    json_object_set_new(json_object_get(d, "metadata"), "annotations",
                        J("{\"kubernetes.io/change-cause\":\"v2\","
                          "\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\","
                          "\"deployment.kubernetes.io/revision\":\"9\"}"));
    json_t *rs = J("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"replicas\":0}}");
    CHECK(ck_deploy_set_new_rs_annotations(d, rs, "4", false, CK_DEPLOY_REV_HISTORY_CHARS));
    json_t *ann = ck_obj_get(rs, "metadata.annotations");
    CHECK_STR(json_string_value(json_object_get(ann, "kubernetes.io/change-cause")), "v2");
    CHECK(!json_object_get(ann, "kubectl.kubernetes.io/last-applied-configuration"));
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION)), "4");
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_DESIRED)), "3");
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_MAX)), "4");
    CHECK(!ck_deploy_set_new_rs_annotations(d, rs, "4", true, CK_DEPLOY_REV_HISTORY_CHARS));
    /* Rolled back to: the old revisions go to revision-history. */
    CHECK(ck_deploy_set_new_rs_annotations(d, rs, "7", true, CK_DEPLOY_REV_HISTORY_CHARS));
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION_HISTORY)), "4");
    ck_deploy_set_new_rs_annotations(d, rs, "9", true, CK_DEPLOY_REV_HISTORY_CHARS);
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION_HISTORY)), "4,7");
    ck_deploy_set_new_rs_annotations(d, rs, "12", true, 4); /* "4,7,9" is over 4: drop */
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION_HISTORY)), "7,9");
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION)), "12");
    /* Never lowered. */
    CHECK(!ck_deploy_set_new_rs_annotations(d, rs, "5", true, CK_DEPLOY_REV_HISTORY_CHARS));
    CHECK_STR(json_string_value(json_object_get(ann, CK_DEPLOY_REVISION)), "12");

    CHECK(!ck_deploy_replicas_annotations_differ(rs, 3, 4));
    CHECK(ck_deploy_replicas_annotations_differ(rs, 5, 6));
    CHECK(ck_deploy_set_replicas_annotations(rs, 5, 6));
    CHECK(!ck_deploy_set_replicas_annotations(rs, 5, 6));
    CHECK(ck_deploy_set_revision(d, "4"));
    CHECK(!ck_deploy_set_revision(d, "4"));
    CHECK(ck_deploy_skip_annotation("deprecated.deployment.rollback.to"));
    CHECK(!ck_deploy_skip_annotation("kubernetes.io/change-cause"));
    json_decref(rs);
    json_decref(d);
    for (size_t i = 0; i < 4; i++)
        json_decref(all[i]);
}

static void test_templates(void)
{
    json_t *t1 = J("{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{"
                   "\"name\":\"c\",\"image\":\"nginx\",\"args\":[]}],\"securityContext\":{}}}");
    json_t *t2 = J("{\"metadata\":{\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"abc\"},"
                   "\"annotations\":{}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                   "\"nginx\",\"workingDir\":\"\"}]}}");
    CHECK(ck_deploy_equal_ignore_hash(t1, t2)); /* hash label, empty values alike */
    json_object_set_new(json_array_get(ck_obj_get(t2, "spec.containers"), 0), "image",
                        json_string("nginx:2"));
    CHECK(!ck_deploy_equal_ignore_hash(t1, t2));
    json_decref(t2);
    t2 = J("{\"metadata\":{\"labels\":{\"app\":\"web\"},\"annotations\":{\"kubectl.kubernetes."
           "io/restartedAt\":\"now\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
           "\"nginx\"}]}}");
    CHECK(!ck_deploy_equal_ignore_hash(t1, t2)); /* rollout restart makes a new template */
    json_decref(t2);

    /* FindNewReplicaSet: the oldest with the template; size and age orders. */
    json_t *d = deploy(3, "1", "0");
    json_t *x = rset("x", 3, 3, "2024-05-01T00:00:00Z", NULL);
    json_t *y = rset("y", 1, 1, "2024-03-01T00:00:00Z", NULL);
    json_t *z = rset("z", 3, 3, "2024-04-01T00:00:00Z", NULL);
    json_object_set_new(json_array_get(ck_obj_get(z, "spec.template.spec.containers"), 0), "image",
                        json_string("other"));
    json_t *rs[] = {x, z, y};
    CHECK(ck_deploy_find_new_rs(d, rs, 3) == y);
    CHECK(rs[0] == y && rs[1] == z && rs[2] == x); /* by creation */
    qsort(rs, 3, sizeof *rs, ck_rs_cmp_size_older);
    CHECK(rs[0] == z && rs[1] == x && rs[2] == y);
    qsort(rs, 3, sizeof *rs, ck_rs_cmp_size_newer);
    CHECK(rs[0] == x && rs[1] == z && rs[2] == y);
    json_object_set_new(json_object_get(d, "spec"), "template", json_deep_copy(t1));
    json_object_set_new(json_array_get(ck_obj_get(d, "spec.template.spec.containers"), 0), "image",
                        json_string("new"));
    CHECK(ck_deploy_find_new_rs(d, rs, 3) == NULL);
    json_decref(d);
    json_decref(x);
    json_decref(y);
    json_decref(z);
    json_decref(t1);
}

static void test_status(void)
{
    const char *now = "2025-01-01T00:00:10Z";
    json_t *d = deploy(3, "1", "0");
    json_t *old = rset("old", 1, 1, "2024-01-01T00:00:00Z", NULL);
    json_t *nrs = rset("new", 3, 2, "2025-01-01T00:00:00Z", NULL);
    json_t *all[] = {old, nrs};
    json_t *st = ck_deploy_calculate_status(all, 2, nrs, d, now);
    CHECK_INT(json_integer_value(json_object_get(st, "replicas")), 4);
    CHECK_INT(json_integer_value(json_object_get(st, "updatedReplicas")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "readyReplicas")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "availableReplicas")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "unavailableReplicas")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "observedGeneration")), 1);
    const json_t *av = ck_deploy_condition(st, "Available");
    CHECK_STR(ck_obj_str(av, "reason"), "MinimumReplicasAvailable");
    CHECK_STR(ck_obj_str(av, "message"), "Deployment has minimum availability.");
    CHECK(!ck_deploy_complete(d, st));   /* an old pod is still there */
    CHECK(ck_deploy_progressing(d, st)); /* against an empty status */
    json_decref(st);

    /* Fewer available than replicas - maxUnavailable: unavailable, with a transition. */
    json_object_set_new(json_object_get(nrs, "status"), "availableReplicas", json_integer(1));
    json_object_set_new(json_object_get(old, "status"), "availableReplicas", json_integer(0));
    st = ck_deploy_calculate_status(all, 2, nrs, d, now);
    av = ck_deploy_condition(st, "Available");
    CHECK_STR(ck_obj_str(av, "status"), "False");
    CHECK_STR(ck_obj_str(av, "reason"), "MinimumReplicasUnavailable");
    CHECK_STR(ck_obj_str(av, "message"), "Deployment does not have minimum availability.");
    json_object_set_new(d, "status", st);

    /* SetDeploymentCondition: same status and reason: untouched; other reason, same
     * status: the transition time stays. */
    st = json_object_get(d, "status");
    ck_deploy_set_condition(st, "Progressing", "True", "NewReplicaSetCreated", "m1",
                            "2025-01-01T00:00:01Z");
    ck_deploy_set_condition(st, "Progressing", "True", "NewReplicaSetCreated", "m2",
                            "2025-01-01T00:00:02Z");
    const json_t *pc = ck_deploy_condition(st, "Progressing");
    CHECK_STR(ck_obj_str(pc, "message"), "m1");
    ck_deploy_set_condition(st, "Progressing", "True", "ReplicaSetUpdated", "m3",
                            "2025-01-01T00:00:03Z");
    pc = ck_deploy_condition(st, "Progressing");
    CHECK_STR(ck_obj_str(pc, "lastTransitionTime"), "2025-01-01T00:00:01Z");
    CHECK_STR(ck_obj_str(pc, "lastUpdateTime"), "2025-01-01T00:00:03Z");
    CHECK_INT(json_array_size(json_object_get(st, "conditions")), 2);

    /* DeploymentTimedOut: lastUpdateTime + progressDeadlineSeconds < now. */
    long long t3 = ck_deploy_time("2025-01-01T00:00:03Z");
    CHECK(!ck_deploy_timed_out(d, st, t3 + 600));
    CHECK(ck_deploy_timed_out(d, st, t3 + 601));
    ck_deploy_set_condition(st, "Progressing", "True", "NewReplicaSetAvailable", "done", now);
    CHECK(!ck_deploy_timed_out(d, st, t3 + 6000));
    ck_deploy_set_condition(st, "Progressing", "False", "ProgressDeadlineExceeded", "late", now);
    CHECK(ck_deploy_timed_out(d, st, 0));
    ck_deploy_remove_condition(st, "Progressing");
    CHECK(!ck_deploy_condition(st, "Progressing"));
    json_object_set_new(json_object_get(d, "spec"), "progressDeadlineSeconds",
                        json_integer(2147483647));
    CHECK(!ck_deploy_has_progress_deadline(d));

    /* Complete: everything updated and available, generation observed. */
    json_object_set_new(json_object_get(old, "spec"), "replicas", json_integer(0));
    json_object_set_new(json_object_get(old, "status"), "replicas", json_integer(0));
    json_object_set_new(json_object_get(nrs, "status"), "availableReplicas", json_integer(3));
    json_t *st2 = ck_deploy_calculate_status(all, 2, nrs, d, now);
    CHECK(ck_deploy_complete(d, st2));
    CHECK(!json_object_get(st2, "unavailableReplicas"));

    /* Stored status comparison: zero counts are omitted. */
    json_t *a = J("{\"replicas\":0,\"observedGeneration\":2,\"conditions\":[]}");
    json_t *b = J("{\"observedGeneration\":2}");
    CHECK(ck_deploy_status_equal(a, b));
    json_object_set_new(b, "collisionCount", json_integer(0));
    CHECK(!ck_deploy_status_equal(a, b)); /* a pointer: zero is kept */
    json_decref(a);
    json_decref(b);
    json_decref(st2);
    json_decref(d);
    json_decref(old);
    json_decref(nrs);
}

int main(void)
{
    test_int_or_percent();
    test_new_rs_replicas();
    test_proportion();
    test_revisions();
    test_templates();
    test_status();
    return UT_DONE();
}
