/* Unit tests for the admission plugins that shape every new pod, over a real store and
 * watch cache: ServiceAccount (default name, the kube-api-access projected volume and its
 * mounts, automount settings, missing accounts, image pull secrets, mountable secrets,
 * mirror pods), DefaultTolerationSeconds, and Priority (classes, the global default,
 * system classes, mismatches, updates, one default PriorityClass). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "admission/plugins.h"
#include "apiserver/cache.h"
#include "apiserver/server.h"
#include "lib/util.h"
#include "ut.h"
#include "ut_fixtures.h"

static char tmpdir[64];
static ck_apiserver srv;

/* Writes an object straight into storage (the cache follows at once). */
static void put(const char *group, const char *plural, const char *ns, const char *text)
{
    json_t *obj = js(text);
    ck_rtype *rt = ck_registry_find(group, "v1", plural);
    const char *name = ck_obj_str(obj, "metadata.name");
    if (ns) json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(ns));
    char *key = ck_storage_key(rt, ns, name);
    char *val = json_dumps(obj, JSON_COMPACT);
    int64_t rev;
    ck_err *err = NULL;
    if (srv.store->ops->create(srv.store, key, val, strlen(val), &rev, &err) < 0)
        fprintf(stderr, "put %s %s: %s\n", plural, name, err->message);
    ck_err_free(err);
    free(val);
    free(key);
    json_decref(obj);
}

static ck_admission_attrs attrs(const char *group, const char *plural, const char *op,
                                const char *user, const char *ns)
{
    static const char *const groups[] = {"system:authenticated", NULL};
    return (ck_admission_attrs){.srv = &srv,
                                .rt = ck_registry_find(group, "v1", plural),
                                .operation = op,
                                .ns = ns,
                                .user = user,
                                .groups = groups};
}

/* Runs the plugin's admit then validate on a pod created by alice in ns; returns the error
 * message (caller frees) or NULL, and leaves the mutated pod in *pod. */
static char *run(const ck_admission_plugin *p, const char *op, const char *user, const char *ns,
                 json_t *pod, const json_t *old)
{
    ck_admission_attrs a = attrs("", "pods", op, user, ns);
    ck_err *err = NULL;
    char *msg = NULL;
    if ((p->admit && p->admit(&a, pod, old, &err) < 0) ||
        (p->validate && p->validate(&a, pod, old, &err) < 0)) {
        CHECK_INT(err->code, 403);
        msg = xstrdup(err->message);
    }
    ck_err_free(err);
    return msg;
}

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : xstrdup("null");
}

#define CHECK_JSON(v, want)                                                                        \
    do {                                                                                           \
        char *_s = dump(v);                                                                        \
        CHECK_STR(_s, want);                                                                       \
        free(_s);                                                                                  \
    } while (0)

#define SA ck_admission_serviceaccount
#define POD(extra)                                                                                 \
    "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','image':'i'}]" extra "}}"

static void test_serviceaccount(void)
{
    put("", "serviceaccounts", "ns1", "{'metadata':{'name':'default'}}");
    put("", "serviceaccounts", "ns1",
        "{'metadata':{'name':'off'},'automountServiceAccountToken':false}");
    put("", "serviceaccounts", "ns1",
        "{'metadata':{'name':'puller'},'imagePullSecrets':[{'name':'reg'}]}");
    put("", "serviceaccounts", "ns1",
        "{'metadata':{'name':'strict','annotations':{'kubernetes.io/enforce-mountable-secrets':"
        "'true'}},'secrets':[{'name':'ok'}]}");

    /* The default account, the volume in every init and regular container. */
    json_t *pod = js("{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i','image':'i'}],"
                     "'containers':[{'name':'c','image':'i'},{'name':'d','image':'i',"
                     "'volumeMounts':[{'name':'x','mountPath':"
                     "'/var/run/secrets/kubernetes.io/serviceaccount'}]}],"
                     "'ephemeralContainers':[{'name':'e','image':'i'}]}}");
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.serviceAccountName"), "\"default\"");
    CHECK_JSON(ck_obj_get(pod, "spec.serviceAccount"), "\"default\"");
    json_t *vols = ck_obj_get(pod, "spec.volumes");
    CHECK_INT(json_array_size(vols), 1);
    const char *vn = ck_obj_str(json_array_get(vols, 0), "name");
    CHECK(vn && strlen(vn) == strlen("kube-api-access-") + 5 &&
          has_prefix(vn, "kube-api-access-") &&
          strspn(vn + 16, "bcdfghjklmnpqrstvwxz2456789") == 5);
    CHECK_JSON(ck_obj_get(json_array_get(vols, 0), "projected"),
               "{\"defaultMode\":420,\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":"
               "3607,\"path\":\"token\"}},{\"configMap\":{\"items\":[{\"key\":\"ca.crt\",\"path\":"
               "\"ca.crt\"}],\"name\":\"kube-root-ca.crt\"}},{\"downwardAPI\":{\"items\":[{"
               "\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"},"
               "\"path\":\"namespace\"}]}}]}");
    char *want = xasprintf("[{\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\","
                           "\"name\":\"%s\",\"readOnly\":true}]",
                           vn);
    CHECK_JSON(
        json_object_get(json_array_get(ck_obj_get(pod, "spec.initContainers"), 0), "volumeMounts"),
        want);
    json_t *cs = ck_obj_get(pod, "spec.containers");
    CHECK_JSON(json_object_get(json_array_get(cs, 0), "volumeMounts"), want);
    CHECK_JSON(
        json_object_get(json_array_get(cs, 1), "volumeMounts"),
        "[{\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\",\"name\":\"x\"}]");
    CHECK_JSON(json_object_get(json_array_get(ck_obj_get(pod, "spec.ephemeralContainers"), 0),
                               "volumeMounts"),
               "null");
    free(want);
    json_decref(pod);

    /* A volume already named kube-api-access-* is reused. */
    pod = js(POD(",'volumes':[{'name':'kube-api-access-abcde','emptyDir':{}}]"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.volumes"),
               "[{\"emptyDir\":{},\"name\":\"kube-api-access-abcde\"}]");
    CHECK_JSON(
        json_object_get(json_array_get(ck_obj_get(pod, "spec.containers"), 0), "volumeMounts"),
        "[{\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\",\"name\":"
        "\"kube-api-access-abcde\",\"readOnly\":true}]");
    json_decref(pod);

    /* automountServiceAccountToken: the pod's setting wins over the account's. */
    pod = js(POD(",'automountServiceAccountToken':false"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.volumes"), "null");
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'off'"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.volumes"), "null");
    CHECK_JSON(ck_obj_get(pod, "spec.serviceAccount"), "\"off\"");
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'off','automountServiceAccountToken':true"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_INT(json_array_size(ck_obj_get(pod, "spec.volumes")), 1);
    json_decref(pod);

    /* A missing account is refused, but not for the server's own writes nor for a
     * "default" the server is about to create. */
    pod = js(POD(",'serviceAccountName':'robot'"));
    char *msg = run(&SA, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: error looking up service account ns1/robot: "
                   "serviceaccount \"robot\" not found");
    free(msg);
    json_decref(pod);
    pod = js("{'metadata':{'generateName':'web-'},'spec':{'serviceAccountName':'robot',"
             "'containers':[{'name':'c','image':'i'}]}}");
    msg = run(&SA, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"web-\" is forbidden: error looking up service account ns1/robot: "
                   "serviceaccount \"robot\" not found");
    free(msg);
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'robot'"));
    CHECK(run(&SA, "CREATE", NULL, "ns1", pod, NULL) == NULL);
    json_decref(pod);
    pod = js(POD(""));
    CHECK(run(&SA, "CREATE", "alice", "fresh", pod, NULL) == NULL);
    CHECK_INT(json_array_size(ck_obj_get(pod, "spec.volumes")), 1);
    json_decref(pod);

    /* The account's image pull secrets, unless the pod has its own. */
    pod = js(POD(",'serviceAccountName':'puller'"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.imagePullSecrets"), "[{\"name\":\"reg\"}]");
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'puller','imagePullSecrets':[{'name':'mine'}]"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.imagePullSecrets"), "[{\"name\":\"mine\"}]");
    json_decref(pod);

    /* kubernetes.io/enforce-mountable-secrets */
    pod = js(POD(",'serviceAccountName':'strict','volumes':[{'name':'s','secret':{'secretName':"
                 "'ok'}}]"));
    CHECK(run(&SA, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'strict','volumes':[{'name':'s','secret':{'secretName':"
                 "'other'}}]"));
    msg = run(&SA, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: volume with secret.secretName=\"other\" is not "
                   "allowed because service account strict does not reference that secret");
    free(msg);
    json_decref(pod);
    pod = js("{'metadata':{'name':'p'},'spec':{'serviceAccountName':'strict','containers':[{"
             "'name':'c','image':'i','envFrom':[{'secretRef':{'name':'other'}}]}]}}");
    msg = run(&SA, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: container c with envFrom referencing "
                   "secret.secretName=\"other\" is not allowed because service account strict "
                   "does not reference that secret");
    free(msg);
    json_decref(pod);
    pod = js(POD(",'serviceAccountName':'strict','imagePullSecrets':[{'name':'reg'}]"));
    msg = run(&SA, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: imagePullSecrets[0].name=\"reg\" is not allowed "
                   "because service account strict does not reference that imagePullSecret");
    free(msg);
    json_decref(pod);

    /* Mirror pods are left alone but may reference no account or secret. */
#define MIRROR(extra)                                                                              \
    "{'metadata':{'name':'m','annotations':{'kubernetes.io/config.mirror':'x'}},'spec':{"          \
    "'containers':[{'name':'c','image':'i'}]" extra "}}"
    pod = js(MIRROR(""));
    CHECK(run(&SA, "CREATE", "system:node:n1", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.serviceAccountName"), "null");
    CHECK_JSON(ck_obj_get(pod, "spec.volumes"), "null");
    json_decref(pod);
    pod = js(MIRROR(",'serviceAccountName':'default'"));
    msg = run(&SA, "CREATE", "system:node:n1", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"m\" is forbidden: a mirror pod may not reference service accounts");
    free(msg);
    json_decref(pod);
    pod = js(MIRROR(",'volumes':[{'name':'v','projected':{'sources':[{'secret':{'name':'s'}}]}}]"));
    msg = run(&SA, "CREATE", "system:node:n1", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"m\" is forbidden: a mirror pod may not reference secrets");
    free(msg);
    json_decref(pod);
    pod = js(MIRROR(",'volumes':[{'name':'v','projected':{'sources':[{'serviceAccountToken':{"
                    "'path':'t'}}]}}]"));
    msg = run(&SA, "CREATE", "system:node:n1", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"m\" is forbidden: a mirror pod may not use ServiceAccountToken volume "
                   "projections");
    free(msg);
    json_decref(pod);

    /* Updates and subresources are not touched. */
    pod = js(POD(""));
    CHECK(run(&SA, "UPDATE", "alice", "ns1", pod, pod) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.serviceAccountName"), "null");
    json_decref(pod);
}

#define DTS ck_admission_defaulttolerationseconds
#define NOT_READY                                                                                  \
    "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","  \
    "\"tolerationSeconds\":300}"
#define UNREACHABLE                                                                                \
    "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"           \
    "\"Exists\",\"tolerationSeconds\":300}"

static void test_tolerations(void)
{
    json_t *pod = js(POD(""));
    CHECK(run(&DTS, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.tolerations"), "[" NOT_READY "," UNREACHABLE "]");
    json_decref(pod);
    /* An empty key or effect covers the taint. */
    pod = js(POD(",'tolerations':[{'operator':'Exists'}]"));
    CHECK(run(&DTS, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.tolerations"), "[{\"operator\":\"Exists\"}]");
    json_decref(pod);
    pod = js(POD(",'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists'}]"));
    CHECK(run(&DTS, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.tolerations"),
               "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\"}," UNREACHABLE
               "]");
    json_decref(pod);
    /* NoSchedule does not cover NoExecute. */
    pod = js(POD(",'tolerations':[{'key':'node.kubernetes.io/unreachable','effect':'NoSchedule',"
                 "'operator':'Exists'}]"));
    CHECK(run(&DTS, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_INT(json_array_size(ck_obj_get(pod, "spec.tolerations")), 3);
    json_decref(pod);
    /* Updates too (upstream's plugin handles both). */
    pod = js(POD(""));
    CHECK(run(&DTS, "UPDATE", "alice", "ns1", pod, pod) == NULL);
    CHECK_INT(json_array_size(ck_obj_get(pod, "spec.tolerations")), 2);
    json_decref(pod);
}

#define PRIO ck_admission_priority

static void test_priority(void)
{
    /* No class at all: 0 and PreemptLowerPriority. */
    json_t *pod = js(POD(""));
    CHECK(run(&PRIO, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(json_object_get(pod, "spec"),
               "{\"containers\":[{\"image\":\"i\",\"name\":\"c\"}],\"preemptionPolicy\":"
               "\"PreemptLowerPriority\",\"priority\":0}");
    json_decref(pod);

    put("scheduling.k8s.io", "priorityclasses", NULL,
        "{'metadata':{'name':'high'},'value':1000,'preemptionPolicy':'Never'}");
    put("scheduling.k8s.io", "priorityclasses", NULL,
        "{'metadata':{'name':'dflt-b'},'value':5,'globalDefault':true,"
        "'preemptionPolicy':'PreemptLowerPriority'}");
    put("scheduling.k8s.io", "priorityclasses", NULL,
        "{'metadata':{'name':'dflt-a'},'value':7,'globalDefault':true,"
        "'preemptionPolicy':'PreemptLowerPriority'}");

    pod = js(POD(",'priorityClassName':'high'"));
    CHECK(run(&PRIO, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.priority"), "1000");
    CHECK_JSON(ck_obj_get(pod, "spec.preemptionPolicy"), "\"Never\"");
    json_decref(pod);
    /* The global default with the lowest value. */
    pod = js(POD(""));
    CHECK(run(&PRIO, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.priorityClassName"), "\"dflt-b\"");
    CHECK_JSON(ck_obj_get(pod, "spec.priority"), "5");
    json_decref(pod);
    pod = js(POD(",'priorityClassName':'system-node-critical'"));
    CHECK(run(&PRIO, "CREATE", "alice", "kube-system", pod, NULL) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.priority"), "2000001000");
    json_decref(pod);

    pod = js(POD(",'priorityClassName':'nope'"));
    char *msg = run(&PRIO, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: no PriorityClass with name nope was found");
    free(msg);
    json_decref(pod);
    pod = js(POD(",'priorityClassName':'high','priority':7"));
    msg = run(&PRIO, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: the integer value of priority (7) must not be "
                   "provided in pod spec; priority admission controller computed 1000 from the "
                   "given PriorityClass name");
    free(msg);
    json_decref(pod);
    pod = js(POD(",'priorityClassName':'high','priority':1000"));
    CHECK(run(&PRIO, "CREATE", "alice", "ns1", pod, NULL) == NULL);
    json_decref(pod);
    pod = js(POD(",'priorityClassName':'high','preemptionPolicy':'PreemptLowerPriority'"));
    msg = run(&PRIO, "CREATE", "alice", "ns1", pod, NULL);
    CHECK_STR(msg, "pods \"p\" is forbidden: the string value of PreemptionPolicy "
                   "(PreemptLowerPriority) must not be provided in pod spec; priority admission "
                   "controller computed Never from the given PriorityClass name");
    free(msg);
    json_decref(pod);

    /* An update that leaves them out keeps them. */
    json_t *old = js(POD(",'priority':1000,'preemptionPolicy':'Never'"));
    pod = js(POD(""));
    CHECK(run(&PRIO, "UPDATE", "alice", "ns1", pod, old) == NULL);
    CHECK_JSON(ck_obj_get(pod, "spec.priority"), "1000");
    CHECK_JSON(ck_obj_get(pod, "spec.preemptionPolicy"), "\"Never\"");
    json_decref(pod);
    json_decref(old);

    /* One global default PriorityClass. */
    ck_admission_attrs a = attrs("scheduling.k8s.io", "priorityclasses", "CREATE", "alice", NULL);
    json_t *pc = js("{'metadata':{'name':'another'},'value':1,'globalDefault':true}");
    ck_err *err = NULL;
    CHECK_INT(PRIO.validate(&a, pc, NULL, &err), -1);
    CHECK_STR(err ? err->message : NULL,
              "priorityclasses.scheduling.k8s.io \"another\" is forbidden: PriorityClass dflt-b "
              "is already marked as default. Only one default can exist");
    ck_err_free(err);
    err = NULL;
    json_decref(pc);
    a.operation = "UPDATE";
    pc = js("{'metadata':{'name':'dflt-b'},'value':5,'globalDefault':true}");
    CHECK_INT(PRIO.validate(&a, pc, pc, &err), 0);
    json_decref(pc);
    pc = js("{'metadata':{'name':'high'},'value':1000,'globalDefault':false}");
    a.operation = "CREATE";
    CHECK_INT(PRIO.validate(&a, pc, NULL, &err), 0);
    json_decref(pc);
    ck_err_free(err);
}

int main(void)
{
    ck_registry_init();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-admpod-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    char *db = xasprintf("%s/state.db", tmpdir);
    ck_err *err = NULL;
    if (ck_store_sqlite_open(db, &srv.store, &err) < 0 ||
        ck_cache_open(srv.store, &srv.cache, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->message);
        return 2;
    }
    free(db);
    test_serviceaccount();
    test_tolerations();
    test_priority();
    ck_cache_free(srv.cache);
    srv.store->ops->close(srv.store);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return UT_DONE();
}
