/* Controller expectations (upstream pkg/controller/controller_utils.go
 * ControllerExpectations): how many creations and deletions a controller still waits to see
 * through its informer per key, so a sync does not act twice on the same need. Expired
 * after a TTL (upstream 5 minutes) in case an event is lost. */
#ifndef CK_EXPECTATIONS_H
#define CK_EXPECTATIONS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ck_expectations ck_expectations;

ck_expectations *ck_expectations_new(uint64_t ttl_ms);
void ck_expectations_free(ck_expectations *e);
/* Sets (replaces) the expectations of key, stamped now. */
void ck_expectations_expect(ck_expectations *e, const char *key, int adds, int dels);
/* One expected creation / deletion was seen (or will never happen). */
void ck_expectations_created(ck_expectations *e, const char *key);
void ck_expectations_deleted(ck_expectations *e, const char *key);
/* True when nothing is expected any more, nothing was ever expected, or the
 * expectations are older than the TTL. */
bool ck_expectations_satisfied(ck_expectations *e, const char *key, uint64_t now_ms);
void ck_expectations_delete(ck_expectations *e, const char *key);

#endif
