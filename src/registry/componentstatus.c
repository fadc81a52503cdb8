/* componentstatuses (/v1, deprecated): a virtual list computed on each request, as
 * upstream's componentstatus REST does. etcd-0 stands for the embedded store and is
 * healthy while the server runs; scheduler and controller-manager are probed with a
 * non-blocking TCP connect to their loopback secure ports (10259, 10257) only - nothing
 * else is contacted. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"
#include "registry/corefmt.h"
#include "registry/kinds.h"

/* 0 when something accepts connections on 127.0.0.1:port, else an errno value. */
static int probe_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
    if (r == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 200) == 1) {
            socklen_t len = sizeof r;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &len) < 0) r = errno;
        } else {
            r = ETIMEDOUT;
        }
    }
    close(fd);
    return r;
}

static json_t *component(const char *name, bool healthy, const char *message, const char *error)
{
    json_t *cond = json_pack("{s:s, s:s}", "type", "Healthy", "status", healthy ? "True" : "False");
    if (message && *message) json_object_set_new(cond, "message", json_string(message));
    if (error && *error) json_object_set_new(cond, "error", json_string(error));
    return json_pack("{s:s, s:s, s:{s:s}, s:[o]}", "kind", "ComponentStatus", "apiVersion", "v1",
                     "metadata", "name", name, "conditions", cond);
}

static json_t *probed(const char *name, int port)
{
    int r = probe_loopback(port);
    if (!r) return component(name, true, "ok", NULL);
    char *e =
        xasprintf("Get \"https://127.0.0.1:%d/healthz\": dial tcp 127.0.0.1:%d: %s", port, port,
                  r == ECONNREFUSED ? "connect: connection refused"
                  : r == ETIMEDOUT  ? "i/o timeout"
                                    : strerror(r));
    json_t *c = component(name, false, NULL, e);
    free(e);
    return c;
}

static json_t *cs_items(ck_strategy_ctx *ctx)
{
    (void)ctx;
    return json_pack("[o, o, o]", probed("scheduler", 10259), probed("controller-manager", 10257),
                     component("etcd-0", true, "ok", NULL));
}

static const ck_column cs_columns[] = {
    CK_CORE_COL_NAME,
    {"Status", "string", "", "Status of the component conditions", 0},
    {"Message", "string", "", "Message of the component conditions", 0},
    {"Error", "string", "", "Error of the component conditions", 0},
};

static void cs_row(const json_t *obj, json_t *cells)
{
    const char *status = "Unknown", *msg = "", *err = "";
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(obj, "conditions"), i, c)
    {
        if (!streq(ck_obj_str(c, "type"), "Healthy")) continue;
        status = streq(ck_obj_str(c, "status"), "True") ? "Healthy" : "Unhealthy";
        msg = ck_obj_str(c, "message");
        err = ck_obj_str(c, "error");
        break;
    }
    ck_row_name(obj, cells);
    ck_row_str(cells, status);
    ck_row_str(cells, msg);
    ck_row_str(cells, err);
}

const ck_rtype_def ck_reg_componentstatus = {
    .group = "",
    .version = "v1",
    .plural = "componentstatuses",
    .virtual_items = cs_items,
    .warning = "v1 ComponentStatus is deprecated in v1.19+",
    .columns = cs_columns,
    .ncolumns = ARRAY_SIZE(cs_columns),
    .table_row = cs_row,
};
