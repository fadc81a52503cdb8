/* /openapi/v3, /openapi/v3/<api/v1 | apis/GROUP/VERSION> and /openapi/v2 (JSON), served as
 * kube-openapi's handlers serve them: the v3 root lists one document per served
 * group/version with the hash of its bytes in serverRelativeURL; documents carry that hash
 * as their ETag, answer If-None-Match with 304 and a stale ?hash= with a redirect.
 * Documents are built from the schema table and the registry at the first request, kept
 * serialized only, for the life of the process: their number and size are fixed by the
 * registry. The v2 document is served as JSON only; a protobuf-only Accept gets 406, upon
 * which kubectl falls back to its built-in types (it needs v2 only when v3 is missing). */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "apiserver/api.h"
#include "apiserver/openapi.h"
#include "lib/log.h"
#include "lib/util.h"
#include "version.h"

#define INFO_VERSION "v" CK_KUBE_MAJOR "." CK_KUBE_MINOR ".0"

typedef struct oa_doc {
    char *key; /* "api/v1", "apis/apps/v1"; NULL for the root and v2 */
    char *body;
    size_t len;
    char hash[2 * 64 + 1]; /* upper-case hex SHA-512 of body, like upstream's ETag */
} oa_doc;

static pthread_mutex_t oa_lock = PTHREAD_MUTEX_INITIALIZER;
static ck_oa_gv *oa_gvs;
static size_t oa_ngvs;
static oa_doc *oa_v3; /* one per group/version, in oa_gvs order */
static oa_doc oa_root, oa_v2;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Serializes v (reference stolen) into d, with its hash. Keys are sorted, as Go's encoder
 * writes maps, so the bytes (and the hash) are stable. */
static void doc_set(oa_doc *d, json_t *v)
{
    d->body = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(v);
    if (!d->body) abort();
    d->len = strlen(d->body);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!EVP_Digest(d->body, d->len, md, &mdlen, EVP_sha512(), NULL)) abort();
    for (unsigned i = 0; i < mdlen && i < 64; i++)
        sprintf(d->hash + 2 * i, "%02X", md[i]);
}

/* The served group/versions, in registry order. */
static void collect_gvs(void)
{
    oa_gvs = xcalloc(ck_registry_count() + 1, sizeof *oa_gvs);
    for (unsigned i = 0; i < ck_registry_count(); i++) {
        const ck_rtype *rt = ck_registry_at(i);
        bool seen = false;
        for (size_t j = 0; j < oa_ngvs && !seen; j++)
            seen = streq(oa_gvs[j].group, rt->def->group) &&
                   streq(oa_gvs[j].version, rt->def->version);
        if (!seen) oa_gvs[oa_ngvs++] = (ck_oa_gv){rt->def->group, rt->def->version};
    }
}

/* components.schemas (v3) or definitions (v2): every definition marked in used. */
static json_t *schemas_of(const ck_oa_ctx *c, const uint8_t *used)
{
    json_t *s = json_object();
    for (unsigned i = 0; i < ck_schema_ndefs; i++)
        if (used[i]) json_object_set_new(s, ck_schema_defs[i].name, ck_oa_def_schema(c, (int)i));
    return s;
}

static json_t *security(void)
{
    return json_pack("[{s:[]}]", "BearerToken");
}

static json_t *bearer_scheme(void)
{
    return json_pack("{s:{s:s, s:s, s:s, s:s}}", "BearerToken", "type", "apiKey", "name",
                     "authorization", "in", "header", "description", "Bearer Token authentication");
}

static json_t *build_v3(const ck_oa_gv *gv)
{
    ck_oa_ctx c = {.v3 = true, .gvs = oa_gvs, .ngvs = oa_ngvs};
    uint8_t *used = xcalloc(ck_schema_ndefs, 1);
    json_t *paths = json_object();
    ck_oa_add_paths(&c, paths, gv->group, gv->version, used);
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o, s:o}, s:o}", "openapi", "3.0.0",
                            "info", "title", "Kubernetes", "version", INFO_VERSION, "paths", paths,
                            "components", "schemas", schemas_of(&c, used), "securitySchemes",
                            bearer_scheme(), "security", security());
    free(used);
    return doc;
}

/* Builds every v3 document and the root listing them; called with oa_lock held. */
static void ensure_v3(void)
{
    if (oa_root.body) return;
    if (!oa_gvs) collect_gvs();
    double t0 = mono_ms();
    size_t total = 0;
    oa_v3 = xcalloc(oa_ngvs ? oa_ngvs : 1, sizeof *oa_v3);
    json_t *paths = json_object();
    for (size_t i = 0; i < oa_ngvs; i++) {
        const ck_oa_gv *gv = &oa_gvs[i];
        oa_doc *d = &oa_v3[i];
        d->key = *gv->group ? xasprintf("apis/%s/%s", gv->group, gv->version)
                            : xasprintf("api/%s", gv->version);
        double t = mono_ms();
        doc_set(d, build_v3(gv));
        total += d->len;
        ck_log_v(2, "openapi: %s: %zu bytes in %.1f ms", d->key, d->len, mono_ms() - t);
        char *url = xasprintf("/openapi/v3/%s?hash=%s", d->key, d->hash);
        json_object_set_new(paths, d->key, json_pack("{s:s}", "serverRelativeURL", url));
        free(url);
    }
    doc_set(&oa_root, json_pack("{s:o}", "paths", paths));
    ck_log_info("openapi: built %zu v3 documents (%zu bytes) in %.1f ms", oa_ngvs, total,
                mono_ms() - t0);
}

static void ensure_v2(void)
{
    if (oa_v2.body) return;
    if (!oa_gvs) collect_gvs();
    double t0 = mono_ms();
    ck_oa_ctx c = {.v3 = false, .gvs = oa_gvs, .ngvs = oa_ngvs};
    uint8_t *used = xcalloc(ck_schema_ndefs, 1);
    json_t *paths = json_object();
    for (size_t i = 0; i < oa_ngvs; i++)
        ck_oa_add_paths(&c, paths, oa_gvs[i].group, oa_gvs[i].version, used);
    doc_set(&oa_v2, json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:o}", "swagger", "2.0", "info",
                              "title", "Kubernetes", "version", INFO_VERSION, "paths", paths,
                              "definitions", schemas_of(&c, used), "securityDefinitions",
                              bearer_scheme(), "security", security()));
    free(used);
    ck_log_info("openapi: built the v2 document (%zu bytes) in %.1f ms", oa_v2.len, mono_ms() - t0);
}

/* True if the Accept header admits JSON: absent, application/json, application/... or any. */
static bool accepts_json(const char *accept)
{
    if (!accept || !*accept) return true;
    for (const char *p = accept; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p + strcspn(p, ",;");
        size_t n = (size_t)(end - p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if ((n == 16 && strncasecmp(p, "application/json", n) == 0) ||
            (n == 13 && strncasecmp(p, "application/*", n) == 0) ||
            (n == 3 && strncmp(p, "*/*", n) == 0))
            return true;
        p = end + strcspn(end, ",");
    }
    return false;
}

static void add_header(ck_request *r, const char *name, const char *value)
{
    h2o_iovec_t v = h2o_strdup(&r->h2o->pool, value, strlen(value));
    h2o_add_header_by_str(&r->h2o->pool, &r->h2o->res.headers, name, strlen(name), 0, NULL, v.base,
                          v.len);
}

/* Sends a cached document with its ETag, or 304 when the client has it. */
static void send_doc(ck_request *r, const oa_doc *d)
{
    char etag[sizeof d->hash + 2];
    snprintf(etag, sizeof etag, "\"%s\"", d->hash);
    add_header(r, "etag", etag);
    add_header(r, "vary", "Accept");
    const char *inm = ck_header(r, "if-none-match");
    if (inm && strstr(inm, d->hash)) {
        ck_send(r, 304, "application/json", "", 0);
        return;
    }
    ck_send(r, 200, "application/json", d->body, d->len);
}

static void send_gv(ck_request *r, const char *key)
{
    const oa_doc *d = NULL;
    for (size_t i = 0; i < oa_ngvs && !d; i++)
        if (streq(oa_v3[i].key, key)) d = &oa_v3[i];
    if (!d) {
        ck_send_status(r, 404, CK_NOT_FOUND, "the server could not find the requested resource");
        return;
    }
    if (!accepts_json(r->accept)) {
        ck_send_status(r, 406, CK_NOT_ACCEPTABLE,
                       "only the following media types are accepted: application/json");
        return;
    }
    const char *hash = ck_query(r, "hash");
    if (hash && !streq(hash, d->hash)) {
        /* A stale link: point to the current document, as upstream does. */
        char *url = xasprintf("/openapi/v3/%s?hash=%s", d->key, d->hash);
        add_header(r, "location", url);
        free(url);
        ck_send(r, 301, "text/plain", "", 0);
        return;
    }
    send_doc(r, d);
}

bool ck_openapi_handle(ck_request *r)
{
    const char *p = r->path;
    if (!has_prefix(p, "/openapi/")) return false;
    bool v3_root = streq(p, "/openapi/v3") || streq(p, "/openapi/v3/");
    bool v3_gv = !v3_root && has_prefix(p, "/openapi/v3/");
    bool v2 = streq(p, "/openapi/v2");
    if (!v3_root && !v3_gv && !v2) return false;
    if (!streq(r->method, "GET") && !streq(r->method, "HEAD")) {
        ck_send_status(r, 405, CK_METHOD_NOT_ALLOWED,
                       "the server does not allow this method on the requested resource");
        return true;
    }
    pthread_mutex_lock(&oa_lock);
    if (v2) {
        if (!accepts_json(r->accept)) {
            ck_send_status(r, 406, CK_NOT_ACCEPTABLE,
                           "only the following media types are accepted: application/json");
        } else {
            ensure_v2();
            send_doc(r, &oa_v2);
        }
    } else {
        ensure_v3();
        if (v3_root)
            send_doc(r, &oa_root);
        else
            send_gv(r, p + strlen("/openapi/v3/"));
    }
    pthread_mutex_unlock(&oa_lock);
    return true;
}
