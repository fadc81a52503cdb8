/* The admission chain: known plugins in upstream's order, chosen by the flags. */
#include "admission/admission.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admission/plugins.h"
#include "apiserver/api.h"
#include "apiserver/http.h"
#include "apiserver/server.h"
#include "audit/audit.h"
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
    {"ServiceAccount", PLUGIN_SERVICEACCOUNT, false, true},
    {"NodeRestriction", NULL, true, false},
    {"TaintNodesByCondition", PLUGIN_TAINTNODES, false, true},
    {"PodSecurity", PLUGIN_PODSECURITY, false, true},
    {"Priority", PLUGIN_PRIORITY, false, true},
    {"DefaultTolerationSeconds", PLUGIN_DEFAULTTOLERATIONSECONDS, false, true},
    {"DefaultStorageClass", PLUGIN_DEFAULTSTORAGECLASS, false, true},
    {"StorageObjectInUseProtection", NULL, false, true},
    {"PersistentVolumeClaimResize", NULL, false, true},
    {"RuntimeClass", NULL, false, true},
    {"CertificateApproval", NULL, false, true},
    {"CertificateSigning", NULL, false, true},
    {"CertificateSubjectRestriction", NULL, false, true},
    {"DefaultIngressClass", NULL, false, true},
    {"MutatingAdmissionWebhook", PLUGIN_MUTATINGWEBHOOK, false, true},
    {"ValidatingAdmissionPolicy", NULL, false, true},
    {"ValidatingAdmissionWebhook", PLUGIN_VALIDATINGWEBHOOK, false, true},
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
    bool del = streq(a->operation, "DELETE");
    for (const ck_admission_plugin *const *p = a->srv->admission; *p; p++)
        if ((*p)->admit && (!del || (*p)->on_delete) && (*p)->admit(a, obj, old, err) < 0)
            return -1;
    return 0;
}

int ck_admission_validate(const ck_admission_attrs *a, const json_t *obj, const json_t *old,
                          ck_err **err)
{
    if (!a->srv || !a->srv->admission) return 0;
    bool del = streq(a->operation, "DELETE");
    for (const ck_admission_plugin *const *p = a->srv->admission; *p; p++)
        if ((*p)->validate && (!del || (*p)->on_delete) && (*p)->validate(a, obj, old, err) < 0)
            return -1;
    return 0;
}

void ck_admission_warn(const ck_admission_attrs *a, const char *text)
{
    if (a->req) ck_add_warning(a->req, text);
}

void ck_admission_annotate(const ck_admission_attrs *a, const char *key, const char *value)
{
    if (a->req && a->req->audit) ck_audit_annotate(a->req->audit, key, value);
}

int ck_admission_forbid(const ck_admission_attrs *a, const json_t *obj, ck_err **err,
                        const char *fmt, ...)
{
    const char *name = ck_obj_str(obj, "metadata.name");
    if (!name || !*name) name = ck_obj_str(obj, "metadata.generateName");
    if (!name || !*name) name = "Unknown";
    va_list ap;
    va_start(ap, fmt);
    char *why = NULL;
    if (vasprintf(&why, fmt, ap) < 0) why = NULL;
    va_end(ap);
    ck_error_details(err, 403, CK_FORBIDDEN, ck_status_details(a->rt, name),
                     "%s \"%s\" is forbidden: %s", a->rt->qualified, name, why ? why : "");
    free(why);
    return -1;
}
