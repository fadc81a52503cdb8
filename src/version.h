/* ckube's version and the Kubernetes API version it serves. */
#ifndef CK_VERSION_H
#define CK_VERSION_H

#define CKUBE_VERSION "0.1.0"
#define CK_KUBE_MAJOR "1"
#define CK_KUBE_MINOR "34"
#define CK_KUBE_GIT_VERSION "v1.34.0+ckube-" CKUBE_VERSION

#endif
