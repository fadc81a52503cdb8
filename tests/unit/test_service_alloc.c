/* Service ClusterIP and NodePort allocation (src/registry/service_alloc.c): the range
 * helpers, then whole Service creates through the object store over a real SQLite-backed
 * watch cache (the used set is derived from the stored Services). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "apiserver/server.h"
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/service_alloc.h"
#include "ut.h"
#include "ut_fixtures.h"

/* JSON with ' for " (test literals stay readable). */
static json_t *J(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *j = json_loads(t, 0, &e);
    if (!j) {
        fprintf(stderr, "bad test JSON (%s): %s\n", e.text, t);
        exit(2);
    }
    free(t);
    return j;
}

/* The value at path as compact JSON ("null" when absent); the caller frees. */
static char *at(const json_t *obj, const char *path)
{
    const json_t *v = ck_obj_get(obj, path);
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : xstrdup("null");
}

#define CHECK_AT(obj, path, want)                                                                  \
    do {                                                                                           \
        char *_s = at(obj, path);                                                                  \
        CHECK_STR(_s, want);                                                                       \
        free(_s);                                                                                  \
    } while (0)

static char tmpdir[64];

static int create(ck_apiserver *srv, const char *plural, const char *ns, const char *body,
                  bool dry_run, json_t **out, char **msg)
{
    json_t *obj = J(body);
    ck_written w = {0};
    ck_err *err = NULL;
    ck_write_opts o = {.dry_run = dry_run, .field_manager = "test"};
    int r = ck_objstore_create(srv, ck_registry_find("", "v1", plural), ns, obj, &o, &w, &err);
    if (out) *out = r == 0 ? json_loads(w.json, 0, NULL) : NULL;
    if (msg) *msg = r < 0 ? xasprintf("%d %s", err->code, err->message) : NULL;
    ck_err_free(err);
    ck_written_clear(&w);
    json_decref(obj);
    return r;
}

static void test_service_alloc(void)
{
    ck_ip_range r;
    CHECK_INT(ck_ip_range_parse("10.0.0.0/29", &r), 0);
    CHECK_INT(r.size, 8);
    CHECK_INT(ck_ip_range_offset(&r, "10.0.0.0"), -1);
    CHECK_INT(ck_ip_range_offset(&r, "10.0.0.1"), 1);
    CHECK_INT(ck_ip_range_offset(&r, "10.0.0.6"), 6);
    CHECK_INT(ck_ip_range_offset(&r, "10.0.0.7"), -1);
    CHECK_INT(ck_ip_range_offset(&r, "10.0.1.1"), -1);
    CHECK_INT(ck_ip_range_parse("10.0.0.5/22", &r), 0); /* host bits are masked */
    char ip[64];
    ck_ip_range_addr(&r, 300, ip);
    CHECK_STR(ip, "10.0.1.44");
    CHECK_INT(ck_ip_range_parse("fd00::/120", &r), 0);
    CHECK_INT(ck_ip_range_offset(&r, "fd00::ff"), 255);
    CHECK_INT(ck_ip_range_parse("10.0.0.0", &r), -1);
    int lo, hi;
    CHECK_INT(ck_port_range_parse("30000-32767", &lo, &hi), 0);
    CHECK(lo == 30000 && hi == 32767);
    CHECK_INT(ck_port_range_parse("5-1", &lo, &hi), -1);

    snprintf(tmpdir, sizeof tmpdir, "/tmp/ckube-regtest-XXXXXX");
    if (!mkdtemp(tmpdir)) return;
    char *db = xasprintf("%s/state.db", tmpdir);
    ck_apiserver srv = {.service_cidr = "10.0.0.0/29", .node_port_range = "30000-30002"};
    ck_err *err = NULL;
    if (ck_store_sqlite_open(db, &srv.store, &err) < 0 ||
        ck_cache_open(srv.store, &srv.cache, &err) < 0) {
        fprintf(stderr, "store: %s\n", err->message);
        exit(2);
    }
    free(db);
    char *msg = NULL;
    json_t *o = NULL;
    CHECK_INT(
        create(&srv, "namespaces", NULL, "{'metadata':{'name':'default'}}", false, NULL, NULL), 0);
    CHECK_INT(create(&srv, "services", "default",
                     "{'metadata':{'name':'kubernetes'},'spec':{'clusterIP':'10.0.0.1',"
                     "'ports':[{'name':'https','port':443}]}}",
                     false, &o, NULL),
              0);
    CHECK_AT(o, "spec.clusterIPs", "[\"10.0.0.1\"]");
    CHECK_AT(o, "spec.ipFamilies", "[\"IPv4\"]");
    CHECK_AT(o, "spec.ipFamilyPolicy", "\"SingleStack\"");
    json_decref(o);
    /* dry run: allocated in the answer, nothing kept */
    CHECK_INT(create(&srv, "services", "default",
                     "{'metadata':{'name':'d'},'spec':{'ports':[{'port':1}]}}", true, &o, NULL),
              0);
    CHECK(json_string_length(ck_obj_get(o, "spec.clusterIP")) > 0);
    json_decref(o);
    CHECK(!ck_cache_get(srv.cache, ck_registry_find("", "v1", "services"), "default", "d"));
    const char *seen[5] = {0};
    for (int i = 0; i < 5; i++) { /* 10.0.0.2-6 are left */
        char *body = xasprintf("{'metadata':{'name':'s%d'},'spec':{'ports':[{'port':80}]}}", i);
        CHECK_INT(create(&srv, "services", "default", body, false, &o, &msg), 0);
        free(body);
        const char *got = ck_obj_str(o, "spec.clusterIP");
        ck_ip_range_parse("10.0.0.0/29", &r);
        int64_t off = ck_ip_range_offset(&r, got);
        CHECK(off >= 2 && off <= 6);
        for (int j = 0; j < i; j++)
            CHECK(!streq(seen[j], got));
        seen[i] = xstrdup(got);
        json_decref(o);
    }
    CHECK_INT(create(&srv, "services", "default",
                     "{'metadata':{'name':'full'},'spec':{'ports':[{'port':80}]}}", false, NULL,
                     &msg),
              -1);
    CHECK_STR(msg, "500 Internal error occurred: failed to allocate a serviceIP: range is full");
    free(msg);
    CHECK_INT(
        create(&srv, "services", "default",
               "{'metadata':{'name':'dup'},'spec':{'clusterIP':'10.0.0.1','ports':[{'port':80}]}}",
               false, NULL, &msg),
        -1);
    CHECK_STR(msg,
              "422 Service \"dup\" is invalid: spec.clusterIPs: Invalid value: [\"10.0.0.1\"]: "
              "failed to allocate IP 10.0.0.1: provided IP is already allocated");
    free(msg);
    CHECK_INT(
        create(&srv, "services", "default",
               "{'metadata':{'name':'far'},'spec':{'clusterIP':'10.1.0.1','ports':[{'port':80}]}}",
               false, NULL, &msg),
        -1);
    CHECK_STR(msg,
              "422 Service \"far\" is invalid: spec.clusterIPs: Invalid value: [\"10.1.0.1\"]: "
              "failed to allocate IP 10.1.0.1: provided IP is not in the valid range. The range "
              "of valid IPs is 10.0.0.0/29");
    free(msg);
    /* deleting s0 releases its address */
    ck_rtype *svc = ck_registry_find("", "v1", "services");
    ck_obj *s0 = ck_obj_ref(ck_cache_get(srv.cache, svc, "default", "s0"));
    ck_written w = {0};
    CHECK_INT(ck_objstore_delete(&srv, svc, s0, NULL, false, &w, &err), 0);
    ck_written_clear(&w);
    ck_obj_unref(s0);
    CHECK_INT(create(&srv, "services", "default",
                     "{'metadata':{'name':'h'},'spec':{'clusterIP':'None','ports':[{'port':80}]}}",
                     false, &o, NULL),
              0);
    CHECK_AT(o, "spec.clusterIPs", "[\"None\"]");
    json_decref(o);
    CHECK_INT(
        create(&srv, "services", "default",
               "{'metadata':{'name':'again'},'spec':{'type':'NodePort','ports':[{'name':'a','port':"
               "80},"
               "{'name':'b','port':53,'protocol':'UDP'},{'name':'c','port':53,'protocol':'TCP'}]}}",
               false, &o, &msg),
        0);
    CHECK_STR(ck_obj_str(o, "spec.clusterIP"), seen[0]);
    json_t *ports = ck_obj_get(o, "spec.ports");
    json_int_t p0 = json_integer_value(ck_obj_get(json_array_get(ports, 0), "nodePort"));
    json_int_t p1 = json_integer_value(ck_obj_get(json_array_get(ports, 1), "nodePort"));
    json_int_t p2 = json_integer_value(ck_obj_get(json_array_get(ports, 2), "nodePort"));
    CHECK(p0 >= 30000 && p0 <= 30002 && p1 >= 30000 && p1 <= 30002 && p0 != p1 && p1 == p2);
    CHECK_AT(o, "spec.externalTrafficPolicy", "\"Cluster\"");
    json_decref(o);
    for (int i = 0; i < 5; i++)
        free((char *)seen[i]);
    char *body = xasprintf("{'metadata':{'name':'np'},'spec':{'type':'NodePort','clusterIP':'None',"
                           "'ports':[{'port':80,'nodePort':%lld}]}}",
                           (long long)p0);
    CHECK_INT(create(&srv, "services", "default", body, false, NULL, &msg), -1);
    free(body);
    CHECK(strstr(msg, "may not be set to 'None' for NodePort services") != NULL);
    free(msg);
    body =
        xasprintf("{'metadata':{'name':'np'},'spec':{'type':'ExternalName','externalName':'x.io',"
                  "'ports':[{'port':80,'nodePort':%lld}]}}",
                  (long long)p0);
    CHECK_INT(create(&srv, "services", "default", body, false, NULL, NULL), 0);
    free(body);
    CHECK_INT(create(&srv, "services", "default",
                     "{'metadata':{'name':'np2'},'spec':{'type':'LoadBalancer','"
                     "allocateLoadBalancerNodePorts':false,"
                     "'clusterIP':'None','ports':[{'port':80,'nodePort':40000}]}}",
                     false, NULL, &msg),
              -1);
    free(msg);
    json_t *lb = J("{'metadata':{'name':'lb','namespace':'default'},'spec':{'type':'LoadBalancer',"
                   "'clusterIP':'None','allocateLoadBalancerNodePorts':false,"
                   "'ports':[{'port':80,'nodePort':40000}]}}");
    ck_strategy_ctx ctx = {.srv = &srv};
    CHECK_INT(ck_service_alloc(&ctx, lb, NULL, &err), -1);
    CHECK_STR(err->message,
              "Service \"lb\" is invalid: spec.ports[0].nodePort: Invalid value: 40000: "
              "provided port is not in the valid range. The range of valid ports is "
              "30000-30002");
    ck_err_free(err);
    err = NULL;
    json_decref(lb);
    lb = J("{'metadata':{'name':'lb','namespace':'default'},'spec':{'type':'NodePort','"
           "ipFamilyPolicy':"
           "'RequireDualStack','ports':[{'port':80}]}}");
    CHECK_INT(ck_service_alloc(&ctx, lb, NULL, &err), -1);
    CHECK_STR(err->message,
              "Service \"lb\" is invalid: spec.ipFamilyPolicy: Invalid value: "
              "\"RequireDualStack\": this cluster is not configured for dual-stack services");
    ck_err_free(err);
    err = NULL;
    json_decref(lb);
    ck_cache_free(srv.cache);
    srv.store->ops->close(srv.store);
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    ck_registry_init();
    test_service_alloc();
    return UT_DONE();
}
