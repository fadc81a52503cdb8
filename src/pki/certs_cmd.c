/* `ckube certs`: the cfssl/cfssljson and `kubectl config` steps of a by-hand install in one
 * tool. `ca` and `issue` read cfssl CSR JSON and write cfssljson -bare names (PREFIX.pem,
 * PREFIX-key.pem); `issue` also reads a cfssl ca-config.json for its profiles. Every
 * failure is one "Error: ..." line on stderr and exit status 1. */
#include "pki/pki.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/flags.h"
#include "lib/util.h"

/* A string flag; every flag here takes a value. */
#define STR(name, target, help)                                                                    \
    {                                                                                              \
        name, CK_FLAG_STRING, target, help, false                                                  \
    }

static void json_freep(json_t **j)
{
    json_decref(*j);
}
#define cleanup_json __attribute__((cleanup(json_freep)))

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* Go duration syntax as cfssl uses it ("87600h", "1h30m", "90s"), plus "d" for days.
 * Returns seconds, or -1 when s is malformed, zero, or beyond 100 years. */
static long long parse_duration(const char *s)
{
    long long total = 0;
    if (!s || !*s) return -1;
    while (*s) {
        if (!isdigit((unsigned char)*s)) return -1;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        long long unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
        if (errno || !strchr("dhms", *end) || !*end || v > 100LL * 366 * 86400) return -1;
        total += v * unit;
        if (total > 100LL * 366 * 86400) return -1;
        s = end + 1;
    }
    return total > 0 ? total : -1;
}

/* Loads a JSON object from path, or prints why not and returns NULL. */
static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        if (je.line < 1)
            fail("%s: %s", path, je.text);
        else
            fail("%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        fail("%s: expected a JSON object", path);
        return NULL;
    }
    return j;
}

/* "dir/kubernetes-csr.json" -> "kubernetes" (cfssljson -bare names land in the cwd). */
static char *default_prefix(const char *csr_path, const char *fallback)
{
    if (!csr_path) return xstrdup(fallback);
    const char *base = strrchr(csr_path, '/');
    char *p = xstrdup(base ? base + 1 : csr_path);
    if (has_suffix(p, ".json")) p[strlen(p) - 5] = 0;
    if (has_suffix(p, "-csr")) p[strlen(p) - 4] = 0;
    if (!*p) {
        free(p);
        p = xstrdup(fallback);
    }
    return p;
}

static int make_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    cleanup_free char *dir = xstrndup(path, (size_t)(slash - path));
    if (mkdir_p(dir, 0755) < 0) return fail("create %s: %s", dir, strerror(errno));
    return 0;
}

/* Issues PREFIX.pem/PREFIX-key.pem and reports; csr_path labels CSR (422) errors. */
static int issue(const json_t *csr, const char *csr_path, const char *profile, long long secs,
                 const char *ca, const char *ca_key, const char *prefix)
{
    if (make_parent(prefix)) return 1;
    cleanup_free char *crt = xasprintf("%s.pem", prefix);
    cleanup_free char *key = xasprintf("%s-key.pem", prefix);
    cleanup_err ck_err *err = NULL;
    if (ck_pki_issue_csr(csr, profile, secs, ca, ca_key, crt, key, &err) < 0)
        return err->code == 422 ? fail("%s: %s", csr_path, err->message) : fail("%s", err->message);
    printf("wrote %s and %s\n", crt, key);
    return 0;
}

/* The CSR from --csr or the single positional argument; *path is set for messages. */
static json_t *csr_arg(const char *flag, char **rest, int nrest, const char **path)
{
    if (nrest > 1 || (nrest == 1 && flag)) {
        fail("expected one CSR file, got \"%s\"", rest[nrest - 1]);
        return NULL;
    }
    *path = flag ? flag : nrest ? rest[0] : NULL;
    return *path ? load_json(*path) : NULL;
}

static int cmd_ca(int argc, char **argv)
{
    const char *csr_path = NULL, *prefix = NULL, *expiry = NULL;
    const ck_flag flags[] = {
        STR("csr", &csr_path, "cfssl CSR JSON (default: CN \"kubernetes\")"),
        STR("out-prefix", &prefix, "write PREFIX.pem and PREFIX-key.pem (default ca)"),
        STR("expiry", &expiry,
            "validity such as 87600h (default: the CSR's ca.expiry, else 87600h)"),
    };
    const ck_command_spec spec = {"ckube certs ca", "[CSR-JSON] [flags]",
                                  "Create a self-signed CA, like `cfssl gencert -initca "
                                  "ca-csr.json | cfssljson -bare ca`.",
                                  flags, ARRAY_SIZE(flags)};
    cleanup_free char **rest = NULL;
    int nrest = 0;
    int r = ck_flags_parse(&spec, argc, argv, &rest, &nrest);
    if (r) return r > 0 ? 0 : 1;

    const char *path = NULL;
    cleanup_json json_t *csr = csr_arg(csr_path, rest, nrest, &path);
    if (path && !csr) return 1;
    if (!csr) csr = json_pack("{s:s}", "CN", "kubernetes");
    if (!expiry) expiry = json_string_value(json_object_get(json_object_get(csr, "ca"), "expiry"));
    long long secs = expiry ? parse_duration(expiry) : 0;
    if (secs < 0) return fail("invalid expiry \"%s\" (want a duration such as 87600h)", expiry);
    cleanup_free char *pfx = prefix ? xstrdup(prefix) : xstrdup("ca");
    return issue(csr, path ? path : "CSR", "ca", secs, NULL, NULL, pfx);
}

/* Maps a profile of a cfssl ca-config.json to ours through its usages; fills *secs from its
 * expiry unless already set. Returns NULL after printing an error. */
static const char *config_profile(const char *path, const char *name, long long *secs)
{
    cleanup_json json_t *cfg = load_json(path);
    if (!cfg) return NULL;
    json_t *signing = json_object_get(cfg, "signing");
    if (!json_is_object(signing)) {
        fail("%s: no \"signing\" object", path);
        return NULL;
    }
    json_t *def = json_object_get(signing, "default"),
           *profiles = json_object_get(signing, "profiles");
    json_t *p = name ? json_object_get(profiles, name) : def;
    if (name && !json_is_object(p)) {
        char have[512] = "";
        const char *k;
        json_t *v;
        json_object_foreach(profiles, k, v)
        {
            size_t n = strlen(have);
            snprintf(have + n, sizeof have - n, "%s%s", n ? ", " : "", k);
        }
        fail("profile \"%s\" not found in %s (have: %s)", name, path, *have ? have : "none");
        return NULL;
    }
    json_t *usages = json_object_get(p, "usages");
    if (!usages) usages = json_object_get(def, "usages");
    bool server = !usages, client = !usages; /* cfssl's default usages include both */
    size_t i;
    json_t *u;
    json_array_foreach(usages, i, u)
    {
        server |= streq(json_string_value(u), "server auth");
        client |= streq(json_string_value(u), "client auth");
    }
    if (!server && !client) {
        fail("profile \"%s\" in %s has neither \"server auth\" nor \"client auth\" usage",
             name ? name : "default", path);
        return NULL;
    }
    const char *expiry = json_string_value(json_object_get(p, "expiry"));
    if (!expiry) expiry = json_string_value(json_object_get(def, "expiry"));
    if (!*secs && expiry && (*secs = parse_duration(expiry)) < 0) {
        fail("%s: invalid expiry \"%s\"", path, expiry);
        return NULL;
    }
    return server && client ? "peer" : server ? "server" : "client";
}

static int cmd_issue(int argc, char **argv)
{
    const char *ca = NULL, *ca_key = NULL, *csr_path = NULL, *profile = NULL, *config = NULL;
    const char *prefix = NULL, *expiry = NULL, *hostname = NULL;
    const ck_flag flags[] = {
        STR("ca", &ca, "CA certificate (PEM), e.g. ca.pem"),
        STR("ca-key", &ca_key, "CA private key (PEM), e.g. ca-key.pem"),
        STR("csr", &csr_path, "cfssl CSR JSON: CN is the user, names[].O the groups"),
        STR("profile", &profile,
            "server, client, peer or kubernetes (server+client); with --config, a profile in it"),
        STR("config", &config, "cfssl ca-config.json to take profiles from"),
        STR("hostname", &hostname, "comma-separated SANs replacing the CSR's hosts"),
        STR("out-prefix", &prefix,
            "write PREFIX.pem and PREFIX-key.pem (default: the CSR name without -csr.json)"),
        STR("expiry", &expiry, "validity such as 8760h (default 8760h, one year)"),
    };
    const ck_command_spec spec = {
        "ckube certs issue", "[CSR-JSON] --ca ca.pem --ca-key ca-key.pem --profile NAME [flags]",
        "Issue a certificate signed by the CA, like `cfssl gencert -ca=ca.pem -ca-key=ca-key.pem "
        "-profile=kubernetes server-csr.json | cfssljson -bare server`.\n"
        "CSR hosts become SANs (IP addresses or DNS names), CN the user name, names[].O the "
        "groups (e.g. system:masters).",
        flags, ARRAY_SIZE(flags)};
    cleanup_free char **rest = NULL;
    int nrest = 0;
    int r = ck_flags_parse(&spec, argc, argv, &rest, &nrest);
    if (r) return r > 0 ? 0 : 1;

    if (!ca || !ca_key) return fail("--ca and --ca-key are required");
    if (!csr_path && !nrest) return fail("--csr is required");
    long long secs = 0;
    if (expiry && (secs = parse_duration(expiry)) < 0)
        return fail("invalid expiry \"%s\" (want a duration such as 8760h)", expiry);
    const char *ours = NULL;
    if (config) {
        if (!(ours = config_profile(config, profile, &secs))) return 1;
    } else if (!profile) {
        return fail("--profile is required (server, client, peer or kubernetes)");
    } else if (streq(profile, "server") || streq(profile, "client") || streq(profile, "peer") ||
               streq(profile, "kubernetes")) {
        ours = profile;
    } else {
        return fail("unknown profile \"%s\" (want server, client, peer or kubernetes, or give "
                    "--config ca-config.json)",
                    profile);
    }

    const char *path = NULL;
    cleanup_json json_t *csr = csr_arg(csr_path, rest, nrest, &path);
    if (!csr) return 1;
    if (hostname) {
        json_t *hosts = json_array();
        cleanup_free char *copy = xstrdup(hostname);
        char *save = NULL;
        for (char *h = strtok_r(copy, ",", &save); h; h = strtok_r(NULL, ",", &save))
            json_array_append_new(hosts, json_string(h));
        json_object_set_new(csr, "hosts", hosts);
    }
    cleanup_free char *pfx = prefix ? xstrdup(prefix) : default_prefix(path, "cert");
    return issue(csr, path, ours, secs, ca, ca_key, pfx);
}

static int cmd_kubeconfig(int argc, char **argv)
{
    const char *server = NULL, *ca = NULL, *cert = NULL, *key = NULL, *token = NULL;
    const char *user = "admin", *cluster = "kubernetes", *context = NULL, *out = NULL;
    const ck_flag flags[] = {
        STR("server", &server, "API server URL, e.g. https://192.168.31.24:6443"),
        STR("ca", &ca, "CA certificate to embed (certificate-authority-data)"),
        STR("cert", &cert, "client certificate to embed (client-certificate-data)"),
        STR("key", &key, "client private key to embed (client-key-data)"),
        STR("token", &token, "bearer token instead of --cert/--key (bootstrap)"),
        STR("user", &user, "user entry name (default admin)"),
        STR("cluster", &cluster, "cluster entry name (default kubernetes)"),
        STR("context", &context, "context name (default: the cluster name)"),
        STR("out", &out, "kubeconfig file to write (mode 0600)"),
    };
    const ck_command_spec spec = {
        "ckube certs kubeconfig", "--server URL --ca ca.pem (--cert C --key K | --token T) --out F",
        "Write a self-contained kubeconfig, like `kubectl config set-cluster/set-credentials/"
        "set-context/use-context --embed-certs`.",
        flags, ARRAY_SIZE(flags)};
    int r = ck_flags_parse(&spec, argc, argv, NULL, NULL);
    if (r) return r > 0 ? 0 : 1;

    if (!server) return fail("--server is required");
    if (!ca) return fail("--ca is required");
    if (!out) return fail("--out is required");
    if (token && (cert || key)) return fail("give either --token or --cert and --key, not both");
    if (!token && (!cert || !key)) return fail("--cert and --key (or --token) are required");
    if (make_parent(out)) return 1;
    cleanup_err ck_err *err = NULL;
    if (ck_kubeconfig_write_ex(out, server, cluster, context ? context : cluster, user, ca, cert,
                               key, token, &err) < 0)
        return fail("%s", err->message);
    printf("wrote %s\n", out);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *about;
} subcommands[] = {
    {"ca", cmd_ca, "Create a self-signed CA from a cfssl CSR (ca.pem, ca-key.pem)"},
    {"issue", cmd_issue, "Issue a server/client certificate signed by the CA"},
    {"kubeconfig", cmd_kubeconfig, "Write a kubeconfig embedding the CA and credentials"},
};

static void usage(FILE *out)
{
    fputs("Create a CA, issue certificates and write kubeconfigs (what cfssl, cfssljson and\n"
          "`kubectl config` do in a by-hand install).\n\nUsage:\n  ckube certs <command> "
          "[flags]\n\nCommands:\n",
          out);
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
        fprintf(out, "  %-12s %s\n", subcommands[i].name, subcommands[i].about);
    fputs("\nRun 'ckube certs <command> --help' for a command's flags.\n", out);
}

int ck_cmd_certs(int argc, char **argv)
{
    if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
        if (streq(argv[1], subcommands[i].name)) return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr,
            "Error: unknown command \"%s\" for \"ckube certs\"\nRun 'ckube certs --help' for "
            "usage.\n",
            argv[1]);
    return 1;
}
