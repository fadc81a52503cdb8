/* The served kinds, in discovery order (core first; within a group the preferred version
 * first). One ck_rtype_def per src/registry/<resource>.c. */
#ifndef CK_KINDS_H
#define CK_KINDS_H

#include <stddef.h>

#include "registry/registry.h"

extern const ck_rtype_def ck_reg_namespace;
extern const ck_rtype_def ck_reg_pod;
extern const ck_rtype_def ck_reg_service;
extern const ck_rtype_def ck_reg_endpoints;
extern const ck_rtype_def ck_reg_node;
extern const ck_rtype_def ck_reg_configmap;
extern const ck_rtype_def ck_reg_secret;
extern const ck_rtype_def ck_reg_serviceaccount;
extern const ck_rtype_def ck_reg_event;
extern const ck_rtype_def ck_reg_limitrange;
extern const ck_rtype_def ck_reg_resourcequota;
extern const ck_rtype_def ck_reg_persistentvolume;
extern const ck_rtype_def ck_reg_persistentvolumeclaim;
extern const ck_rtype_def ck_reg_podtemplate;
extern const ck_rtype_def ck_reg_replicationcontroller;
extern const ck_rtype_def ck_reg_componentstatus;
extern const ck_rtype_def ck_reg_deployment;
extern const ck_rtype_def ck_reg_replicaset;
extern const ck_rtype_def ck_reg_daemonset;
extern const ck_rtype_def ck_reg_statefulset;
extern const ck_rtype_def ck_reg_controllerrevision;
extern const ck_rtype_def ck_reg_job;
extern const ck_rtype_def ck_reg_cronjob;
extern const ck_rtype_def ck_reg_hpa;
extern const ck_rtype_def ck_reg_hpa_v1;
extern const ck_rtype_def ck_reg_lease;
extern const ck_rtype_def ck_reg_csr;
extern const ck_rtype_def ck_reg_role;
extern const ck_rtype_def ck_reg_rolebinding;
extern const ck_rtype_def ck_reg_clusterrole;
extern const ck_rtype_def ck_reg_clusterrolebinding;
extern const ck_rtype_def ck_reg_endpointslice;
extern const ck_rtype_def ck_reg_event_v1;
extern const ck_rtype_def ck_reg_ingress;
extern const ck_rtype_def ck_reg_ingressclass;
extern const ck_rtype_def ck_reg_networkpolicy;
extern const ck_rtype_def ck_reg_pdb;
extern const ck_rtype_def ck_reg_priorityclass;
extern const ck_rtype_def ck_reg_storageclass;
extern const ck_rtype_def ck_reg_runtimeclass;
extern const ck_rtype_def ck_reg_mutatingwebhookconfiguration;
extern const ck_rtype_def ck_reg_validatingwebhookconfiguration;
extern const ck_rtype_def ck_reg_tokenreview;
extern const ck_rtype_def ck_reg_selfsubjectreview;
extern const ck_rtype_def ck_reg_localsubjectaccessreview;
extern const ck_rtype_def ck_reg_selfsubjectaccessreview;
extern const ck_rtype_def ck_reg_selfsubjectrulesreview;
extern const ck_rtype_def ck_reg_subjectaccessreview;

extern const ck_rtype_def *const ck_kinds[];
extern const size_t ck_kinds_count;

#endif
