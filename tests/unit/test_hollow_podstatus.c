/* Pod statuses of hollow nodes, as the kubelet reports them: Running (conditions, IPs,
 * container and init container statuses, readiness gates), terminal (Succeeded, Failed
 * with the annotated exit code, DeadlineExceeded), crash-loop back-off, admission
 * refusals; and the pod readers (exit code, run time, requests). */
#include <stdlib.h>

#include "hollow/podstatus.h"
#include "lib/util.h"
#include "registry/registry.h"
#include "ut.h"

static json_t *pod(const char *extra_spec, const char *annotations)
{
    char *text =
        xasprintf("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\",\"uid\":\"u-1\","
                  "\"generation\":1%s%s%s},"
                  "\"spec\":{\"nodeName\":\"hollow-node-1\",\"restartPolicy\":\"Always\","
                  "\"containers\":[{\"name\":\"web\",\"image\":\"nginx\","
                  "\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"}}},"
                  "{\"name\":\"app\",\"image\":\"quay.io/x/app:1\"}]%s%s},"
                  "\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\","
                  "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}",
                  annotations ? ",\"annotations\":{" : "", annotations ? annotations : "",
                  annotations ? "}" : "", extra_spec ? "," : "", extra_spec ? extra_spec : "");
    json_error_t je;
    json_t *p = json_loads(text, 0, &je);
    if (!p) fprintf(stderr, "bad fixture: %s\n%s\n", je.text, text);
    free(text);
    return p;
}

static const json_t *cond(const json_t *patch, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(patch, "status.conditions"), i,
                       c) if (streq(ck_obj_str(c, "type"), type)) return c;
    return NULL;
}

static const hw_pod_env env = {.host_ip = "198.18.0.2",
                               .pod_ips = {"10.244.1.2", "fd00::2"},
                               .npod_ips = 2,
                               .now = "2025-01-01T00:00:05Z",
                               .start = "2025-01-01T00:00:01Z",
                               .started_at = "2025-01-01T00:00:02Z"};

static void test_running(void)
{
    json_t *p = pod(NULL, NULL);
    json_t *patch = hw_pod_running_patch(p, &env);
    CHECK_STR(ck_obj_str(patch, "metadata.uid"), "u-1");
    CHECK_STR(ck_obj_str(patch, "status.phase"), "Running");
    CHECK_STR(ck_obj_str(patch, "status.hostIP"), "198.18.0.2");
    CHECK_STR(ck_obj_str(json_array_get(ck_obj_get(patch, "status.hostIPs"), 0), "ip"),
              "198.18.0.2");
    CHECK_STR(ck_obj_str(patch, "status.podIP"), "10.244.1.2");
    CHECK_INT(json_array_size(ck_obj_get(patch, "status.podIPs")), 2);
    CHECK_STR(ck_obj_str(json_array_get(ck_obj_get(patch, "status.podIPs"), 1), "ip"), "fd00::2");
    CHECK_STR(ck_obj_str(patch, "status.startTime"), "2025-01-01T00:00:01Z");
    CHECK(ck_obj_get(patch, "status.qosClass") == NULL); /* kept as it is */
    CHECK_INT(json_integer_value(ck_obj_get(patch, "status.observedGeneration")), 1);
    static const char *const types[] = {"PodReadyToStartContainers", "Initialized", "Ready",
                                        "ContainersReady"};
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        const json_t *c = cond(patch, types[i]);
        CHECK(c != NULL);
        CHECK_STR(ck_obj_str(c, "status"), "True");
        CHECK_STR(ck_obj_str(c, "lastTransitionTime"), "2025-01-01T00:00:05Z");
    }
    CHECK(cond(patch, "PodScheduled") == NULL); /* already True: left to the merge */
    json_t *order =
        json_object_get(json_object_get(patch, "status"), "$setElementOrder/conditions");
    CHECK_INT(json_array_size(order), 5);
    CHECK_STR(ck_obj_str(json_array_get(order, 0), "type"), "PodReadyToStartContainers");
    CHECK_STR(ck_obj_str(json_array_get(order, 4), "type"), "PodScheduled");
    /* containerStatuses sorted by name, as the kubelet sorts them. */
    json_t *cs = ck_obj_get(patch, "status.containerStatuses");
    CHECK_INT(json_array_size(cs), 2);
    json_t *app = json_array_get(cs, 0), *web = json_array_get(cs, 1);
    CHECK_STR(ck_obj_str(app, "name"), "app");
    CHECK_STR(ck_obj_str(web, "name"), "web");
    CHECK(json_is_true(json_object_get(web, "ready")));
    CHECK(json_is_true(json_object_get(web, "started")));
    CHECK_INT(json_integer_value(json_object_get(web, "restartCount")), 0);
    CHECK_STR(ck_obj_str(web, "state.running.startedAt"), "2025-01-01T00:00:02Z");
    CHECK_STR(ck_obj_str(web, "image"), "docker.io/library/nginx:latest");
    CHECK_STR(ck_obj_str(web, "imageID"), "hollow://docker.io/library/nginx:latest");
    CHECK_STR(ck_obj_str(web, "containerID"), "hollow://u-1/web");
    CHECK_STR(ck_obj_str(web, "resources.requests.cpu"), "250m");
    CHECK(json_object_get(app, "resources") == NULL);
    CHECK_INT(json_object_size(json_object_get(web, "lastState")), 0);
    json_decref(patch);
    json_decref(p);

    /* Not yet scheduled by anyone (nodeName set by hand): PodScheduled is reported. */
    p = pod(NULL, NULL);
    json_object_set_new(json_object_get(p, "status"), "conditions", json_array());
    patch = hw_pod_running_patch(p, &env);
    CHECK_STR(ck_obj_str(cond(patch, "PodScheduled"), "status"), "True");
    json_decref(patch);
    json_decref(p);
}

static void test_init_and_gates(void)
{
    json_t *p = pod("\"initContainers\":[{\"name\":\"setup\",\"image\":\"busybox\"},"
                    "{\"name\":\"proxy\",\"image\":\"envoy\",\"restartPolicy\":\"Always\"}],"
                    "\"readinessGates\":[{\"conditionType\":\"example.com/lb\"}]",
                    NULL);
    json_t *patch = hw_pod_running_patch(p, &env);
    json_t *inits = ck_obj_get(patch, "status.initContainerStatuses");
    CHECK_INT(json_array_size(inits), 2);
    CHECK_STR(ck_obj_str(json_array_get(inits, 0), "state.terminated.reason"), "Completed");
    CHECK_INT(json_integer_value(ck_obj_get(json_array_get(inits, 0), "state.terminated.exitCode")),
              0);
    CHECK(ck_obj_get(json_array_get(inits, 1), "state.running") != NULL);
    CHECK(json_is_true(json_object_get(json_array_get(inits, 1), "ready")));
    const json_t *ready = cond(patch, "Ready");
    CHECK_STR(ck_obj_str(ready, "status"), "False");
    CHECK_STR(ck_obj_str(ready, "reason"), "ReadinessGatesNotReady");
    CHECK_STR(ck_obj_str(ready, "message"),
              "corresponding condition of pod readiness gate \"example.com/lb\" does not exist.");
    CHECK_STR(ck_obj_str(cond(patch, "ContainersReady"), "status"), "True");
    json_decref(patch);

    /* Once running: the gate's condition False, then True. */
    json_t *st = json_object_get(p, "status");
    json_object_set_new(st, "phase", json_string("Running"));
    json_object_set_new(
        st, "conditions",
        json_pack("[{s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}]", "type", "ContainersReady", "status",
                  "True", "type", "Ready", "status", "False", "message",
                  "corresponding condition of pod readiness gate \"example.com/lb\" "
                  "does not exist.",
                  "type", "example.com/lb", "status", "False"));
    patch = hw_pod_ready_patch(p, env.now);
    CHECK(patch != NULL);
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "message"),
              "the status of pod readiness gate \"example.com/lb\" is not \"True\", but False");
    json_decref(patch);
    json_object_set_new(json_array_get(json_object_get(st, "conditions"), 2), "status",
                        json_string("True"));
    patch = hw_pod_ready_patch(p, env.now);
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "status"), "True");
    CHECK(json_is_null(json_object_get(cond(patch, "Ready"), "reason")));
    json_decref(patch);
    json_object_set_new(json_array_get(json_object_get(st, "conditions"), 1), "status",
                        json_string("True"));
    json_object_del(json_array_get(json_object_get(st, "conditions"), 1), "message");
    CHECK(hw_pod_ready_patch(p, env.now) == NULL); /* current */
    json_decref(p);
}

static void test_finished(void)
{
    json_t *p = pod("\"restartPolicy\":\"Never\"", NULL);
    json_object_set_new(json_object_get(p, "spec"), "restartPolicy", json_string("Never"));
    json_t *patch = hw_pod_finished_patch(p, &env, 0, NULL, NULL);
    CHECK_STR(ck_obj_str(patch, "status.phase"), "Succeeded");
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "reason"), "PodCompleted");
    CHECK_STR(ck_obj_str(cond(patch, "ContainersReady"), "status"), "False");
    CHECK_STR(ck_obj_str(cond(patch, "PodReadyToStartContainers"), "status"), "False");
    CHECK_STR(ck_obj_str(cond(patch, "Initialized"), "reason"), "PodCompleted");
    json_t *web = json_array_get(ck_obj_get(patch, "status.containerStatuses"), 1);
    CHECK_STR(ck_obj_str(web, "state.terminated.reason"), "Completed");
    CHECK_INT(json_integer_value(ck_obj_get(web, "state.terminated.exitCode")), 0);
    CHECK_STR(ck_obj_str(web, "state.terminated.startedAt"), "2025-01-01T00:00:02Z");
    CHECK_STR(ck_obj_str(web, "state.terminated.finishedAt"), "2025-01-01T00:00:05Z");
    CHECK_STR(ck_obj_str(web, "state.terminated.containerID"), "hollow://u-1/web");
    CHECK(json_is_false(json_object_get(web, "ready")));
    CHECK(json_is_false(json_object_get(web, "started")));
    json_decref(patch);

    patch = hw_pod_finished_patch(p, &env, 3, NULL, NULL);
    CHECK_STR(ck_obj_str(patch, "status.phase"), "Failed");
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "reason"), "PodFailed");
    web = json_array_get(ck_obj_get(patch, "status.containerStatuses"), 1);
    CHECK_STR(ck_obj_str(web, "state.terminated.reason"), "Error");
    CHECK_INT(json_integer_value(ck_obj_get(web, "state.terminated.exitCode")), 3);
    json_decref(patch);

    patch = hw_pod_finished_patch(p, &env, 137, "DeadlineExceeded", "too long");
    CHECK_STR(ck_obj_str(patch, "status.reason"), "DeadlineExceeded");
    CHECK_STR(ck_obj_str(patch, "status.message"), "too long");
    json_decref(patch);
    json_decref(p);
}

static void test_backoff_and_restart(void)
{
    json_t *p = pod(NULL, NULL);
    hw_pod_env e = env;
    e.restarts = 1;
    e.last_started = "2025-01-01T00:00:02Z";
    e.finished_at = "2025-01-01T00:00:03Z";
    e.last_exit = 2;
    json_t *patch = hw_pod_backoff_patch(p, &e, 10000);
    CHECK_STR(ck_obj_str(patch, "status.phase"), "Running");
    json_t *web = json_array_get(ck_obj_get(patch, "status.containerStatuses"), 1);
    CHECK_STR(ck_obj_str(web, "state.waiting.reason"), "CrashLoopBackOff");
    CHECK_STR(ck_obj_str(web, "state.waiting.message"),
              "back-off 10s restarting failed container=web pod=p_ns(u-1)");
    CHECK_STR(ck_obj_str(web, "lastState.terminated.reason"), "Error");
    CHECK_INT(json_integer_value(ck_obj_get(web, "lastState.terminated.exitCode")), 2);
    CHECK_STR(ck_obj_str(web, "lastState.terminated.finishedAt"), "2025-01-01T00:00:03Z");
    CHECK_INT(json_integer_value(json_object_get(web, "restartCount")), 1);
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "reason"), "ContainersNotReady");
    CHECK_STR(ck_obj_str(cond(patch, "Ready"), "message"),
              "containers with unready status: [web app]");
    json_decref(patch);

    e.restarts = 2;
    patch = hw_pod_running_patch(p, &e);
    web = json_array_get(ck_obj_get(patch, "status.containerStatuses"), 1);
    CHECK_INT(json_integer_value(json_object_get(web, "restartCount")), 2);
    CHECK_STR(ck_obj_str(web, "containerID"), "hollow://u-1/web/2");
    CHECK_STR(ck_obj_str(web, "lastState.terminated.containerID"), "hollow://u-1/web/1");
    CHECK(ck_obj_get(web, "state.running") != NULL);
    json_decref(patch);
    json_decref(p);
}

static void test_rejected_and_readers(void)
{
    json_t *p = pod(NULL, "\"hollow.ckube.io/exit-code\":\"3\","
                          "\"hollow.ckube.io/job-duration\":\"250ms\"");
    char *msg = hw_reject_message("cpu", 1000, 31500, 32000);
    CHECK_STR(msg, "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, "
                   "used: 31500, capacity: 32000");
    json_t *patch = hw_pod_rejected_patch(p, "OutOfcpu", msg);
    CHECK_STR(ck_obj_str(patch, "status.phase"), "Failed");
    CHECK_STR(ck_obj_str(patch, "status.reason"), "OutOfcpu");
    CHECK(ck_obj_get(patch, "status.containerStatuses") == NULL);
    json_decref(patch);
    free(msg);

    CHECK_INT(hw_pod_exit_code(p), 3);
    CHECK_INT(hw_pod_job_duration_ms(p, 1000), 250);
    CHECK(!hw_pod_runs_to_completion(p));
    int64_t cpu, mem;
    hw_pod_requests(p, &cpu, &mem);
    CHECK_INT(cpu, 250);
    CHECK_INT(mem, 64 * 1024 * 1024);
    json_decref(p);

    p = pod("\"restartPolicy\":\"OnFailure\","
            "\"initContainers\":[{\"name\":\"big\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}},"
            "{\"name\":\"side\",\"restartPolicy\":\"Always\","
            "\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}],"
            "\"overhead\":{\"cpu\":\"50m\",\"memory\":\"1Mi\"}",
            "\"hollow.ckube.io/exit-code\":\"bogus\"");
    json_object_set_new(json_object_get(p, "spec"), "restartPolicy", json_string("OnFailure"));
    CHECK(hw_pod_runs_to_completion(p));
    CHECK_INT(hw_pod_exit_code(p), 1);
    CHECK_INT(hw_pod_job_duration_ms(p, 1000), 1000);
    hw_pod_requests(p, &cpu, &mem);
    CHECK_INT(cpu, 2000 + 50); /* the init container dominates 250m + 100m; plus overhead */
    CHECK_INT(mem, 65 * 1024 * 1024);
    json_decref(p);
}

static void test_trim(void)
{
    json_t *p = pod("\"initContainers\":[{\"name\":\"i\",\"image\":\"busybox\","
                    "\"command\":[\"sh\"],\"restartPolicy\":\"Always\"}],"
                    "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}],"
                    "\"activeDeadlineSeconds\":30,\"readinessGates\":[{\"conditionType\":\"g\"}]",
                    "\"hollow.ckube.io/exit-code\":\"4\",\"other.io/x\":\"big\"");
    json_object_set_new(json_object_get(p, "metadata"), "managedFields", json_pack("[{}]"));
    json_object_set_new(json_object_get(p, "metadata"), "labels", json_pack("{s:s}", "a", "b"));
    json_t *t = hw_pod_trim(p);
    CHECK_STR(ck_obj_str(t, "metadata.uid"), "u-1");
    CHECK_STR(ck_obj_str(t, "metadata.namespace"), "ns");
    CHECK(ck_obj_get(t, "metadata.managedFields") == NULL);
    CHECK(ck_obj_get(t, "metadata.labels") == NULL);
    CHECK_INT(json_object_size(ck_obj_get(t, "metadata.annotations")), 1);
    CHECK_INT(hw_pod_exit_code(t), 4);
    CHECK(ck_obj_get(t, "spec.volumes") == NULL);
    CHECK_INT(json_integer_value(ck_obj_get(t, "spec.activeDeadlineSeconds")), 30);
    json_t *ic = json_array_get(ck_obj_get(t, "spec.initContainers"), 0);
    CHECK_STR(ck_obj_str(ic, "restartPolicy"), "Always");
    CHECK(json_object_get(ic, "command") == NULL);
    CHECK_STR(
        ck_obj_str(json_array_get(ck_obj_get(t, "spec.containers"), 0), "resources.requests.cpu"),
        "250m");
    CHECK_STR(ck_obj_str(t, "status.phase"), "Pending");
    /* The builders read the trimmed pod as they read the whole one. */
    json_t *a = hw_pod_running_patch(p, &env), *b = hw_pod_running_patch(t, &env);
    CHECK(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    int64_t c1, m1, c2, m2;
    hw_pod_requests(p, &c1, &m1);
    hw_pod_requests(t, &c2, &m2);
    CHECK(c1 == c2 && m1 == m2);
    json_decref(t);
    json_decref(p);
}

int main(void)
{
    test_trim();
    test_running();
    test_init_and_gates();
    test_finished();
    test_backoff_and_restart();
    test_rejected_and_readers();
    return UT_DONE();
}
