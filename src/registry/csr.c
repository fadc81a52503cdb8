/* certificatesigningrequests (certificates.k8s.io/v1): the CSR strategy (requestor fields
 * are the server's; updates never change spec; Approved/Denied conditions change only
 * through the approval subresource, see ck_csr_prepare_approval), ValidateCertificate-
 * SigningRequest (a PEM CERTIFICATE REQUEST with a valid signature, usages, signerName,
 * expirationSeconds, conditions), the CSR printer and the spec.signerName field selector. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/base64.h"
#include "lib/util.h"
#include "registry/kinds.h"
#include "registry/workload.h"

/* The approval subresource's strategy (not reachable through ck_rtype_def yet). */
void ck_csr_prepare_approval(json_t *obj, const json_t *old);

static void defaults(json_t *obj)
{
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(obj, "status.conditions"), i, c) if (json_is_object(c))
        ck_obj_default_str(c, "status", "True");
}

/* Clients never set the requestor fields: they are cleared here and filled from the
 * request's user in before_create. */
static void prepare_create(json_t *obj)
{
    json_t *spec = ck_obj_ensure(obj, "spec");
    json_object_del(spec, "username");
    json_object_del(spec, "uid");
    json_object_del(spec, "groups");
    json_object_del(spec, "extra");
}

/* Upstream's PrepareForCreate: spec.username, uid, groups and extra are the authenticated
 * user's (omitted when empty). */
static int before_create(ck_strategy_ctx *ctx, json_t *obj, ck_err **err)
{
    (void)err;
    if (!ctx->user) return 0;
    json_t *spec = ck_obj_ensure(obj, "spec");
    json_object_set_new(spec, "username", json_string(ctx->user));
    if (ctx->uid && *ctx->uid) json_object_set_new(spec, "uid", json_string(ctx->uid));
    if (ctx->groups && *ctx->groups) {
        json_t *gs = json_array();
        for (const char *const *g = ctx->groups; *g; g++)
            json_array_append_new(gs, json_string(*g));
        json_object_set_new(spec, "groups", gs);
    }
    if (json_object_size(ctx->extra))
        json_object_set_new(spec, "extra", json_deep_copy(ctx->extra));
    return 0;
}

/* lastUpdateTime defaults to now; lastTransitionTime to the old one of the same type and
 * status, else now. */
static void condition_timestamps(json_t *obj, const json_t *old)
{
    char now[32];
    rfc3339_now(now);
    size_t i, j;
    json_t *c, *oc;
    json_array_foreach(ck_obj_get(obj, "status.conditions"), i, c)
    {
        if (!json_is_object(c)) continue;
        ck_obj_default_str(c, "lastUpdateTime", now);
        if (ck_obj_str(c, "lastTransitionTime")) continue;
        const char *t = now;
        json_array_foreach(ck_obj_get(old, "status.conditions"), j, oc)
        {
            if (streq(ck_obj_str(oc, "type"), ck_obj_str(c, "type")) &&
                streq(ck_obj_str(oc, "status"), ck_obj_str(c, "status")) &&
                ck_obj_str(oc, "lastTransitionTime")) {
                t = ck_obj_str(oc, "lastTransitionTime");
                break;
            }
        }
        json_object_set_new(c, "lastTransitionTime", json_string(t));
    }
}

/* preserveConditionInstances: the old conditions of a type replace the new ones when their
 * count is unchanged (validation reports added or removed ones). */
static void preserve_conditions(json_t *obj, const json_t *old, const char *type)
{
    json_t *nc = ck_obj_get(obj, "status.conditions"), *oc = ck_obj_get(old, "status.conditions");
    size_t ni[16], oi[16], nn = 0, on = 0, i;
    json_t *c;
    json_array_foreach(nc, i, c) if (streq(ck_obj_str(c, "type"), type) && nn < 16) ni[nn++] = i;
    json_array_foreach(oc, i, c) if (streq(ck_obj_str(c, "type"), type) && on < 16) oi[on++] = i;
    if (nn != on) return;
    for (i = 0; i < nn; i++)
        json_array_set(nc, ni[i], json_array_get(oc, oi[i]));
}

static void keep_spec(json_t *obj, const json_t *old)
{
    json_t *spec = json_object_get(old, "spec");
    if (spec)
        json_object_set_new(obj, "spec", json_deep_copy(spec));
    else
        json_object_del(obj, "spec");
}

/* Main resource and status updates: spec and the approval conditions stay. */
static void prepare_update(json_t *obj, const json_t *old)
{
    keep_spec(obj, old);
    preserve_conditions(obj, old, "Approved");
    preserve_conditions(obj, old, "Denied");
    condition_timestamps(obj, old);
}

/* The approval subresource: only status.conditions may change. */
void ck_csr_prepare_approval(json_t *obj, const json_t *old)
{
    json_t *conds = json_incref(ck_obj_get(obj, "status.conditions"));
    keep_spec(obj, old);
    json_t *st = json_deep_copy(json_object_get(old, "status"));
    if (!st) st = json_object();
    if (conds)
        json_object_set(st, "conditions", conds);
    else
        json_object_del(st, "conditions");
    json_object_set_new(obj, "status", st);
    json_decref(conds);
    condition_timestamps(obj, old);
}

static void prepare_subresource(const char *sub, json_t *obj, const json_t *old)
{
    if (streq(sub, "approval")) ck_csr_prepare_approval(obj, old);
}

/* ---- validation ------------------------------------------------------------------------ */

/* certificates.ParseCSR plus CheckSignature; returns the error text or NULL. */
static char *check_request(const char *b64)
{
    size_t len = 0;
    unsigned char *pem = ck_base64_decode(b64, strlen(b64), &len, NULL);
    if (!pem) return xstrdup("illegal base64 data");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long dlen = 0;
    char *err = NULL;
    if (!PEM_read_bio(bio, &name, &header, &der, &dlen) || !streq(name, "CERTIFICATE REQUEST")) {
        err = xstrdup("PEM block type must be CERTIFICATE REQUEST");
    } else {
        const unsigned char *p = der;
        X509_REQ *req = d2i_X509_REQ(NULL, &p, dlen);
        EVP_PKEY *key = req ? X509_REQ_get0_pubkey(req) : NULL;
        if (!req || !key) {
            err = xstrdup("x509: malformed certificate request");
        } else if (X509_REQ_verify(req, key) != 1) {
            int id = EVP_PKEY_base_id(key);
            err = xstrdup(id == EVP_PKEY_EC        ? "x509: ECDSA verification failure"
                          : id == EVP_PKEY_ED25519 ? "x509: Ed25519 verification failure"
                                                   : "crypto/rsa: verification error");
        }
        X509_REQ_free(req);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    free(pem);
    return err;
}

static void validate_signer(const json_t *v, ck_field_errors *fe)
{
    const char *path = "spec.signerName", *s = json_string_value(v);
    if (!s || !*s) {
        ck_ferr_required(fe, path, "");
        return;
    }
    const char *slash = strchr(s, '/');
    if (!slash || strchr(slash + 1, '/')) {
        ck_ferr_invalid(fe, path, v,
                        "must be a fully qualified domain and path of the form "
                        "'example.com/signer-name'");
        return;
    }
    cleanup_free char *domain = xstrndup(s, (size_t)(slash - s));
    const char *spath = slash + 1;
    if (strlen(domain) > 253) ck_ferr_too_long(fe, path, 253);
    size_t labels = 0;
    bool bad = false;
    for (const char *p = domain;; labels++) {
        const char *dot = strchr(p, '.');
        cleanup_free char *lbl = dot ? xstrndup(p, (size_t)(dot - p)) : xstrdup(p);
        ck_msgs m = {0};
        if (!bad && ck_is_dns1123_label(lbl, &m)) {
            bad = true;
            cleanup_free char *q = ck_quote(lbl);
            for (unsigned i = 0; i < m.n; i++) {
                cleanup_free char *d = xasprintf("validating label %s: %s", q, m.v[i]);
                ck_ferr_invalid_str(fe, path, domain, d);
            }
        }
        ck_msgs_free(&m);
        if (!dot) break;
        p = dot + 1;
    }
    if (labels + 1 < 2)
        ck_ferr_invalid_str(fe, path, domain,
                            "should be a domain with at least two segments separated by dots");
    for (const char *p = spath;;) {
        const char *dot = strchr(p, '.');
        cleanup_free char *lbl = dot ? xstrndup(p, (size_t)(dot - p)) : xstrdup(p);
        ck_msgs m = {0};
        if (ck_is_dns1123_subdomain(lbl, &m)) {
            cleanup_free char *q = ck_quote(lbl);
            for (unsigned i = 0; i < m.n; i++) {
                cleanup_free char *d = xasprintf("validating label %s: %s", q, m.v[i]);
                ck_ferr_invalid_str(fe, path, spath, d);
            }
            ck_msgs_free(&m);
            break;
        }
        if (!dot) break;
        p = dot + 1;
    }
    if (strlen(s) > 253 + 253 + 63 + 1 + 1) ck_ferr_too_long(fe, path, 253 + 253 + 63 + 1 + 1);
}

static const char *const usages[] = {"any",
                                     "cert sign",
                                     "client auth",
                                     "code signing",
                                     "content commitment",
                                     "crl sign",
                                     "data encipherment",
                                     "decipher only",
                                     "digital signature",
                                     "email protection",
                                     "encipher only",
                                     "ipsec end system",
                                     "ipsec tunnel",
                                     "ipsec user",
                                     "key agreement",
                                     "key encipherment",
                                     "microsoft sgc",
                                     "netscape sgc",
                                     "ocsp signing",
                                     "s/mime",
                                     "server auth",
                                     "signing",
                                     "timestamping",
                                     NULL};

static void validate_conditions(const json_t *obj, ck_field_errors *fe)
{
    static const char *const statuses[] = {"True", "False", "Unknown", NULL};
    static const char *const truth[] = {"True", NULL};
    bool approved = false, denied = false;
    size_t i, j;
    json_t *c, *d;
    const json_t *conds = ck_obj_get(obj, "status.conditions");
    json_array_foreach(conds, i, c)
    {
        cleanup_free char *pt = xasprintf("status.conditions[%zu].type", i);
        cleanup_free char *ps = xasprintf("status.conditions[%zu].status", i);
        const json_t *type = json_object_get(c, "type"), *status = json_object_get(c, "status");
        const char *t = json_string_value(type), *s = json_string_value(status);
        if (!t || !*t) ck_ferr_required(fe, pt, "");
        if (!s || !*s)
            ck_ferr_required(fe, ps, "");
        else if (!streq(s, "True") && !streq(s, "False") && !streq(s, "Unknown"))
            ck_ferr_not_supported(fe, ps, status, statuses);
        if (streq(t, "Approved") || streq(t, "Denied")) {
            bool *mine = streq(t, "Approved") ? &approved : &denied;
            *mine = true;
            if (approved && denied)
                ck_ferr_invalid(fe, pt, type,
                                "Approved and Denied conditions are mutually exclusive");
            if (!streq(s, "True")) {
                json_t *v = status ? json_incref((json_t *)status) : json_string("");
                ck_ferr_not_supported(fe, ps, v, truth);
                json_decref(v);
            }
        }
        json_array_foreach(conds, j, d)
        {
            if (j >= i) break;
            if (streq(ck_obj_str(d, "type"), t ? t : "")) {
                ck_ferr_duplicate(fe, pt, type);
                break;
            }
        }
    }
}

static void validate(const json_t *obj, ck_field_errors *fe)
{
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *req = json_object_get(spec, "request");
    cleanup_free char *err = check_request(json_string_value(req) ? json_string_value(req) : "");
    if (err) {
        /* Upstream prints the request as the Go byte slice it decoded. */
        size_t n = 0;
        const char *r64 = json_string_value(req) ? json_string_value(req) : "";
        unsigned char *raw = ck_base64_decode(r64, strlen(r64), &n, NULL);
        char *shown = raw ? ck_go_bytes(raw, n) : xstrdup("[]byte(nil)");
        ck_ferr_invalid_raw(fe, "spec.request", shown, err);
        free(shown);
        free(raw);
    }
    const json_t *us = json_object_get(spec, "usages");
    if (json_array_size(us) == 0) ck_ferr_required(fe, "spec.usages", "");
    size_t i, j;
    json_t *u;
    json_array_foreach(us, i, u)
    {
        cleanup_free char *p = xasprintf("spec.usages[%zu]", i);
        bool known = false;
        for (size_t k = 0; usages[k] && !known; k++)
            known = streq(json_string_value(u), usages[k]);
        if (!known) ck_ferr_not_supported(fe, p, u, usages);
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(us, j), u)) {
                ck_ferr_duplicate(fe, p, u);
                break;
            }
    }
    const json_t *signer = json_object_get(spec, "signerName");
    if (streq(json_string_value(signer), "kubernetes.io/legacy-unknown"))
        ck_ferr_invalid(fe, "spec.signerName", signer,
                        "the legacy signerName is not allowed via this API version");
    else
        validate_signer(signer, fe);
    const json_t *exp = json_object_get(spec, "expirationSeconds");
    if (json_is_integer(exp) && json_integer_value(exp) < 600)
        ck_ferr_invalid(fe, "spec.expirationSeconds", exp,
                        "may not specify a duration less than 600 seconds (10 minutes)");
    validate_conditions(obj, fe);
}

/* Approved, Denied and Failed conditions are never removed or changed; an issued
 * certificate is never changed. */
static void validate_update(const json_t *obj, const json_t *old, ck_field_errors *fe)
{
    static const char *const kinds[] = {"Approved", "Denied", "Failed"};
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        json_t *nc = json_array(), *oc = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(ck_obj_get(obj, "status.conditions"), i,
                           c) if (streq(ck_obj_str(c, "type"), kinds[k])) json_array_append(nc, c);
        json_array_foreach(ck_obj_get(old, "status.conditions"), i,
                           c) if (streq(ck_obj_str(c, "type"), kinds[k])) json_array_append(oc, c);
        cleanup_free char *rm =
            xasprintf("updates may not remove a condition of type \"%s\"", kinds[k]);
        cleanup_free char *md =
            xasprintf("updates may not modify a condition of type \"%s\"", kinds[k]);
        if (json_array_size(nc) < json_array_size(oc))
            ck_ferr_forbidden(fe, "status.conditions", rm);
        for (i = 0; i < json_array_size(oc) && i < json_array_size(nc); i++)
            if (!json_equal(json_array_get(oc, i), json_array_get(nc, i))) {
                ck_ferr_forbidden(fe, "status.conditions", md);
                break;
            }
        json_decref(nc);
        json_decref(oc);
    }
    const char *cert = ck_obj_str(old, "status.certificate");
    if (cert && *cert && !streq(cert, ck_obj_str(obj, "status.certificate")))
        ck_ferr_forbidden(fe, "status.certificate",
                          "updates may not modify existing certificate content");
}

/* ---- table ------------------------------------------------------------------------------ */

static const ck_column columns[] = {
    CK_COL_NAME,
    CK_COL_AGE,
    {"SignerName", "string", "", "signerName indicates the requested signer.", 0},
    {"Requestor", "string", "",
     "request contains an x509 certificate signing request encoded in a \"CERTIFICATE "
     "REQUEST\" PEM block.",
     0},
    {"RequestedDuration", "string", "",
     "expirationSeconds is the requested duration of validity of the issued certificate.", 0},
    {"Condition", "string", "", "conditions applied to the request.", 0},
};

/* extractCSRStatus: Denied / Approved / Pending, then ",Failed" and ",Issued". */
static char *csr_condition(const json_t *obj)
{
    bool approved = false, denied = false, failed = false;
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(obj, "status.conditions"), i, c)
    {
        const char *t = ck_obj_str(c, "type");
        approved |= streq(t, "Approved");
        denied |= streq(t, "Denied");
        failed |= streq(t, "Failed");
    }
    const char *cert = ck_obj_str(obj, "status.certificate");
    return xasprintf("%s%s%s",
                     denied     ? "Denied"
                     : approved ? "Approved"
                                : "Pending",
                     failed ? ",Failed" : "", cert && *cert ? ",Issued" : "");
}

static void table_row(const json_t *obj, json_t *cells)
{
    const char *signer = ck_obj_str(obj, "spec.signerName");
    const json_t *exp = ck_obj_get(obj, "spec.expirationSeconds");
    ck_cell_name(obj, cells);
    ck_cell_age(obj, cells);
    ck_cell_str(cells, signer && *signer ? signer : "<none>");
    ck_cell_str(cells, ck_obj_str(obj, "spec.username"));
    if (json_is_integer(exp))
        ck_cell_take(cells, ck_human_duration(json_integer_value(exp)));
    else
        ck_cell_str(cells, "<none>");
    ck_cell_take(cells, csr_condition(obj));
}

static const char *const fields[] = {"spec.signerName", NULL};

const ck_rtype_def ck_reg_csr = {
    .group = "certificates.k8s.io",
    .version = "v1",
    .plural = "certificatesigningrequests",
    .defaults = defaults,
    .prepare_create = prepare_create,
    .before_create = before_create,
    .prepare_update = prepare_update,
    .prepare_subresource = prepare_subresource,
    .validate = validate,
    .validate_update = validate_update,
    .validate_name = ck_name_any,
    .columns = columns,
    .ncolumns = ARRAY_SIZE(columns),
    .table_row = table_row,
    .fields = fields,
};
