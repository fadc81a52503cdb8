/* `ckube hollow-nodes` (see hollow.h): flags, the process state, the write queue shared by
 * the nodes and pods (see internal.h), progress lines, and a clean shutdown. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "hollow/internal.h"
#include "lib/flags.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/quantity.h"
#include "version.h"

/* ---- the write queue ---- */

typedef struct hw_req {
    struct hw_req *prev, *next;
    hw_hollow *h;
    ck_call *call;
    hw_done_fn done;
    void *ctx;
} hw_req;

void hw_enqueue(hw_hollow *h, hw_task *t)
{
    if (t->queued || h->stopping) return;
    t->queued = true;
    t->next = NULL;
    t->prev = h->tail[t->prio];
    if (t->prev)
        t->prev->next = t;
    else
        h->head[t->prio] = t;
    h->tail[t->prio] = t;
    h->queued++;
}

void hw_dequeue(hw_hollow *h, hw_task *t)
{
    if (!t->queued) return;
    if (t->prev)
        t->prev->next = t->next;
    else
        h->head[t->prio] = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        h->tail[t->prio] = t->prev;
    t->prev = t->next = NULL;
    t->queued = false;
    h->queued--;
}

void hw_pump(hw_hollow *h)
{
    unsigned max = h->o->max_requests_inflight > 0 ? (unsigned)h->o->max_requests_inflight : 1;
    for (int p = 0; p < HW_NPRIO && !h->stopping; p++)
        while (h->inflight < max && h->head[p] && !h->hold[p]) {
            hw_task *t = h->head[p];
            hw_dequeue(h, t);
            t->run(t);
            p = 0; /* node work first, also when a pod task queued some */
        }
}

static void on_response(const ck_response *r, void *ctx)
{
    hw_req *q = ctx;
    hw_hollow *h = q->h;
    if (q->prev)
        q->prev->next = q->next;
    else
        h->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    h->inflight--;
    if (r->err && r->status != 404 && r->status != 409) { /* races and restarts, not errors */
        h->errors++;
        ck_log_v(2, "hollow-nodes: %d %s", r->status, r->err->message);
    } else if (r->err) {
        ck_log_v(3, "hollow-nodes: %d %s", r->status, r->err->message);
    }
    q->done(h, r, q->ctx);
    free(q);
    hw_pump(h);
}

void hw_send(hw_hollow *h, hw_write_kind kind, const char *method, const char *path,
             const json_t *body, const char *content_type, hw_done_fn done, void *ctx)
{
    hw_req *q = xcalloc(1, sizeof *q);
    *q = (hw_req){.h = h, .done = done, .ctx = ctx, .next = h->reqs};
    if (h->reqs) h->reqs->prev = q;
    h->reqs = q;
    h->inflight++;
    h->writes[kind]++;
    q->call = ck_client_request(h->client, method, path, body, content_type, on_response, q);
}

/* Shutdown: outstanding writes are dropped without their callbacks. */
static void cancel_writes(hw_hollow *h)
{
    while (h->reqs) {
        hw_req *q = h->reqs;
        h->reqs = q->next;
        ck_call_cancel(q->call);
        free(q);
    }
    h->inflight = 0;
}

bool hw_retryable(const ck_response *r)
{
    return r->status == 0 || r->status == 429 || r->status >= 500;
}

uint64_t hw_backoff_next(uint64_t *cur, uint64_t max_ms)
{
    *cur = *cur ? *cur * 2 : 200;
    if (*cur > max_ms) *cur = max_ms;
    return *cur;
}

int64_t hw_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

hw_node *hw_node_by_name(hw_hollow *h, const char *name)
{
    if (!name || strncmp(name, h->o->name_prefix, h->prefix_len) != 0 || name[h->prefix_len] != '-')
        return NULL;
    const char *d = name + h->prefix_len + 1;
    if (!*d || (*d == '0' && d[1])) return NULL;
    unsigned long i = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || i > h->n) return NULL;
        i = i * 10 + (unsigned long)(*d - '0');
    }
    return i < h->n ? &h->nodes[i] : NULL;
}

/* ---- progress ---- */

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static void log_stats(hw_hollow *h)
{
    uint64_t now = ck_loop_now(h->loop);
    double secs = (double)(now - h->last_stats_ms) / 1000.0;
    if (secs <= 0) secs = 1;
    double rate[HW_W_N], total = 0;
    for (int k = 0; k < HW_W_N; k++) {
        rate[k] = (double)(h->writes[k] - h->last_writes[k]) / secs;
        total += rate[k];
        h->last_writes[k] = h->writes[k];
    }
    ck_log_info("hollow-nodes: %u/%u nodes registered, %u pods; %.1f writes/s (register %.1f, "
                "lease %.1f, node status %.1f, pod status %.1f, pod delete %.1f), %lu errors, "
                "%u in flight, %u queued, RSS %ld MiB",
                h->registered, h->n, h->npods, total, rate[HW_W_REGISTER], rate[HW_W_LEASE],
                rate[HW_W_NODE_STATUS], rate[HW_W_POD_STATUS], rate[HW_W_POD_DELETE],
                h->errors - h->last_errors, h->inflight, h->queued, rss_kib() / 1024);
    h->last_errors = h->errors;
    h->last_stats_ms = now;
}

static void stats(ck_loop *l, void *ctx)
{
    hw_hollow *h = ctx;
    log_stats(h);
    h->stats_timer = ck_loop_timer(l, (uint64_t)h->o->stats_interval_ms, stats, h);
}

/* The pods reflector starts once the nodes reflector has synced, so pods found running
 * after a restart find their node's podCIDR known. */
static void start_pods(ck_loop *l, void *ctx)
{
    hw_hollow *h = ctx;
    h->pods_timer = 0;
    if (!hw_reflector_synced(h->nodes_ref)) {
        h->pods_timer = ck_loop_timer(l, 50, start_pods, h);
        return;
    }
    hw_pods_watch(h);
}

/* ---- the machine ---- */

static char *os_image(void)
{
    cleanup_free char *rel = read_file("/etc/os-release", NULL);
    const char *p = rel ? strstr(rel, "PRETTY_NAME=") : NULL;
    if (!p) return xstrdup("Linux");
    p += strlen("PRETTY_NAME=");
    if (*p == '"') p++;
    size_t n = strcspn(p, "\"\n");
    return xstrndup(p, n);
}

static int parse_capacity(hw_hollow *h, char **cpu, char **mem, char **pods, char **eph,
                          ck_err **err)
{
    const ck_hollow_opts *o = h->o;
    if (hw_parse_quantity("cpu", o->cpu, cpu, err) < 0 ||
        hw_parse_quantity("memory", o->memory, mem, err) < 0 ||
        hw_parse_quantity("pods", o->pods, pods, err) < 0 ||
        hw_parse_quantity("ephemeral-storage", o->ephemeral_storage, eph, err) < 0)
        return -1;
    ck_quantity q;
    ck_quantity_parse(*cpu, &q, NULL);
    h->cap_cpu_m = ck_quantity_milli(&q);
    ck_quantity_parse(*mem, &q, NULL);
    h->cap_mem = ck_quantity_value(&q);
    ck_quantity_parse(*pods, &q, NULL);
    h->cap_pods = ck_quantity_value(&q);
    return 0;
}

int ck_hollow_run(const ck_hollow_opts *o)
{
    hw_hollow hh = {.o = o, .n = (unsigned)o->count, .prefix_len = strlen(o->name_prefix)};
    hw_hollow *h = &hh;
    ck_err *err = NULL;
    cleanup_free char *cpu = NULL, *mem = NULL, *pods = NULL, *eph = NULL, *image = os_image();
    json_t *labels = NULL, *taints = NULL;
    ck_kubeconfig kc = {0};
    int rc = -1;
    if (parse_capacity(h, &cpu, &mem, &pods, &eph, &err) < 0 ||
        hw_parse_labels(o->node_labels, &labels, &err) < 0 ||
        hw_parse_taints(o->register_with_taints, &taints, &err) < 0 ||
        ck_kubeconfig_load(o->kubeconfig, NULL, &kc, &err) < 0)
        goto out;
    struct utsname u;
    uname(&u);
    h->spec = (hw_node_spec){.cpu = cpu,
                             .memory = mem,
                             .pods = pods,
                             .ephemeral_storage = eph,
                             .labels = labels,
                             .taints = taints,
                             .kernel_version = u.release,
                             .os_image = image,
                             .kubelet_version = CK_KUBE_GIT_VERSION};
    h->loop = ck_loop_new();
    if (!h->loop || ck_loop_handle_signals(h->loop) < 0) {
        ck_error(&err, 500, CK_INTERNAL, "cannot set up the event loop");
        goto out;
    }
    ck_client_opts co = {.user_agent = "kubelet/" CK_KUBE_GIT_VERSION " (hollow)",
                         .qps = o->kube_api_qps,
                         .burst = o->kube_api_burst};
    h->client = ck_client_new(h->loop, &kc, &co, &err);
    if (!h->client) goto out;
    h->started_ms = h->last_stats_ms = ck_loop_now(h->loop);
    hw_nodes_init(h); /* registration starts once the nodes are listed */
    hw_nodes_watch(h);
    h->pods_timer = ck_loop_timer(h->loop, 0, start_pods, h);
    if (o->stats_interval_ms > 0)
        h->stats_timer = ck_loop_timer(h->loop, (uint64_t)o->stats_interval_ms, stats, h);
    ck_log_info("hollow-nodes: registering %u nodes %s-0 .. %s-%u", h->n, o->name_prefix,
                o->name_prefix, h->n - 1);
    ck_loop_run(h->loop);

    ck_log_info("hollow-nodes: stopping");
    log_stats(h);
    ck_loop_cancel(h->loop, h->stats_timer);
    ck_loop_cancel(h->loop, h->pods_timer);
    h->stopping = true;
    hw_reflector_free(h->pods_ref);
    hw_reflector_free(h->nodes_ref);
    cancel_writes(h);
    hw_pods_free(h);
    hw_nodes_quiesce(h);
    if (o->delete_nodes_on_exit) {
        h->stopping = false;
        hw_nodes_delete_all(h, 30000);
        h->stopping = true;
        cancel_writes(h);
    }
    rc = 0;
out:
    if (err) fprintf(stderr, "Error: %s\n", err->message);
    ck_err_free(err);
    if (h->nodes) hw_nodes_free(h);
    ck_client_free(h->client);
    ck_loop_free(h->loop);
    ck_kubeconfig_clear(&kc);
    json_decref(labels);
    json_decref(taints);
    return rc;
}

void ck_hollow_opts_init(ck_hollow_opts *o)
{
    *o = (ck_hollow_opts){.count = 1,
                          .name_prefix = "hollow-node",
                          .cpu = "32",
                          .memory = "256Gi",
                          .pods = "110",
                          .ephemeral_storage = "100Gi",
                          .job_duration_ms = 1000,
                          .kube_api_qps = 100000,
                          .kube_api_burst = 100000,
                          .max_requests_inflight = 96,
                          .lease_duration_s = 40,
                          .status_report_ms = 5 * 60 * 1000};
}

int ck_cmd_hollow_nodes(int argc, char **argv)
{
    ck_hollow_opts o;
    ck_hollow_opts_init(&o);
    int v = 0;
    const ck_flag flags[] = {
        {"kubeconfig", CK_FLAG_STRING, &o.kubeconfig,
         "Path to a kubeconfig file, specifying how to connect to the API server."},
        {"count", CK_FLAG_INT, &o.count, "Number of nodes to simulate."},
        {"name-prefix", CK_FLAG_STRING, &o.name_prefix,
         "Nodes are named <prefix>-0 .. <prefix>-<count-1> (default hollow-node)."},
        {"cpu", CK_FLAG_STRING, &o.cpu, "CPU capacity of each node (default 32)."},
        {"memory", CK_FLAG_STRING, &o.memory, "Memory capacity of each node (default 256Gi)."},
        {"pods", CK_FLAG_STRING, &o.pods, "Pod capacity of each node (default 110)."},
        {"ephemeral-storage", CK_FLAG_STRING, &o.ephemeral_storage,
         "Ephemeral storage capacity of each node (default 100Gi)."},
        {"job-duration", CK_FLAG_DURATION, &o.job_duration_ms,
         "How long pods with restartPolicy Never or OnFailure run (default 1s); the "
         "hollow.ckube.io/job-duration annotation overrides it per pod."},
        {"node-labels", CK_FLAG_STRING, &o.node_labels,
         "Labels to add when registering the nodes, key=value pairs separated by ','."},
        {"register-with-taints", CK_FLAG_STRING, &o.register_with_taints,
         "Register the nodes with the given taints (comma separated "
         "\"<key>=<value>:<effect>\")."},
        {"kube-api-qps", CK_FLAG_INT, &o.kube_api_qps,
         "QPS to use while talking with the API server (0: unlimited; default 100000)."},
        {"kube-api-burst", CK_FLAG_INT, &o.kube_api_burst,
         "Burst to use while talking with the API server (default 100000)."},
        {"max-requests-inflight", CK_FLAG_INT, &o.max_requests_inflight,
         "Writes outstanding at once (default 96: one HTTP/2 connection's streams)."},
        {"node-lease-duration-seconds", CK_FLAG_INT, &o.lease_duration_s,
         "Duration of the node Leases; they are renewed every quarter of it (default 40)."},
        {"node-status-report-frequency", CK_FLAG_DURATION, &o.status_report_ms,
         "How often node status is reported when it does not change (default 5m0s)."},
        {"stats-interval", CK_FLAG_DURATION, &o.stats_interval_ms,
         "Log writes per second, queue and RSS at this interval (default 0: never)."},
        {"delete-nodes-on-exit", CK_FLAG_BOOL, &o.delete_nodes_on_exit,
         "Delete the nodes and their Leases when stopping."},
        {"v", CK_FLAG_INT, &v, "number for the log level verbosity"},
    };
    ck_command_spec spec = {"ckube hollow-nodes", "--kubeconfig FILE --count N [flags]",
                            "Simulate nodes: register N nodes, keep their Leases and status "
                            "fresh, and play their kubelet for the pods bound to them, without "
                            "running containers (like kubemark's hollow kubelet or kwok).",
                            flags, ARRAY_SIZE(flags)};
    int pr = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (pr != 0) return pr > 0 ? 0 : 1;
    ck_log_verbosity = v;
    if (!o.kubeconfig) {
        fprintf(stderr, "Error: --kubeconfig is required\n");
        return 1;
    }
    if (o.count < 1 || o.count > 1000000) {
        fprintf(stderr, "Error: --count must be between 1 and 1000000\n");
        return 1;
    }
    if (!o.name_prefix || !*o.name_prefix || strlen(o.name_prefix) > 200) {
        fprintf(stderr, "Error: --name-prefix must not be empty\n");
        return 1;
    }
    if (o.lease_duration_s < 1) {
        fprintf(stderr, "Error: --node-lease-duration-seconds must be positive\n");
        return 1;
    }
    return ck_hollow_run(&o) < 0 ? 1 : 0;
}
