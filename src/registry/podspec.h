/* PodSpec machinery shared by pods, pod templates, replication controllers and the kinds
 * that embed a PodTemplateSpec: upstream's defaulting (SetDefaults_PodSpec, _Container,
 * _Probe, _Volume, ...), validation (ValidatePodSpec, ValidatePodTemplateSpec) and the pod
 * QoS class, plus the resource-quantity rules other core kinds reuse (PVCs, quotas, limit
 * ranges, nodes). Field paths and messages follow upstream (Kubernetes 1.34). Implemented
 * in podspec.c (defaults, quantities, QoS) and podvalidate.c (validation). */
#ifndef CK_PODSPEC_H
#define CK_PODSPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "machinery/quantity.h"
#include "machinery/validation.h"

/* ---- PodSpec ---------------------------------------------------------------------------- */

/* Defaults shared by every PodSpec (not the Pod-only ones of SetDefaults_Pod): dnsPolicy,
 * restartPolicy, securityContext, terminationGracePeriodSeconds, schedulerName, container
 * pull policy / termination message / port protocol / probes / resource quantities, volume
 * sources and modes, serviceAccount mirroring serviceAccountName. NULL is ignored. */
void ck_podspec_defaults(json_t *spec);
/* PodSpec defaults on a PodTemplateSpec ({metadata, spec}); NULL is ignored. */
void ck_pod_template_defaults(json_t *tmpl);
/* The QoS class of a defaulted pod spec: "Guaranteed", "Burstable" or "BestEffort". */
const char *ck_pod_qos(const json_t *spec);

/* ValidatePodSpec at path ("spec", "spec.template.spec"); is_pod adds the rules upstream
 * applies only to Pods (hostPort must equal containerPort under hostNetwork, images
 * without surrounding whitespace, token projections need a service account). */
void ck_validate_pod_spec(const json_t *spec, const char *path, bool is_pod, ck_field_errors *fe);
/* ValidatePodTemplateSpec at path ("template", "spec.template"): labels and annotations
 * (reported at path.labels / path.annotations, as upstream), the spec, no ephemeral
 * containers. A missing template is "Required value" at path. */
void ck_validate_pod_template(const json_t *tmpl, const char *path, ck_field_errors *fe);
/* ValidatePortNumOrName for an int-or-string port (1-65535, or an IANA service name). */
void ck_validate_port_num_or_name(const json_t *v, const char *path, ck_field_errors *fe);

/* ---- Quantities and resource names ------------------------------------------------------- */

/* Which names a resource list may use: any standard or qualified name, container
 * resources, or quota resources. */
typedef enum { CK_RES_STANDARD, CK_RES_CONTAINER, CK_RES_QUOTA } ck_res_kind;

/* Parses a quantity given as a JSON string or number; false if absent or invalid. */
bool ck_json_quantity(const json_t *v, ck_quantity *q);
/* SetDefaults_ResourceList: every value in its canonical form, rounded up to milli units.
 * Values that do not parse are left as they are (validation reports them). */
void ck_resource_list_defaults(json_t *rl);
/* validateResourceName / validateContainerResourceName / ValidateResourceQuotaResourceName. */
void ck_validate_resource_name(const char *name, ck_res_kind kind, const char *path,
                               ck_field_errors *fe);
/* ValidateResourceQuantityValue: parses, not negative, integral for integer resources. */
void ck_validate_quantity(const char *resource, const json_t *v, const char *path,
                          ck_field_errors *fe);
/* A container's ResourceRequirements at path ("...containers[0].resources"): names,
 * quantities, requests not above limits. */
void ck_validate_resources(const json_t *res, const char *path, ck_field_errors *fe);

/* ---- Other validators shared by the core kinds ------------------------------------------- */

/* validation.IsConfigMapKey (ConfigMap, Secret and key-selector keys). */
unsigned ck_is_config_map_key(const char *key, ck_msgs *out);
/* The decoded length of standard base64 text, or -1 if it is not valid base64. */
long ck_base64_len(const char *s);

/* PersistentVolume(Claim) helpers (persistentvolume.c): the accessModes rules at path
 * (required_detail is the detail of an empty list), GetAccessModesAsString ("RWO,ROX"),
 * and a quantity's printed form ("0" when absent). Strings are the caller's to free. */
void ck_pv_access_modes(const json_t *modes, const char *path, const char *required_detail,
                        ck_field_errors *fe);
char *ck_pv_modes_string(const json_t *modes);
char *ck_pv_quantity(const json_t *v);

/* The volume source fields of a Volume, NULL-terminated. */
extern const char *const ck_volume_sources[];

#endif
