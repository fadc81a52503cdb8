/* The requests a component has in flight, so it can stop cleanly: each request's context is
 * released exactly once, either after its callback or when the set cancels it. */
#ifndef CK_CALLSET_H
#define CK_CALLSET_H

#include "client/client.h"

typedef struct ck_callset ck_callset;

ck_callset *ck_callset_new(void);
/* Cancels what is still in flight (callbacks not called, contexts released) and frees. */
void ck_callset_free(ck_callset *s);
/* ck_client_request through the set: after cb (may be NULL) returns, or on cancel,
 * release(ctx) is called if not NULL. */
void ck_callset_request(ck_callset *s, ck_client *c, const char *method, const char *path,
                        const json_t *body, const char *content_type, ck_response_cb cb, void *ctx,
                        void (*release)(void *ctx));

#endif
