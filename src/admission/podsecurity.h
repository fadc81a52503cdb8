/* Pod Security Admission (upstream k8s.io/pod-security-admission): the Pod Security
 * Standards levels privileged, baseline and restricted, enforced per namespace through the
 * pod-security.kubernetes.io/enforce label. */
#ifndef CK_PODSECURITY_H
#define CK_PODSECURITY_H

#include <jansson.h>

/* Evaluates pod (a Pod object) against level ("baseline" or "restricted"; "privileged"
 * allows everything). Returns NULL when allowed, else upstream's violation text, e.g.
 * `allowPrivilegeEscalation != false (container "c" must set ...), ...`, which the caller
 * frees. Checks follow upstream's order; every version is evaluated as latest. */
char *ck_psa_evaluate(const char *level, const json_t *pod);

#endif
