/* Shared informers (client-go's SharedInformerFactory): one informer per collection path,
 * however many controllers ask for it, all on one client. */
#ifndef CK_FACTORY_H
#define CK_FACTORY_H

#include <stdbool.h>

#include "client/informer.h"

typedef struct ck_informer_factory ck_informer_factory;

ck_informer_factory *ck_informer_factory_new(ck_client *c);
/* Frees the informers too. */
void ck_informer_factory_free(ck_informer_factory *f);
/* The informer for a collection path ("/api/v1/pods", "/apis/apps/v1/deployments"),
 * created on first use (and started at once). Borrowed: the factory owns it. */
ck_informer *ck_informer_for(ck_informer_factory *f, const char *path);
/* True when every informer made so far has synced. */
bool ck_informer_factory_synced(const ck_informer_factory *f);

#endif
