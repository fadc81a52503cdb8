/* ckube: one binary, many components. main() dispatches `ckube <command>` from a table. */
#include <stdio.h>
#include <string.h>

#include "apiserver/server.h"
#include "cmd/secrets_encrypt.h"
#include "controller/manager.h"
#include "hollow/hollow.h"
#include "lib/util.h"
#include "pki/pki.h"
#include "scheduler/component.h"
#include "version.h"

static int cmd_version(int argc, char **argv);

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *about;
} command;

static const command commands[] = {
    {"server", ck_cmd_server, "Run a ckube cluster node: API server on the embedded store"},
    {"apiserver", ck_cmd_apiserver, "Run the Kubernetes API server with upstream flags"},
    {"controller-manager", ck_cmd_controller_manager, "Run the controller manager (control loops)"},
    {"scheduler", ck_cmd_scheduler, "Run the scheduler: assign pending pods to nodes"},
    {"certs", ck_cmd_certs, "Create a CA, issue certificates and write kubeconfigs"},
    {"hollow-nodes", ck_cmd_hollow_nodes, "Simulate N nodes and play their kubelet"},
    {"kubectl", ck_cmd_kubectl, "Run kubectl with the admin kubeconfig"},
    {"secrets-encrypt", ck_cmd_secrets_encrypt, "Show or rotate the encryption of secrets at rest"},
    {"version", cmd_version, "Print the version"},
};

static void usage(FILE *out)
{
    fputs("ckube: Kubernetes, written in C.\n\nUsage:\n  ckube <command> [flags]\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(out, "  %-18s %s\n", commands[i].name, commands[i].about);
    fputs("\nComing later: kubelet, proxy, agent.\n"
          "Run 'ckube <command> --help' for a command's flags.\n",
          out);
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
        puts("Print the ckube version.\n\nUsage:\n  ckube version");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "Error: unknown flag: %s\n", argv[1]);
        return 1;
    }
    printf("ckube version %s (Kubernetes %s)\n", CKUBE_VERSION, CK_KUBE_GIT_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (streq(argv[1], "--version")) return cmd_version(1, argv + 1);
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (streq(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "Error: unknown command \"%s\" for \"ckube\"\nRun 'ckube --help' for usage.\n",
            argv[1]);
    return 1;
}
