/* Cluster PKI on the OpenSSL 3 EVP APIs. ck_pki_ensure keeps DIR/pki complete across
 * restarts; ck_pki_issue_csr issues from a cfssl-style CSR object for `ckube certs`.
 * Keys are ECDSA P-256 unless a CSR asks otherwise; signatures are SHA-256; serials are
 * 128 random bits. Private keys are PKCS#8 PEM, written 0600. */
#include "pki/pki.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/util.h"

#define DAY_SECS (24LL * 3600)
#define YEAR_SECS (365 * DAY_SECS)
#define RENEW_BEFORE_SECS (30 * DAY_SECS) /* leaves closer than this to expiry are re-issued */
#define BACKDATE_SECS 300                 /* tolerate small clock skew between nodes */

enum { USE_SERVER = 1, USE_CLIENT = 2 };

/* What one certificate should look like; everything is borrowed. */
typedef struct cert_spec {
    X509_NAME *subject;
    const char *const *hosts; /* SANs: IP literals become IP SANs, the rest DNS SANs */
    size_t nhosts;
    bool ca;
    int usages; /* USE_* (leaves only) */
    long long seconds;
} cert_spec;

static void x509_freep(X509 **p)
{
    X509_free(*p);
}
static void pkey_freep(EVP_PKEY **p)
{
    EVP_PKEY_free(*p);
}
static void name_freep(X509_NAME **p)
{
    X509_NAME_free(*p);
}
#define cleanup_x509 __attribute__((cleanup(x509_freep)))
#define cleanup_pkey __attribute__((cleanup(pkey_freep)))
#define cleanup_name __attribute__((cleanup(name_freep)))

/* Turns the OpenSSL error queue into a ck_err and empties the queue. */
static int ossl_error(ck_err **err, const char *what)
{
    char buf[256] = "unknown OpenSSL error";
    unsigned long e = ERR_peek_last_error();
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return ck_error(err, 500, CK_INTERNAL, "%s: %s", what, buf);
}

/* Fills out (16 bytes) and returns 4 or 16 when s is an IPv4/IPv6 literal, else 0. */
static int parse_ip(const char *s, unsigned char out[16])
{
    if (inet_pton(AF_INET, s, out) == 1) return 4;
    if (inet_pton(AF_INET6, s, out) == 1) return 16;
    return 0;
}

static bool valid_dns(const char *s)
{
    if (!*s || strlen(s) > 253) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._*", *p)) return false;
    return true;
}

static EVP_PKEY *gen_key(const char *algo, int bits, ck_err **err)
{
    EVP_PKEY *k;
    if (streq(algo, "rsa")) {
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    } else {
        const char *curve = bits == 384 ? "P-384" : bits == 521 ? "P-521" : "P-256";
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    }
    if (!k) ossl_error(err, "generate key");
    return k;
}

/* A positive serial of 128 random bits (RFC 5280 allows up to 20 octets). */
static int set_serial(X509 *x)
{
    unsigned char b[16];
    BIGNUM *bn = NULL;
    do {
        BN_free(bn);
        if (RAND_bytes(b, sizeof b) != 1) return -1;
        bn = BN_bin2bn(b, sizeof b, NULL);
        if (!bn) return -1;
    } while (BN_is_zero(bn));
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    return ai ? 0 : -1;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int add_sans(X509 *x, const char *const *hosts, size_t n)
{
    if (!n) return 0;
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int rc = gens ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char ip[16];
        int iplen = parse_ip(hosts[i], ip);
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_STRING *s = iplen ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
        if (!g || !s ||
            !ASN1_STRING_set(s, iplen ? (const void *)ip : hosts[i], iplen ? iplen : -1)) {
            GENERAL_NAME_free(g);
            ASN1_STRING_free(s);
            rc = -1;
            break;
        }
        GENERAL_NAME_set0_value(g, iplen ? GEN_IPADD : GEN_DNS, s);
        if (!sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            rc = -1;
        }
    }
    if (rc == 0 && !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT))
        rc = -1;
    GENERAL_NAMES_free(gens);
    return rc;
}

/* Issues a certificate for key. ca/ca_key NULL means self-signed. The caller owns the result. */
static X509 *make_cert(const cert_spec *s, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, ck_err **err)
{
    X509 *x = X509_new();
    X509 *issuer = ca ? ca : x;
    long long secs = s->seconds + BACKDATE_SECS;
    if (!x || !X509_set_version(x, X509_VERSION_3) || set_serial(x) < 0 ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_SECS) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)(secs / DAY_SECS), (long)(secs % DAY_SECS),
                          NULL) ||
        !X509_set_subject_name(x, s->subject) ||
        !X509_set_issuer_name(x, X509_get_subject_name(issuer)) || !X509_set_pubkey(x, key))
        goto fail;
    if (s->ca) {
        if (add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
            add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") <
                0 ||
            add_ext(x, issuer, NID_subject_key_identifier, "hash") < 0)
            goto fail;
    } else {
        /* keyEncipherment only means something for RSA key transport. */
        const char *ku = EVP_PKEY_is_a(key, "RSA") ? "critical,digitalSignature,keyEncipherment"
                                                   : "critical,digitalSignature";
        const char *eku = s->usages == (USE_SERVER | USE_CLIENT) ? "serverAuth,clientAuth"
                          : s->usages == USE_SERVER              ? "serverAuth"
                                                                 : "clientAuth";
        if (add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
            add_ext(x, issuer, NID_key_usage, ku) < 0 ||
            add_ext(x, issuer, NID_ext_key_usage, eku) < 0 ||
            add_ext(x, issuer, NID_subject_key_identifier, "hash") < 0 ||
            add_ext(x, issuer, NID_authority_key_identifier, "keyid:always") < 0)
            goto fail;
    }
    if (add_sans(x, s->hosts, s->nhosts) < 0) goto fail;
    if (!X509_sign(x, ca_key ? ca_key : key, EVP_sha256())) goto fail;
    return x;
fail:
    X509_free(x);
    ossl_error(err, "issue certificate");
    return NULL;
}

/* Writes x (or, when x is NULL, the private key k) as PEM, atomically, with mode. */
static int write_pem(const char *path, X509 *x, EVP_PKEY *k, int mode, ck_err **err)
{
    BIO *b = BIO_new(x ? BIO_s_mem() : BIO_s_secmem());
    if (!b) return ossl_error(err, "allocate buffer");
    int ok =
        x ? PEM_write_bio_X509(b, x) : PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    if (!ok) {
        BIO_free(b);
        return ossl_error(err, "encode PEM");
    }
    char *data;
    long n = BIO_get_mem_data(b, &data);
    int rc = 0;
    if (write_file_atomic(path, data, (size_t)n, mode) < 0)
        rc = ck_error(err, 500, CK_INTERNAL, "write %s: %s", path, strerror(errno));
    BIO_free(b);
    return rc;
}

/* Key first: a crash in between leaves a cert/key mismatch, which the next run repairs. */
static int write_pair(const char *crt_path, const char *key_path, X509 *x, EVP_PKEY *k,
                      ck_err **err)
{
    if (write_pem(key_path, NULL, k, 0600, err) < 0) return -1;
    return write_pem(crt_path, x, NULL, 0644, err);
}

/* Loads the first PEM certificate (want_key false) or private key from path. A missing file
 * is a NotFound error (code 404); anything unparsable is Invalid. */
static void *load_pem(const char *path, bool want_key, ck_err **err)
{
    size_t len;
    cleanup_free char *data = read_file(path, &len);
    if (!data) {
        int e = errno;
        ck_error(err, e == ENOENT ? 404 : 500, e == ENOENT ? CK_NOT_FOUND : CK_INTERNAL,
                 "open %s: %s", path, strerror(e));
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(data, (int)len);
    void *obj = NULL;
    if (b)
        obj = want_key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
                       : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    OPENSSL_cleanse(data, len);
    ERR_clear_error();
    if (!obj)
        ck_error(err, 400, CK_BAD_REQUEST, "%s: no PEM %s found", path,
                 want_key ? "private key" : "certificate");
    return obj;
}

static bool cert_has_host(X509 *x, const char *host)
{
    unsigned char ip[16];
    int r = parse_ip(host, ip)
                ? X509_check_ip_asc(x, host, 0)
                : X509_check_host(
                      x, host, 0,
                      X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS, NULL);
    return r == 1;
}

/* True when leaf is signed by ca, matches key, is not near expiry and has every host. */
static bool leaf_usable(X509 *leaf, EVP_PKEY *key, X509 *ca, const cert_spec *s)
{
    time_t renew = time(NULL) + RENEW_BEFORE_SECS;
    bool ok = X509_verify(leaf, X509_get0_pubkey(ca)) == 1 &&
              X509_check_private_key(leaf, key) == 1 &&
              X509_cmp_time(X509_get0_notAfter(leaf), &renew) > 0;
    for (size_t i = 0; ok && i < s->nhosts; i++)
        ok = cert_has_host(leaf, s->hosts[i]);
    ERR_clear_error();
    return ok;
}

/* Keeps DIR/NAME.crt + NAME.key when usable, otherwise issues a fresh pair from the CA. */
static int ensure_leaf(const char *dir, const char *name, const cert_spec *s, X509 *ca,
                       EVP_PKEY *ca_key, ck_err **err)
{
    cleanup_free char *crt_path = xasprintf("%s/%s.crt", dir, name);
    cleanup_free char *key_path = xasprintf("%s/%s.key", dir, name);
    cleanup_err ck_err *ignored = NULL;
    cleanup_x509 X509 *old = load_pem(crt_path, false, &ignored);
    cleanup_pkey EVP_PKEY *old_key = old ? load_pem(key_path, true, &ignored) : NULL;
    if (old && old_key && leaf_usable(old, old_key, ca, s)) return 0;

    cleanup_pkey EVP_PKEY *key = gen_key("ecdsa", 256, err);
    if (!key) return -1;
    cleanup_x509 X509 *x = make_cert(s, key, ca, ca_key, err);
    if (!x) return -1;
    return write_pair(crt_path, key_path, x, key, err);
}

static X509_NAME *make_name(const char *cn, const char *org, ck_err **err)
{
    X509_NAME *n = X509_NAME_new();
    if (!n ||
        (org && !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1,
                                            -1, 0)) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)) {
        X509_NAME_free(n);
        ossl_error(err, "build subject");
        return NULL;
    }
    return n;
}

/* Loads DIR/ca.crt + ca.key, or creates them. A CA key without its certificate (a crash
 * between the two writes) gets a new self-signed certificate; a certificate without its
 * key is an error, since replacing the CA would invalidate every issued credential. */
static int ensure_ca(const char *dir, X509 **ca_out, EVP_PKEY **key_out, ck_err **err)
{
    cleanup_free char *crt_path = xasprintf("%s/ca.crt", dir);
    cleanup_free char *key_path = xasprintf("%s/ca.key", dir);
    cleanup_err ck_err *crt_err = NULL;
    cleanup_err ck_err *key_err = NULL;
    cleanup_x509 X509 *ca = load_pem(crt_path, false, &crt_err);
    cleanup_pkey EVP_PKEY *key = load_pem(key_path, true, &key_err);
    if (key_err && key_err->code != 404)
        return ck_error(err, 500, CK_INTERNAL, "pki: %s", key_err->message);
    if (crt_err && crt_err->code != 404)
        return ck_error(err, 500, CK_INTERNAL, "pki: %s", crt_err->message);
    if (ca && !key)
        return ck_error(err, 500, CK_INTERNAL,
                        "pki: %s exists but %s is missing; restore the CA key or remove %s",
                        crt_path, key_path, dir);
    if (ca) {
        time_t now = time(NULL);
        if (X509_check_private_key(ca, key) != 1 || X509_check_ca(ca) < 1) {
            ERR_clear_error();
            return ck_error(err, 500, CK_INTERNAL, "pki: %s is not a CA matching %s", crt_path,
                            key_path);
        }
        if (X509_cmp_time(X509_get0_notAfter(ca), &now) <= 0)
            return ck_error(err, 500, CK_INTERNAL, "pki: CA %s has expired", crt_path);
    } else {
        bool fresh = !key;
        if (fresh && !(key = gen_key("ecdsa", 256, err))) return -1;
        cleanup_name X509_NAME *subj = make_name("ckube-ca", NULL, err);
        if (!subj) return -1;
        cert_spec s = {.subject = subj, .ca = true, .seconds = 10 * YEAR_SECS};
        if (!(ca = make_cert(&s, key, NULL, NULL, err))) return -1;
        if (fresh ? write_pair(crt_path, key_path, ca, key, err)
                  : write_pem(crt_path, ca, NULL, 0644, err))
            return -1;
    }
    *ca_out = steal_pointer(&ca);
    *key_out = steal_pointer(&key);
    return 0;
}

/* Appends h to hosts unless it is already there (IPs compared as addresses). */
static void add_host(const char **hosts, size_t *n, const char *h)
{
    unsigned char a[16], b[16];
    int alen = parse_ip(h, a);
    for (size_t i = 0; i < *n; i++) {
        if (alen ? parse_ip(hosts[i], b) == alen && memcmp(a, b, (size_t)alen) == 0
                 : strcasecmp(hosts[i], h) == 0)
            return;
    }
    hosts[(*n)++] = h;
}

long long ck_pki_leaf_seconds(void)
{
    const char *e = getenv("CKUBE_CERT_VALIDITY_SECONDS");
    char *end = NULL;
    long long v = e && *e ? strtoll(e, &end, 10) : 0;
    return v > 0 && end && !*end ? v : YEAR_SECS;
}

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

int ck_pki_ensure(const ck_pki_opts *opts, ck_err **err)
{
    const char *dir = opts->dir;
    if (mkdir_p(dir, 0700) < 0)
        return ck_error(err, 500, CK_INTERNAL, "pki: create %s: %s", dir, strerror(errno));

    static const char *const fixed[] = {"127.0.0.1",
                                        "localhost",
                                        "kubernetes",
                                        "kubernetes.default",
                                        "kubernetes.default.svc",
                                        "kubernetes.default.svc.cluster.local"};
    char hostname[256] = "";
    if (gethostname(hostname, sizeof hostname - 1) < 0) hostname[0] = 0;
    size_t cap = ARRAY_SIZE(fixed) + 1 + count(opts->san_dns) + count(opts->san_ips);
    cleanup_free const char **hosts = xcalloc(cap, sizeof *hosts);
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        add_host(hosts, &n, fixed[i]);
    if (valid_dns(hostname)) add_host(hosts, &n, hostname);
    for (size_t i = 0; opts->san_dns && opts->san_dns[i]; i++) {
        if (!valid_dns(opts->san_dns[i]) && !parse_ip(opts->san_dns[i], (unsigned char[16]){0}))
            return ck_error(err, 422, CK_INVALID, "pki: invalid DNS name \"%s\"", opts->san_dns[i]);
        add_host(hosts, &n, opts->san_dns[i]);
    }
    for (size_t i = 0; opts->san_ips && opts->san_ips[i]; i++) {
        const char *ip = opts->san_ips[i];
        unsigned char a[16] = {0}, zero[16] = {0};
        int alen = parse_ip(ip, a);
        if (!alen) return ck_error(err, 422, CK_INVALID, "pki: invalid IP address \"%s\"", ip);
        /* A wildcard bind address (0.0.0.0, ::) names no interface a client could dial. */
        if (memcmp(a, zero, (size_t)alen) == 0) continue;
        add_host(hosts, &n, ip);
    }

    cleanup_x509 X509 *ca = NULL;
    cleanup_pkey EVP_PKEY *ca_key = NULL;
    if (ensure_ca(dir, &ca, &ca_key, err) < 0) return -1;

    cleanup_name X509_NAME *srv = make_name("kube-apiserver", NULL, err);
    if (!srv) return -1;
    cert_spec serving = {.subject = srv,
                         .hosts = hosts,
                         .nhosts = n,
                         .usages = USE_SERVER,
                         .seconds = ck_pki_leaf_seconds()};
    if (ensure_leaf(dir, "apiserver", &serving, ca, ca_key, err) < 0) return -1;

    cleanup_name X509_NAME *adm = make_name("admin", "system:masters", err);
    if (!adm) return -1;
    cert_spec admin = {.subject = adm, .usages = USE_CLIENT, .seconds = ck_pki_leaf_seconds()};
    return ensure_leaf(dir, "admin", &admin, ca, ca_key, err);
}

int ck_pki_not_after(const char *path, time_t *out, ck_err **err)
{
    cleanup_x509 X509 *x = load_pem(path, false, err);
    if (!x) return -1;
    int days = 0, secs = 0;
    if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x))) {
        ERR_clear_error();
        return ck_error(err, 400, CK_BAD_REQUEST, "%s: unreadable notAfter", path);
    }
    *out = time(NULL) + (time_t)days * DAY_SECS + secs;
    return 0;
}

static void free_hosts(char ***p)
{
    for (size_t i = 0; *p && (*p)[i]; i++)
        free((*p)[i]);
    free(*p);
}

int ck_pki_reissue(const char *dir, const char *name, ck_err **err)
{
    cleanup_free char *crt_path = xasprintf("%s/%s.crt", dir, name);
    cleanup_free char *key_path = xasprintf("%s/%s.key", dir, name);
    cleanup_free char *ca_path = xasprintf("%s/ca.crt", dir);
    cleanup_free char *ca_key_path = xasprintf("%s/ca.key", dir);
    cleanup_x509 X509 *old = load_pem(crt_path, false, err);
    if (!old) return -1;
    cleanup_x509 X509 *ca = load_pem(ca_path, false, err);
    if (!ca) return -1;
    cleanup_pkey EVP_PKEY *ca_key = load_pem(ca_key_path, true, err);
    if (!ca_key) return -1;
    if (X509_check_private_key(ca, ca_key) != 1 || X509_check_ca(ca) < 1) {
        ERR_clear_error();
        return ck_error(err, 500, CK_INTERNAL, "pki: %s is not a CA matching %s", ca_path,
                        ca_key_path);
    }
    uint32_t xku = X509_get_extended_key_usage(old);
    int usages = xku == UINT32_MAX ? 0
                                   : ((xku & XKU_SSL_SERVER) ? USE_SERVER : 0) |
                                         ((xku & XKU_SSL_CLIENT) ? USE_CLIENT : 0);
    if (!usages)
        return ck_error(err, 500, CK_INTERNAL, "pki: %s has no server or client usage", crt_path);

    GENERAL_NAMES *gens = X509_get_ext_d2i(old, NID_subject_alt_name, NULL, NULL);
    int ngens = gens ? sk_GENERAL_NAME_num(gens) : 0;
    __attribute__((cleanup(free_hosts))) char **hosts = xcalloc((size_t)ngens + 1, sizeof *hosts);
    size_t n = 0;
    for (int i = 0; i < ngens; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        int type;
        const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);
        const unsigned char *d = ASN1_STRING_get0_data(v);
        int len = ASN1_STRING_length(v);
        if (type == GEN_DNS) {
            hosts[n++] = xasprintf("%.*s", len, (const char *)d);
        } else if (type == GEN_IPADD && (len == 4 || len == 16)) {
            char buf[INET6_ADDRSTRLEN];
            if (inet_ntop(len == 4 ? AF_INET : AF_INET6, d, buf, sizeof buf))
                hosts[n++] = xstrdup(buf);
        }
    }
    GENERAL_NAMES_free(gens);
    ERR_clear_error();

    cert_spec s = {.subject = X509_get_subject_name(old),
                   .hosts = (const char *const *)hosts,
                   .nhosts = n,
                   .usages = usages,
                   .seconds = ck_pki_leaf_seconds()};
    cleanup_pkey EVP_PKEY *key = gen_key("ecdsa", 256, err);
    if (!key) return -1;
    cleanup_x509 X509 *x = make_cert(&s, key, ca, ca_key, err);
    if (!x) return -1;
    return write_pair(crt_path, key_path, x, key, err);
}

/* ---- cfssl-style CSR objects ---- */

/* Problems in the CSR itself are 422 Invalid; problems with the CA files are 400/404. */
#define INVALID(...) ck_error(err, 422, CK_INVALID, __VA_ARGS__)

/* Adds names[] entries (C, ST, L, O, OU, in that order per entry) and then CN. */
static int csr_subject(const json_t *csr, const char *cn, X509_NAME *name, ck_err **err)
{
    static const char *const fields[] = {"C", "ST", "L", "O", "OU"};
    const json_t *names = json_object_get(csr, "names");
    if (names && !json_is_array(names)) return INVALID("names must be an array of objects");
    size_t i;
    const json_t *entry;
    json_array_foreach(names, i, entry)
    {
        char idx[32];
        snprintf(idx, sizeof idx, "names[%zu]", i);
        if (!json_is_object(entry)) return INVALID("%s: must be an object", idx);
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)entry, key, v)
        {
            bool known = false;
            for (size_t f = 0; f < ARRAY_SIZE(fields); f++)
                known |= streq(key, fields[f]);
            if (!known) return INVALID("%s: unknown field \"%s\" (want C, ST, L, O, OU)", idx, key);
            if (!json_is_string(v)) return INVALID("%s.%s: must be a string", idx, key);
        }
        for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
            const char *val = json_string_value(json_object_get(entry, fields[f]));
            if (!val || !*val) continue;
            if (streq(fields[f], "C") && (strlen(val) != 2 || !isalpha((unsigned char)val[0]) ||
                                          !isalpha((unsigned char)val[1])))
                return INVALID("%s.C: \"%s\" is not a two-letter country code", idx, val);
            if (!X509_NAME_add_entry_by_txt(name, fields[f], MBSTRING_UTF8,
                                            (const unsigned char *)val, -1, -1, 0))
                return ossl_error(err, "build subject");
        }
    }
    if (*cn && !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                           -1, 0))
        return ossl_error(err, "build subject");
    return 0;
}

/* Reads key.algo/key.size; the default is ECDSA P-256, as with cfssl. */
static int csr_key(const json_t *csr, const char **algo, int *bits, ck_err **err)
{
    const json_t *k = json_object_get(csr, "key");
    *algo = "ecdsa";
    *bits = 0;
    if (k && !json_is_object(k)) return INVALID("key must be an object");
    const json_t *a = json_object_get(k, "algo"), *sz = json_object_get(k, "size");
    if (a && !json_is_string(a)) return INVALID("key.algo must be a string");
    if (sz && !json_is_integer(sz)) return INVALID("key.size must be an integer");
    if (a) *algo = json_string_value(a);
    long long n = sz ? json_integer_value(sz) : 0;
    if (streq(*algo, "rsa")) {
        if (n == 0) n = 2048;
        if (n < 2048 || n > 8192)
            return INVALID("key.size: %lld is not an RSA size between 2048 and 8192", n);
    } else if (streq(*algo, "ecdsa")) {
        if (n == 0) n = 256;
        if (n != 256 && n != 384 && n != 521)
            return INVALID("key.size: %lld is not an ECDSA size (256, 384 or 521)", n);
    } else {
        return INVALID("key.algo: unsupported \"%s\" (want rsa or ecdsa)", *algo);
    }
    *bits = (int)n;
    return 0;
}

int ck_pki_issue_csr(const json_t *csr, const char *profile, long long seconds,
                     const char *ca_cert_path, const char *ca_key_path, const char *cert_path,
                     const char *key_path, ck_err **err)
{
    bool is_ca = streq(profile, "ca");
    int usages = streq(profile, "server")                                 ? USE_SERVER
                 : streq(profile, "client")                               ? USE_CLIENT
                 : streq(profile, "peer") || streq(profile, "kubernetes") ? USE_SERVER | USE_CLIENT
                                                                          : 0;
    if (!is_ca && !usages)
        return INVALID("unknown profile \"%s\" (want server, client, peer or kubernetes)",
                       profile ? profile : "");
    if (!json_is_object(csr)) return INVALID("CSR must be a JSON object");

    const json_t *cnj = json_object_get(csr, "CN");
    if (cnj && !json_is_string(cnj)) return INVALID("CN must be a string");
    const char *cn = cnj ? json_string_value(cnj) : "";
    if (!*cn) return INVALID("CN is required");

    const json_t *hj = json_object_get(csr, "hosts");
    if (hj && !json_is_null(hj) && !json_is_array(hj))
        return INVALID("hosts must be an array of strings");
    cleanup_free const char **hosts = xcalloc(json_array_size(hj) + 1, sizeof *hosts);
    size_t n = 0, i;
    const json_t *h;
    json_array_foreach(hj, i, h)
    {
        const char *s = json_string_value(h);
        if (!s) return INVALID("hosts must be an array of strings");
        if (!*s) continue;
        if (!parse_ip(s, (unsigned char[16]){0}) && !valid_dns(s))
            return INVALID("hosts: \"%s\" is neither an IP address nor a DNS name", s);
        add_host(hosts, &n, s);
    }

    const char *algo;
    int bits;
    if (csr_key(csr, &algo, &bits, err) < 0) return -1;
    cleanup_name X509_NAME *subj = X509_NAME_new();
    if (!subj) return ossl_error(err, "build subject");
    if (csr_subject(csr, cn, subj, err) < 0) return -1;

    cleanup_x509 X509 *ca = NULL;
    cleanup_pkey EVP_PKEY *ca_key = NULL;
    if (!is_ca) {
        if (!(ca = load_pem(ca_cert_path, false, err))) return -1;
        if (!(ca_key = load_pem(ca_key_path, true, err))) return -1;
        if (X509_check_ca(ca) < 1) {
            ERR_clear_error();
            return ck_error(err, 400, CK_BAD_REQUEST, "%s is not a CA certificate", ca_cert_path);
        }
        if (X509_check_private_key(ca, ca_key) != 1) {
            ERR_clear_error();
            return ck_error(err, 400, CK_BAD_REQUEST, "CA key %s does not match %s", ca_key_path,
                            ca_cert_path);
        }
    }
    cert_spec s = {.subject = subj,
                   .hosts = hosts,
                   .nhosts = n,
                   .ca = is_ca,
                   .usages = usages,
                   .seconds = seconds > 0 ? seconds
                              : is_ca     ? 10 * YEAR_SECS
                                          : YEAR_SECS};
    cleanup_pkey EVP_PKEY *key = gen_key(algo, bits, err);
    if (!key) return -1;
    cleanup_x509 X509 *x = make_cert(&s, key, ca, ca_key, err);
    if (!x) return -1;
    return write_pair(cert_path, key_path, x, key, err);
}
