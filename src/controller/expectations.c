/* Controller expectations; see expectations.h. A jansson object is the map (key → [adds,
 * dels, stamp]); controllers run on one loop thread. */
#include "controller/expectations.h"

#include <jansson.h>
#include <time.h>

#include "lib/util.h"

struct ck_expectations {
    json_t *map;
    uint64_t ttl_ms;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ck_expectations *ck_expectations_new(uint64_t ttl_ms)
{
    ck_expectations *e = xcalloc(1, sizeof *e);
    e->map = json_object();
    e->ttl_ms = ttl_ms;
    return e;
}

void ck_expectations_free(ck_expectations *e)
{
    if (!e) return;
    json_decref(e->map);
    free(e);
}

void ck_expectations_expect(ck_expectations *e, const char *key, int adds, int dels)
{
    json_object_set_new(e->map, key, json_pack("[i, i, I]", adds, dels, (json_int_t)mono_ms()));
}

static void lower(ck_expectations *e, const char *key, size_t idx)
{
    json_t *v = json_object_get(e->map, key);
    if (!v) return;
    json_t *n = json_array_get(v, idx);
    json_integer_set(n, json_integer_value(n) - 1);
}

void ck_expectations_created(ck_expectations *e, const char *key)
{
    lower(e, key, 0);
}

void ck_expectations_deleted(ck_expectations *e, const char *key)
{
    lower(e, key, 1);
}

bool ck_expectations_satisfied(ck_expectations *e, const char *key, uint64_t now_ms)
{
    (void)now_ms; /* stamps use the monotonic clock directly */
    json_t *v = json_object_get(e->map, key);
    if (!v) return true;
    if (json_integer_value(json_array_get(v, 0)) <= 0 &&
        json_integer_value(json_array_get(v, 1)) <= 0)
        return true;
    return mono_ms() - (uint64_t)json_integer_value(json_array_get(v, 2)) > e->ttl_ms;
}

void ck_expectations_delete(ck_expectations *e, const char *key)
{
    json_object_del(e->map, key);
}
