/* Pod IP allocation for hollow nodes, in the shape of the host-local IPAM plugin that a
 * bridge CNI uses with the node's spec.podCIDR: addresses are handed out sequentially
 * (round-robin from the last one given), the network address, the first host address (the
 * bridge's gateway) and, for IPv4, the broadcast address are never given, and released
 * addresses are reused only after the range wraps. Pure: no I/O, no clock. */
#ifndef CK_HOLLOW_IPAM_H
#define CK_HOLLOW_IPAM_H

#include <stdbool.h>
#include <stdint.h>

/* At most this many addresses of a range are used (a /64 is not tracked bit by bit). */
#define HW_IPAM_MAX_SLOTS 65536u

typedef struct hw_cidr {
    int family;       /* 4 or 6 */
    uint8_t addr[16]; /* the network address (host bits cleared); IPv4 in addr[0..3] */
    int prefix;
} hw_cidr;

/* Parses "10.244.1.0/24" or "fd00:1::/64" (host bits are cleared). Returns 0 or -1. */
int hw_cidr_parse(const char *s, hw_cidr *out);
/* The address at offset off from the network address, as text (out: 48 bytes). */
void hw_cidr_addr(const hw_cidr *c, uint32_t off, char out[48]);
/* True when the text address ip lies inside c; *off gets its offset (saturated). */
bool hw_cidr_contains(const hw_cidr *c, const char *ip, uint64_t *off);

typedef struct hw_range {
    hw_cidr cidr;
    uint32_t size;  /* slots tracked: min(2^(bits - prefix), HW_IPAM_MAX_SLOTS) */
    uint32_t next;  /* where the next search starts */
    uint32_t nused; /* addresses given out */
    uint64_t *used; /* bitmap of size bits */
} hw_range;

/* Sets r up over cidr text; returns -1 (and r empty) when it does not parse. */
int hw_range_init(hw_range *r, const char *cidr);
void hw_range_clear(hw_range *r);
/* The number of addresses the range can give out. */
uint32_t hw_range_capacity(const hw_range *r);
/* Gives the next free address (out: 48 bytes). Returns -1 when the range is exhausted. */
int hw_range_alloc(hw_range *r, char out[48]);
/* Marks ip as used (an address adopted after a restart). Returns -1 when ip is outside the
 * range, reserved or already used. */
int hw_range_reserve(hw_range *r, const char *ip);
/* Releases ip; addresses outside the range (from a former podCIDR) are ignored. */
void hw_range_release(hw_range *r, const char *ip);

/* The per-node fallback when a node has no spec.podCIDR: the index-th /24 of 100.64.0.0/10
 * (RFC 6598 shared address space; 16,384 of them, the index wraps). out: 32 bytes. */
void hw_fallback_pod_cidr(unsigned index, char out[32]);
/* A node's InternalIP: 198.18.0.0/15 (RFC 2544's benchmarking range, never routed) plus
 * index + 1, wrapping after 131,070 nodes. out: 32 bytes. */
void hw_node_ip(unsigned index, char out[32]);

#endif
