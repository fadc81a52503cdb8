/* ClusterIP and NodePort allocation for Services (upstream's ipallocator and
 * portallocator behind pkg/registry/core/service/storage/alloc.go). Nothing is recorded
 * anywhere: the addresses and ports in use are derived from the Services in the watch
 * cache plus what the current call hands out, so deleting a Service releases its values
 * and a dry run reserves nothing. The first address of the range is kept for the
 * `kubernetes` Service, which requests it explicitly. */
#ifndef CK_SERVICE_ALLOC_H
#define CK_SERVICE_ALLOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "registry/registry.h"

/* A service CIDR. Usable offsets are 1..size-2 for IPv4 (network and broadcast excluded)
 * and 1..size-1 for IPv6; ranges larger than 2^20 addresses are clipped to that. */
typedef struct ck_ip_range {
    int family; /* 4 or 6 */
    unsigned char base[16];
    int len;  /* address bytes: 4 or 16 */
    int bits; /* prefix length */
    uint64_t size;
    char cidr[64];
} ck_ip_range;

/* Returns 0, or -1 if cidr is not a valid CIDR. */
int ck_ip_range_parse(const char *cidr, ck_ip_range *r);
/* The offset of ip inside r, or -1 if ip does not parse, lies outside r or is not usable. */
int64_t ck_ip_range_offset(const ck_ip_range *r, const char *ip);
/* Writes the address at offset off of r. */
void ck_ip_range_addr(const ck_ip_range *r, uint64_t off, char out[64]);
/* Parses "30000-32767" (or a single port); returns 0 or -1. */
int ck_port_range_parse(const char *s, int *lo, int *hi);

/* Fills in what svc (a defaulted, validated Service; old is the stored one on update,
 * else NULL) lacks and checks what it asks for: ipFamilies/ipFamilyPolicy, clusterIP and
 * clusterIPs (allocated unless "None" or given), nodePorts of NodePort and LoadBalancer
 * services and the healthCheckNodePort of LoadBalancers with externalTrafficPolicy Local.
 * Values ctx->srv->cache already assigns to other Services are refused with upstream's
 * 422 ("provided IP is already allocated", "provided port is already allocated",
 * "... is not in the valid range ..."); an exhausted range is a 500. Without a cache
 * only the ranges are checked. */
int ck_service_alloc(ck_strategy_ctx *ctx, json_t *svc, const json_t *old, ck_err **err);

#endif
