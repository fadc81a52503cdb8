/* Pod IP ranges for hollow nodes (see ipam.h): a bitmap per range, host-local's
 * round-robin order. */
#include "hollow/ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static int bits_of(const hw_cidr *c)
{
    return c->family == 4 ? 32 : 128;
}

int hw_cidr_parse(const char *s, hw_cidr *out)
{
    *out = (hw_cidr){0};
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash == s || (size_t)(slash - s) >= 46 || !slash[1]) return -1;
    char host[48];
    memcpy(host, s, (size_t)(slash - s));
    host[slash - s] = 0;
    char *end;
    long p = strtol(slash + 1, &end, 10);
    if (*end || slash[1] < '0' || slash[1] > '9') return -1;
    if (inet_pton(AF_INET, host, out->addr) == 1)
        out->family = 4;
    else if (inet_pton(AF_INET6, host, out->addr) == 1)
        out->family = 6;
    else
        return -1;
    if (p < 0 || p > bits_of(out)) return -1;
    out->prefix = (int)p;
    int nbytes = bits_of(out) / 8;
    for (int i = 0; i < nbytes; i++) {
        int keep = out->prefix - i * 8; /* prefix bits in this byte */
        if (keep >= 8) continue;
        out->addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
    return 0;
}

void hw_cidr_addr(const hw_cidr *c, uint32_t off, char out[48])
{
    uint8_t a[16];
    memcpy(a, c->addr, sizeof a);
    int last = bits_of(c) / 8 - 1;
    uint64_t carry = off;
    for (int i = last; i >= 0 && carry; i--) {
        carry += a[i];
        a[i] = (uint8_t)(carry & 0xff);
        carry >>= 8;
    }
    if (!inet_ntop(c->family == 4 ? AF_INET : AF_INET6, a, out, 48)) out[0] = 0;
}

bool hw_cidr_contains(const hw_cidr *c, const char *ip, uint64_t *off)
{
    uint8_t a[16] = {0};
    if (!ip || inet_pton(c->family == 4 ? AF_INET : AF_INET6, ip, a) != 1) return false;
    int nbytes = bits_of(c) / 8;
    uint64_t o = 0;
    for (int i = 0; i < nbytes; i++) {
        int keep = c->prefix - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        if ((a[i] & mask) != c->addr[i]) return false;
        uint8_t host = (uint8_t)(a[i] & ~mask);
        o = o > (UINT64_MAX >> 8) ? UINT64_MAX : (o << 8) | host;
    }
    if (off) *off = o;
    return true;
}

int hw_range_init(hw_range *r, const char *cidr)
{
    *r = (hw_range){0};
    if (hw_cidr_parse(cidr, &r->cidr) < 0) return -1;
    int host_bits = bits_of(&r->cidr) - r->cidr.prefix;
    r->size = host_bits >= 16 ? HW_IPAM_MAX_SLOTS : 1u << host_bits;
    r->used = xcalloc((r->size + 63) / 64, sizeof *r->used);
    r->next = 2;
    return 0;
}

void hw_range_clear(hw_range *r)
{
    free(r->used);
    *r = (hw_range){0};
}

/* The network address and the gateway, and IPv4's broadcast address when the whole range
 * is tracked, are never given out. */
static bool reserved(const hw_range *r, uint32_t off)
{
    if (off < 2) return true;
    int host_bits = bits_of(&r->cidr) - r->cidr.prefix;
    return r->cidr.family == 4 && host_bits < 32 && (uint64_t)r->size == (1ull << host_bits) &&
           off == r->size - 1;
}

uint32_t hw_range_capacity(const hw_range *r)
{
    uint32_t n = r->size < 2 ? r->size : 2; /* offsets 0 and 1 */
    if (r->size > 2 && reserved(r, r->size - 1)) n++;
    return r->size - n;
}

static bool test_bit(const hw_range *r, uint32_t off)
{
    return r->used[off / 64] & (1ull << (off % 64));
}

static void set_bit(hw_range *r, uint32_t off, bool on)
{
    if (on)
        r->used[off / 64] |= 1ull << (off % 64);
    else
        r->used[off / 64] &= ~(1ull << (off % 64));
}

int hw_range_alloc(hw_range *r, char out[48])
{
    if (!r->used || r->nused >= hw_range_capacity(r)) return -1;
    for (uint32_t i = 0; i < r->size; i++) {
        uint32_t off = (r->next + i) % r->size;
        if (reserved(r, off) || test_bit(r, off)) continue;
        set_bit(r, off, true);
        r->nused++;
        r->next = (off + 1) % r->size;
        hw_cidr_addr(&r->cidr, off, out);
        return 0;
    }
    return -1;
}

int hw_range_reserve(hw_range *r, const char *ip)
{
    uint64_t off;
    if (!r->used || !hw_cidr_contains(&r->cidr, ip, &off) || off >= r->size) return -1;
    if (reserved(r, (uint32_t)off) || test_bit(r, (uint32_t)off)) return -1;
    set_bit(r, (uint32_t)off, true);
    r->nused++;
    return 0;
}

void hw_range_release(hw_range *r, const char *ip)
{
    uint64_t off;
    if (!r->used || !hw_cidr_contains(&r->cidr, ip, &off) || off >= r->size) return;
    if (reserved(r, (uint32_t)off) || !test_bit(r, (uint32_t)off)) return;
    set_bit(r, (uint32_t)off, false);
    r->nused--;
}

void hw_fallback_pod_cidr(unsigned index, char out[32])
{
    unsigned n = index % 16384u; /* 100.64.0.0/10 holds 2^14 /24s */
    snprintf(out, 32, "100.%u.%u.0/24", 64 + n / 256, n % 256);
}

void hw_node_ip(unsigned index, char out[32])
{
    unsigned n = index % 131070u + 1; /* 198.18.0.1 .. 198.19.255.254 */
    snprintf(out, 32, "198.%u.%u.%u", 18 + n / 65536, (n / 256) % 256, n % 256);
}
