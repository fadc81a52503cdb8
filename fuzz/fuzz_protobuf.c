/* libFuzzer target for the protobuf request-body decoder. The input is decoded twice: as a
 * whole body (magic, envelope, message), and as the raw message of a kind picked by its first
 * two bytes, wrapped in a valid envelope so that every message decoder is reached without
 * seeds. A success must yield an object with string kind and apiVersion that serialises to
 * JSON and reads back equal; a failure must be a 400. Anything else abort()s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/util.h"
#include "machinery/protobuf.h"

static void check(const char *body, size_t len)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    if (ck_protobuf_decode(body, len, &out, &err) < 0) {
        if (!err || err->code != 400 || out) abort();
        ck_err_free(err);
        return;
    }
    if (!json_is_object(out) || !json_is_string(json_object_get(out, "kind")) ||
        !json_is_string(json_object_get(out, "apiVersion")))
        abort();
    char *s = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) abort();
    json_t *back = json_loads(s, 0, NULL);
    if (!back || !json_equal(back, out)) abort();
    json_decref(back);
    free(s);
    json_decref(out);
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* Envelope {typeMeta {apiVersion, kind}, raw} around data, for the kind numbered k. */
static void check_kind(unsigned k, const uint8_t *data, size_t len)
{
    unsigned nkinds = 0, pick = 0;
    for (unsigned i = 0; i < ck_pb_nmsgs; i++)
        nkinds += ck_pb_msgs[i].is_kind;
    k %= nkinds;
    for (unsigned i = 0; i < ck_pb_nmsgs; i++)
        if (ck_pb_msgs[i].is_kind && k-- == 0) pick = i;
    const ck_pb_msg *m = &ck_pb_msgs[pick];
    const ck_pb_pkg *pk = &ck_pb_pkgs[m->pkg];
    const char *group = ck_pb_names + pk->group, *kind = ck_pb_names + m->name;
    char av[128];
    snprintf(av, sizeof av, "%s%s%s", group, *group ? "/" : "", ck_pb_names + pk->version);
    size_t avl = strlen(av), kl = strlen(kind), tml = 2 + avl + 2 + kl;
    uint8_t *b = xmalloc(4 + 12 + tml + 12 + len), *p = b;
    memcpy(p, "k8s\0", 4);
    p += 4;
    *p++ = 0x0a;
    p += put_varint(p, tml);
    *p++ = 0x0a;
    *p++ = (uint8_t)avl;
    memcpy(p, av, avl);
    p += avl;
    *p++ = 0x12;
    *p++ = (uint8_t)kl;
    memcpy(p, kind, kl);
    p += kl;
    *p++ = 0x12;
    p += put_varint(p, len);
    memcpy(p, data, len);
    p += len;
    check((const char *)b, (size_t)(p - b));
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check((const char *)data, size);
    if (size >= 2) check_kind((unsigned)data[0] << 8 | data[1], data + 2, size - 2);
    return 0;
}
