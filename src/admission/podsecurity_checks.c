/* The Pod Security Standards checks (upstream k8s.io/pod-security-admission/policy): a Pod
 * or pod template is evaluated against the baseline or restricted level and the failed
 * checks are reported with upstream's reasons and details. The checks run in upstream's
 * order: baseline checks, then for baseline the checks that restricted replaces, for
 * restricted the restricted checks. The admission plugin is in podsecurity.c. */
#include "admission/podsecurity.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "registry/registry.h"

/* A list of strings; sl_set keeps it sorted and unique like upstream's sets.String. */
typedef struct slist {
    char **v;
    size_t n;
} slist;

static void sl_add(slist *l, const char *s)
{
    l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    if (!l->v) abort();
    l->v[l->n++] = xstrdup(s);
}

static void sl_set(slist *l, const char *s)
{
    size_t i = 0;
    while (i < l->n && strcmp(l->v[i], s) < 0)
        i++;
    if (i < l->n && streq(l->v[i], s)) return;
    sl_add(l, s);
    char *last = l->v[l->n - 1];
    memmove(l->v + i + 1, l->v + i, (l->n - 1 - i) * sizeof *l->v);
    l->v[i] = last;
}

static void sl_free(slist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Joins with sep, each item in double quotes when quote is set (upstream's joinQuote). */
static char *sl_join(const slist *l, const char *sep, bool quote)
{
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + strlen(sep) + 2;
    char *out = xcalloc(1, len), *p = out;
    for (size_t i = 0; i < l->n; i++)
        p += sprintf(p, "%s%s%s%s", i ? sep : "", quote ? "\"" : "", l->v[i], quote ? "\"" : "");
    return out;
}

static const char *plural(const char *one, const char *many, size_t n)
{
    return n == 1 ? one : many;
}

/* `container "a"` or `containers "a", "b"`; the caller frees. */
static char *ctrs(const slist *names)
{
    cleanup_free char *q = sl_join(names, ", ", true);
    return xasprintf("%s %s", plural("container", "containers", names->n), q);
}

/* Failed checks: reasons and details, aligned. */
typedef struct results {
    slist reasons, details;
} results;

static void fail(results *r, const char *reason, char *detail /* owned */)
{
    sl_add(&r->reasons, reason);
    sl_add(&r->details, detail);
    free(detail);
}

static const json_t *sc_of(const json_t *c)
{
    return json_object_get(c, "securityContext");
}

static const char *str_at(const json_t *o, const char *k1, const char *k2)
{
    const json_t *v = json_object_get(o, k1);
    if (k2) v = json_object_get(v, k2);
    return json_string_value(v);
}

/* Every container in upstream's visiting order: init, regular, ephemeral (new ref). */
static json_t *all_containers(const json_t *spec)
{
    static const char *const fields[] = {"initContainers", "containers", "ephemeralContainers"};
    json_t *all = json_array();
    for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, fields[f]), i, c) json_array_append(all, c);
    }
    return all;
}

static const char *cname(const json_t *c)
{
    const char *n = str_at(c, "name", NULL);
    return n ? n : "";
}

/* "pod and containers "a"" style setter lists end with the containers; the caller frees. */
static char *setters(bool pod, const slist *bad)
{
    cleanup_free char *c = bad->n ? ctrs(bad) : NULL;
    if (pod && c) return xasprintf("pod and %s", c);
    return xstrdup(pod ? "pod" : c);
}

static bool apparmor_ok(const char *v)
{
    return !*v || streq(v, "runtime/default") || has_prefix(v, "localhost/");
}

static void check_apparmor(const json_t *pod, const json_t *spec, const json_t *cs, results *r)
{
    slist bad = {0};
    const char *key;
    json_t *v;
    json_object_foreach(ck_obj_get(pod, "metadata.annotations"), key, v)
    {
        const char *s = json_string_value(v);
        if (has_prefix(key, "container.apparmor.security.beta.kubernetes.io/") && s &&
            !apparmor_ok(s)) {
            cleanup_free char *e = xasprintf("%s=\"%s\"", key, s);
            sl_set(&bad, e);
        }
    }
    const char *t = str_at(sc_of(spec), "appArmorProfile", "type");
    if (streq(t, "Unconfined")) sl_set(&bad, t);
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        t = str_at(sc_of(c), "appArmorProfile", "type");
        if (streq(t, "Unconfined")) sl_set(&bad, t);
    }
    if (bad.n)
        fail(r, plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.n),
             sl_join(&bad, ", ", false));
    sl_free(&bad);
}

static void check_host_namespaces(const json_t *spec, results *r)
{
    slist bad = {0};
    static const char *const f[] = {"hostIPC", "hostNetwork", "hostPID"}; /* sorted */
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        if (json_is_true(json_object_get(spec, f[i]))) sl_add(&bad, f[i]);
    if (bad.n) fail(r, "host namespaces", sl_join(&bad, ", ", false));
    sl_free(&bad);
}

static void check_host_path(const json_t *spec, results *r)
{
    slist bad = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v) if (json_object_get(v, "hostPath"))
        sl_add(&bad, cname(v));
    if (bad.n) {
        cleanup_free char *q = sl_join(&bad, ", ", true);
        fail(r, "hostPath volumes", xasprintf("%s %s", plural("volume", "volumes", bad.n), q));
    }
    sl_free(&bad);
}

static void check_host_ports(const json_t *cs, results *r)
{
    slist bad = {0}, ports = {0};
    size_t i, j;
    json_t *c, *p;
    json_array_foreach(cs, i, c)
    {
        bool ok = true;
        json_array_foreach(json_object_get(c, "ports"), j, p)
        {
            json_int_t hp = json_integer_value(json_object_get(p, "hostPort"));
            if (!hp) continue;
            ok = false;
            char buf[24];
            snprintf(buf, sizeof buf, "%lld", (long long)hp);
            sl_set(&ports, buf);
        }
        if (!ok) sl_add(&bad, cname(c));
    }
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        cleanup_free char *list = sl_join(&ports, ", ", false);
        fail(r, "hostPort",
             xasprintf("%s %s %s %s", who, plural("uses", "use", bad.n),
                       plural("hostPort", "hostPorts", ports.n), list));
    }
    sl_free(&bad);
    sl_free(&ports);
}

/* Hosts named by a probe or lifecycle handler's httpGet/tcpSocket, added to hosts. */
static bool handler_hosts(const json_t *h, slist *hosts)
{
    bool bad = false;
    static const char *const kinds[] = {"httpGet", "tcpSocket"};
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        const char *host = str_at(h, kinds[k], "host");
        if (host && *host) bad = true, sl_set(hosts, host);
    }
    return bad;
}

static void check_probe_hosts(const json_t *cs, results *r)
{
    static const char *const handlers[] = {"livenessProbe", "readinessProbe", "startupProbe",
                                           "lifecycle.postStart", "lifecycle.preStop"};
    slist bad = {0}, hosts = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        for (size_t k = 0; k < ARRAY_SIZE(handlers); k++)
            if (handler_hosts(ck_obj_get(c, handlers[k]), &hosts)) sl_set(&bad, cname(c));
    }
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        cleanup_free char *q = sl_join(&hosts, ", ", true);
        fail(r, "probe or lifecycle host",
             xasprintf("%s %s %s %s", who, plural("uses", "use", bad.n),
                       plural("probe or lifecycle host", "probe or lifecycle hosts", hosts.n), q));
    }
    sl_free(&bad);
    sl_free(&hosts);
}

static bool host_process(const json_t *sc)
{
    return json_is_true(ck_obj_get(sc, "windowsOptions.hostProcess"));
}

static void check_host_process(const json_t *spec, const json_t *cs, results *r)
{
    bool pod = host_process(sc_of(spec));
    slist bad = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) if (host_process(sc_of(c))) sl_add(&bad, cname(c));
    if (pod || bad.n) {
        cleanup_free char *who = setters(pod, &bad);
        fail(r, "hostProcess",
             xasprintf("%s must not set securityContext.windowsOptions.hostProcess=true", who));
    }
    sl_free(&bad);
}

static void check_privileged(const json_t *cs, results *r)
{
    slist bad = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) if (json_is_true(json_object_get(sc_of(c), "privileged")))
        sl_add(&bad, cname(c));
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        fail(r, "privileged", xasprintf("%s must not set securityContext.privileged=true", who));
    }
    sl_free(&bad);
}

/* Pods with their own user namespace (hostUsers: false) are relaxed, as upstream. */
static bool user_ns(const json_t *spec)
{
    return json_is_false(json_object_get(spec, "hostUsers"));
}

static void check_proc_mount(const json_t *spec, const json_t *cs, results *r)
{
    if (user_ns(spec)) return;
    slist bad = {0}, types = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        const char *pm = str_at(sc_of(c), "procMount", NULL);
        if (pm && !streq(pm, "Default")) {
            sl_add(&bad, cname(c));
            sl_set(&types, pm);
        }
    }
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        cleanup_free char *t = sl_join(&types, ", ", true);
        fail(r, "procMount", xasprintf("%s must not set securityContext.procMount to %s", who, t));
    }
    sl_free(&bad);
    sl_free(&types);
}

struct selinux_state {
    slist types;
    bool user, role;
};

static bool selinux_ok(const json_t *o, struct selinux_state *st)
{
    const char *t = str_at(o, "type", NULL), *u = str_at(o, "user", NULL),
               *ro = str_at(o, "role", NULL);
    bool ok = true;
    if (t && *t && !streq(t, "container_t") && !streq(t, "container_init_t") &&
        !streq(t, "container_kvm_t")) {
        ok = false;
        sl_set(&st->types, t);
    }
    if (u && *u) ok = false, st->user = true;
    if (ro && *ro) ok = false, st->role = true;
    return ok;
}

static void check_selinux(const json_t *spec, const json_t *cs, results *r)
{
    struct selinux_state st = {0};
    const json_t *o = json_object_get(sc_of(spec), "seLinuxOptions");
    bool pod = o && !selinux_ok(o, &st);
    slist bad = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        o = json_object_get(sc_of(c), "seLinuxOptions");
        if (o && !selinux_ok(o, &st)) sl_add(&bad, cname(c));
    }
    if (pod || bad.n) {
        slist data = {0};
        if (st.types.n) {
            cleanup_free char *q = sl_join(&st.types, ", ", true);
            cleanup_free char *d = xasprintf("%s %s", plural("type", "types", st.types.n), q);
            sl_add(&data, d);
            if (st.user) sl_add(&data, "user may not be set");
            if (st.role) sl_add(&data, "role may not be set");
        }
        cleanup_free char *who = setters(pod, &bad);
        cleanup_free char *d = sl_join(&data, "; ", false);
        fail(r, "seLinuxOptions",
             xasprintf("%s set forbidden securityContext.seLinuxOptions: %s", who, d));
        sl_free(&data);
    }
    sl_free(&bad);
    sl_free(&st.types);
}

static void check_sysctls(const json_t *spec, results *r)
{
    static const char *const safe[] = {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    };
    slist bad = {0};
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(sc_of(spec), "sysctls"), i, s)
    {
        const char *n = str_at(s, "name", NULL);
        bool ok = false;
        for (size_t k = 0; n && k < ARRAY_SIZE(safe) && !ok; k++)
            ok = streq(n, safe[k]);
        if (!ok) sl_add(&bad, n ? n : "");
    }
    if (bad.n) fail(r, "forbidden sysctls", sl_join(&bad, ", ", false));
    sl_free(&bad);
}

static void check_caps_baseline(const json_t *cs, results *r)
{
    static const char *const allowed[] = {
        "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
    slist bad = {0}, caps = {0};
    size_t i, j;
    json_t *c, *cap;
    json_array_foreach(cs, i, c)
    {
        bool ok = true;
        json_array_foreach(ck_obj_get(sc_of(c), "capabilities.add"), j, cap)
        {
            const char *n = json_string_value(cap);
            bool known = false;
            for (size_t k = 0; n && k < ARRAY_SIZE(allowed) && !known; k++)
                known = streq(n, allowed[k]);
            if (!known) ok = false, sl_set(&caps, n ? n : "");
        }
        if (!ok) sl_add(&bad, cname(c));
    }
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        cleanup_free char *q = sl_join(&caps, ", ", true);
        fail(r, "non-default capabilities",
             xasprintf("%s must not include %s in securityContext.capabilities.add", who, q));
    }
    sl_free(&bad);
    sl_free(&caps);
}

static bool seccomp_ok(const char *t)
{
    return streq(t, "RuntimeDefault") || streq(t, "Localhost");
}

/* seccompProfile for baseline (only explicit bad types) or restricted (also unset). */
static void check_seccomp(const json_t *spec, const json_t *cs, bool restricted, results *r)
{
    slist bad = {0}, values = {0}, implicit = {0};
    const json_t *p = json_object_get(sc_of(spec), "seccompProfile");
    const char *t = str_at(p, "type", NULL);
    bool pod_bad = p && !seccomp_ok(t), pod_set = p && !pod_bad;
    if (pod_bad) sl_set(&values, t ? t : "");
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        p = json_object_get(sc_of(c), "seccompProfile");
        t = str_at(p, "type", NULL);
        if (p && !seccomp_ok(t)) {
            sl_add(&bad, cname(c));
            sl_set(&values, t ? t : "");
        } else if (!p && !pod_set) {
            sl_add(&implicit, cname(c));
        }
    }
    if (pod_bad || bad.n) {
        cleanup_free char *who = setters(pod_bad, &bad);
        cleanup_free char *v = sl_join(&values, ", ", true);
        fail(r, "seccompProfile",
             xasprintf("%s must not set securityContext.seccompProfile.type to %s", who, v));
    } else if (restricted && implicit.n) {
        cleanup_free char *who = ctrs(&implicit);
        fail(r, "seccompProfile",
             xasprintf("pod or %s must set securityContext.seccompProfile.type to "
                       "\"RuntimeDefault\" or \"Localhost\"",
                       who));
    }
    sl_free(&bad);
    sl_free(&values);
    sl_free(&implicit);
}

static void check_ape(const json_t *cs, results *r)
{
    slist bad = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i,
                       c) if (!json_is_false(json_object_get(sc_of(c), "allowPrivilegeEscalation")))
        sl_add(&bad, cname(c));
    if (bad.n) {
        cleanup_free char *who = ctrs(&bad);
        fail(r, "allowPrivilegeEscalation != false",
             xasprintf("%s must set securityContext.allowPrivilegeEscalation=false", who));
    }
    sl_free(&bad);
}

static void check_caps_restricted(const json_t *cs, results *r)
{
    slist nodrop = {0}, adding = {0}, caps = {0}, details = {0};
    size_t i, j;
    json_t *c, *cap;
    json_array_foreach(cs, i, c)
    {
        const json_t *cp = json_object_get(sc_of(c), "capabilities");
        bool dropped = false, added = false;
        json_array_foreach(json_object_get(cp, "drop"), j, cap) dropped |=
            streq(json_string_value(cap), "ALL");
        if (!dropped) sl_add(&nodrop, cname(c));
        json_array_foreach(json_object_get(cp, "add"), j, cap)
        {
            const char *n = json_string_value(cap);
            if (!streq(n, "NET_BIND_SERVICE")) added = true, sl_set(&caps, n ? n : "");
        }
        if (added) sl_add(&adding, cname(c));
    }
    if (nodrop.n) {
        cleanup_free char *who = ctrs(&nodrop);
        cleanup_free char *d =
            xasprintf("%s must set securityContext.capabilities.drop=[\"ALL\"]", who);
        sl_add(&details, d);
    }
    if (adding.n) {
        cleanup_free char *who = ctrs(&adding);
        cleanup_free char *q = sl_join(&caps, ", ", true);
        cleanup_free char *d =
            xasprintf("%s must not include %s in securityContext.capabilities.add", who, q);
        sl_add(&details, d);
    }
    if (details.n) fail(r, "unrestricted capabilities", sl_join(&details, "; ", false));
    sl_free(&nodrop);
    sl_free(&adding);
    sl_free(&caps);
    sl_free(&details);
}

static void check_restricted_volumes(const json_t *spec, results *r)
{
    static const char *const ok_types[] = {"configMap", "csi",       "downwardAPI",
                                           "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                           "projected", "secret"};
    slist bad = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        bool ok = false;
        for (size_t k = 0; k < ARRAY_SIZE(ok_types) && !ok; k++)
            ok = json_object_get(v, ok_types[k]) != NULL;
        if (!ok) sl_set(&bad, cname(v));
    }
    if (bad.n) {
        cleanup_free char *q = sl_join(&bad, " ", true);
        fail(r, "restricted volume types", xasprintf("volumes [%s] have restricted types", q));
    }
    sl_free(&bad);
}

static void check_run_as_non_root(const json_t *spec, const json_t *cs, results *r)
{
    if (user_ns(spec)) return;
    const json_t *p = json_object_get(sc_of(spec), "runAsNonRoot");
    bool pod_bad = json_is_false(p), pod_ok = json_is_true(p);
    slist bad = {0}, implicit = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
    {
        const json_t *v = json_object_get(sc_of(c), "runAsNonRoot");
        if (json_is_false(v))
            sl_add(&bad, cname(c));
        else if (!json_is_boolean(v) && !pod_ok)
            sl_add(&implicit, cname(c));
    }
    if (pod_bad || bad.n) {
        cleanup_free char *who = setters(pod_bad, &bad);
        fail(r, "runAsNonRoot != true",
             xasprintf("%s must not set securityContext.runAsNonRoot=false", who));
    } else if (implicit.n) {
        cleanup_free char *who = ctrs(&implicit);
        fail(r, "runAsNonRoot != true",
             xasprintf("pod or %s must set securityContext.runAsNonRoot=true", who));
    }
    sl_free(&bad);
    sl_free(&implicit);
}

static bool is_root(const json_t *sc)
{
    const json_t *v = json_object_get(sc, "runAsUser");
    return json_is_integer(v) && json_integer_value(v) == 0;
}

static void check_run_as_user(const json_t *spec, const json_t *cs, results *r)
{
    bool pod = is_root(sc_of(spec));
    slist bad = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) if (is_root(sc_of(c))) sl_add(&bad, cname(c));
    if (pod || bad.n) {
        cleanup_free char *who = setters(pod, &bad);
        fail(r, "runAsUser=0", xasprintf("%s must not set runAsUser=0", who));
    }
    sl_free(&bad);
}

bool ck_psa_check(const char *level, const json_t *pod, ck_psa_result *out)
{
    *out = (ck_psa_result){0};
    bool restricted = streq(level, "restricted");
    if (!restricted && !streq(level, "baseline")) return true;
    const json_t *spec = json_object_get(pod, "spec");
    json_t *cs = all_containers(spec);
    results r = {0};
    check_apparmor(pod, spec, cs, &r);
    check_host_namespaces(spec, &r);
    check_host_path(spec, &r);
    check_host_ports(cs, &r);
    check_probe_hosts(cs, &r);
    check_privileged(cs, &r);
    check_proc_mount(spec, cs, &r);
    check_selinux(spec, cs, &r);
    check_sysctls(spec, &r);
    check_host_process(spec, cs, &r);
    if (!restricted) {
        check_caps_baseline(cs, &r);
        check_seccomp(spec, cs, false, &r);
    } else {
        check_ape(cs, &r);
        check_caps_restricted(cs, &r);
        check_restricted_volumes(spec, &r);
        check_run_as_non_root(spec, cs, &r);
        check_run_as_user(spec, cs, &r);
        check_seccomp(spec, cs, true, &r);
    }
    json_decref(cs);
    *out = (ck_psa_result){.n = r.reasons.n, .reasons = r.reasons.v, .details = r.details.v};
    return out->n == 0;
}

char *ck_psa_detail(const ck_psa_result *r)
{
    slist parts = {0};
    for (size_t i = 0; i < r->n; i++) {
        cleanup_free char *p = *r->details[i] ? xasprintf("%s (%s)", r->reasons[i], r->details[i])
                                              : xstrdup(r->reasons[i]);
        sl_add(&parts, p);
    }
    char *out = sl_join(&parts, ", ", false);
    sl_free(&parts);
    return out;
}

char *ck_psa_reason(const ck_psa_result *r)
{
    slist reasons = {.v = r->reasons, .n = r->n};
    return sl_join(&reasons, ", ", false);
}

void ck_psa_result_free(ck_psa_result *r)
{
    slist reasons = {.v = r->reasons, .n = r->n}, details = {.v = r->details, .n = r->n};
    sl_free(&reasons);
    sl_free(&details);
    *r = (ck_psa_result){0};
}

char *ck_psa_evaluate(const char *level, const json_t *pod)
{
    ck_psa_result r;
    if (ck_psa_check(level, pod, &r)) return NULL;
    char *out = ck_psa_detail(&r);
    ck_psa_result_free(&r);
    return out;
}
