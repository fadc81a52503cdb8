/* The admission plugins implemented in src/admission/<plugin>.c. A plugin not written yet
 * is NULL here (its name is still accepted by the flags). */
#ifndef CK_ADMISSION_PLUGINS_H
#define CK_ADMISSION_PLUGINS_H

#include "admission/admission.h"

extern const ck_admission_plugin ck_admission_limitranger;
#define PLUGIN_LIMITRANGER (&ck_admission_limitranger)
extern const ck_admission_plugin ck_admission_resourcequota;
#define PLUGIN_RESOURCEQUOTA (&ck_admission_resourcequota)
extern const ck_admission_plugin ck_admission_podsecurity;
#define PLUGIN_PODSECURITY (&ck_admission_podsecurity)
extern const ck_admission_plugin ck_admission_defaultstorageclass;
#define PLUGIN_DEFAULTSTORAGECLASS (&ck_admission_defaultstorageclass)
extern const ck_admission_plugin ck_admission_taintnodes;
#define PLUGIN_TAINTNODES (&ck_admission_taintnodes)
extern const ck_admission_plugin ck_admission_mutating_webhook;
#define PLUGIN_MUTATINGWEBHOOK (&ck_admission_mutating_webhook)
extern const ck_admission_plugin ck_admission_validating_webhook;
#define PLUGIN_VALIDATINGWEBHOOK (&ck_admission_validating_webhook)
extern const ck_admission_plugin ck_admission_serviceaccount;
#define PLUGIN_SERVICEACCOUNT (&ck_admission_serviceaccount)
extern const ck_admission_plugin ck_admission_priority;
#define PLUGIN_PRIORITY (&ck_admission_priority)
extern const ck_admission_plugin ck_admission_defaulttolerationseconds;
#define PLUGIN_DEFAULTTOLERATIONSECONDS (&ck_admission_defaulttolerationseconds)

#endif
