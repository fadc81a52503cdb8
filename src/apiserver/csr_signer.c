/* The in-server CSR controllers of `ckube server` (upstream's csrapproving and csrsigning
 * controllers): kube-apiserver-client-kubelet requests from users allowed `create` on
 * certificatesigningrequests/nodeclient (or selfnodeclient, for their own node name) are
 * approved with reason AutoApproved; approved requests for the kube-apiserver-client,
 * kube-apiserver-client-kubelet and kubelet-serving signers are checked against the
 * signer's restrictions and signed with the cluster CA, or marked Failed. */
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <time.h>

#include "apiserver/bootstrap.h"
#include "apiserver/cache.h"
#include "apiserver/objstore.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/yaml_scalar.h"

#define SIGNER_CLIENT "kubernetes.io/kube-apiserver-client"
#define SIGNER_KUBELET "kubernetes.io/kube-apiserver-client-kubelet"
#define SIGNER_SERVING "kubernetes.io/kubelet-serving"
#define BACKDATE_SECS (5 * 60)
#define MIN_TTL_SECS (10 * 60)

/* What the signers look at in a request. */
typedef struct csr_info {
    X509_REQ *req;
    char *cn;
    int norg;
    bool org_nodes; /* O is exactly [system:nodes] */
    int ndns, nip, nemail, nuri;
} csr_info;

static void info_clear(csr_info *ci)
{
    X509_REQ_free(ci->req);
    free(ci->cn);
}

static int parse_request(const json_t *doc, csr_info *ci)
{
    const char *b64 = ck_obj_str(doc, "spec.request");
    size_t n = 0;
    char *pem = b64 ? ys_base64_decode(b64, strlen(b64), &n) : NULL;
    if (!pem) return -1;
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    ci->req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    free(pem);
    if (!ci->req) return -1;
    X509_NAME *subj = X509_REQ_get_subject_name(ci->req);
    int i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    unsigned char *u = NULL;
    if (i >= 0) {
        int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
        if (len >= 0) ci->cn = xstrndup((const char *)u, (size_t)len);
        OPENSSL_free(u);
    }
    if (!ci->cn) ci->cn = xstrdup("");
    for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_organizationName, i)) >= 0;) {
        u = NULL;
        int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
        ci->org_nodes = ++ci->norg == 1 && len == 12 && memcmp(u, "system:nodes", 12) == 0;
        OPENSSL_free(u);
    }
    if (ci->norg != 1) ci->org_nodes = false;
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(ci->req);
    for (int k = 0; k < sk_X509_EXTENSION_num(exts); k++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, k);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) != NID_subject_alt_name) continue;
        GENERAL_NAMES *gens = X509V3_EXT_d2i(e);
        for (int j = 0; j < sk_GENERAL_NAME_num(gens); j++) {
            int t = sk_GENERAL_NAME_value(gens, j)->type;
            ci->ndns += t == GEN_DNS;
            ci->nip += t == GEN_IPADD;
            ci->nemail += t == GEN_EMAIL;
            ci->nuri += t == GEN_URI;
        }
        GENERAL_NAMES_free(gens);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return 0;
}

static bool has_usage(const json_t *usages, const char *u)
{
    size_t i;
    json_t *v;
    json_array_foreach(usages, i, v) if (streq(json_string_value(v), u)) return true;
    return false;
}

/* The usage set equals {digital signature, [key encipherment,] extra}. */
static bool usages_are(const json_t *usages, const char *extra)
{
    size_t n = json_array_size(usages);
    bool ke = has_usage(usages, "key encipherment");
    return has_usage(usages, "digital signature") && has_usage(usages, extra) &&
           n == (ke ? 3u : 2u);
}

/* capihelper.ValidateKubeletClientCSR: NULL when valid, else upstream's error text. */
static const char *kubelet_client_error(const csr_info *ci, const json_t *usages)
{
    if (!ci->org_nodes) return "subject organization is not system:nodes";
    if (ci->ndns) return "DNS subjectAltNames are not allowed";
    if (ci->nemail) return "Email subjectAltNames are not allowed";
    if (ci->nip) return "IP subjectAltNames are not allowed";
    if (ci->nuri) return "URI subjectAltNames are not allowed";
    if (!has_prefix(ci->cn, "system:node:"))
        return "subject common name does not begin with system:node:";
    if (!usages_are(usages, "client auth"))
        return "usages did not match [client auth digital signature key encipherment]";
    return NULL;
}

/* capihelper.ValidateKubeletServingCSR. */
static const char *kubelet_serving_error(const csr_info *ci, const json_t *usages)
{
    if (!ci->org_nodes) return "subject organization is not system:nodes";
    if (!ci->ndns && !ci->nip) return "DNS or IP subjectAltName is required";
    if (ci->nemail) return "Email subjectAltNames are not allowed";
    if (ci->nuri) return "URI subjectAltNames are not allowed";
    if (!usages_are(usages, "server auth"))
        return "usages did not match [digital signature key encipherment server auth]";
    if (!has_prefix(ci->cn, "system:node:"))
        return "subject common name does not begin with system:node:";
    return NULL;
}

/* validAPIServerClientUsages; *buf holds a message built from the usage. */
static const char *apiserver_client_error(const json_t *usages, char *buf, size_t len)
{
    bool client = false;
    size_t i;
    json_t *v;
    json_array_foreach(usages, i, v)
    {
        const char *u = json_string_value(v);
        if (streq(u, "client auth")) {
            client = true;
        } else if (!streq(u, "digital signature") && !streq(u, "key encipherment")) {
            snprintf(buf, len, "invalid usage for client certificate: %s", u ? u : "");
            return buf;
        }
    }
    return client ? NULL : "invalid usage for client certificate, missing client auth";
}

static void conditions(const json_t *doc, bool *approved, bool *denied, bool *failed)
{
    *approved = *denied = *failed = false;
    size_t i;
    json_t *c;
    json_array_foreach(ck_obj_get(doc, "status.conditions"), i, c)
    {
        const char *t = ck_obj_str(c, "type");
        *approved |= streq(t, "Approved");
        *denied |= streq(t, "Denied");
        *failed |= streq(t, "Failed");
    }
}

static void append_condition(json_t *doc, const char *type, const char *reason, const char *msg)
{
    json_t *st = ck_obj_ensure(doc, "status");
    json_t *conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(st, "conditions", conds);
    }
    json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:s}", "type", type, "status", "True",
                                           "reason", reason, "message", msg));
}

static void update_csr(ck_apiserver *srv, ck_rtype *rt, const ck_obj *old, json_t *doc,
                       const char *sub)
{
    ck_write_opts o = {
        .subresource = sub, .field_manager = "kube-controller-manager", .operation = "Update"};
    ck_written w = {0};
    ck_err *err = NULL;
    if (ck_objstore_update(srv, rt, old, doc, &o, &w, &err) < 0)
        ck_log_warn("csr %s: %s update: %s", old->name, sub, err->message);
    ck_err_free(err);
    ck_written_clear(&w);
}

/* The SubjectAccessReview upstream's approver sends for the requestor in spec. */
static bool requestor_may(ck_apiserver *srv, const json_t *doc, const char *subresource)
{
    const json_t *gs = ck_obj_get(doc, "spec.groups");
    size_t n = json_array_size(gs);
    const char **groups = xcalloc(n + 1, sizeof *groups);
    for (size_t i = 0; i < n; i++) {
        const char *g = json_string_value(json_array_get(gs, i));
        groups[i] = g ? g : "";
    }
    const char *user = ck_obj_str(doc, "spec.username");
    ck_authz_attrs at = {.user = user ? user : "",
                         .groups = groups,
                         .verb = "create",
                         .resource_request = true,
                         .ns = "",
                         .group = "certificates.k8s.io",
                         .version = "*",
                         .resource = "certificatesigningrequests",
                         .subresource = subresource,
                         .name = "",
                         .path = ""};
    char *reason = NULL;
    bool ok = ck_authz_chain_decide(&srv->authz, &at, &reason) == CK_AUTHZ_ALLOW;
    free(reason);
    free(groups);
    return ok;
}

/* sarApprover.handle for a pending request. */
static void maybe_approve(ck_apiserver *srv, ck_rtype *rt, const ck_obj *o, json_t *doc,
                          const csr_info *ci)
{
    const json_t *usages = ck_obj_get(doc, "spec.usages");
    if (!streq(ck_obj_str(doc, "spec.signerName"), SIGNER_KUBELET) ||
        kubelet_client_error(ci, usages))
        return;
    const char *msg = NULL;
    if (streq(ck_obj_str(doc, "spec.username"), ci->cn) &&
        requestor_may(srv, doc, "selfnodeclient"))
        msg = "Auto approving self kubelet client certificate after SubjectAccessReview.";
    else if (requestor_may(srv, doc, "nodeclient"))
        msg = "Auto approving kubelet client certificate after SubjectAccessReview.";
    if (!msg) return;
    append_condition(doc, "Approved", "AutoApproved", msg);
    update_csr(srv, rt, o, doc, "approval");
}

static int add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* keyUsage and extendedKeyUsage values of the spec's usages (upstream's
 * keyUsagesFromStrings), comma-separated into ku / eku. */
static void usage_exts(const json_t *usages, char *ku, char *eku, size_t len)
{
    static const char *const map[][3] = {
        {"signing", "digitalSignature", NULL},
        {"digital signature", "digitalSignature", NULL},
        {"content commitment", "nonRepudiation", NULL},
        {"key encipherment", "keyEncipherment", NULL},
        {"key agreement", "keyAgreement", NULL},
        {"data encipherment", "dataEncipherment", NULL},
        {"cert sign", "keyCertSign", NULL},
        {"crl sign", "cRLSign", NULL},
        {"encipher only", "encipherOnly", NULL},
        {"decipher only", "decipherOnly", NULL},
        {"any", NULL, "anyExtendedKeyUsage"},
        {"server auth", NULL, "serverAuth"},
        {"client auth", NULL, "clientAuth"},
        {"code signing", NULL, "codeSigning"},
        {"email protection", NULL, "emailProtection"},
        {"s/mime", NULL, "emailProtection"},
        {"ipsec end system", NULL, "ipsecEndSystem"},
        {"ipsec tunnel", NULL, "ipsecTunnel"},
        {"ipsec user", NULL, "ipsecUser"},
        {"timestamping", NULL, "timeStamping"},
        {"ocsp signing", NULL, "OCSPSigning"},
        {"microsoft sgc", NULL, "msSGC"},
        {"netscape sgc", NULL, "nsSGC"},
    };
    snprintf(ku, len, "critical");
    eku[0] = 0;
    for (size_t m = 0; m < ARRAY_SIZE(map); m++) {
        if (!has_usage(usages, map[m][0])) continue;
        char *dst = map[m][1] ? ku : eku;
        const char *v = map[m][1] ? map[m][1] : map[m][2];
        if (strstr(dst, v)) continue;
        size_t l = strlen(dst);
        snprintf(dst + l, len - l, "%s%s", l ? "," : "", v);
    }
}

static void *load_pem(const char *path, bool key)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    void *r = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
                  : (void *)PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return r;
}

/* Signs the request with the cluster CA for ttl seconds; returns base64 of the PEM
 * certificate (allocated) or NULL. */
static char *sign(ck_apiserver *srv, const csr_info *ci, const json_t *usages, long long ttl)
{
    X509 *ca = load_pem(srv->cluster_signing_cert_file, false);
    EVP_PKEY *ca_key = load_pem(srv->cluster_signing_key_file, true);
    X509 *x = X509_new();
    char *out = NULL;
    char ku[256], eku[256];
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    EVP_PKEY *pub = X509_REQ_get0_pubkey(ci->req);
    time_t now = time(NULL);
    if (!ca || !ca_key || !x || !pub || RAND_bytes(serial, sizeof serial) != 1) goto done;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    time_t nbf = now - BACKDATE_SECS, naf = now - BACKDATE_SECS + (time_t)ttl;
    time_t ca_end = 0;
    const ASN1_TIME *ca_na = X509_get0_notAfter(ca);
    struct tm tm;
    if (ASN1_TIME_to_tm(ca_na, &tm) == 1 && (ca_end = timegm(&tm)) < naf) naf = ca_end;
    if (ca_end && now >= ca_end) goto done;
    usage_exts(usages, ku, eku, sizeof ku);
    if (!bn || !X509_set_version(x, X509_VERSION_3) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), nbf) || !ASN1_TIME_set(X509_getm_notAfter(x), naf) ||
        !X509_set_subject_name(x, X509_REQ_get_subject_name(ci->req)) ||
        !X509_set_issuer_name(x, X509_get_subject_name(ca)) || !X509_set_pubkey(x, pub) ||
        add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        (strcmp(ku, "critical") && add_ext(x, ca, NID_key_usage, ku) < 0) ||
        (*eku && add_ext(x, ca, NID_ext_key_usage, eku) < 0) ||
        add_ext(x, ca, NID_authority_key_identifier, "keyid:always") < 0)
        goto done;
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(ci->req);
    int bad = 0;
    for (int k = 0; k < sk_X509_EXTENSION_num(exts); k++) {
        X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, k);
        if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name)
            bad |= !X509_add_ext(x, e, -1);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (bad || !X509_sign(x, ca_key, EVP_PKEY_is_a(ca_key, "ED25519") ? NULL : EVP_sha256()))
        goto done;
    BIO *b = BIO_new(BIO_s_mem());
    char *pem;
    long n;
    if (b && PEM_write_bio_X509(b, x) && (n = BIO_get_mem_data(b, &pem)) > 0) {
        out = xmalloc((size_t)(n + 2) / 3 * 4 + 1);
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)pem, (int)n);
    }
    BIO_free(b);
done:
    if (!out) ck_log_warn("csr signer: cannot sign with %s", srv->cluster_signing_cert_file);
    BN_free(bn);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return out;
}

/* signer.handle for an approved request without a certificate. */
static void maybe_sign(ck_apiserver *srv, ck_rtype *rt, const ck_obj *o, json_t *doc,
                       const csr_info *ci)
{
    const char *signer = ck_obj_str(doc, "spec.signerName");
    const json_t *usages = ck_obj_get(doc, "spec.usages");
    char buf[256];
    const char *bad;
    if (streq(signer, SIGNER_CLIENT))
        bad = apiserver_client_error(usages, buf, sizeof buf);
    else if (streq(signer, SIGNER_KUBELET))
        bad = kubelet_client_error(ci, usages);
    else if (streq(signer, SIGNER_SERVING))
        bad = kubelet_serving_error(ci, usages);
    else
        return; /* another signer's request */
    if (bad) {
        append_condition(doc, "Failed", "SignerValidationFailure", bad);
        update_csr(srv, rt, o, doc, "status");
        return;
    }
    long long ttl = srv->cluster_signing_duration_ms / 1000;
    const json_t *exp = ck_obj_get(doc, "spec.expirationSeconds");
    if (json_is_integer(exp)) {
        long long want = json_integer_value(exp);
        ttl = want > ttl ? ttl : want < MIN_TTL_SECS ? MIN_TTL_SECS : want;
    }
    char *cert = sign(srv, ci, usages, ttl);
    if (!cert) return;
    json_object_set_new(ck_obj_ensure(doc, "status"), "certificate", json_string(cert));
    free(cert);
    update_csr(srv, rt, o, doc, "status");
}

typedef struct obj_vec {
    ck_obj **v;
    size_t n, cap;
} obj_vec;

static bool collect(ck_obj *o, void *ctx)
{
    obj_vec *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ck_obj_ref(o);
    return true;
}

void ck_csr_signer_tick(ck_apiserver *srv)
{
    /* Work only follows writes (a CSR, or the RBAC rules an approval depends on): the pass
     * runs again only when the cache revision moved. One server per process. */
    static int64_t seen_rev = -1;
    if (!srv->cluster_signing_cert_file || !srv->ready) return;
    int64_t rev = ck_cache_rev(srv->cache);
    if (rev == seen_rev) return;
    seen_rev = rev;
    ck_rtype *rt = ck_registry_find("certificates.k8s.io", "v1", "certificatesigningrequests");
    if (!rt) return;
    obj_vec l = {0};
    ck_cache_each(srv->cache, rt, NULL, NULL, collect, &l);
    for (size_t i = 0; i < l.n; i++) {
        json_t *doc = ck_obj_parse(l.v[i]);
        bool approved, denied, failed;
        conditions(doc, &approved, &denied, &failed);
        const char *cert = ck_obj_str(doc, "status.certificate");
        csr_info ci = {0};
        if (!(cert && *cert) && !denied && !failed && parse_request(doc, &ci) == 0) {
            if (approved)
                maybe_sign(srv, rt, l.v[i], doc, &ci);
            else
                maybe_approve(srv, rt, l.v[i], doc, &ci);
        }
        info_clear(&ci);
        json_decref(doc);
        ck_obj_unref(l.v[i]);
    }
    free(l.v);
}
