/* validatingwebhookconfigurations (admissionregistration.k8s.io/v1, cluster-scoped): the
 * v1 webhook defaults, ValidateValidatingWebhookConfiguration, the generation rule of
 * upstream's strategy and the webhook configuration printer; the shared parts are in
 * webhookconfig.c. */
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/webhookconfig.h"

static void defaults(json_t *obj)
{
    ck_webhookconfig_defaults(obj, false);
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    ck_webhookconfig_validate(obj, true, fe);
}

static void prepare_update(json_t *obj, const json_t *old)
{
    ck_webhookconfig_prepare_update(obj, old, false);
}

const ck_rtype_def ck_reg_validatingwebhookconfiguration = {
    .group = "admissionregistration.k8s.io",
    .version = "v1",
    .plural = "validatingwebhookconfigurations",
    .defaults = defaults,
    .prepare_update = prepare_update,
    .validate = validate,
    .columns = ck_webhookconfig_columns,
    .ncolumns = ARRAY_SIZE(ck_webhookconfig_columns),
    .table_row = ck_webhookconfig_row,
    .generation = true,
};
