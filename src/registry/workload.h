/* Helpers shared by the kinds outside core (apps, batch, autoscaling, networking, ...):
 * the validators upstream keeps in apps/validation (int-or-percent, selector vs template
 * labels), immutability checks, name rules, and printer cells for label selectors and
 * relative times. */
#ifndef CK_WORKLOAD_H
#define CK_WORKLOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "machinery/validation.h"
#include "registry/registry.h"

/* An integer at a dotted path of obj, or dflt when absent or not an integer. */
json_int_t ck_obj_int(const json_t *obj, const char *path, json_int_t dflt);
/* Joins a path and a child: "spec" + "replicas" -> "spec.replicas". The caller frees. */
char *ck_path(const char *base, const char *child);

/* "must be greater than or equal to 0" for a negative integer v (NULL passes). */
void ck_validate_nonnegative(const json_t *v, const char *path, ck_field_errors *fe);
/* apps' ValidatePositiveIntOrPercent and IsNotMoreThan100Percent for an IntOrString. */
void ck_validate_int_or_percent(const json_t *v, const char *path, ck_field_errors *fe);
void ck_validate_not_over_100(const json_t *v, const char *path, ck_field_errors *fe);
/* getIntOrPercentValue: the integer or the percentage's number; 0 otherwise. */
long ck_int_or_percent(const json_t *v);
/* Invalid "`selector` does not match template `labels`" at <tmpl_path>.metadata.labels
 * when the LabelSelector sel (NULL selects nothing) does not select the template's
 * labels. An unparseable selector reports nothing here. */
void ck_validate_selector_match(const json_t *sel, const json_t *tmpl, const char *tmpl_path,
                                ck_field_errors *fe);
/* Deployments/ReplicaSets/StatefulSets: selector required, valid and non-empty
 * ("empty selector is invalid for <what>"). */
void ck_validate_required_selector(const json_t *sel, const char *path, const char *what,
                                   ck_field_errors *fe);
/* Whether a LabelSelector (NULL is fine) converts to a selector. */
bool ck_selector_parses(const json_t *sel);
/* Templates of controllers whose pods always restart: restartPolicy must be Always and
 * activeDeadlineSeconds is forbidden ("activeDeadlineSeconds in <kind> is not Supported"). */
void ck_validate_restart_always(const json_t *tmpl, const char *tmpl_path, const char *kind,
                                ck_field_errors *fe);
/* Deployments and ReplicaSets (ValidatePodTemplateSpecForReplicaSet): "invalid label
 * selector" at spec.selector, else the selector must match spec.template's labels (unless
 * empty) and the template must be a valid, always-restarting pod template. */
void ck_validate_replica_template(const json_t *spec, ck_field_errors *fe);
/* batch's validateJobSpec at path ("spec", "spec.jobTemplate.spec"): counts, completion
 * mode, replacement policy and the template (restartPolicy OnFailure or Never). The
 * selector rules of Jobs are job.c's own. Defined in job.c. */
void ck_validate_job_spec_common(const json_t *spec, const char *path, ck_field_errors *fe);
/* autoscaling/v1 <-> v2 HorizontalPodAutoscaler conversion as upstream's (hpa.c): v1's
 * targetCPUUtilizationPercentage is a Resource cpu Utilization metric; the other metrics,
 * current metrics, conditions and behavior travel in autoscaling.alpha.kubernetes.io
 * annotations of the v1 object. Both return a new object; the input is not changed. */
json_t *ck_hpa_v2_to_v1(const json_t *v2);
json_t *ck_hpa_v1_to_v2(const json_t *v1);
/* RBAC (role.c, rolebinding.c): ValidatePolicyRule for every rule; the binding defaults
 * (apiGroup of roleRef and User/Group subjects), validation (roleRef, subjects;
 * cluster-scoped bindings need service account namespaces and a ClusterRole), the
 * immutable roleRef, and the binding printer's columns and row. */
void ck_validate_policy_rules(const json_t *rules, bool namespaced, ck_field_errors *fe);
void ck_binding_defaults(json_t *obj);
void ck_validate_binding(const json_t *obj, bool namespaced, ck_field_errors *fe);
void ck_validate_binding_update(const json_t *obj, const json_t *old, ck_field_errors *fe);
extern const ck_column ck_binding_columns[6];
void ck_binding_row(const json_t *obj, json_t *cells);
/* RBAC escalation prevention for RoleBindings and ClusterRoleBindings (before_* hooks). */
int ck_binding_before_create(ck_strategy_ctx *c, json_t *obj, ck_err **err);
int ck_binding_before_update(ck_strategy_ctx *c, json_t *obj, const json_t *old, ck_err **err);
/* ValidateImmutableField: Invalid "field is immutable" with the new value. */
void ck_validate_immutable(const json_t *nv, const json_t *ov, const char *path,
                           ck_field_errors *fe);
/* Object equality that treats two absent values as equal. */
bool ck_json_same(const json_t *a, const json_t *b);

/* validation.IsValidPortName (IANA service names) and IsValidPortNum; IsValidCIDR. */
unsigned ck_is_valid_port_name(const char *s, ck_msgs *out);
void ck_validate_port_num(const json_t *v, const char *path, ck_field_errors *fe);
bool ck_parse_cidr(const char *s, unsigned char ip[16], int *family, int *prefix);
/* networking's validateIngressTypedLocalObjectReference (ingress.c): apiGroup, kind, name. */
void ck_validate_typed_ref(const json_t *ref, const char *path, ck_field_errors *fe);
/* Name rules: anything (CSRs), and path segments (RBAC objects): not "." or "..", no '/'
 * or '%'. */
unsigned ck_name_any(const char *name, bool prefix, ck_msgs *out);
unsigned ck_name_is_path_segment(const char *name, bool prefix, ck_msgs *out);

/* ---- Table cells (upstream printers.go helpers) ---------------------------------------- */

#define CK_COL_NAME                                                                                \
    {                                                                                              \
        "Name", "string", "name", "Name must be unique within a namespace.", 0                     \
    }
/* Age columns are "date" cells holding metadata.creationTimestamp. */
#define CK_COL_AGE                                                                                 \
    {                                                                                              \
        "Age", "date", "",                                                                         \
            "CreationTimestamp is a timestamp representing the server time when this object was "  \
            "created.",                                                                            \
            0                                                                                      \
    }

void ck_cell_str(json_t *cells, const char *s); /* NULL appends "" */
void ck_cell_take(json_t *cells, char *s);      /* appends s and frees it */
void ck_cell_int(json_t *cells, json_int_t v);
void ck_cell_name(const json_t *obj, json_t *cells);
/* metadata.creationTimestamp, or null. */
void ck_cell_age(const json_t *obj, json_t *cells);
/* layoutContainerCells: two cells, the names and the images joined with ','. */
void ck_cells_containers(const json_t *containers, json_t *cells);
/* labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty. The caller frees. */
char *ck_format_labels(const json_t *labels);
/* duration.HumanDuration for a number of seconds ("45s", "5m10s", "3h", "2d4h", "3y"). */
char *ck_human_duration(int64_t seconds);
/* metav1.FormatLabelSelector: "a=b,c in (x,y),!d" sorted by key, "<none>" when it selects
 * everything, "<error>" when invalid. The caller frees. */
char *ck_format_label_selector(const json_t *sel);
/* Parses an RFC 3339 timestamp (fractional seconds and offsets allowed). */
bool ck_parse_time(const char *ts, int64_t *epoch);
/* translateTimestampSince: human duration since ts; "<unknown>" when unset or bad. */
char *ck_since(const char *ts);

#endif
