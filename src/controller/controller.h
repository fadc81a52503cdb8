/* The controller-manager's controllers (upstream pkg/controller/<name>): each is one
 * src/controller/<name>.c exporting a ck_controller_def. A controller watches through the
 * shared informers, queues keys in its own work queue and writes through the API client,
 * all on the manager's loop. */
#ifndef CK_CONTROLLER_H
#define CK_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"
#include "client/factory.h"
#include "client/loop.h"

struct ck_recorder;

/* The manager's flags that controllers read (upstream's KubeControllerManagerConfiguration
 * subset); durations in milliseconds. */
typedef struct ck_cm_config {
    const char *cluster_cidr;
    bool allocate_node_cidrs;
    int node_cidr_mask_size;
    const char *service_cluster_ip_range;
    const char *cluster_signing_cert_file, *cluster_signing_key_file;
    int64_t cluster_signing_duration_ms;
    int64_t node_monitor_grace_period_ms, node_monitor_period_ms;
    int64_t node_startup_grace_period_ms;
    const char *root_ca_file;
    int concurrent_syncs; /* keys processed per loop iteration per controller */
} ck_cm_config;

typedef struct ck_controller_ctx {
    ck_loop *loop;
    ck_client *client;
    ck_informer_factory *informers;
    struct ck_recorder *recorder; /* the manager's own (leader election) */
    const char *host;             /* for controllers' own recorders (event source host) */
    const ck_cm_config *cfg;
} ck_controller_ctx;

typedef struct ck_controller_def {
    const char *name; /* upstream's name, as in --controllers: "deployment", "replicaset" */
    bool on_by_default;
    /* Sets up informers, handlers and queues; returns the controller's state (or NULL on
     * failure, logged). */
    void *(*start)(const ck_controller_ctx *ctx);
    /* Frees the controller: cancels its requests, drops its queue. Must not run the loop
     * (other controllers are stopped in the same pass). */
    void (*stop)(void *state);
} ck_controller_def;

/* The table, in start order (src/controller/controllers.c). */
extern const ck_controller_def *const ck_controllers[];
extern const unsigned ck_controllers_count;

/* --controllers semantics: "*" all on-by-default, "name" on, "-name" off. */
bool ck_controller_enabled(const char *list, const ck_controller_def *d);

#endif
