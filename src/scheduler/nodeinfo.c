/* framework.NodeInfo: the node's parsed object (labels, taints, allocatable, images) and
 * the aggregates of the pods on it (requested and non-zero requested resources, host
 * ports, pods with affinity), kept current as pods are added and removed. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "machinery/quantity.h"
#include "scheduler/plugins.h"

static int64_t qval(const json_t *v, bool milli)
{
    ck_quantity q;
    if (json_is_integer(v)) return milli ? json_integer_value(v) * 1000 : json_integer_value(v);
    if (!json_is_string(v) || ck_quantity_parse(json_string_value(v), &q, NULL) < 0) return 0;
    return milli ? ck_quantity_milli(&q) : ck_quantity_value(&q);
}

static int image_cmp(const void *a, const void *b)
{
    const ck_sched_image *x = a, *y = b;
    return x->name < y->name ? -1 : x->name > y->name;
}

static void free_parsed(ck_sched_node *n)
{
    free(n->labels.v);
    n->labels = (ck_sched_labels){0};
    for (uint32_t i = 0; i < n->ntaints; i++)
        free(n->taints[i].msg);
    free(n->taints);
    n->taints = NULL;
    n->ntaints = 0;
    free(n->images);
    n->images = NULL;
    n->nimages = 0;
    ck_sched_scalars_free(&n->alloc_sc);
    memset(&n->alloc, 0, sizeof(n->alloc));
    json_decref(n->obj);
    n->obj = NULL;
}

/* GetZoneKey: region and zone labels (GA names, then the beta ones). */
static ck_sym zone_key(ck_sched_symtab *t, const ck_sched_labels *l)
{
    ck_sym zone = ck_sched_labels_get(l, ck_sym_intern(t, "topology.kubernetes.io/zone"));
    if (!zone)
        zone = ck_sched_labels_get(l, ck_sym_intern(t, "failure-domain.beta.kubernetes.io/zone"));
    ck_sym region = ck_sched_labels_get(l, ck_sym_intern(t, "topology.kubernetes.io/region"));
    if (!region)
        region =
            ck_sched_labels_get(l, ck_sym_intern(t, "failure-domain.beta.kubernetes.io/region"));
    const char *zs = ck_sym_str(t, zone), *rs = ck_sym_str(t, region);
    if (!*zs && !*rs) return 0;
    char *k = xasprintf("%s\x1f%s", rs, zs);
    ck_sym s = ck_sym_intern(t, k);
    free(k);
    return s;
}

int ck_sched_node_set(ck_sched_node *n, ck_sched_symtab *t, json_t *obj, ck_err **err)
{
    (void)err;
    free_parsed(n);
    n->obj = json_incref(obj);
    n->present = true;
    const json_t *md = json_object_get(obj, "metadata"), *spec = json_object_get(obj, "spec"),
                 *st = json_object_get(obj, "status");
    const char *name = json_string_value(json_object_get(md, "name"));
    n->name = ck_sym_intern(t, name ? name : "");
    ck_sched_labels_parse(t, json_object_get(md, "labels"), &n->labels);
    n->zone = zone_key(t, &n->labels);
    n->unschedulable = json_is_true(json_object_get(spec, "unschedulable"));
    const json_t *taints = json_object_get(spec, "taints");
    size_t nt = json_array_size(taints), i;
    json_t *e;
    if (nt) n->taints = xcalloc(nt, sizeof(ck_sched_taint));
    json_array_foreach(taints, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "key"));
        const char *v = json_string_value(json_object_get(e, "value"));
        ck_sched_taint *tt = &n->taints[n->ntaints++];
        tt->key = ck_sym_intern(t, k ? k : "");
        tt->value = ck_sym_intern(t, v ? v : "");
        tt->effect = ck_sched_parse_effect(json_string_value(json_object_get(e, "effect")));
        tt->msg = xasprintf("node(s) had untolerated taint {%s: %s}", k ? k : "", v ? v : "");
    }
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(st, "allocatable"), k, v)
    {
        if (streq(k, "cpu"))
            n->alloc.milli_cpu = qval(v, true);
        else if (streq(k, "memory"))
            n->alloc.memory = qval(v, false);
        else if (streq(k, "ephemeral-storage"))
            n->alloc.ephemeral = qval(v, false);
        else if (streq(k, "pods"))
            n->alloc.pods = qval(v, false);
        else if (ck_sched_is_scalar(k))
            ck_sched_scalar_add(&n->alloc_sc, ck_sym_intern(t, k), qval(v, false));
    }
    const json_t *images = json_object_get(st, "images");
    size_t cap = 0;
    json_array_foreach(images, i, e) cap += json_array_size(json_object_get(e, "names"));
    if (cap) n->images = xmalloc(cap * sizeof(ck_sched_image));
    json_array_foreach(images, i, e)
    {
        size_t j;
        json_t *nm;
        int64_t size = json_integer_value(json_object_get(e, "sizeBytes"));
        json_array_foreach(json_object_get(e, "names"), j, nm)
        {
            if (!json_is_string(nm)) continue;
            n->images[n->nimages++] =
                (ck_sched_image){ck_sym_intern(t, json_string_value(nm)), size};
        }
    }
    if (n->nimages > 1) qsort(n->images, n->nimages, sizeof(ck_sched_image), image_cmp);
    /* Drop duplicate names (the first size wins). */
    uint32_t w = 0;
    for (uint32_t r = 0; r < n->nimages; r++)
        if (w == 0 || n->images[w - 1].name != n->images[r].name) n->images[w++] = n->images[r];
    n->nimages = w;
    return 0;
}

void ck_sched_node_clear(ck_sched_node *n)
{
    free_parsed(n);
    ck_sched_scalars_free(&n->requested_sc);
    free(n->pods);
    free(n->ports);
    free(n->nominated);
    memset(n, 0, sizeof(*n));
}

static void update(ck_sched_node *n, const ck_sched_pod *p, int64_t sign)
{
    n->requested.milli_cpu += sign * p->req.milli_cpu;
    n->requested.memory += sign * p->req.memory;
    n->requested.ephemeral += sign * p->req.ephemeral;
    for (uint32_t i = 0; i < p->req_sc.n; i++)
        ck_sched_scalar_add(&n->requested_sc, p->req_sc.v[i].name, sign * p->req_sc.v[i].val);
    n->nz_milli_cpu += sign * p->nz_milli_cpu;
    n->nz_memory += sign * p->nz_memory;
    if (ck_sched_pod_has_affinity(p)) n->n_with_affinity += (uint32_t)sign;
    if (ck_sched_pod_has_req_anti(p)) n->n_with_req_anti += (uint32_t)sign;
    for (uint32_t i = 0; i < p->nports; i++) {
        const ck_sched_port *pp = &p->ports[i];
        uint32_t j = 0;
        while (j < n->nports && !(n->ports[j].ip == pp->ip && n->ports[j].proto == pp->proto &&
                                  n->ports[j].port == pp->port))
            j++;
        if (sign > 0) {
            if (j == n->nports) {
                if (n->nports == n->capports) {
                    n->capports = n->capports ? n->capports * 2 : 4;
                    n->ports = xrealloc(n->ports, n->capports * sizeof(ck_sched_port));
                }
                n->ports[n->nports++] = (ck_sched_port){pp->ip, pp->proto, pp->port, 0};
            }
            n->ports[j].count++;
        } else if (j < n->nports && --n->ports[j].count == 0) {
            n->ports[j] = n->ports[--n->nports];
        }
    }
}

void ck_sched_node_add_pod(ck_sched_node *n, ck_sched_pod *p)
{
    if (n->npods == n->cappods) {
        n->cappods = n->cappods ? n->cappods * 2 : 8;
        n->pods = xrealloc(n->pods, n->cappods * sizeof(ck_sched_pod *));
    }
    n->pods[n->npods++] = p;
    update(n, p, 1);
}

bool ck_sched_node_remove_pod(ck_sched_node *n, ck_sched_pod *p)
{
    for (uint32_t i = 0; i < n->npods; i++) {
        if (n->pods[i] != p) continue;
        n->pods[i] = n->pods[--n->npods];
        update(n, p, -1);
        return true;
    }
    return false;
}

ck_sched_node *ck_sched_node_clone(const ck_sched_node *n)
{
    ck_sched_node *c = xmalloc(sizeof(*c));
    *c = *n;
    c->is_clone = true;
    c->cappods = n->npods ? n->npods : 1;
    c->pods = xmalloc(c->cappods * sizeof(ck_sched_pod *));
    if (n->npods) memcpy(c->pods, n->pods, n->npods * sizeof(ck_sched_pod *));
    c->capports = n->nports;
    c->ports = n->nports ? xmalloc(n->nports * sizeof(ck_sched_port)) : NULL;
    if (n->nports) memcpy(c->ports, n->ports, n->nports * sizeof(ck_sched_port));
    c->requested_sc.cap = n->requested_sc.n;
    c->requested_sc.v =
        n->requested_sc.n ? xmalloc(n->requested_sc.n * sizeof(ck_sched_scalar)) : NULL;
    if (n->requested_sc.n)
        memcpy(c->requested_sc.v, n->requested_sc.v, n->requested_sc.n * sizeof(ck_sched_scalar));
    return c;
}

void ck_sched_node_clone_free(ck_sched_node *c)
{
    if (!c) return;
    free(c->pods);
    free(c->ports);
    free(c->requested_sc.v);
    free(c);
}

/* HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address of the same
 * protocol/port; a specific address with itself and 0.0.0.0. */
bool ck_sched_node_port_conflict(const ck_sched_node *n, const ck_sched_port *p,
                                 const ck_sched_symtab *t)
{
    if (p->port <= 0) return false;
    ck_sym any = ck_sym_find(t, "0.0.0.0");
    for (uint32_t i = 0; i < n->nports; i++) {
        const ck_sched_port *u = &n->ports[i];
        if (u->proto != p->proto || u->port != p->port) continue;
        if (p->ip == any || u->ip == any || u->ip == p->ip) return true;
    }
    return false;
}
