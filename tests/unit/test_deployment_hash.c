/* The pod-template-hash (controller/deployment_hash.c) against values computed by
 * upstream's own code: controller.ComputeHash (go-spew over k8s.io/api v0.34.10's
 * v1.PodTemplateSpec, FNV-32a, SafeEncodeString), run on the same templates as the
 * controller-manager would receive them. The first is what `kubectl create deployment web
 * --image=nginx` stores, so `web-64c966cf88` is the replica set name upstream gives it. */
#include <stdlib.h>
#include <string.h>

#include "controller/deployment_util.h"
#include "lib/util.h"
#include "ut.h"

/* kubectl create deployment web --image=nginx, as the API server defaults it. */
static const char WEB[] =
    "{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},\"spec\":{"
    "\"containers\":[{\"image\":\"nginx\",\"imagePullPolicy\":\"Always\",\"name\":\"nginx\","
    "\"resources\":{},\"terminationMessagePath\":\"/dev/termination-log\","
    "\"terminationMessagePolicy\":\"File\"}],\"dnsPolicy\":\"ClusterFirst\",\"restartPolicy\":"
    "\"Always\",\"schedulerName\":\"default-scheduler\",\"securityContext\":{},"
    "\"terminationGracePeriodSeconds\":30}}";

/* A typical service: probes, ports, resources, env, a volume, tolerations, restartedAt. */
static const char API[] =
    "{\"metadata\":{\"labels\":{\"app\":\"api\"},\"annotations\":{\"kubectl.kubernetes.io/r"
    "estartedAt\":\"2025-06-01T10:00:00Z\"}},\"spec\":{\"volumes\":[{\"name\":\"tmp\",\"emp"
    "tyDir\":{}}],\"containers\":[{\"name\":\"api\",\"image\":\"registry.example/api:v2\","
    "\"args\":[\"--port=8080\"],\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],"
    "\"env\":[{\"name\":\"MODE\",\"value\":\"prod\"}],\"resources\":{\"limits\":{\"cpu\":\""
    "1\",\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"250m\",\"memory\":\"128Mi\"}},\"read"
    "inessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":8080,\"scheme\":\"HTTP\"},\"ti"
    "meoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3},"
    "\"volumeMounts\":[{\"name\":\"tmp\",\"mountPath\":\"/tmp\"}],\"terminationMessagePath"
    "\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":"
    "\"IfNotPresent\"}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
    "\"dnsPolicy\":\"ClusterFirst\",\"securityContext\":{\"runAsNonRoot\":true},\"scheduler"
    "Name\":\"default-scheduler\",\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\","
    "\"effect\":\"NoSchedule\"}]}}";

/* Most of PodSpec: every volume kind in common use, init containers, env sources,
 * quantities of each format, probes with named and numbered ports, security contexts,
 * affinity, topology spread, DNS, overhead, an empty list. */
static const char BIG[] =
    "{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"web\",\"tier\":\"front"
    "\",\"z\":\"1\",\"a-b\":\"x\"},\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":"
    "\"2025-01-01T00:00:00Z\",\"b\":\"\"}},\"spec\":{\"volumes\":[{\"name\":\"data\",\"empt"
    "yDir\":{\"medium\":\"Memory\",\"sizeLimit\":\"128Mi\"}},{\"name\":\"cfg\",\"configMap"
    "\":{\"name\":\"cm\",\"items\":[{\"key\":\"a\",\"path\":\"b\",\"mode\":420}],\"defaultM"
    "ode\":420,\"optional\":true}},{\"name\":\"sec\",\"secret\":{\"secretName\":\"s\",\"def"
    "aultMode\":256}},{\"name\":\"proj\",\"projected\":{\"sources\":[{\"serviceAccountToken"
    "\":{\"expirationSeconds\":3607,\"path\":\"token\"}},{\"downwardAPI\":{\"items\":[{\"pa"
    "th\":\"ns\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}"
    "]}}],\"defaultMode\":420}},{\"name\":\"hp\",\"hostPath\":{\"path\":\"/tmp\",\"type\":"
    "\"DirectoryOrCreate\"}},{\"name\":\"pvc\",\"persistentVolumeClaim\":{\"claimName\":\"c"
    "\",\"readOnly\":true}}],\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\","
    "\"command\":[\"sh\",\"-c\",\"true\"],\"resources\":{},\"terminationMessagePath\":\"/de"
    "v/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotP"
    "resent\",\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"c\",\"image\":\"ng"
    "inx:1.25\",\"args\":[\"--x=1\",\"a b\"],\"workingDir\":\"/w\",\"ports\":[{\"name\":\"h"
    "ttp\",\"containerPort\":80,\"protocol\":\"TCP\"},{\"containerPort\":53,\"hostPort\":53"
    "53,\"protocol\":\"UDP\",\"hostIP\":\"0.0.0.0\"}],\"envFrom\":[{\"configMapRef\":{\"nam"
    "e\":\"cm\"},\"prefix\":\"P_\"}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\""
    "B\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"status.podIP\"}"
    "}},{\"name\":\"C\",\"valueFrom\":{\"resourceFieldRef\":{\"containerName\":\"c\",\"reso"
    "urce\":\"limits.cpu\",\"divisor\":\"1m\"}}},{\"name\":\"D\",\"valueFrom\":{\"secretKey"
    "Ref\":{\"name\":\"s\",\"key\":\"k\",\"optional\":false}}}],\"resources\":{\"limits\":{"
    "\"cpu\":\"500m\",\"memory\":\"128Mi\",\"nvidia.com/gpu\":\"1\"},\"requests\":{\"cpu\":"
    "\"100m\",\"memory\":\"1e3\",\"ephemeral-storage\":\"1Gi\"}},\"resizePolicy\":[{\"resou"
    "rceName\":\"cpu\",\"restartPolicy\":\"NotRequired\"}],\"volumeMounts\":[{\"name\":\"da"
    "ta\",\"mountPath\":\"/data\",\"subPath\":\"x\",\"readOnly\":true,\"mountPropagation\":"
    "\"None\"}],\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080,\"schem"
    "e\":\"HTTP\",\"httpHeaders\":[{\"name\":\"X\",\"value\":\"y\"}]},\"initialDelaySeconds"
    "\":3,\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,\"failureThresho"
    "ld\":3},\"readinessProbe\":{\"tcpSocket\":{\"port\":\"http\"},\"timeoutSeconds\":1,\"p"
    "eriodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3},\"startupProbe\":{\"e"
    "xec\":{\"command\":[\"true\"]},\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThre"
    "shold\":1,\"failureThreshold\":30,\"terminationGracePeriodSeconds\":5},\"lifecycle\":{"
    "\"preStop\":{\"sleep\":{\"seconds\":5}},\"postStart\":{\"exec\":{\"command\":[\"a\"]}}"
    "},\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"F"
    "allbackToLogsOnError\",\"imagePullPolicy\":\"Always\",\"securityContext\":{\"capabilit"
    "ies\":{\"add\":[\"NET_ADMIN\"],\"drop\":[\"ALL\"]},\"privileged\":false,\"runAsUser\":"
    "1000,\"runAsNonRoot\":true,\"readOnlyRootFilesystem\":true,\"allowPrivilegeEscalation"
    "\":false,\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"stdin\":true,\"tty\":true"
    "}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,\"activeDeadlineS"
    "econds\":null,\"dnsPolicy\":\"ClusterFirst\",\"nodeSelector\":{\"kubernetes.io/os\":\""
    "linux\",\"disk\":\"ssd\"},\"serviceAccountName\":\"sa\",\"serviceAccount\":\"sa\",\"au"
    "tomountServiceAccountToken\":false,\"hostNetwork\":false,\"securityContext\":{\"runAsU"
    "ser\":1000,\"fsGroup\":2000,\"supplementalGroups\":[1,2,3],\"sysctls\":[{\"name\":\"ne"
    "t.core.somaxconn\",\"value\":\"1024\"}],\"seLinuxOptions\":{\"level\":\"s0:c123,c456\""
    "}},\"imagePullSecrets\":[{\"name\":\"reg\"}],\"hostname\":\"h\",\"subdomain\":\"s\",\""
    "affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"no"
    "deSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"valu"
    "es\":[\"a\",\"b\"]}]}]},\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight"
    "\":10,\"preference\":{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}}"
    "]},\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{\"labelSe"
    "lector\":{\"matchLabels\":{\"app\":\"web\"}},\"topologyKey\":\"kubernetes.io/hostname"
    "\"}]}},\"schedulerName\":\"default-scheduler\",\"tolerations\":[{\"key\":\"node.kubern"
    "etes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSecon"
    "ds\":300},{\"key\":\"a\",\"operator\":\"Equal\",\"value\":\"b\",\"effect\":\"NoSchedul"
    "e\"}],\"hostAliases\":[{\"ip\":\"1.2.3.4\",\"hostnames\":[\"x\",\"y\"]}],\"priorityCla"
    "ssName\":\"high\",\"priority\":1000,\"dnsConfig\":{\"nameservers\":[\"8.8.8.8\"],\"opt"
    "ions\":[{\"name\":\"ndots\",\"value\":\"2\"}]},\"readinessGates\":[{\"conditionType\":"
    "\"x/ready\"}],\"runtimeClassName\":\"rc\",\"enableServiceLinks\":true,\"preemptionPoli"
    "cy\":\"PreemptLowerPriority\",\"overhead\":{\"cpu\":\"250m\"},\"topologySpreadConstrai"
    "nts\":[{\"maxSkew\":1,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\""
    ",\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"matchLabelKeys\":[\"pod-templ"
    "ate-hash\"]}],\"os\":{\"name\":\"linux\"},\"hostUsers\":false,\"schedulingGates\":[{\""
    "name\":\"g\"}],\"args\":[]}}";

static char *hash_of(const char *text, const long long *cc)
{
    json_error_t e;
    json_t *t = json_loads(text, 0, &e);
    if (!t) {
        fprintf(stderr, "bad JSON: %s\n", e.text);
        return xstrdup("");
    }
    char h[16];
    ck_deploy_template_hash(t, cc, h);
    json_decref(t);
    return xstrdup(h);
}

static void check_hash(const char *text, const long long *cc, const char *want)
{
    char *got = hash_of(text, cc);
    CHECK_STR(got, want);
    free(got);
}

/* A template with one quantity, as overhead.cpu. */
static void check_quantity(const char *q, const char *want)
{
    cleanup_free char *t = xasprintf("{\"spec\":{\"overhead\":{\"cpu\":\"%s\"}}}", q);
    check_hash(t, NULL, want);
}

int main(void)
{
    check_hash(WEB, NULL, "64c966cf88");
    long long one = 1, max = 2147483647;
    check_hash(WEB, &one, "7b788bcb9c"); /* collisionCount changes it */
    check_hash(WEB, &max, "85bb5cc6d8");
    check_hash(API, NULL, "54d9f8fc4f");
    check_hash(BIG, NULL, "59fc57c979");

    /* resource.Quantity's internal form: int64 scaled, with the string kept when it is
     * canonical, per format. */
    check_quantity("0", "687ccc764b");
    check_quantity("1", "85df486646");
    check_quantity("500m", "6f4954c85f");
    check_quantity("128Mi", "575f4d98b9");
    check_quantity("1Ki", "746f9875c8");
    check_quantity("1e3", "699c88ff9b");
    check_quantity("1E3", "c68847b"); /* hashes print in decimal: 9 digits give 9 letters */
    check_quantity("5n", "6dcdb44bd6");
    check_quantity("1000", "6b59c5f99f");
    check_quantity("1500m", "7fd457b56f");
    check_quantity("12345678901234567", "557984b694");
    check_quantity("2e20", "6d8496dd65");
    check_quantity("1e-3", "8668c7595d");

    /* The printed form: types, zero values and nil collections as go-spew writes them. */
    json_error_t e;
    json_t *t = json_loads(WEB, 0, &e);
    char *dump = ck_deploy_template_dump(t);
    CHECK(has_prefix(dump, "(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) "
                           "GenerateName:(string) Namespace:(string) SelfLink:(string) "
                           "UID:(types.UID) ResourceVersion:(string) Generation:(int64)0 "
                           "CreationTimestamp:(v1.Time){Time:(time.Time){wall:(uint64)0 "
                           "ext:(int64)0 loc:(*time.Location)<nil>}} "
                           "DeletionTimestamp:(*v1.Time)<nil> "
                           "DeletionGracePeriodSeconds:(*int64)<nil> "
                           "Labels:(map[string]string)map[app:web] "
                           "Annotations:(map[string]string)<nil> "));
    CHECK(strstr(dump, " TerminationGracePeriodSeconds:(*int64)30 ") != NULL);
    CHECK(strstr(dump, " SecurityContext:(*v1.PodSecurityContext){SELinuxOptions:"
                       "(*v1.SELinuxOptions)<nil> ") != NULL);
    CHECK(strstr(dump,
                 "Resources:(v1.ResourceRequirements){Limits:(v1.ResourceList)<nil> "
                 "Requests:(v1.ResourceList)<nil> Claims:([]v1.ResourceClaim)<nil>}") != NULL);
    free(dump);
    json_decref(t);

    char out[16];
    ck_safe_encode("0123456789", out);
    CHECK_STR(out, "456789bcdf"); /* SafeEncodeString: byte % 27 ("0" is 48: index 21) */
    return UT_DONE();
}
