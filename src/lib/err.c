/* ck_err construction and release. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"

static int make(ck_err **err, int code, const char *reason, json_t *details, const char *fmt,
                va_list ap)
{
    if (!err || *err) {
        json_decref(details);
        return -1;
    }
    ck_err *e = xcalloc(1, sizeof *e);
    e->code = code;
    e->reason = reason;
    if (vasprintf(&e->message, fmt, ap) < 0) e->message = xstrdup("error");
    e->details = details;
    *err = e;
    return -1;
}

int ck_error(ck_err **err, int code, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = make(err, code, reason, NULL, fmt, ap);
    va_end(ap);
    return r;
}

int ck_error_details(ck_err **err, int code, const char *reason, json_t *details, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = make(err, code, reason, details, fmt, ap);
    va_end(ap);
    return r;
}

void ck_err_free(ck_err *err)
{
    if (!err) return;
    free(err->message);
    json_decref(err->details);
    free(err);
}
