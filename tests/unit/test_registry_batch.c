/* Unit tests for jobs, cron jobs and horizontal pod autoscalers (src/registry/job.c,
 * cronjob.c, hpa.c): defaults, the generated job selector, cron schedule messages, the
 * printers and the autoscaling v1 <-> v2 conversion. */
#include "registry/workload.h"
#include "registry_ut.h"

#define UID "6d5c9b63-0000-4000-8000-000000000001"
#define JOB                                                                                        \
    "{\"metadata\":{\"name\":\"pi\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"         \
    "\"Never\",\"containers\":[{\"name\":\"pi\",\"image\":\"perl:5.34\"}]}}}}"

static void test_job(void)
{
    ck_rtype *rt = kind("batch", "v1", "jobs");
    json_t *j = js(JOB);
    create_steps(rt, j);
    CHECK_INT(int_at(j, "spec.completions"), 1);
    CHECK_INT(int_at(j, "spec.parallelism"), 1);
    CHECK_INT(int_at(j, "spec.backoffLimit"), 6);
    CHECK_STR(str_at(j, "spec.completionMode"), "NonIndexed");
    CHECK(json_is_false(ck_obj_get(j, "spec.suspend")));
    CHECK(json_is_false(ck_obj_get(j, "spec.manualSelector")));
    CHECK_STR(str_at(j, "spec.podReplacementPolicy"), "TerminatingOrFailed");
    const json_t *sel = ck_obj_get(j, "spec.selector.matchLabels");
    CHECK_INT(json_object_size(sel), 1);
    CHECK_STR(json_string_value(json_object_get(sel, "batch.kubernetes.io/controller-uid")), UID);
    const json_t *tl = ck_obj_get(j, "spec.template.metadata.labels");
    CHECK_STR(json_string_value(json_object_get(tl, "batch.kubernetes.io/job-name")), "pi");
    CHECK_STR(json_string_value(json_object_get(tl, "job-name")), "pi");
    CHECK_STR(json_string_value(json_object_get(tl, "controller-uid")), UID);
    /* The job's labels default to its template's. */
    CHECK(json_equal(ck_obj_get(j, "metadata.labels"), tl));
    CHECK_INVALID(rt, j, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Status:string::0,Completions:string::0,"
                      "Duration:string::0,Age:date::0,Containers:string::1,Images:string::1,"
                      "Selector:string::1");
    CHECK_CELLS(rt, j,
                "[\"pi\",\"Running\",\"0/1\",\"\",\"2024-01-02T03:04:05Z\",\"pi\","
                "\"perl:5.34\",\"batch.kubernetes.io/controller-uid=" UID "\"]");
    json_object_set_new(j, "status",
                        js("{\"succeeded\":1,\"startTime\":\"2024-01-02T03:04:05Z\","
                           "\"completionTime\":\"2024-01-02T03:04:50Z\",\"conditions\":[{\"type\":"
                           "\"Complete\",\"status\":\"True\"}]}"));
    char *c = cells_of(rt, j);
    CHECK(c && strstr(c, "[\"pi\",\"Complete\",\"1/1\",\"45s\","));
    free(c);
    char *v = rt->def->field_value(j, "status.successful");
    CHECK_STR(v, "1");
    free(v);

    /* Template and selector are immutable once the job runs. */
    json_t *old = json_deep_copy(j);
    json_t *upd = json_deep_copy(j);
    json_object_set_new(json_array_get(ck_obj_get(upd, "spec.template.spec.containers"), 0),
                        "image", json_string("perl:5.36"));
    update_steps(rt, upd, old);
    char *m = invalid(rt, upd, old);
    CHECK(m && strstr(m, "spec.template: Invalid value: ") && strstr(m, "field is immutable"));
    free(m);
    json_decref(upd);
    json_decref(old);
    json_decref(j);

    j = js(JOB);
    json_object_del(ck_obj_get(j, "spec.template.spec"), "restartPolicy");
    create_steps(rt, j);
    CHECK_INVALID(rt, j, NULL,
                  "Job.batch \"pi\" is invalid: spec.template.spec.restartPolicy: Required value: "
                  "valid values: \"OnFailure\", \"Never\"");
    json_decref(j);

    /* Parallel jobs without completions; manual selectors must match the template. */
    j = js(JOB);
    json_object_set_new(ck_obj_get(j, "spec"), "parallelism", json_integer(3));
    create_steps(rt, j);
    CHECK(ck_obj_get(j, "spec.completions") == NULL);
    c = cells_of(rt, j);
    CHECK(c && strstr(c, "\"0/1 of 3\""));
    free(c);
    json_decref(j);

    j = js(JOB);
    json_object_set_new(ck_obj_get(j, "spec"), "manualSelector", json_true());
    json_object_set_new(ck_obj_get(j, "spec"), "selector", js("{\"matchLabels\":{\"a\":\"b\"}}"));
    create_steps(rt, j);
    CHECK_INVALID(rt, j, NULL,
                  "Job.batch \"pi\" is invalid: spec.template.metadata.labels: Invalid value: "
                  "map[string]string(nil): `selector` does not match template `labels`");
    json_decref(j);

    j = js(JOB);
    json_object_set_new(ck_obj_get(j, "spec"), "completionMode", json_string("Indexed"));
    json_object_set_new(ck_obj_get(j, "spec"), "parallelism", json_integer(2));
    create_steps(rt, j);
    CHECK_INVALID(rt, j, NULL,
                  "Job.batch \"pi\" is invalid: spec.completions: Required value: when completion "
                  "mode is Indexed");
    json_decref(j);
}

#define CRON                                                                                       \
    "{\"metadata\":{\"name\":\"hello\"},\"spec\":{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{"  \
    "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"OnFailure\",\"containers\":[{"          \
    "\"name\":\"hello\",\"image\":\"busybox\"}]}}}}}}"

static char *schedule_error(ck_rtype *rt, const char *schedule)
{
    json_t *cj = js(CRON);
    json_object_set_new(ck_obj_get(cj, "spec"), "schedule", json_string(schedule));
    create_steps(rt, cj);
    char *m = invalid(rt, cj, NULL);
    json_decref(cj);
    return m;
}

static void test_cronjob(void)
{
    ck_rtype *rt = kind("batch", "v1", "cronjobs");
    json_t *cj = js(CRON);
    create_steps(rt, cj);
    CHECK_STR(str_at(cj, "spec.concurrencyPolicy"), "Allow");
    CHECK(json_is_false(ck_obj_get(cj, "spec.suspend")));
    CHECK_INT(int_at(cj, "spec.successfulJobsHistoryLimit"), 3);
    CHECK_INT(int_at(cj, "spec.failedJobsHistoryLimit"), 1);
    CHECK(ck_obj_get(cj, "spec.jobTemplate.spec.backoffLimit") == NULL);
    CHECK_STR(str_at(cj, "spec.jobTemplate.spec.template.spec.dnsPolicy"), "ClusterFirst");
    CHECK_INVALID(rt, cj, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Schedule:string::0,Timezone:string::0,"
                      "Suspend:boolean::0,Active:integer::0,Last Schedule:string::0,Age:date::0,"
                      "Containers:string::1,Images:string::1,Selector:string::1");
    CHECK_CELLS(rt, cj,
                "[\"hello\",\"*/5 * * * *\",\"<none>\",\"False\",0,\"<none>\","
                "\"2024-01-02T03:04:05Z\",\"hello\",\"busybox\",\"<none>\"]");
    json_decref(cj);

    static const char *const ok[] = {
        "0 0 * * *",  "@hourly", "@every 1h30m", "0-59/15 * * * *", "5 4 * jan-mar mon,fri",
        "? * * * sun"};
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        char *m = schedule_error(rt, ok[i]);
        if (m) fprintf(stderr, "%s: %s\n", ok[i], m);
        CHECK(m == NULL);
        free(m);
    }
    static const struct {
        const char *schedule, *want;
    } bad[] = {
        {"foo", "spec.schedule: Invalid value: \"foo\": expected exactly 5 fields, found 1: "
                "[foo]"},
        {"x * * * *", "spec.schedule: Invalid value: \"x * * * *\": failed to parse int from x: "
                      "strconv.Atoi: parsing \"x\": invalid syntax"},
        {"61 * * * *", "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above "
                       "maximum (59): 61"},
        {"* * 0 * *", "spec.schedule: Invalid value: \"* * 0 * *\": beginning of range (0) below "
                      "minimum (1): 0"},
        {"5-2 * * * *", "spec.schedule: Invalid value: \"5-2 * * * *\": beginning of range (5) "
                        "beyond end of range (2): 5-2"},
        {"*/0 * * * *", "spec.schedule: Invalid value: \"*/0 * * * *\": step of range should be "
                        "a positive number: */0"},
        {"@often", "spec.schedule: Invalid value: \"@often\": unrecognized descriptor: @often"},
        {"TZ=UTC 0 * * * *", "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ "
                             "or CRON_TZ in schedule, use timeZone field instead"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *m = schedule_error(rt, bad[i].schedule);
        char *want = xasprintf("CronJob.batch \"hello\" is invalid: %s", bad[i].want);
        CHECK_STR(m, want);
        free(want);
        free(m);
    }

    cj = js(CRON);
    json_object_set_new(ck_obj_get(cj, "spec"), "concurrencyPolicy", json_string("Sometimes"));
    json_object_set_new(ck_obj_get(cj, "spec.jobTemplate.spec"), "selector",
                        js("{\"matchLabels\":{\"a\":\"b\"}}"));
    create_steps(rt, cj);
    CHECK_INVALID(rt, cj, NULL,
                  "CronJob.batch \"hello\" is invalid: [spec.concurrencyPolicy: Unsupported value: "
                  "\"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\", "
                  "spec.jobTemplate.spec.selector: Invalid value: {\"matchLabels\":{\"a\":\"b\"}}: "
                  "`selector` will be auto-generated]");
    json_decref(cj);

    cj = js(CRON);
    json_object_set_new(ck_obj_get(cj, "metadata"), "name",
                        json_string("a-very-long-cron-job-name-that-is-more-than-fifty-two-chars"));
    create_steps(rt, cj);
    char *m = invalid(rt, cj, NULL);
    CHECK(m && strstr(m, "metadata.name: Invalid value: ") &&
          strstr(m, "must be no more than 52 characters"));
    free(m);
    /* An update keeps a long name and may keep a TZ schedule it already had. */
    json_t *old = json_deep_copy(cj);
    json_object_set_new(ck_obj_get(old, "spec"), "schedule", json_string("TZ=UTC 0 * * * *"));
    json_t *upd = json_deep_copy(old);
    update_steps(rt, upd, old);
    CHECK_INVALID(rt, upd, old, NULL);
    json_decref(upd);
    json_decref(old);
    json_decref(cj);

    cj = js(CRON);
    json_object_set_new(ck_obj_get(cj, "spec"), "timeZone", json_string("Mars/Olympus"));
    create_steps(rt, cj);
    CHECK_INVALID(rt, cj, NULL,
                  "CronJob.batch \"hello\" is invalid: spec.timeZone: Invalid value: "
                  "\"Mars/Olympus\": unknown time zone Mars/Olympus");
    json_decref(cj);
}

#define HPA                                                                                        \
    "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\","   \
    "\"kind\":\"Deployment\",\"name\":\"web\"},\"maxReplicas\":5}}"

static void test_hpa(void)
{
    ck_rtype *rt = kind("autoscaling", "v2", "horizontalpodautoscalers");
    json_t *h = js(HPA);
    create_steps(rt, h);
    CHECK_INT(int_at(h, "spec.minReplicas"), 1);
    json_t *want = js("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
                      "\"Utilization\",\"averageUtilization\":80}}}]");
    CHECK(json_equal(ck_obj_get(h, "spec.metrics"), want));
    json_decref(want);
    CHECK(ck_obj_get(h, "spec.behavior") == NULL);
    CHECK_INVALID(rt, h, NULL, NULL);
    CHECK_COLUMNS(rt, "Name:string:name:0,Reference:string::0,Targets:string::0,"
                      "MinPods:string::0,MaxPods:string::0,Replicas:string::0,Age:date::0");
    CHECK_CELLS(rt, h,
                "[\"web\",\"Deployment/web\",\"cpu: <unknown>/80%\",\"1\",5,0,"
                "\"2024-01-02T03:04:05Z\"]");
    json_object_set_new(h, "status",
                        js("{\"currentReplicas\":2,\"desiredReplicas\":2,\"currentMetrics\":[{"
                           "\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{"
                           "\"averageUtilization\":42,\"averageValue\":\"10m\"}}}]}"));
    CHECK_CELLS(rt, h,
                "[\"web\",\"Deployment/web\",\"cpu: 42%/80%\",\"1\",5,2,"
                "\"2024-01-02T03:04:05Z\"]");
    json_decref(h);

    /* A given behavior is completed with upstream's default rules. */
    h = js(HPA);
    json_object_set_new(ck_obj_get(h, "spec"), "behavior",
                        js("{\"scaleDown\":{\"stabilizationWindowSeconds\":60}}"));
    create_steps(rt, h);
    want = js("{\"scaleUp\":{\"stabilizationWindowSeconds\":0,\"selectPolicy\":\"Max\","
              "\"policies\":[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},{\"type\":"
              "\"Percent\",\"value\":100,\"periodSeconds\":15}]},\"scaleDown\":{\"selectPolicy\":"
              "\"Max\",\"policies\":[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}],"
              "\"stabilizationWindowSeconds\":60}}");
    CHECK(json_equal(ck_obj_get(h, "spec.behavior"), want));
    json_decref(want);
    CHECK_INVALID(rt, h, NULL, NULL);
    json_decref(h);

    h = js(HPA);
    json_object_set_new(ck_obj_get(h, "spec"), "maxReplicas", json_integer(0));
    json_object_set_new(ck_obj_get(h, "spec"), "minReplicas", json_integer(2));
    create_steps(rt, h);
    CHECK_INVALID(rt, h, NULL,
                  "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: [spec.maxReplicas: "
                  "Invalid value: 0: must be greater than 0, spec.maxReplicas: Invalid value: 0: "
                  "must be greater than or equal to `minReplicas`]");
    json_decref(h);

    h = js(HPA);
    json_object_set_new(ck_obj_get(h, "spec"), "metrics",
                        js("[{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"target\":"
                           "{\"type\":\"Utilization\"}}}]"));
    create_steps(rt, h);
    CHECK_INVALID(rt, h, NULL,
                  "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: spec.metrics[0]."
                  "resource.target.averageUtilization: Required value: must set either a target "
                  "raw value or a target utilization");
    json_decref(h);

    /* autoscaling/v1: the cpu target defaults to 80%, validated as its v2 form. */
    ck_rtype *v1 = kind("autoscaling", "v1", "horizontalpodautoscalers");
    h = js(HPA);
    create_steps(v1, h);
    CHECK_INT(int_at(h, "spec.targetCPUUtilizationPercentage"), 80);
    CHECK_INVALID(v1, h, NULL, NULL);
    CHECK_CELLS(v1, h,
                "[\"web\",\"Deployment/web\",\"cpu: <unknown>/80%\",\"1\",5,0,"
                "\"2024-01-02T03:04:05Z\"]");
    json_object_set_new(ck_obj_get(h, "spec"), "targetCPUUtilizationPercentage", json_integer(0));
    CHECK_INVALID(v1, h, NULL,
                  "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: spec.metrics[0]."
                  "resource.target.averageUtilization: Invalid value: 0: must be greater than 0");
    json_decref(h);
}

static void test_hpa_conversion(void)
{
    json_t *v2 = js(
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{"
        "\"name\":\"web\",\"annotations\":{\"keep\":\"me\"}},\"spec\":{\"scaleTargetRef\":{"
        "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"},\"minReplicas\":2,"
        "\"maxReplicas\":9,\"metrics\":[{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},"
        "\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1k\"}}},{\"type\":\"Resource\","
        "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\""
        ":50}}}],\"behavior\":{\"scaleDown\":{\"selectPolicy\":\"Min\",\"policies\":[{\"type\":"
        "\"Pods\",\"value\":1,\"periodSeconds\":60}]}}},\"status\":{\"currentReplicas\":3,"
        "\"desiredReplicas\":4,\"currentMetrics\":[{\"type\":\"Resource\",\"resource\":{\"name\":"
        "\"cpu\",\"current\":{\"averageUtilization\":70,\"averageValue\":\"300m\"}}}],"
        "\"conditions\":[{\"type\":\"AbleToScale\",\"status\":\"True\",\"lastTransitionTime\":"
        "\"2024-01-02T03:04:05Z\",\"reason\":\"SucceededRescale\"}]}}");
    json_t *v1 = ck_hpa_v2_to_v1(v2);
    CHECK_STR(str_at(v1, "apiVersion"), "autoscaling/v1");
    CHECK_INT(int_at(v1, "spec.targetCPUUtilizationPercentage"), 50);
    CHECK_INT(int_at(v1, "spec.minReplicas"), 2);
    CHECK_INT(int_at(v1, "status.currentCPUUtilizationPercentage"), 70);
    CHECK_INT(int_at(v1, "status.desiredReplicas"), 4);
    const json_t *ann = ck_obj_get(v1, "metadata.annotations");
    CHECK_STR(json_string_value(json_object_get(ann, "keep")), "me");
    CHECK_STR(json_string_value(json_object_get(ann, "autoscaling.alpha.kubernetes.io/metrics")),
              "[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"targetAverageValue\":"
              "\"1k\"}}]");
    CHECK_STR(
        json_string_value(json_object_get(ann, "autoscaling.alpha.kubernetes.io/current-metrics")),
        "[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"currentAverageUtilization\":70,"
        "\"currentAverageValue\":\"300m\"}}]");
    CHECK_STR(json_string_value(json_object_get(ann, "autoscaling.alpha.kubernetes.io/conditions")),
              "[{\"type\":\"AbleToScale\",\"status\":\"True\",\"lastTransitionTime\":"
              "\"2024-01-02T03:04:05Z\",\"reason\":\"SucceededRescale\"}]");
    CHECK_STR(json_string_value(json_object_get(ann, "autoscaling.alpha.kubernetes.io/behavior")),
              "{\"ScaleUp\":null,\"ScaleDown\":{\"StabilizationWindowSeconds\":null,"
              "\"SelectPolicy\":\"Min\",\"Policies\":[{\"Type\":\"Pods\",\"Value\":1,"
              "\"PeriodSeconds\":60}],\"Tolerance\":null}}");

    /* Back to v2: the annotations become fields again, the cpu metric comes last. */
    json_t *back = ck_hpa_v1_to_v2(v1);
    CHECK_STR(str_at(back, "apiVersion"), "autoscaling/v2");
    const json_t *bann = ck_obj_get(back, "metadata.annotations");
    CHECK_INT(json_object_size(bann), 1);
    const json_t *metrics = ck_obj_get(back, "spec.metrics");
    CHECK_INT(json_array_size(metrics), 2);
    CHECK(
        json_equal(json_array_get(metrics, 0), json_array_get(ck_obj_get(v2, "spec.metrics"), 0)));
    CHECK(
        json_equal(json_array_get(metrics, 1), json_array_get(ck_obj_get(v2, "spec.metrics"), 1)));
    CHECK(json_equal(ck_obj_get(back, "spec.behavior"), ck_obj_get(v2, "spec.behavior")));
    CHECK(json_equal(ck_obj_get(back, "status.currentMetrics"),
                     ck_obj_get(v2, "status.currentMetrics")));
    CHECK(json_equal(ck_obj_get(back, "status.conditions"), ck_obj_get(v2, "status.conditions")));
    CHECK_INT(int_at(back, "status.currentReplicas"), 3);
    json_decref(back);
    json_decref(v1);
    json_decref(v2);

    /* A bare v1 object gets the implicit 80% cpu metric. */
    v1 = js("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"scaleTargetRef\":{\"kind\":"
            "\"Deployment\",\"name\":\"x\"},\"maxReplicas\":3},\"status\":{"
            "\"currentCPUUtilizationPercentage\":12}}");
    v2 = ck_hpa_v1_to_v2(v1);
    json_t *want = js("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
                      "\"Utilization\",\"averageUtilization\":80}}}]");
    CHECK(json_equal(ck_obj_get(v2, "spec.metrics"), want));
    json_decref(want);
    CHECK_INT(int_at(json_array_get(ck_obj_get(v2, "status.currentMetrics"), 0),
                     "resource.current.averageUtilization"),
              12);
    json_decref(v2);
    json_decref(v1);
}

int main(void)
{
    test_job();
    test_cronjob();
    test_hpa();
    test_hpa_conversion();
    return UT_DONE();
}
