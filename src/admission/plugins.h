/* The admission plugins implemented in src/admission/<plugin>.c. A plugin not written yet
 * is NULL here (its name is still accepted by the flags). */
#ifndef CK_ADMISSION_PLUGINS_H
#define CK_ADMISSION_PLUGINS_H

#include "admission/admission.h"

#define PLUGIN_LIMITRANGER NULL
#define PLUGIN_RESOURCEQUOTA NULL
#define PLUGIN_PODSECURITY NULL
#define PLUGIN_DEFAULTSTORAGECLASS NULL
#define PLUGIN_TAINTNODES NULL

#endif
