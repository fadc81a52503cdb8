/* ResourceQuota admission and the quota status reconciler (upstream's
 * plugin/pkg/admission/resourcequota, pkg/quota/v1/evaluator/core and the resource quota
 * controller), plus the resource-list arithmetic LimitRanger shares. */
#ifndef CK_ADMISSION_RESOURCEQUOTA_H
#define CK_ADMISSION_RESOURCEQUOTA_H

#include <jansson.h>
#include <stdbool.h>

#include "admission/admission.h"
#include "machinery/quantity.h"

extern const ck_admission_plugin ck_admission_resourcequota;

/* A resource list (upstream's v1.ResourceList): names with quantities, in insertion order. */
typedef struct ck_rl_item {
    char *name;
    ck_quantity q;
} ck_rl_item;
typedef struct ck_rlist {
    ck_rl_item *v;
    size_t n, cap;
} ck_rlist;

void ck_rl_clear(ck_rlist *l);
ck_quantity *ck_rl_get(const ck_rlist *l, const char *name);
/* Adds q to the entry name (created with q's format when absent). */
void ck_rl_add(ck_rlist *l, const char *name, const ck_quantity *q);
/* Sets the entry to the larger of its value and q (created when absent). */
void ck_rl_max(ck_rlist *l, const char *name, const ck_quantity *q);
/* Adds every parseable quantity of a JSON resource list. */
void ck_rl_add_json(ck_rlist *l, const json_t *rl);
/* a += sign * b for quantities, keeping a's format (the cached form is dropped). */
void ck_quantity_add(ck_quantity *a, const ck_quantity *b, int sign);
/* "a=1,b=2Gi" over the names of `names` (sorted), values from l (0 when absent), as
 * upstream's prettyPrint. The caller frees. */
char *ck_rl_pretty(const ck_rlist *l, const char *const *names, size_t n);

/* Keeps status.hard / status.used of every ResourceQuota current; run from the server
 * tick, it works only when the cache revision moved. */
void ck_quota_tick(ck_apiserver *srv);

#endif
