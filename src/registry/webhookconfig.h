/* What MutatingWebhookConfiguration and ValidatingWebhookConfiguration
 * (admissionregistration.k8s.io/v1) share: the v1 defaults of a webhook list, upstream's
 * webhook validation (admissionregistration/validation and apiserver's util/webhook), the
 * generation rule of their strategies and their printer. `mutating` selects the
 * MutatingWebhook extras (reinvocationPolicy). */
#ifndef CK_WEBHOOKCONFIG_H
#define CK_WEBHOOKCONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "machinery/validation.h"
#include "registry/registry.h"

/* SetDefaults_{Mutating,Validating}Webhook, SetDefaults_Rule and
 * SetDefaults_ServiceReference for every entry of obj.webhooks, in place. Absent and null
 * fields are defaulted; sideEffects and admissionReviewVersions have no v1 default. */
void ck_webhookconfig_defaults(json_t *obj, bool mutating);

/* validate{Mutating,Validating}WebhookConfiguration without ObjectMeta (the object store
 * checks metadata): every webhook, its admissionReviewVersions and unique names. Match
 * condition expressions are CEL, which is not compiled here: only their presence is
 * checked. */
void ck_webhookconfig_validate(const json_t *obj, bool mutating, ck_field_errors *fe);

/* The strategies' PrepareForUpdate: metadata.generation is the old one plus one when the
 * (defaulted) webhooks changed. */
void ck_webhookconfig_prepare_update(json_t *obj, const json_t *old, bool mutating);

/* webhook.ValidateWebhookURL with https forced, and ValidateWebhookService, at path
 * (".../clientConfig.url", ".../clientConfig.service"). */
void ck_validate_webhook_url(const char *url, const char *path, ck_field_errors *fe);
void ck_validate_webhook_service(const json_t *svc, const char *path, ck_field_errors *fe);

/* The printer of both kinds: Name, Webhooks (the count), Age. */
extern const ck_column ck_webhookconfig_columns[3];
void ck_webhookconfig_row(const json_t *obj, json_t *cells);

#endif
