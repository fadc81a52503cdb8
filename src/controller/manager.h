/* `ckube controller-manager` (and the controller manager `ckube server` runs in a thread):
 * options, and running the enabled controllers on a loop until stopped. */
#ifndef CK_MANAGER_H
#define CK_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/controller.h"
#include "lib/err.h"

typedef struct ck_cm_options {
    const char *kubeconfig;
    const char *controllers; /* --controllers */
    bool leader_elect;
    int64_t lease_duration_ms, renew_deadline_ms, retry_period_ms;
    const char *leader_elect_namespace, *leader_elect_name;
    int kube_api_qps, kube_api_burst;
    const char *sa_private_key_file;
    bool use_sa_credentials;
    const char *bind_address;
    int secure_port;
    ck_cm_config cfg;
} ck_cm_options;

/* Upstream's defaults. */
void ck_cm_options_init(ck_cm_options *o);
/* Runs until the loop is stopped (or leadership is lost). */
int ck_controller_manager_run(ck_cm_options *o, ck_loop *loop, ck_err **err);
int ck_cmd_controller_manager(int argc, char **argv);

#endif
