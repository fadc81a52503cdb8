/* The scheduler's view of the cluster (upstream's cache and snapshot in one, since cycles
 * run on one thread between informer updates): node infos in node tree order (zones
 * interleaved), pods by uid (assumed ones included), nominated pods, the incremental
 * counts of spreadindex.c and termindex.c, image spread, namespaces and the objects
 * plugins consult. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "scheduler/plugins.h"

static const char *const kinds[] = {
    "Namespace", "PersistentVolumeClaim", "PersistentVolume", "StorageClass",
    "Service",   "ReplicationController", "ReplicaSet",       "StatefulSet"};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

typedef struct zone {
    ck_sym key;
    uint32_t *nodes; /* node idx in insertion order */
    uint32_t n, cap;
} zone;

#define SLAB 256 /* node infos per slab: contiguous, so a cycle's walk stays in cache */

struct ck_sched_snapshot {
    ck_sched_symtab *syms;
    ck_sched_node **table; /* by idx; NULL slots are free */
    uint32_t ntable, captable, free_hint;
    ck_sched_node **slabs;
    uint32_t nslabs;
    ck_sched_u64map by_name; /* name sym -> idx + 1 */
    zone *zones;
    uint32_t nzones;
    uint32_t npresent;
    ck_sched_node **list; /* present nodes, node tree order */
    uint32_t nlist;
    bool list_dirty;
    ck_sched_strmap pods;      /* uid -> pod on a node */
    ck_sched_strmap nominated; /* uid -> nominated pod */
    ck_sched_strmap objects[NKINDS];
    ck_sched_u64map ns_labels; /* namespace sym -> (ck_sched_labels *) */
    ck_sched_u64map image_nodes;
    ck_sched_spread_cache spread;
    ck_sched_term_index terms;
};

ck_sched_term_index *ck_sched_snapshot_terms(ck_sched_snapshot *s)
{
    return &s->terms;
}

ck_sched_spread_cache *ck_sched_snapshot_spread(ck_sched_snapshot *s)
{
    return &s->spread;
}

ck_sched_node *const *ck_sched_snapshot_table(ck_sched_snapshot *s, uint32_t *n)
{
    *n = s->ntable;
    return s->table;
}

ck_sched_snapshot *ck_sched_snapshot_new(void)
{
    ck_sched_snapshot *s = xcalloc(1, sizeof(*s));
    s->syms = ck_sched_symtab_new();
    ck_sym_intern(s->syms, "0.0.0.0");
    ck_sym_intern(s->syms, "metadata.name");
    return s;
}

ck_sched_symtab *ck_sched_snapshot_symtab(ck_sched_snapshot *s)
{
    return s->syms;
}

static void free_ns_labels(ck_sched_snapshot *s)
{
    CK_SCHED_U64MAP_FOREACH(&s->ns_labels, i)
    {
        ck_sched_labels *l = (ck_sched_labels *)(intptr_t)s->ns_labels.vals[i];
        free(l->v);
        free(l);
    }
    ck_sched_u64map_free(&s->ns_labels);
}

void ck_sched_snapshot_free(ck_sched_snapshot *s)
{
    if (!s) return;
    CK_SCHED_STRMAP_FOREACH(&s->pods, i) ck_sched_pod_unref(s->pods.vals[i]);
    CK_SCHED_STRMAP_FOREACH(&s->nominated, i) ck_sched_pod_unref(s->nominated.vals[i]);
    ck_sched_strmap_free(&s->pods);
    ck_sched_strmap_free(&s->nominated);
    for (size_t k = 0; k < NKINDS; k++) {
        CK_SCHED_STRMAP_FOREACH(&s->objects[k], i) json_decref(s->objects[k].vals[i]);
        ck_sched_strmap_free(&s->objects[k]);
    }
    for (uint32_t i = 0; i < s->ntable; i++)
        if (s->table[i]) ck_sched_node_clear(s->table[i]);
    for (uint32_t i = 0; i < s->nslabs; i++)
        free(s->slabs[i]);
    free(s->slabs);
    for (uint32_t i = 0; i < s->nzones; i++)
        free(s->zones[i].nodes);
    free(s->zones);
    free(s->table);
    free(s->list);
    ck_sched_u64map_free(&s->by_name);
    ck_sched_u64map_free(&s->image_nodes);
    ck_sched_spread_cache_free(&s->spread);
    ck_sched_term_index_free(&s->terms);
    free_ns_labels(s);
    ck_sched_symtab_free(s->syms);
    free(s);
}

/* ---- Node table and node tree ------------------------------------------------------------ */

static ck_sched_node *find_node(const ck_sched_snapshot *s, ck_sym name)
{
    int64_t *v = name ? ck_sched_u64map_get(&s->by_name, name) : NULL;
    return v ? s->table[*v - 1] : NULL;
}

static ck_sched_node *new_node(ck_sched_snapshot *s, ck_sym name)
{
    uint32_t idx = s->free_hint;
    while (idx < s->ntable && s->table[idx])
        idx++;
    if (idx == s->ntable) {
        if (s->ntable == s->captable) {
            s->captable = s->captable ? s->captable * 2 : 64;
            s->table = xrealloc(s->table, s->captable * sizeof(ck_sched_node *));
        }
        s->ntable++;
    }
    s->free_hint = idx + 1;
    while (idx / SLAB >= s->nslabs) {
        s->slabs = xrealloc(s->slabs, (s->nslabs + 1) * sizeof(ck_sched_node *));
        s->slabs[s->nslabs++] = xcalloc(SLAB, sizeof(ck_sched_node));
    }
    ck_sched_node *n = &s->slabs[idx / SLAB][idx % SLAB];
    memset(n, 0, sizeof(*n));
    n->idx = idx;
    n->name = name;
    s->table[idx] = n;
    *ck_sched_u64map_slot(&s->by_name, name) = idx + 1;
    return n;
}

static void drop_node(ck_sched_snapshot *s, ck_sched_node *n)
{
    ck_sched_u64map_del(&s->by_name, n->name);
    s->table[n->idx] = NULL;
    if (n->idx < s->free_hint) s->free_hint = n->idx;
    if (n->idx + 1 == s->ntable)
        while (s->ntable && !s->table[s->ntable - 1])
            s->ntable--;
    ck_sched_node_clear(n);
}

static void zone_add(ck_sched_snapshot *s, ck_sched_node *n)
{
    zone *z = NULL;
    for (uint32_t i = 0; i < s->nzones && !z; i++)
        if (s->zones[i].key == n->zone) z = &s->zones[i];
    if (!z) {
        s->zones = xrealloc(s->zones, (s->nzones + 1) * sizeof(zone));
        z = &s->zones[s->nzones++];
        *z = (zone){.key = n->zone};
    }
    if (z->n == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 16;
        z->nodes = xrealloc(z->nodes, z->cap * sizeof(uint32_t));
    }
    z->nodes[z->n++] = n->idx;
    s->list_dirty = true;
}

static void zone_remove(ck_sched_snapshot *s, const ck_sched_node *n)
{
    for (uint32_t i = 0; i < s->nzones; i++) {
        zone *z = &s->zones[i];
        if (z->key != n->zone) continue;
        for (uint32_t j = 0; j < z->n; j++)
            if (z->nodes[j] == n->idx) {
                memmove(&z->nodes[j], &z->nodes[j + 1], (z->n - j - 1) * sizeof(uint32_t));
                z->n--;
                break;
            }
        if (z->n == 0) {
            free(z->nodes);
            memmove(z, z + 1, (s->nzones - i - 1) * sizeof(zone));
            s->nzones--;
        }
        break;
    }
    s->list_dirty = true;
}

static void images_count(ck_sched_snapshot *s, const ck_sched_node *n, int64_t sign)
{
    for (uint32_t i = 0; i < n->nimages; i++)
        ck_sched_u64map_add(&s->image_nodes, n->images[i].name, sign, true);
}

int ck_sched_snapshot_upsert_node(ck_sched_snapshot *s, json_t *obj, ck_err **err)
{
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    if (!name) return ck_error(err, 400, CK_BAD_REQUEST, "node has no name");
    ck_sym sym = ck_sym_intern(s->syms, name);
    ck_sched_node *n = find_node(s, sym);
    if (!n) n = new_node(s, sym);
    bool was_present = n->present;
    ck_sym old_zone = n->zone;
    if (was_present) {
        images_count(s, n, -1);
        ck_sched_spread_on_node(&s->spread, n, -1);
        ck_sched_term_index_on_node(&s->terms, n, -1);
    }
    if (ck_sched_node_set(n, s->syms, obj, err) < 0) return -1;
    images_count(s, n, 1);
    ck_sched_spread_on_node(&s->spread, n, 1);
    ck_sched_term_index_on_node(&s->terms, n, 1);
    if (!was_present) {
        s->npresent++;
        zone_add(s, n);
    } else if (old_zone != n->zone) {
        ck_sym nz = n->zone;
        n->zone = old_zone;
        zone_remove(s, n);
        n->zone = nz;
        zone_add(s, n);
    }
    return 0;
}

void ck_sched_snapshot_remove_node(ck_sched_snapshot *s, const char *name)
{
    ck_sym sym = ck_sym_find(s->syms, name);
    ck_sched_node *n = find_node(s, sym);
    if (!n || !n->present) return;
    zone_remove(s, n);
    images_count(s, n, -1);
    ck_sched_spread_on_node(&s->spread, n, -1);
    ck_sched_term_index_on_node(&s->terms, n, -1);
    s->npresent--;
    n->present = false;
    /* Like upstream's cache, keep the pods until their deletions arrive. */
    if (n->npods == 0 && n->nnominated == 0) drop_node(s, n);
}

static void rebuild_list(ck_sched_snapshot *s)
{
    s->list = xrealloc(s->list, (s->npresent ? s->npresent : 1) * sizeof(ck_sched_node *));
    s->nlist = 0;
    for (uint32_t depth = 0;; depth++) {
        bool any = false;
        for (uint32_t z = 0; z < s->nzones; z++)
            if (depth < s->zones[z].n) {
                s->list[s->nlist++] = s->table[s->zones[z].nodes[depth]];
                any = true;
            }
        if (!any) break;
    }
    s->list_dirty = false;
}

ck_sched_node *const *ck_sched_snapshot_nodes(ck_sched_snapshot *s, uint32_t *n)
{
    if (s->list_dirty || !s->list) rebuild_list(s);
    *n = s->nlist;
    return s->list;
}

uint32_t ck_sched_snapshot_table_size(const ck_sched_snapshot *s)
{
    return s->ntable;
}

uint32_t ck_sched_snapshot_num_nodes(const ck_sched_snapshot *s)
{
    return s->npresent;
}

ck_sched_node *ck_sched_snapshot_node(const ck_sched_snapshot *s, const char *name)
{
    ck_sched_node *n = find_node(s, ck_sym_find(s->syms, name));
    return n && n->present ? n : NULL;
}

uint32_t ck_sched_snapshot_image_nodes(const ck_sched_snapshot *s, ck_sym image)
{
    int64_t *v = ck_sched_u64map_get(&s->image_nodes, image);
    return v ? (uint32_t)*v : 0;
}

/* ---- Pods ---------------------------------------------------------------------------------- */

static void detach_pod(ck_sched_snapshot *s, ck_sched_pod *p)
{
    ck_sched_node *n = p->node;
    if (n) {
        if (ck_sched_node_remove_pod(n, p)) {
            ck_sched_spread_on_pod(&s->spread, s->syms, p, n, -1);
            if (ck_sched_pod_has_affinity(p)) ck_sched_term_index_on_pod(&s->terms, p, n, -1);
        }
        p->node = NULL;
        if (!n->present && n->npods == 0 && n->nnominated == 0) drop_node(s, n);
    }
    p->assumed = false;
}

/* Puts p (taking a reference) on the node named node_name. */
static void attach_pod(ck_sched_snapshot *s, ck_sched_pod *p, ck_sym node_name)
{
    ck_sched_node *n = find_node(s, node_name);
    if (!n) n = new_node(s, node_name);
    ck_sched_node_add_pod(n, p);
    ck_sched_spread_on_pod(&s->spread, s->syms, p, n, 1);
    if (ck_sched_pod_has_affinity(p)) ck_sched_term_index_on_pod(&s->terms, p, n, 1);
    p->node = n;
    ck_sched_pod *old = ck_sched_strmap_put(&s->pods, p->uid, ck_sched_pod_ref(p));
    if (old) ck_sched_pod_unref(old);
}

void ck_sched_snapshot_remove_pod(ck_sched_snapshot *s, const char *uid)
{
    ck_sched_pod *p = ck_sched_strmap_del(&s->pods, uid);
    if (!p) return;
    detach_pod(s, p);
    ck_sched_pod_unref(p);
}

int ck_sched_snapshot_upsert_pod(ck_sched_snapshot *s, json_t *obj, ck_err **err)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *uid = json_string_value(json_object_get(md, "uid"));
    if (!uid) return ck_error(err, 400, CK_BAD_REQUEST, "pod has no uid");
    const char *phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
    const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
    bool terminal = streq(phase, "Succeeded") || streq(phase, "Failed");
    ck_sched_pod *old = ck_sched_strmap_get(&s->pods, uid);
    if (terminal || !node || !*node) {
        if (old && old->assumed && !terminal) return 0;
        ck_sched_snapshot_remove_pod(s, uid);
        return 0;
    }
    ck_sched_pod *p = ck_sched_pod_new(s->syms, obj, err);
    if (!p) return -1;
    if (old) {
        ck_sched_pod_ref(old);
        ck_sched_strmap_del(&s->pods, uid);
        detach_pod(s, old);
        ck_sched_pod_unref(old);
        ck_sched_pod_unref(old);
    }
    /* A bound pod is no longer nominated. */
    ck_sched_pod *nom = ck_sched_strmap_get(&s->nominated, uid);
    if (nom) ck_sched_snapshot_nominate(s, nom, NULL);
    attach_pod(s, p, p->node_name);
    ck_sched_pod_unref(p);
    return 0;
}

ck_sched_pod *ck_sched_snapshot_pod(const ck_sched_snapshot *s, const char *uid)
{
    return ck_sched_strmap_get(&s->pods, uid);
}

/* Assume (framework.c): the pod sits on node until bound or forgotten. */
void ck_sched_snapshot_assume(ck_sched_snapshot *s, ck_sched_pod *p, ck_sched_node *node)
{
    /* An assumed pod is no longer nominated (DeleteNominatedPodIfExists). */
    if (ck_sched_strmap_get(&s->nominated, p->uid)) ck_sched_snapshot_nominate(s, p, NULL);
    ck_sched_snapshot_remove_pod(s, p->uid);
    p->node_name = node->name;
    attach_pod(s, p, node->name);
    p->assumed = true;
}

void ck_sched_snapshot_nominate(ck_sched_snapshot *s, ck_sched_pod *pod, const char *node)
{
    ck_sched_pod *old = ck_sched_strmap_del(&s->nominated, pod->uid);
    if (old) {
        ck_sched_node *n = find_node(s, old->nominated_node);
        if (n) {
            for (uint32_t i = 0; i < n->nnominated; i++)
                if (n->nominated[i] == old) {
                    memmove(&n->nominated[i], &n->nominated[i + 1],
                            (n->nnominated - i - 1) * sizeof(ck_sched_pod *));
                    n->nnominated--;
                    break;
                }
            if (!n->present && n->npods == 0 && n->nnominated == 0) drop_node(s, n);
        }
        old->in_nominated = false;
        ck_sched_pod_unref(old);
    }
    if (!node || !*node) {
        pod->nominated_node = 0;
        return;
    }
    pod->nominated_node = ck_sym_intern(s->syms, node);
    ck_sched_node *n = find_node(s, pod->nominated_node);
    if (!n) n = new_node(s, pod->nominated_node);
    if (n->nnominated == n->capnominated) {
        n->capnominated = n->capnominated ? n->capnominated * 2 : 4;
        n->nominated = xrealloc(n->nominated, n->capnominated * sizeof(ck_sched_pod *));
    }
    n->nominated[n->nnominated++] = ck_sched_pod_ref(pod);
    pod->in_nominated = true;
    ck_sched_strmap_put(&s->nominated, pod->uid, ck_sched_pod_ref(pod));
    ck_sched_pod_unref(pod); /* the node's array shares the map's reference */
}

/* ---- Other objects ----------------------------------------------------------------------- */

static int kind_index(const char *kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (streq(kinds[i], kind)) return (int)i;
    return -1;
}

static char *obj_key(const char *ns, const char *name)
{
    return xasprintf("%s/%s", ns ? ns : "", name ? name : "");
}

static void set_ns_labels(ck_sched_snapshot *s, const char *name, const json_t *obj)
{
    ck_sym ns = ck_sym_intern(s->syms, name);
    int64_t *slot = ck_sched_u64map_get(&s->ns_labels, ns);
    if (slot) {
        ck_sched_labels *l = (ck_sched_labels *)(intptr_t)*slot;
        free(l->v);
        free(l);
        ck_sched_u64map_del(&s->ns_labels, ns);
    }
    if (!obj) return;
    ck_sched_labels *l = xmalloc(sizeof(*l));
    ck_sched_labels_parse(s->syms, json_object_get(json_object_get(obj, "metadata"), "labels"), l);
    *ck_sched_u64map_slot(&s->ns_labels, ns) = (int64_t)(intptr_t)l;
}

void ck_sched_snapshot_upsert_object(ck_sched_snapshot *s, const char *kind, json_t *obj)
{
    int k = kind_index(kind ? kind : json_string_value(json_object_get(obj, "kind")));
    if (k < 0) return;
    const json_t *md = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    if (!name) return;
    char *key = obj_key(ns, name);
    json_t *old = ck_sched_strmap_put(&s->objects[k], key, json_incref(obj));
    json_decref(old);
    free(key);
    if (k == 0) set_ns_labels(s, name, obj);
}

void ck_sched_snapshot_remove_object(ck_sched_snapshot *s, const char *kind, const char *ns,
                                     const char *name)
{
    int k = kind_index(kind);
    if (k < 0) return;
    char *key = obj_key(ns, name);
    json_decref(ck_sched_strmap_del(&s->objects[k], key));
    free(key);
    if (k == 0) set_ns_labels(s, name, NULL);
}

const json_t *ck_sched_snapshot_object(const ck_sched_snapshot *s, const char *kind, const char *ns,
                                       const char *name)
{
    int k = kind_index(kind);
    if (k < 0) return NULL;
    char *key = obj_key(ns, name);
    const json_t *o = ck_sched_strmap_get(&s->objects[k], key);
    free(key);
    return o;
}

const ck_sched_strmap *ck_sched_snapshot_objects(const ck_sched_snapshot *s, const char *kind)
{
    int k = kind_index(kind);
    return k < 0 ? NULL : &s->objects[k];
}

const ck_sched_labels *ck_sched_snapshot_ns_labels(const ck_sched_snapshot *s, ck_sym ns)
{
    int64_t *v = ck_sched_u64map_get(&s->ns_labels, ns);
    return v ? (const ck_sched_labels *)(intptr_t)*v : NULL;
}

uint32_t ck_sched_snapshot_match_namespaces(const ck_sched_snapshot *s,
                                            const ck_sched_selector *sel, ck_sym *out, uint32_t cap)
{
    uint32_t n = 0;
    CK_SCHED_U64MAP_FOREACH(&s->ns_labels, i)
    {
        const ck_sched_labels *l = (const ck_sched_labels *)(intptr_t)s->ns_labels.vals[i];
        if (ck_sched_selector_matches(sel, l, s->syms) && n < cap)
            out[n++] = (ck_sym)s->ns_labels.keys[i];
    }
    return n;
}

/* ---- helper.DefaultSelector ------------------------------------------------------------ */

static void add_req(ck_sched_selector *sel, ck_sched_arena *a, ck_sym key, uint8_t op,
                    const ck_sym *vals, uint32_t nvals, uint32_t *cap)
{
    if (sel->n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        ck_sel_req *r = ck_sched_arena_alloc(a, nc * sizeof(ck_sel_req));
        if (sel->n) memcpy(r, sel->reqs, sel->n * sizeof(ck_sel_req));
        sel->reqs = r;
        *cap = nc;
    }
    ck_sel_req *r = &sel->reqs[sel->n++];
    memset(r, 0, sizeof(*r));
    r->key = key;
    r->op = op;
    r->nvals = nvals;
    r->vals = ck_sched_arena_alloc(a, (nvals ? nvals : 1) * sizeof(ck_sym));
    if (nvals) memcpy(r->vals, vals, nvals * sizeof(ck_sym));
}

/* labels.Merge of a map selector into sel as equality requirements (later keys win). */
static void merge_set(ck_sched_snapshot *s, ck_sched_selector *sel, ck_sched_arena *a,
                      const json_t *set, uint32_t *cap)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)set, k, v)
    {
        ck_sym key = ck_sym_intern(s->syms, k),
               val = ck_sym_intern(s->syms, json_string_value(v) ? json_string_value(v) : "");
        bool done = false;
        for (uint32_t i = 0; i < sel->n && !done; i++)
            if (sel->reqs[i].key == key && sel->reqs[i].op == CK_SEL_IN) {
                sel->reqs[i].vals[0] = val;
                done = true;
            }
        if (!done) add_req(sel, a, key, CK_SEL_IN, &val, 1, cap);
    }
}

static bool set_matches(ck_sched_snapshot *s, const json_t *set, const ck_sched_labels *l)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)set, k, v)
    {
        ck_sym key = ck_sym_find(s->syms, k);
        const char *vs = json_string_value(v);
        ck_sym val = vs ? ck_sym_find(s->syms, vs) : 0;
        if (!key || !val || ck_sched_labels_get(l, key) != val) return false;
    }
    return true;
}

bool ck_sched_default_selector(ck_sched_snapshot *s, const ck_sched_pod *pod, ck_sched_arena *a,
                               ck_sched_selector *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t cap = 0;
    const char *ns = ck_sym_str(s->syms, pod->ns);
    size_t nslen = strlen(ns);
    ck_sched_strmap *svcs = &s->objects[4];
    CK_SCHED_STRMAP_FOREACH(svcs, i)
    {
        if (strncmp(svcs->keys[i], ns, nslen) != 0 || svcs->keys[i][nslen] != '/') continue;
        const json_t *sel = json_object_get(json_object_get(svcs->vals[i], "spec"), "selector");
        if (json_is_object(sel) && set_matches(s, sel, &pod->labels))
            merge_set(s, out, a, sel, &cap);
    }
    if (pod->owner_kind == CK_OWNER_RC || pod->owner_kind == CK_OWNER_RS ||
        pod->owner_kind == CK_OWNER_SS) {
        const char *kind = pod->owner_kind == CK_OWNER_RC   ? "ReplicationController"
                           : pod->owner_kind == CK_OWNER_RS ? "ReplicaSet"
                                                            : "StatefulSet";
        const json_t *o = ck_sched_snapshot_object(s, kind, ns, pod->owner_name);
        const json_t *sel = json_object_get(json_object_get(o, "spec"), "selector");
        if (o && pod->owner_kind == CK_OWNER_RC && json_is_object(sel)) {
            merge_set(s, out, a, sel, &cap);
        } else if (o && json_is_object(sel)) {
            ck_sched_selector parsed;
            if (ck_sched_parse_selector(s->syms, sel, &parsed, NULL) == 0) {
                for (uint32_t i = 0; i < parsed.n; i++)
                    add_req(out, a, parsed.reqs[i].key, parsed.reqs[i].op, parsed.reqs[i].vals,
                            parsed.reqs[i].nvals, &cap);
                ck_sched_selector_free(&parsed);
            }
        }
    }
    return out->n > 0;
}
