/* The pure parts of hollow-nodes: CIDRs and the pod IP ranges (host-local's order,
 * reserved addresses, release and reuse, adoption, IPv6, fallback and node addresses), the
 * flags (quantities, labels, taints), image references, and the Node and Lease objects. */
#include <stdlib.h>

#include "hollow/ipam.h"
#include "hollow/objects.h"
#include "lib/util.h"
#include "registry/registry.h"
#include "ut.h"

static void test_cidr(void)
{
    hw_cidr c;
    char ip[48];
    CHECK_INT(hw_cidr_parse("10.244.1.7/24", &c), 0);
    CHECK_INT(c.family, 4);
    CHECK_INT(c.prefix, 24);
    hw_cidr_addr(&c, 0, ip);
    CHECK_STR(ip, "10.244.1.0"); /* host bits cleared */
    hw_cidr_addr(&c, 258, ip);
    CHECK_STR(ip, "10.244.2.2"); /* carries across bytes */
    uint64_t off = 0;
    CHECK(hw_cidr_contains(&c, "10.244.1.200", &off));
    CHECK_INT(off, 200);
    CHECK(!hw_cidr_contains(&c, "10.244.2.1", &off));
    CHECK(!hw_cidr_contains(&c, "fd00::1", &off));
    CHECK_INT(hw_cidr_parse("10.0.0.0/20", &c), 0);
    CHECK(hw_cidr_contains(&c, "10.0.15.255", &off));
    CHECK_INT(off, 15 * 256 + 255);
    CHECK(!hw_cidr_contains(&c, "10.0.16.0", &off));

    CHECK_INT(hw_cidr_parse("fd00:10:244:1::/64", &c), 0);
    CHECK_INT(c.family, 6);
    hw_cidr_addr(&c, 0x1234, ip);
    CHECK_STR(ip, "fd00:10:244:1::1234");

    CHECK_INT(hw_cidr_parse("10.0.0.0", &c), -1);
    CHECK_INT(hw_cidr_parse("10.0.0.0/33", &c), -1);
    CHECK_INT(hw_cidr_parse("10.0.0.0/", &c), -1);
    CHECK_INT(hw_cidr_parse("10.0.0.0/2x", &c), -1);
    CHECK_INT(hw_cidr_parse("nonsense/8", &c), -1);
    CHECK_INT(hw_cidr_parse(NULL, &c), -1);
}

static void test_range_v4(void)
{
    hw_range r;
    char ip[48];
    CHECK_INT(hw_range_init(&r, "10.244.1.0/24"), 0);
    CHECK_INT(hw_range_capacity(&r), 253); /* .0 network, .1 gateway, .255 broadcast */
    CHECK_INT(hw_range_alloc(&r, ip), 0);
    CHECK_STR(ip, "10.244.1.2");
    CHECK_INT(hw_range_alloc(&r, ip), 0);
    CHECK_STR(ip, "10.244.1.3");
    /* Released addresses are reused only after the range wraps (round-robin). */
    hw_range_release(&r, "10.244.1.2");
    CHECK_INT(hw_range_alloc(&r, ip), 0);
    CHECK_STR(ip, "10.244.1.4");
    hw_range_release(&r, "10.250.0.9"); /* not ours: ignored */
    hw_range_release(&r, "10.244.1.1"); /* reserved: ignored */
    CHECK_INT(r.nused, 2);
    /* Fill it: 253 in all, then exhausted; the one released comes back last. */
    int got = 2;
    while (hw_range_alloc(&r, ip) == 0)
        got++;
    CHECK_INT(got, 253);
    CHECK_INT(r.nused, 253);
    hw_range_release(&r, "10.244.1.100");
    CHECK_INT(hw_range_alloc(&r, ip), 0);
    CHECK_STR(ip, "10.244.1.100");
    CHECK_INT(hw_range_alloc(&r, ip), -1);
    hw_range_clear(&r);

    /* Adoption after a restart: reserved addresses are skipped. */
    CHECK_INT(hw_range_init(&r, "10.0.0.0/30"), 0);
    CHECK_INT(hw_range_capacity(&r), 1);
    CHECK_INT(hw_range_reserve(&r, "10.0.0.2"), 0);
    CHECK_INT(hw_range_reserve(&r, "10.0.0.2"), -1); /* twice */
    CHECK_INT(hw_range_reserve(&r, "10.0.0.1"), -1); /* the gateway */
    CHECK_INT(hw_range_reserve(&r, "10.0.1.2"), -1); /* outside */
    CHECK_INT(hw_range_alloc(&r, ip), -1);
    hw_range_clear(&r);

    CHECK_INT(hw_range_init(&r, "10.0.0.0/32"), 0);
    CHECK_INT(hw_range_capacity(&r), 0);
    CHECK_INT(hw_range_alloc(&r, ip), -1);
    hw_range_clear(&r);

    /* A big range is tracked up to 65,536 addresses; no broadcast at the end of those. */
    CHECK_INT(hw_range_init(&r, "10.0.0.0/8"), 0);
    CHECK_INT(r.size, HW_IPAM_MAX_SLOTS);
    CHECK_INT(hw_range_capacity(&r), HW_IPAM_MAX_SLOTS - 2);
    hw_range_clear(&r);
    CHECK_INT(hw_range_init(&r, "bad"), -1);
    CHECK_INT(hw_range_alloc(&r, ip), -1);
}

static void test_range_v6(void)
{
    hw_range r;
    char ip[48];
    CHECK_INT(hw_range_init(&r, "fd00:10:244:3::/64"), 0);
    CHECK_INT(r.size, HW_IPAM_MAX_SLOTS);
    CHECK_INT(hw_range_capacity(&r), HW_IPAM_MAX_SLOTS - 2);
    CHECK_INT(hw_range_alloc(&r, ip), 0);
    CHECK_STR(ip, "fd00:10:244:3::2");
    CHECK_INT(hw_range_reserve(&r, "fd00:10:244:3::10"), 0);
    CHECK_INT(hw_range_reserve(&r, "fd00:10:244:3:1::10"), -1); /* beyond what is tracked */
    hw_range_release(&r, "fd00:10:244:3::2");
    CHECK_INT(r.nused, 1);
    hw_range_clear(&r);
}

static void test_addresses(void)
{
    char b[32];
    hw_node_ip(0, b);
    CHECK_STR(b, "198.18.0.1");
    hw_node_ip(254, b);
    CHECK_STR(b, "198.18.0.255");
    hw_node_ip(4999, b);
    CHECK_STR(b, "198.18.19.136");
    hw_node_ip(65535, b);
    CHECK_STR(b, "198.19.0.0");
    hw_node_ip(131069, b);
    CHECK_STR(b, "198.19.255.254");
    hw_node_ip(131070, b); /* wraps */
    CHECK_STR(b, "198.18.0.1");
    hw_fallback_pod_cidr(0, b);
    CHECK_STR(b, "100.64.0.0/24");
    hw_fallback_pod_cidr(4999, b);
    CHECK_STR(b, "100.83.135.0/24");
    hw_fallback_pod_cidr(16383, b);
    CHECK_STR(b, "100.127.255.0/24");
    hw_fallback_pod_cidr(16384, b);
    CHECK_STR(b, "100.64.0.0/24");
}

static void test_flags(void)
{
    char *q = NULL;
    ck_err *err = NULL;
    CHECK_INT(hw_parse_quantity("memory", "256Gi", &q, &err), 0);
    CHECK_STR(q, "256Gi");
    free(q);
    CHECK_INT(hw_parse_quantity("memory", "1024Mi", &q, &err), 0);
    CHECK_STR(q, "1Gi");
    free(q);
    CHECK_INT(hw_parse_quantity("memory", "0.5Gi", &q, &err), 0);
    CHECK_STR(q, "512Mi");
    free(q);
    CHECK_INT(hw_parse_quantity("cpu", "32", &q, &err), 0);
    CHECK_STR(q, "32");
    free(q);
    CHECK_INT(hw_parse_quantity("cpu", "1500m", &q, &err), 0);
    CHECK_STR(q, "1500m");
    free(q);
    CHECK_INT(hw_parse_quantity("memory", "256GB", &q, &err), -1);
    CHECK(q == NULL);
    CHECK(err && strstr(err->message, "invalid --memory 256GB"));
    ck_err_free(err);
    err = NULL;
    CHECK_INT(hw_parse_quantity("pods", "-1", &q, &err), -1);
    CHECK(err && strstr(err->message, "non-negative"));
    ck_err_free(err);
    err = NULL;

    json_t *v = NULL;
    CHECK_INT(hw_parse_labels("a=b,example.com/zone=z1,empty=", &v, &err), 0);
    CHECK_STR(json_string_value(json_object_get(v, "a")), "b");
    CHECK_STR(json_string_value(json_object_get(v, "example.com/zone")), "z1");
    CHECK_STR(json_string_value(json_object_get(v, "empty")), "");
    json_decref(v);
    CHECK_INT(hw_parse_labels(NULL, &v, &err), 0);
    CHECK_INT(json_object_size(v), 0);
    json_decref(v);
    CHECK_INT(hw_parse_labels("novalue", &v, &err), -1);
    CHECK(v == NULL && err && strstr(err->message, "novalue"));
    ck_err_free(err);
    err = NULL;
    CHECK_INT(hw_parse_labels("a=b c", &v, &err), -1);
    ck_err_free(err);
    err = NULL;

    CHECK_INT(hw_parse_taints("dedicated=gpu:NoSchedule,maint:NoExecute", &v, &err), 0);
    CHECK_INT(json_array_size(v), 2);
    json_t *t0 = json_array_get(v, 0), *t1 = json_array_get(v, 1);
    CHECK_STR(json_string_value(json_object_get(t0, "key")), "dedicated");
    CHECK_STR(json_string_value(json_object_get(t0, "value")), "gpu");
    CHECK_STR(json_string_value(json_object_get(t0, "effect")), "NoSchedule");
    CHECK_STR(json_string_value(json_object_get(t1, "key")), "maint");
    CHECK(json_object_get(t1, "value") == NULL);
    CHECK_STR(json_string_value(json_object_get(t1, "effect")), "NoExecute");
    json_decref(v);
    CHECK_INT(hw_parse_taints("a=b:Sometimes", &v, &err), -1);
    CHECK(err && strstr(err->message, "NoSchedule, PreferNoSchedule, NoExecute"));
    ck_err_free(err);
    err = NULL;
    CHECK_INT(hw_parse_taints("a=b", &v, &err), -1);
    ck_err_free(err);
}

static void test_images(void)
{
    static const char *const cases[][2] = {
        {"nginx", "docker.io/library/nginx:latest"},
        {"nginx:1.27", "docker.io/library/nginx:1.27"},
        {"bitnami/redis", "docker.io/bitnami/redis:latest"},
        {"docker.io/nginx", "docker.io/library/nginx:latest"},
        {"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"},
        {"localhost:5000/app", "localhost:5000/app:latest"},
        {"localhost/app:v1", "localhost/app:v1"},
        {"quay.io/a/b@sha256:abcd", "quay.io/a/b@sha256:abcd"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *got = hw_image_ref(cases[i][0]);
        CHECK_STR(got, cases[i][1]);
        free(got);
    }
}

static void test_node_objects(void)
{
    json_t *labels = json_pack("{s:s}", "topology.kubernetes.io/zone", "z1");
    json_t *taints = json_pack("[{s:s, s:s}]", "key", "k", "effect", "NoSchedule");
    hw_node_spec s = {.cpu = "32",
                      .memory = "256Gi",
                      .pods = "110",
                      .ephemeral_storage = "100Gi",
                      .labels = labels,
                      .taints = taints,
                      .kernel_version = "6.1.0",
                      .os_image = "Debian GNU/Linux 12 (bookworm)",
                      .kubelet_version = "v1.34.0"};
    json_t *n = hw_node_object(&s, "hollow-node-7", "198.18.0.8", "boot", "2025-01-01T00:00:00Z");
    CHECK_STR(ck_obj_str(n, "metadata.name"), "hollow-node-7");
    json_t *l = ck_obj_get(n, "metadata.labels");
    CHECK_STR(json_string_value(json_object_get(l, "kubernetes.io/hostname")), "hollow-node-7");
    CHECK_STR(json_string_value(json_object_get(l, "kubernetes.io/os")), "linux");
    CHECK_STR(json_string_value(json_object_get(l, "kubernetes.io/arch")), "amd64");
    CHECK_STR(json_string_value(json_object_get(l, "beta.kubernetes.io/os")), "linux");
    CHECK_STR(json_string_value(json_object_get(l, "topology.kubernetes.io/zone")), "z1");
    CHECK_STR(ck_obj_str(json_array_get(ck_obj_get(n, "spec.taints"), 0), "key"), "k");
    CHECK_STR(ck_obj_str(n, "status.capacity.cpu"), "32");
    CHECK_STR(ck_obj_str(n, "status.allocatable.memory"), "256Gi");
    CHECK_STR(ck_obj_str(n, "status.capacity.pods"), "110");
    CHECK_STR(ck_obj_str(n, "status.capacity.ephemeral-storage"), "100Gi");
    CHECK_STR(ck_obj_str(n, "status.nodeInfo.kubeletVersion"), "v1.34.0");
    CHECK_STR(ck_obj_str(n, "status.nodeInfo.containerRuntimeVersion"), "hollow://1.0.0");
    CHECK_STR(ck_obj_str(n, "status.nodeInfo.kernelVersion"), "6.1.0");
    CHECK_STR(ck_obj_str(n, "status.nodeInfo.operatingSystem"), "linux");
    CHECK_STR(ck_obj_str(n, "status.nodeInfo.bootID"), "boot");
    CHECK_INT(strlen(ck_obj_str(n, "status.nodeInfo.machineID")), 32);
    CHECK_INT(json_integer_value(ck_obj_get(n, "status.daemonEndpoints.kubeletEndpoint.Port")),
              10250);
    json_t *addr = ck_obj_get(n, "status.addresses");
    CHECK_STR(ck_obj_str(json_array_get(addr, 0), "type"), "InternalIP");
    CHECK_STR(ck_obj_str(json_array_get(addr, 0), "address"), "198.18.0.8");
    CHECK_STR(ck_obj_str(json_array_get(addr, 1), "type"), "Hostname");
    json_t *trimmed = hw_node_trim(n);
    CHECK_STR(ck_obj_str(trimmed, "metadata.name"), "hollow-node-7");
    CHECK(ck_obj_get(trimmed, "metadata.labels") == NULL);
    CHECK(ck_obj_get(trimmed, "status.capacity") == NULL);
    CHECK(hw_node_conditions_current(trimmed));
    CHECK(ck_obj_get(json_array_get(ck_obj_get(trimmed, "status.conditions"), 0),
                     "lastHeartbeatTime") == NULL);
    json_decref(trimmed);
    json_t *conds = ck_obj_get(n, "status.conditions");
    CHECK_INT(json_array_size(conds), 4);
    json_t *ready = json_array_get(conds, 3);
    CHECK_STR(ck_obj_str(ready, "type"), "Ready");
    CHECK_STR(ck_obj_str(ready, "status"), "True");
    CHECK_STR(ck_obj_str(ready, "reason"), "KubeletReady");
    CHECK_STR(ck_obj_str(ready, "message"), "kubelet is posting ready status");
    CHECK_STR(ck_obj_str(json_array_get(conds, 0), "reason"), "KubeletHasSufficientMemory");
    CHECK_STR(ck_obj_str(json_array_get(conds, 1), "status"), "False");
    CHECK(hw_node_conditions_current(n));
    json_object_set_new(ready, "status", json_string("Unknown"));
    CHECK(!hw_node_conditions_current(n));
    json_decref(n);

    char a[33], b[33], u[37];
    hw_machine_id("x", a);
    hw_machine_id("y", b);
    CHECK(strcmp(a, b) != 0);
    hw_system_uuid("x", u);
    CHECK_INT(strlen(u), 36);
    CHECK(u[8] == '-' && u[13] == '-' && u[18] == '-' && u[23] == '-');

    json_t *lease = hw_lease_object("hollow-node-7", "uid-1", 40, 1700000000123456LL);
    CHECK_STR(ck_obj_str(lease, "metadata.namespace"), "kube-node-lease");
    CHECK_STR(ck_obj_str(lease, "spec.holderIdentity"), "hollow-node-7");
    CHECK_INT(json_integer_value(ck_obj_get(lease, "spec.leaseDurationSeconds")), 40);
    CHECK_STR(ck_obj_str(lease, "spec.renewTime"), "2023-11-14T22:13:20.123456Z");
    json_t *owner = json_array_get(ck_obj_get(lease, "metadata.ownerReferences"), 0);
    CHECK_STR(ck_obj_str(owner, "kind"), "Node");
    CHECK_STR(ck_obj_str(owner, "uid"), "uid-1");
    json_decref(lease);
    lease = hw_lease_object("n", NULL, 40, 0);
    CHECK(ck_obj_get(lease, "metadata.ownerReferences") == NULL);
    json_decref(lease);
    json_decref(labels);
    json_decref(taints);
}

int main(void)
{
    test_cidr();
    test_range_v4();
    test_range_v6();
    test_addresses();
    test_flags();
    test_images();
    test_node_objects();
    return UT_DONE();
}
