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

#endif
