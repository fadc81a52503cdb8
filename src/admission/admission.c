/* The admission chain: known plugins in upstream's order, chosen by the flags. */
#include "admission/admission.h"

#include <stdio.h>
#include <string.h>

#include "admission/plugins.h"
#include "apiserver/server.h"
#include "lib/log.h"
#include "lib/util.h"
#include "machinery/schema.h"

/* Every plugin name upstream knows that ckube accepts, in upstream's order. `impl` is the
 * plugin, or NULL when the behaviour is built into the object store or a kind's strategy
 * (always on) or not implemented yet (`builtin` false). */
static const struct known {
    const char *name;
    const ck_admission_plugin *impl;
    bool builtin; /* behaviour lives elsewhere and is always on */
    bool on_by_default;
} known[] = {
    {"NamespaceLifecycle", NULL, true, true},
    {"LimitRanger", PLUGIN_LIMITRANGER, false, true},
    {"ServiceAccount", NULL, true, true},
    {"NodeRestriction", NULL, true, false},
    {"TaintNodesByCondition", PLUGIN_TAINTNODES, false, true},
    {"PodSecurity", PLUGIN_PODSECURITY, false, true},
    {"Priority", NULL, true, true},
    {"DefaultTolerationSeconds", NULL, true, true},
    {"DefaultStorageClass", PLUGIN_DEFAULTSTORAGECLASS, false, true},
    {"StorageObjectInUseProtection", NULL, false, true},
    {"PersistentVolumeClaimResize", NULL, false, true},
    {"RuntimeClass", NULL, false, true},
    {"CertificateApproval", NULL, false, true},
    {"CertificateSigning", NULL, false, true},
    {"CertificateSubjectRestriction", NULL, false, true},
    {"DefaultIngressClass", NULL, false, true},
    {"MutatingAdmissionWebhook", NULL, false, true},
    {"ValidatingAdmissionPolicy", NULL, false, true},
    {"ValidatingAdmissionWebhook", NULL, false, true},
    {"ResourceQuota", PLUGIN_RESOURCEQUOTA, false, true},
    {"AlwaysAdmit", NULL, true, false},
};

static bool in_list(const char *list, const char *name)
{
    return list && ck_csv_has(list, name);
}

int ck_admission_setup(ck_apiserver *srv, const char *enable, const char *disable, ck_err **err)
{
    /* Unknown names are refused, as upstream does. */
    const char *lists[2] = {enable, disable};
    for (int l = 0; l < 2; l++) {
        cleanup_free char *copy = xstrdup(lists[l] ? lists[l] : "");
        for (char *save = NULL, *n = strtok_r(copy, ",", &save); n;
             n = strtok_r(NULL, ",", &save)) {
            bool ok = false;
            for (size_t i = 0; i < ARRAY_SIZE(known) && !ok; i++)
                ok = streq(known[i].name, n);
            if (!ok)
                return ck_error(err, 400, CK_BAD_REQUEST,
                                "enable-admission-plugins plugin \"%s\" "
                                "is unknown",
                                n);
            if (l == 1 && in_list(enable, n))
                return ck_error(err, 400, CK_BAD_REQUEST,
                                "%s in enable-admission-plugins and disable-admission-plugins "
                                "overlapped",
                                n);
        }
    }
    srv->admission = xcalloc(ARRAY_SIZE(known) + 1, sizeof *srv->admission);
    unsigned n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
        bool on = (known[i].on_by_default || in_list(enable, known[i].name)) &&
                  !in_list(disable, known[i].name);
        if (!on) continue;
        if (known[i].impl)
            srv->admission[n++] = known[i].impl;
        else if (!known[i].builtin && in_list(enable, known[i].name))
            ck_log_warn("admission: %s is not implemented yet and does nothing", known[i].name);
    }
    srv->admission[n] = NULL;
    return 0;
}

void ck_admission_free(ck_apiserver *srv)
{
    free(srv->admission);
    srv->admission = NULL;
}

int ck_admission_mutate(const ck_admission_attrs *a, json_t *obj, const json_t *old, ck_err **err)
{
    if (!a->srv || !a->srv->admission) return 0;
    for (const ck_admission_plugin *const *p = a->srv->admission; *p; p++)
        if ((*p)->admit && (*p)->admit(a, obj, old, err) < 0) return -1;
    return 0;
}

int ck_admission_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                          ck_err **err)
{
    if (!a->srv || !a->srv->admission) return 0;
    for (const ck_admission_plugin *const *p = a->srv->admission; *p; p++)
        if ((*p)->validate && (*p)->validate(a, obj, old, err) < 0) return -1;
    return 0;
}
