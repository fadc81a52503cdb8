/* libFuzzer target for the three patch engines. The input is two JSON texts back to back:
 * the document, then the patch. Every engine runs on the pair (strategic merge patch both
 * against apps/v1 Deployment, when the schema has it, and without a schema); results and
 * errors are released, so LeakSanitizer checks ownership too. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "machinery/patch.h"

static void run(int (*engine)(const json_t *, const json_t *, json_t **, ck_err **),
                const json_t *doc, const json_t *patch)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    if (engine(doc, patch, &out, &err) == 0) {
        if (!out) __builtin_trap(); /* success must produce a value */
    } else if (!err || out) {
        __builtin_trap(); /* failure must report an error and no value */
    }
    json_decref(out);
    ck_err_free(err);
}

static void run_smp(const json_t *doc, const json_t *patch, const ck_def *def)
{
    json_t *out = NULL;
    ck_err *err = NULL;
    if (ck_strategic_merge_patch(doc, patch, def, &out, &err) == 0 ? !out : !err || out)
        __builtin_trap();
    json_decref(out);
    ck_err_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *doc =
        json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &e);
    if (!doc) return 0;
    size_t used = (size_t)e.position;
    json_t *patch = used <= size
                        ? json_loadb((const char *)data + used, size - used, JSON_DECODE_ANY, &e)
                        : NULL;
    if (patch) {
        run(ck_json_patch, doc, patch);
        run(ck_merge_patch, doc, patch);
        run_smp(doc, patch, ck_schema_def_by_name("io.k8s.api.apps.v1.Deployment"));
        run_smp(doc, patch, NULL);
    }
    json_decref(patch);
    json_decref(doc);
    return 0;
}
