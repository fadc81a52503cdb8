/* The controllers `ckube controller-manager` knows, in start order. */
#include "controller/controller.h"

extern const ck_controller_def ck_ctrl_replicaset;
extern const ck_controller_def ck_ctrl_replicationcontroller;
extern const ck_controller_def ck_ctrl_deployment;

const ck_controller_def *const ck_controllers[] = {
    &ck_ctrl_replicaset,
    &ck_ctrl_replicationcontroller,
    &ck_ctrl_deployment,
};

const unsigned ck_controllers_count = sizeof ck_controllers / sizeof ck_controllers[0];
