/* Pod Security Admission (upstream k8s.io/pod-security-admission): the Pod Security
 * Standards levels privileged, baseline and restricted, applied per namespace through the
 * pod-security.kubernetes.io/{enforce,warn,audit} labels. The checks are in
 * podsecurity_checks.c, the admission plugin in podsecurity.c. */
#ifndef CK_PODSECURITY_H
#define CK_PODSECURITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The failed checks of one evaluation, in upstream's order. reasons[i] is the check's
 * short reason ("host namespaces"), details[i] its detail ("hostNetwork") or "". */
typedef struct ck_psa_result {
    size_t n;
    char **reasons;
    char **details;
} ck_psa_result;

/* Evaluates pod, a Pod or a pod template (an object with metadata and spec), against level
 * ("baseline" or "restricted"; anything else allows everything) and fills *r, which the
 * caller releases with ck_psa_result_free. Returns true when allowed. Every version is
 * evaluated as latest. */
bool ck_psa_check(const char *level, const json_t *pod, ck_psa_result *r);
/* Upstream's ForbiddenDetail: `reason (detail), reason, ...`; the caller frees. */
char *ck_psa_detail(const ck_psa_result *r);
/* Upstream's ForbiddenReason: `reason, reason, ...`; the caller frees. */
char *ck_psa_reason(const ck_psa_result *r);
void ck_psa_result_free(ck_psa_result *r);

/* ck_psa_check and ck_psa_detail in one: NULL when allowed, else the violation text, e.g.
 * `allowPrivilegeEscalation != false (container "c" must set ...), ...`, which the caller
 * frees. */
char *ck_psa_evaluate(const char *level, const json_t *pod);

#endif
